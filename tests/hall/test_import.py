"""Setting up a real centre: ``yiwang hall import`` (JSON lines, idempotent like the catalog import), per-line
errors, windows that leave the file closing, staff on duty replaced, and an administrator's region."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hall import factories as hf
from yiwang.cli import main
from yiwang.core.config import reset_settings
from yiwang.core.errors import PermissionDenied
from yiwang.core.permissions import SYSTEM
from yiwang.hall import service as hall


@pytest.fixture()
def cli(engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YIWANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    reset_settings()
    yield CliRunner()
    monkeypatch.delenv("YIWANG_DATABASE_URL")
    reset_settings()


def _write(tmp_path: Path, *records: object) -> Path:
    path = tmp_path / "halls.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                    encoding="utf-8")
    return path


def test_the_cli_imports_halls_reports_bad_lines_and_is_idempotent(cli, session: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "clerk", ["window_clerk"], "区政务服务数据管理局")
    f.region(session, "440106", "天河区")
    session.commit()
    good = hf.line("H1", windows=[{"code": "H1-01", "type": "综合", "staff": ["clerk"]},
                                  {"code": "H1-02", "type": "投资项目"}])
    path = _write(tmp_path, good, "{not json", hf.line("H2", region="999999"),
                  hf.line("H3", windows=[{"code": "H3-01", "type": "VIP"}]),
                  hf.line("H4", windows=[{"code": "H4-01", "type": "综合", "staff": ["nobody"]}]), good)
    r = cli.invoke(main, ["hall", "import", str(path)])
    assert r.exit_code == 0, r.output
    assert "共 6 行：新增 1" in r.output and "错误 5" in r.output
    assert "第 2 行" in r.output and "不是有效的 JSON" in r.output
    assert "行政区划 999999 不存在" in r.output
    assert "窗口类型应为" in r.output
    assert "工作人员账号 nobody 不存在" in r.output
    assert "与第 1 行重复" in r.output
    reserved = cli.invoke(main, ["hall", "import", str(_write(tmp_path, hf.line("rate")))])
    assert reserved.exit_code == 1 and "大厅编码不能为" in reserved.output
    again = cli.invoke(main, ["hall", "import", str(_write(tmp_path, good))])
    assert again.exit_code == 0 and "未变化 1" in again.output
    listed = cli.invoke(main, ["hall", "list"])
    assert "H1-01" in listed.output and "clerk" in listed.output
    key = cli.invoke(main, ["hall", "terminal-key", "H1-01"])
    assert key.exit_code == 0 and key.output.startswith("/hall/rate/H1-01?key=")
    only_bad = cli.invoke(main, ["hall", "import", str(_write(tmp_path, "[1]"))])
    assert only_bad.exit_code == 1


def test_a_window_left_out_closes_and_staff_are_replaced(session: Session) -> None:
    h = hf.build(session)
    line = hf.line(windows=[{"code": "H1-01", "type": "综合", "staff": ["clerk2"]}])
    report = hall.import_halls(session, SYSTEM, [("第 1 行", line)])
    assert (report.changed, report.errors) == (1, [])
    out = hall.get_hall(session, "H1")
    assert [w["code"] for w in out.windows] == ["H1-01"] and out.windows[0]["staff_logins"] == ["clerk2"]
    assert hall.my_windows(session, h.w.clerk) == []  # no longer on duty anywhere
    assert hall.import_halls(session, SYSTEM, [("第 1 行", line)]).unchanged == 1


def test_an_administrator_sets_up_halls_only_in_their_region(session: Session) -> None:
    admin = f.staff(session, "tianhe_admin", ["admin"], "天河区政务服务数据管理局", "440106")
    f.region(session, "440104")
    report = hall.import_halls(session, admin, [("第 1 行", hf.line("H9", windows=[{"code": "H9-01",
                                                                                    "type": "综合"}]))])
    assert report.created == 0 and "不在您的管辖范围内" in report.errors[0][1]
    clerk = f.staff(session, "clerk", ["window_clerk"], "区政务服务数据管理局")
    with pytest.raises(PermissionDenied):
        hall.import_halls(session, clerk, [])
    a_window_of_another_hall = hf.line("H8", region="440106", windows=[{"code": "X-01", "type": "综合"}])
    assert hall.import_halls(session, admin, [("第 1 行", a_window_of_another_hall)]).created == 1
    taken = hall.import_halls(session, SYSTEM, [("第 1 行", hf.line("H7", windows=[{"code": "X-01",
                                                                                    "type": "综合"}]))])
    assert "已属于另一个大厅" in taken.errors[0][1]
