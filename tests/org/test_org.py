from __future__ import annotations

import pytest

from tests import factories as f
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM
from yiwang.org import service as org_service
from yiwang.org.errors import DuplicateDepartment


def test_region_tree_and_department_uscc(session) -> None:  # type: ignore[no-untyped-def]
    f.region(session, "440104", "越秀区")
    r = org_service.ensure_region(session, SYSTEM, code="440104001000", name="洪桥街道", parent_code="440104")
    assert r.level == 4
    with pytest.raises(ValidationFailed) as exc:
        org_service.add_department(session, SYSTEM, name="测试局", region_code="440104", uscc="91110000600037341X")
    assert exc.value.field == "uscc"
    d = org_service.add_department(session, SYSTEM, name="测试局", region_code="440104", uscc=f.uscc_code())
    with pytest.raises(DuplicateDepartment):
        org_service.add_department(session, SYSTEM, name="测试局", region_code="440104")
    assert org_service.ensure_department(session, SYSTEM, name="测试局", region_code="440104").id == d.id


def test_bad_region_code(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        org_service.add_region(session, SYSTEM, code="44-01", name="x")
    assert exc.value.field == "code"


def test_departments_are_scoped_to_the_actor(session) -> None:  # type: ignore[no-untyped-def]
    handler = f.staff(session, "h1", ["handler"], "越秀区市场监督管理局", "440104")
    f.department(session, "越秀区卫生健康局", "440104")
    f.region(session, "440106", "天河区")
    f.department(session, "天河区市场监督管理局", "440106")
    admin = f.staff(session, "adm", ["admin"], "越秀区政务服务数据管理局", "440104")
    assert [d.name for d in org_service.list_departments(session, handler)] == ["越秀区市场监督管理局"]
    admin_sees = {d.name for d in org_service.list_departments(session, admin)}
    assert "越秀区卫生健康局" in admin_sees and "天河区市场监督管理局" not in admin_sees
    with pytest.raises(PermissionDenied):
        org_service.add_department(session, handler, name="x局")


def test_administrators_manage_their_own_region_only(session) -> None:  # type: ignore[no-untyped-def]
    admin = f.staff(session, "adm2", ["admin"], "越秀区政务服务数据管理局", "440104")
    f.region(session, "440106", "天河区")
    with pytest.raises(PermissionDenied):
        org_service.add_department(session, admin, name="天河区某局", region_code="440106")
    assert org_service.add_department(session, admin, name="越秀区某局").region_code == "440104"
    with pytest.raises(PermissionDenied):
        org_service.add_region(session, admin, code="440106001000", name="天河某街道", parent_code="440106")
