"""Who reads which figures when roles combine, which months are computed on reading and which the nightly job
recounts, and an anomaly count that has nothing to judge."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.metrics import dataset as ds
from tests.metrics.dataset import COUNTY, T2, at
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.permissions import SYSTEM
from yiwang.metrics import service as metrics
from yiwang.metrics.models import ComputeRun
from yiwang.metrics.periods import Month


def test_a_window_clerk_who_also_approves_reads_only_the_department(session: Session) -> None:
    d = ds.build(session)
    both = f.staff(session, "both", ["approver", "window_clerk"], "区市场监督管理局")
    with clock.frozen(ds.NOW):
        table = metrics.indicator_table(session, both, period=ds.PERIOD)
        assert table["department"] == d.county_dept
        with pytest.raises(PermissionDenied):
            metrics.indicator_table(session, both, period=ds.PERIOD, department=d.t1_dept)
    supervisor = f.staff(session, "sup", ["supervisor"], "区市场监督管理局")
    with clock.frozen(ds.NOW):
        assert metrics.indicator_table(session, supervisor, period=ds.PERIOD, department=d.t1_dept)["department"] \
            == d.t1_dept


def test_only_this_and_last_month_are_computed_on_reading(session: Session) -> None:
    ds.build(session)
    supervisor = f.staff(session, "sup", ["supervisor"], "区市场监督管理局")
    with clock.frozen(ds.NOW):  # 10 April 2026
        old = metrics.indicator_table(session, supervisor, period="2025-06")
        assert old["computed_at"] is None
        assert all(i["value"] is None for i in old["items"])
        assert {i["reason"] for i in old["items"] if i["computable"]} == {metrics.NOT_COMPUTED}
        last = metrics.indicator_table(session, supervisor, period="2026-03")
        assert last["computed_at"] is not None
    periods = set(session.scalars(select(ComputeRun.period)))
    assert periods == {"2026-03"}


def test_two_first_readers_compute_once(session: Session) -> None:
    ds.build(session)
    with clock.frozen(ds.NOW):
        scope = metrics.resolve_scope(session, SYSTEM, COUNTY, None)
        metrics.values(session, Month(2026, 4), scope)
        metrics.values(session, Month(2026, 4), scope)
    assert session.scalar(select(func.count()).select_from(ComputeRun).where(ComputeRun.period == "2026-04")) == 1


@pytest.mark.parametrize(("today", "months"), [
    (dt.date(2026, 4, 1), ["2026-03"]),
    (dt.date(2026, 4, 10), ["2026-03", "2026-04"]),
    (dt.date(2026, 4, 11), ["2026-04"]),
    (dt.date(2026, 1, 5), ["2025-12", "2026-01"]),
])
def test_the_nightly_job_recounts_last_month_until_the_tenth(today: dt.date, months: list[str]) -> None:
    assert [m.key for m in metrics.nightly_months(today)] == months


def test_nightly_is_due_once_a_night(session: Session) -> None:
    ds.build(session)
    with clock.frozen(at("2026-04-05", 2)):
        assert metrics.nightly_due(session)
        assert [r.period for r in metrics.nightly(session)] == ["2026-03", "2026-04"]
        assert not metrics.nightly_due(session)
    with clock.frozen(at("2026-04-06", 1)):
        assert metrics.nightly_due(session)


def test_no_anomaly_verdict_without_a_concluded_case(session: Session) -> None:
    d = ds.build(session)
    ds.case(session, d, "I3", submitted=at("2026-04-01"), accepted=at("2026-04-01", 11))
    with clock.frozen(ds.NOW):
        metrics.compute(session, SYSTEM, "2026-04")
        items = {i["code"]: i for i in metrics.indicator_table(session, SYSTEM, period="2026-04",
                                                               region_code=T2)["items"]}
    assert items["36"]["value"] is None and items["36"]["met"] is None
    assert items["26"]["value"] == 1 and isinstance(items["26"]["value"], int)
