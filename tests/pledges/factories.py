"""Pledge test setup: an item that allows pledges and issues a licence, a pledged case approved, the worker run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.cases import factories as cw
from tests.licenses import factories as lf
from yiwang.cases import service as cases
from yiwang.core import clock, outbox
from yiwang.jobs import register_all  # noqa: F401  (re-exported for tests)
from yiwang.pledges import repository as pledge_repo
from yiwang.pledges.models import PledgeCheck

MONDAY = lf.MONDAY
FORM = {"contact_name": "张三", "contact_phone": "13800138000", "description": "申请办理"}


def world(session: Session, **item: Any) -> cw.World:
    """Its item allows pledges: the government-sourced 身份证明 may be replaced by the pledge."""
    item.setdefault("pledge_allowed", True)
    w = lf.world(session, **item)
    lf.add_type(session)
    return w


def submit_pledged(session: Session, w: cw.World, **over: Any) -> str:
    """Filed with the pledge: only the applicant's own 申请书 is uploaded."""
    over.setdefault("materials", [cases.MaterialIn("申请书", cw.upload(session, w.applicant))])
    return cw.submit(session, w, pledge=True, **over)


def approved_pledged(session: Session, engine: Engine, w: cw.World) -> str:
    """A pledged case approved on Monday 2 March 2026 and the worker run (licence issued, task opened)."""
    register_all()
    no = lf.approved_case(session, w, pledge=True,
                          materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant))])
    session.commit()
    run_worker(engine)
    session.expire_all()
    return no


def run_worker(engine: Engine, at: dt.datetime | None = None) -> None:
    with clock.frozen(at or MONDAY + dt.timedelta(minutes=5)):
        while outbox.run_once(engine):
            pass


def task_of(session: Session, case_no: str) -> PledgeCheck:
    task = pledge_repo.by_case_no(session, case_no)
    assert task is not None
    return task
