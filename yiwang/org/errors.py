from yiwang.core.errors import Conflict, NotFound


class RegionNotFound(NotFound):
    code = "region_not_found"


class DepartmentNotFound(NotFound):
    code = "department_not_found"


class DuplicateDepartment(Conflict):
    code = "duplicate_department"
