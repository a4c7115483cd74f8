"""Test data builders per domain: valid national codes, staff in departments, logged-in clients."""

from __future__ import annotations

import itertools
import random

from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from yiwang.core.codes import org_code_check
from yiwang.core.permissions import SYSTEM, Actor
from yiwang.identity import service as identity
from yiwang.org import service as org_service

PASSWORD = "Passw0rd2026"
_seq = itertools.count(1)


def id_number(birth: str = "19900101", area: str = "440104") -> str:
    body = f"{area}{birth}{next(_seq) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def uscc_code(region: str = "440104") -> str:
    org = f"MA{random.randint(0, 999999):06d}"
    body = f"91{region}{org}{org_code_check(org)}"
    return body + uscc.calc_check_digit(body + "0")


def phone() -> str:
    return f"139{next(_seq) % 100000000:08d}"


def region(session: Session, code: str = "440104", name: str = "越秀区") -> str:
    org_service.ensure_region(session, SYSTEM, code="440000", name="广东省")
    parent = "440100" if code.startswith("4401") and code != "440100" else "440000"
    if code not in ("440000", "440100"):
        org_service.ensure_region(session, SYSTEM, code="440100", name="广州市", parent_code="440000")
    org_service.ensure_region(session, SYSTEM, code=code, name=name, parent_code=parent if code != "440000" else None)
    return code


def department(session: Session, name: str = "区市场监督管理局", region_code: str = "440104") -> int:
    region(session, region_code)
    return org_service.ensure_department(session, SYSTEM, name=name, region_code=region_code).id


def staff(session: Session, login: str, roles: list[str], department_name: str = "区市场监督管理局",
          region_code: str = "440104") -> Actor:
    dept_id = department(session, department_name, region_code)
    s = identity.add_staff(session, SYSTEM, login=login, password=PASSWORD, name=f"{login}员",
                           department_id=dept_id, roles=roles)
    return identity.actor_for_staff(session, s)


def person(session: Session, name: str = "张三") -> tuple[Actor, str]:
    number = id_number()
    p = identity.register_person(session, name=name, id_number=number, phone=phone(), password=PASSWORD)
    return identity.actor_for_person(p), number


def api_login(client, username: str, password: str = PASSWORD) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
