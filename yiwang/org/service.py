"""Business actions on regions and departments."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.core import audit, clock
from yiwang.core.codes import validate_region_code, validate_uscc
from yiwang.core.config import get_settings
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.org import repository as repo
from yiwang.org.errors import DepartmentNotFound, DuplicateDepartment, RegionNotFound
from yiwang.org.models import Department, Region

LEVEL_NAMES = {1: "省级", 2: "市级", 3: "县级", 4: "乡镇（街道）", 5: "村（社区）"}


def region_level(code: str) -> int:
    if len(code) == 12:
        return 5 if code[9:] != "000" else 4
    if code[2:] == "0000":
        return 1
    if code[4:] == "00":
        return 2
    return 3


def _check_within(actor: Actor, region_code: str | None, field: str) -> None:
    """Administrators manage their own region's subtree only."""
    if actor.is_staff and actor.region_code and region_code and \
            not region_code.startswith(region_prefix(actor.region_code)):
        raise PermissionDenied("只能管理本人所在区划及其下级区划", field=field, code="out_of_region")


def add_region(session: Session, actor: Actor, *, code: str, name: str, parent_code: str | None = None) -> Region:
    actor.require(Perm.ORG_REGION_MANAGE)
    _check_within(actor, parent_code or code, "parent_code")
    _check_within(actor, code, "code")
    return _add_region(session, actor, code=code, name=name, parent_code=parent_code)


def _add_region(session: Session, actor: Actor, *, code: str, name: str, parent_code: str | None) -> Region:
    code = validate_region_code(code)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写区划名称（不超过 100 字）", field="name")
    if parent_code:
        if repo.region(session, parent_code) is None:
            raise RegionNotFound("上级区划不存在", field="parent_code")
        if code == parent_code or not code.startswith(region_prefix(parent_code)):
            raise ValidationFailed(f"区划代码 {code} 不在上级区划 {parent_code} 之下", field="code",
                                   code="not_under_parent")
    existing = repo.region(session, code)
    if existing is not None:
        raise DuplicateDepartment(f"区划代码 {code} 已存在", field="code", code="duplicate_region")
    region = Region(code=code, name=name, parent_code=parent_code or None, level=region_level(code))
    session.add(region)
    session.flush()
    audit.record(session, actor, "region.add", "region", code, {"name": name, "parent_code": parent_code})
    return region


def ensure_region(session: Session, actor: Actor, *, code: str, name: str, parent_code: str | None = None) -> Region:
    """The region with this code, created if missing (bootstrapping and imports)."""
    return repo.region(session, code) or _add_region(session, actor, code=code, name=name, parent_code=parent_code)


def ensure_home_region(session: Session, actor: Actor) -> Region:
    s = get_settings()
    return ensure_region(session, actor, code=s.home_region_code, name=s.home_region_name)


def add_department(session: Session, actor: Actor, *, name: str, region_code: str | None = None,
                   uscc: str | None = None, phone: str | None = None) -> Department:
    actor.require(Perm.ORG_DEPARTMENT_MANAGE)
    _check_within(actor, region_code or actor.region_code, "region_code")
    return _add_department(session, actor, name=name, region_code=region_code or actor.region_code, uscc=uscc,
                           phone=phone)


def _add_department(session: Session, actor: Actor, *, name: str, region_code: str | None, uscc: str | None,
                    phone: str | None = None) -> Department:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写部门名称", field="name")
    if len(name) > 200:
        raise ValidationFailed("部门名称过长", field="name")
    region_code = region_code or ensure_home_region(session, actor).code
    if repo.region(session, region_code) is None:
        raise RegionNotFound("所属区划不存在", field="region_code")
    if uscc:
        uscc = validate_uscc(uscc)
        if repo.department_by_uscc(session, uscc) is not None:
            raise DuplicateDepartment("该统一社会信用代码已被其他部门使用", field="uscc")
    if repo.department_by_name(session, name, region_code) is not None:
        raise DuplicateDepartment("该区划下已有同名部门", field="name")
    dept = Department(name=name, region_code=region_code, uscc=uscc or None, phone=phone, created_at=clock.now())
    session.add(dept)
    session.flush()
    audit.record(session, actor, "department.add", "department", dept.id,
                 {"name": name, "region_code": region_code, "uscc": uscc})
    return dept


def ensure_department(session: Session, actor: Actor, *, name: str, region_code: str | None = None,
                      uscc: str | None = None) -> Department:
    """The department with this name (in the region, when given), created if unknown."""
    found = repo.department_by_name(session, name.strip(), region_code)
    if found is not None:
        return found
    if uscc and repo.department_by_uscc(session, uscc) is not None:
        uscc = None  # the code belongs to a namesake elsewhere; keep the department without it
    return _add_department(session, actor, name=name, region_code=region_code, uscc=uscc)


def get_department(session: Session, department_id: int) -> Department:
    dept = repo.department(session, department_id)
    if dept is None:
        raise DepartmentNotFound("部门不存在", field="department")
    return dept


def find_department(session: Session, name: str, region_code: str | None = None) -> Department | None:
    return repo.department_by_name(session, name, region_code)


def region_name(session: Session, code: str) -> str:
    """A region's name (its code when unknown)."""
    region = repo.region(session, code)
    return region.name if region is not None else code


def list_regions(session: Session) -> Sequence[Region]:
    return repo.regions(session)


