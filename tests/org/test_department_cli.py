"""Issue 13, point 4: `yiwang department add --name --uscc [--region] [--phone]` registers a department's
USCC for a new deployment: creates or updates, validates the code (GB 32100), exits 1 on bad input, audited."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from stdnum.cn import uscc as stdnum_uscc

from tests import factories as f
from yiwang.cli import main
from yiwang.core.audit import AuditRecord
from yiwang.core.config import reset_settings
from yiwang.core.permissions import SYSTEM
from yiwang.org import service as org_service


@pytest.fixture()
def cli(engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YIWANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    reset_settings()
    yield CliRunner()
    monkeypatch.delenv("YIWANG_DATABASE_URL")
    reset_settings()


def test_add_then_update(cli, session) -> None:  # type: ignore[no-untyped-def]
    code = f.uscc_code("440104")
    assert stdnum_uscc.is_valid(code)
    f.region(session, "440104")
    session.commit()
    r = cli.invoke(main, ["department", "add", "--name", "越秀区民政局", "--uscc", code, "--region", "440104",
                          "--phone", "020-83001234"])
    assert r.exit_code == 0, r.output
    assert "created" in r.output
    dept = org_service.find_department(session, "越秀区民政局", "440104")
    assert dept is not None and dept.uscc == code and dept.phone == "020-83001234"
    # the same name again updates it: a department created by an import without a USCC gets one
    org_service.ensure_department(session, SYSTEM, name="越秀区教育局", region_code="440104")
    session.commit()
    other = f.uscc_code("440104")
    r = cli.invoke(main, ["department", "add", "--name", "越秀区教育局", "--uscc", other.lower(), "--region", "440104"])
    assert r.exit_code == 0 and "updated" in r.output, r.output
    session.expire_all()
    assert org_service.find_department(session, "越秀区教育局", "440104").uscc == other
    actions = set(session.scalars(select(AuditRecord.action)))
    assert {"department.add", "department.update"} <= actions


@pytest.mark.parametrize("args,message", [
    (["--uscc", "91440104MA00000000"], "校验位"),
    (["--uscc", "123"], "18 位"),
    (["--uscc", "GOOD", "--region", "999999"], "区划"),
    (["--uscc", "GOOD", "--phone", "call me"], "电话"),
    (["--uscc", "GOOD", "--name", "  "], "部门名称"),
])
def test_bad_input_exits_1_with_a_clear_message(cli, session, args, message) -> None:  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    session.commit()
    args = [f.uscc_code("440104") if a == "GOOD" else a for a in args]
    base = ["department", "add", "--region", "440104", "--name", "越秀区民政局"]
    r = cli.invoke(main, base + args)
    assert r.exit_code == 1, r.output
    assert message in r.output and "Traceback" not in r.output
    assert org_service.find_department(session, "越秀区民政局", "440104") is None or "--name" in args


def test_a_code_of_another_department_is_refused(cli, session) -> None:  # type: ignore[no-untyped-def]
    f.region(session, "440104")
    session.commit()
    code = f.uscc_code("440104")
    assert cli.invoke(main, ["department", "add", "--name", "甲局", "--uscc", code, "--region", "440104"]).exit_code == 0
    r = cli.invoke(main, ["department", "add", "--name", "乙局", "--uscc", code, "--region", "440104"])
    assert r.exit_code == 1 and "甲局" in r.output
