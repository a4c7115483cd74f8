"""A realistic demo: a provincial deployment (广东省) with a city and a county-level district, real
department names from the published catalog, staff for every role, a person and an enterprise."""

from __future__ import annotations

from stdnum.cn import ric, uscc

from yiwang.core.codes import org_code_check
from yiwang.core.db import session_scope
from yiwang.core.permissions import SYSTEM
from yiwang.identity import repository as identity_repo
from yiwang.identity import service as identity
from yiwang.org import service as org_service

DEMO_PASSWORD = "Demo2026pass"  # noqa: S105 - printed for the demo on purpose

REGIONS = [
    ("440000", "广东省", None),
    ("440100", "广州市", "440000"),
    ("440104", "越秀区", "440100"),
    ("440104001000", "洪桥街道", "440104"),
    ("440104001001", "三眼井社区", "440104001000"),
]


def make_uscc(prefix8: str, org8: str) -> str:
    """A well-formed USCC for demo bodies: registration/type/region (8) + organisation code + check."""
    body = prefix8 + org8 + org_code_check(org8)
    return body + uscc.calc_check_digit(body + "0")


def make_id_number(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


DEPARTMENTS = [
    # name, region, organisation code body
    ("广州市越秀区政务服务数据管理局", "440104", "MB2C1234"),
    ("广州市越秀区市场监督管理局", "440104", "MB2C2001"),
    ("广州市越秀区卫生健康局", "440104", "MB2C3002"),
    ("广州市越秀区人力资源和社会保障局", "440104", "MB2C4003"),
    ("广州市越秀区纪委监委", "440104", "MB2C5004"),
    ("洪桥街道便民服务中心", "440104001000", "MB2C6005"),
]

STAFF = [
    # role label, login, name, department index, roles
    ("系统管理员", "admin", "周敏", 0, ["admin"]),
    ("综合窗口", "clerk", "李晓燕", 0, ["window_clerk"]),
    ("承办人", "handler", "王建国", 1, ["handler"]),
    ("审核人", "checker", "陈志强", 1, ["checker"]),
    ("审批人", "approver", "刘海涛", 1, ["approver"]),
    ("承办人", "health", "黄丽", 2, ["handler", "checker", "approver"]),
    ("监察员", "supervisor", "赵刚", 4, ["supervisor"]),
    ("代办员", "proxy", "何小梅", 5, ["proxy"]),
]

PERSON = ("张三", make_id_number("44010419900307123"), "13800138000")
ENTERPRISE = ("广州越秀示范餐饮有限公司", make_uscc("91440104", "MA5D0001"), "李四", "13900139000")


def seed() -> list[tuple[str, str, str, str]]:
    """Create what is missing (safe to run again). Returns (role, login, name, where) for printing."""
    accounts: list[tuple[str, str, str, str]] = []
    with session_scope() as session:
        for code, name, parent in REGIONS:
            org_service.ensure_region(session, SYSTEM, code=code, name=name, parent_code=parent)
        depts = []
        for name, region, org in DEPARTMENTS:
            depts.append(org_service.ensure_department(session, SYSTEM, name=name, region_code=region,
                                                       uscc=make_uscc("11" + region[:6], org)))
        for label, login, name, idx, roles in STAFF:
            if identity_repo.staff_by_login(session, login) is None:
                identity.add_staff(session, SYSTEM, login=login, password=DEMO_PASSWORD, name=name,
                                   department_id=depts[idx].id, roles=roles)
            accounts.append((label, login, name, depts[idx].name))
        pname, pid, pphone = PERSON
        if identity_repo.person_by_id_number(session, pid) is None:
            identity.register_person(session, name=pname, id_number=pid, phone=pphone, password=DEMO_PASSWORD)
        accounts.append(("个人", pid, pname, f"或手机号 {pphone}"))
        ename, ecode, legal, ephone = ENTERPRISE
        if identity_repo.enterprise_by_uscc(session, ecode) is None:
            identity.register_enterprise(session, name=ename, uscc=ecode, legal_person=legal, phone=ephone,
                                         password=DEMO_PASSWORD)
        accounts.append(("法人", ecode, ename, f"或手机号 {ephone}"))
    return accounts
