"""Hotline test setup: the demo district's units (from the shipped dispatch list), an operator, two liaisons and
a person who files on the web."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests import factories as f
from yiwang.core.permissions import SYSTEM, Actor
from yiwang.hotline import service as hotline
from yiwang.org import service as org

MONDAY = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in Guangzhou, a working day
ECO = "广州市生态环境局越秀分局"
PSB = "广州市公安局越秀区分局"
CENTRE = "广州市越秀区政务服务数据管理局"


@dataclass
class World:
    operator: Actor
    eco: Actor  # liaison of the environment branch
    psb: Actor  # liaison of the police branch
    person: Actor
    outsider: Actor  # an operator of another district
    depts: dict[str, int]


def build(session: Session) -> World:
    f.region(session, "440104", "越秀区")
    f.region(session, "440103", "荔湾区")
    org.ensure_region(session, SYSTEM, code="440104001000", name="洪桥街道", parent_code="440104")
    rows = hotline.packaged_duties()
    depts = {}
    for function, name, region, _duties in rows:
        depts[function] = org.ensure_department(session, SYSTEM, name=name, region_code=region).id
    assert hotline.import_units(session, SYSTEM, rows) == []
    operator = f.staff(session, "op", ["hotline_operator"], CENTRE)
    eco = f.staff(session, "eco", ["hotline_liaison"], ECO)
    psb = f.staff(session, "psb", ["hotline_liaison"], PSB)
    outsider = f.staff(session, "op_lw", ["hotline_operator"], "广州市荔湾区政务服务数据管理局", "440103")
    person, _ = f.person(session)
    session.flush()
    return World(operator, eco, psb, person, outsider, depts)
