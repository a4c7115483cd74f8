"""Hall test setup: a county hall with general, special and 一件事 windows and their staff, a published item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests import factories as f
from tests.cases import factories as cw
from yiwang.core.permissions import SYSTEM, Actor
from yiwang.hall import service as hall

MONDAY = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in Guangzhou, a working day
SATURDAY = dt.datetime(2026, 3, 7, 1, 30, tzinfo=dt.UTC)


@dataclass
class Hall:
    w: cw.World
    code: str
    clerk2: Actor
    special: Actor  # a department handler on duty at the special window
    outsider: Actor  # a window clerk of another district


def line(code: str = "H1", region: str = "440104", **over: Any) -> dict[str, Any]:
    return {"code": code, "name": "越秀区政务服务中心", "region_code": region, "opens": "09:00", "closes": "17:00",
            "windows": over.pop("windows", None) or [
                {"code": f"{code}-01", "type": "综合", "staff": ["clerk"]},
                {"code": f"{code}-02", "type": "综合", "staff": ["clerk2"]},
                {"code": f"{code}-03", "type": "专项", "item_codes": over.pop("special_items", []),
                 "staff": ["handler"]},
                {"code": f"{code}-04", "type": "一件事"}],
            **over}


def build(session: Session, **item: Any) -> Hall:
    w = cw.world(session, **item)
    clerk2 = f.staff(session, "clerk2", ["window_clerk"], "区政务服务数据管理局")
    outsider = f.staff(session, "tianhe_clerk", ["window_clerk"], "天河区政务服务数据管理局", "440106")
    report = hall.import_halls(session, SYSTEM, [("第 1 行", line(special_items=[w.code]))])
    assert not report.errors, report.errors
    session.flush()
    return Hall(w=w, code="H1", clerk2=clerk2, special=w.handler, outsider=outsider)
