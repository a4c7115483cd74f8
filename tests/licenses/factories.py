"""License test setup: an item whose approval issues a license, its department registered with a USCC."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tests import factories as f
from tests.cases import factories as cw
from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.permissions import SYSTEM
from yiwang.licenses import jobs as license_jobs
from yiwang.licenses import service as licenses
from yiwang.org import service as org_service

TYPE = "测试经营许可证"
MONDAY = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in Guangzhou


def world(session: Session, *, license_type: str = TYPE, **item: Any) -> cw.World:
    f.region(session, "440104")
    org_service.ensure_department(session, SYSTEM, name=cw.DEPT, region_code="440104", uscc=f.uscc_code())
    item.setdefault("result", {"name": license_type, "license_type": license_type})
    return cw.world(session, **item)


def approved_case(session: Session, w: cw.World, **over: Any) -> str:
    """A case carried through acceptance and every review step to approval."""
    with clock.frozen(MONDAY):
        no = cw.submit(session, w, **over)
        cases.apply(session, w.handler, case_no=no, action="accept")
        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
        cases.apply(session, w.approver, case_no=no, action="approve")
    return no


def issued(session: Session, w: cw.World, **over: Any) -> tuple[str, str]:
    """(case number, license id) of an approved case whose license was issued."""
    no = approved_case(session, w, **over)
    with clock.frozen(MONDAY + dt.timedelta(minutes=5)):
        ids = license_jobs.issue_for_case(session, no)
    assert len(ids) == 1
    return no, ids[0]


def add_type(session: Session, name: str = TYPE, **over: Any) -> licenses.LicenseTypeOut:
    licenses.add_type(session, SYSTEM, name=name, **over)
    return licenses.ensure_type(session, name)
