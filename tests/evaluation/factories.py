"""Evaluation test setup: concluded cases of one department, its handler, another department, a supervisor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests import factories as f
from tests.cases import factories as cw
from tests.licenses import factories as lf
from yiwang.core import clock
from yiwang.core.permissions import Actor
from yiwang.evaluation import service as evaluation
from yiwang.evaluation.models import Evaluation


def at(day: str, hour: int = 10) -> dt.datetime:
    """An aware moment on a local (Asia/Shanghai) calendar day."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=clock.LOCAL_TZ)


@dataclass
class World:
    cases: cw.World
    supervisor: Actor

    @property
    def applicant(self) -> Actor:
        return self.cases.applicant

    @property
    def handler(self) -> Actor:
        return self.cases.handler


def world(session: Session) -> World:
    w = cw.world(session)
    return World(cases=w, supervisor=f.staff(session, "super", ["supervisor"], "区政务服务数据管理局"))


def concluded(session: Session, w: World) -> str:
    """A case approved on Monday 2 March 2026 (concluded, ready to be rated)."""
    return lf.approved_case(session, w.cases)


def rate(session: Session, w: World, case_no: str, when: dt.datetime, level: int, **over: Any) -> Evaluation:
    over.setdefault("reasons", ["slow"] if level >= 4 else [])
    with clock.frozen(when):
        return evaluation.rate(session, over.pop("actor", w.applicant), case_no=case_no, level=level, **over)