def list_departments(session: Session, actor: Actor) -> Sequence[Department]:
    return repo.visible_departments(session, actor)


def all_departments(session: Session) -> Sequence[Department]:
    """Public directory of departments (guide pages list them for everyone)."""
    return repo.all_departments(session)


def departments_stamp(session: Session) -> tuple[int, int]:
    """(count, a hash of ids, names and regions): changes when a department is added, renamed or moved, for caches
    built from the directory."""
    rows = session.execute(select(Department.id, Department.name, Department.region_code)
                           .order_by(Department.id)).all()
    return len(rows), hash(tuple(tuple(r) for r in rows))


def departments_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Department]:
    return repo.departments_by_ids(session, set(ids))


PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省", "22": "吉林省",
    "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区", "61": "陕西省",
    "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
}


def ensure_region_chain(session: Session, actor: Actor, code: str) -> Region:
    """The region with this 行政区划 code, creating it and its ancestors if unknown (imports). Unknown
    names are filled with the province name or a placeholder an administrator can correct."""
    code = validate_region_code(code)
    found = repo.region(session, code)
    if found is not None:
        return found
    six = code[:6]
    chain = [six[:2] + "0000", six[:4] + "00", six]
    if len(code) == 12:
        chain += [code[:9] + "000", code]
    parent: str | None = None
    region: Region | None = None
    for c in dict.fromkeys(chain):  # keeps order, drops repeats (e.g. a province code itself)
        region = repo.region(session, c)
        if region is None:
            name = PROVINCES.get(c[:2], "") if c.endswith("0000") and len(c) == 6 else f"区划{c}"
            region = _add_region(session, actor, code=c, name=name or f"区划{c}", parent_code=parent)
        parent = region.code
    assert region is not None
    return region


_names: dict[tuple[str, int], tuple[float, str]] = {}


def department_name(session: Session, department_id: int, max_age: float = 60.0) -> str:
    """A department's name, cached in this process for a minute (names change rarely)."""
    key = (str(session.get_bind().engine.url), department_id)
    hit = _names.get(key)
    if hit is not None and time.monotonic() - hit[0] < min(max_age, get_settings().cache_seconds):
        return hit[1]
    name = get_department(session, department_id).name
    _names[key] = (time.monotonic(), name)
    return name


# --- separation of duties (一人多岗) -----------------------------------------------------------------

def combined_duties(session: Session, department_id: int) -> bool:
    """Whether a department works 一人多岗: one person may handle and decide the same case."""
    dept = repo.department(session, department_id)
    return bool(dept is not None and dept.combined_duties)


def set_combined_duties(session: Session, actor: Actor, *, department_id: int, combined: bool,
                        reason: str = "") -> Department:
    """Mark a (small) department as 一人多岗, switching separation of duties off for its cases, or back.
    Administrators of the department's region only, with a reason; audited."""
    actor.require(Perm.ORG_DEPARTMENT_MANAGE)
    dept = get_department(session, department_id)
    _check_within(actor, dept.region_code, "department")
    reason = (reason or "").strip()[:500]
    if combined and not reason:
        raise ValidationFailed("设为一人多岗须说明理由（如编制人数不足以分设承办与审批岗位）", field="reason",
                               code="reason_required")
    if dept.combined_duties != combined:
        dept.combined_duties = combined
        session.flush()
        audit.record(session, actor, "department.combined_duties", "department", dept.id,
                     {"combined_duties": combined, "reason": reason})
    return dept


_PHONE = re.compile(r"[0-9][0-9\-\s()（）转,，、]{2,48}[0-9]")


def register_department(session: Session, actor: Actor, *, name: str, uscc: str, region_code: str | None = None,
                        phone: str | None = None) -> tuple[Department, bool]:
    """Create the department, or update the one with this name in the region (default: the home region):
    its USCC (GB 32100, validated) and phone. Returns (department, created). Audited."""
    actor.require(Perm.ORG_DEPARTMENT_MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写部门名称", field="name")
    code = validate_uscc(uscc or "")
    if region_code:
        region_code = validate_region_code(region_code)
        if repo.region(session, region_code) is None:
            raise RegionNotFound(f"区划 {region_code} 不存在，请先建立该区划", field="region_code")
    else:
        region_code = ensure_home_region(session, actor).code
    _check_within(actor, region_code, "region_code")
    phone = (phone or "").strip() or None
    if phone is not None and not _PHONE.fullmatch(phone):
        raise ValidationFailed("电话号码格式不正确（如 020-83001234）", field="phone", code="invalid_phone")
    holder = repo.department_by_uscc(session, code)
    existing = repo.department_by_name(session, name, region_code)
    if holder is not None and (existing is None or holder.id != existing.id):
        raise DuplicateDepartment(f"统一社会信用代码 {code} 已属于部门“{holder.name}”", field="uscc")
    if existing is None:
        return _add_department(session, actor, name=name, region_code=region_code, uscc=code, phone=phone), True
    changes = {k: v for k, v in (("uscc", code), ("phone", phone)) if v is not None and getattr(existing, k) != v}
    for key, value in changes.items():
        setattr(existing, key, value)
    session.flush()
    if changes:
        audit.record(session, actor, "department.update", "department", existing.id,
                     {"name": name, "region_code": region_code, **changes})
    return existing, False
