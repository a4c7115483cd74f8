from yiwang.core.errors import Conflict, NotFound


class CaseNotFound(NotFound):
    code = "case_not_found"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class CaseConflict(Conflict):
    code = "concurrent_update"
