"""Rating rules at their boundaries: levels, reasons, who may rate what and when, the change window."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from tests.evaluation import factories as ef
from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.outbox import OutboxEvent
from yiwang.evaluation import service as evaluation
from yiwang.evaluation.models import Rectification

WHEN = ef.at("2026-03-10")


def _refused(session, w, no, **kw):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc, clock.frozen(WHEN):
        evaluation.rate(session, w.applicant, case_no=no, **kw)
    return exc.value


def test_levels_reasons_and_channels_at_their_boundaries(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    for level in (0, 6, -1, True):
        assert _refused(session, w, no, level=level).field == "level"
    for level in (4, 5):
        err = _refused(session, w, no, level=level, reasons=[])
        assert err.field == "reasons" and err.code == "reason_required"
    assert _refused(session, w, no, level=4, reasons=["slow", "rude"]).code == "unknown_reason"
    assert _refused(session, w, no, level=5, reasons=["other"], comment="  ").field == "comment"
    assert _refused(session, w, no, level=2, channel="fax").field == "channel"
    assert session.scalars(select(Rectification)).first() is None  # nothing was written on the way
    ev = ef.rate(session, w, no, WHEN, 5, reasons=["slow", "attitude", "slow"], comment=" 等了很久 ", channel="QR")
    assert (ev.level, ev.reasons, ev.comment, ev.channel, ev.revision) == (5, ["slow", "attitude"], "等了很久", "qr", 1)


def test_good_ratings_need_no_reason_and_open_nothing(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    ev = ef.rate(session, w, no, WHEN, 3, reasons=["slow"])
    assert ev.level == 3 and ev.reasons == [] and ev.channel == "pc"
    assert session.scalars(select(Rectification)).first() is None
    session.commit()
    topics = list(session.scalars(select(OutboxEvent.topic).where(OutboxEvent.topic.like("evaluation.%"))))
    assert topics == ["evaluation.rated"]
    record = session.scalars(select(AuditRecord).where(AuditRecord.action == "evaluation.rate")).one()
    assert record.object_id == no and record.detail["level"] == 3


def test_only_ended_cases_may_be_rated(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    submitted = cw.submit(session, w.cases)
    with pytest.raises(Conflict) as exc, clock.frozen(WHEN):
        evaluation.rate(session, w.applicant, case_no=submitted, level=1)
    assert exc.value.code == "case_not_concluded" and exc.value.status == 409 and "办结" in exc.value.message
    withdrawn = cw.submit(session, w.cases)
    cases.apply(session, w.applicant, case_no=withdrawn, action="withdraw")
    with pytest.raises(Conflict), clock.frozen(WHEN):
        evaluation.rate(session, w.applicant, case_no=withdrawn, level=1)
    rejected = cw.submit(session, w.cases)
    cases.apply(session, w.handler, case_no=rejected, action="reject", comment="不属于本部门职权范围")
    assert ef.rate(session, w, rejected, WHEN, 4).level == 4  # 不予受理 may be rated too


def test_someone_elses_case_is_not_found_and_staff_cannot_rate(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    stranger, _ = f.person(session, "李四")
    with pytest.raises(NotFound), clock.frozen(WHEN):
        evaluation.rate(session, stranger, case_no=no, level=1)
    with pytest.raises(NotFound), clock.frozen(WHEN):
        evaluation.rate(session, w.applicant, case_no="440104209901010000001", level=1)
    with pytest.raises(PermissionDenied), clock.frozen(WHEN):
        evaluation.rate(session, w.handler, case_no=no, level=1)


def test_a_second_rating_within_the_window_updates_after_it_is_refused(session) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    first = ef.rate(session, w, no, WHEN, 2)
    days = dt.timedelta(days=7)  # evaluation_change_days
    again = ef.rate(session, w, no, WHEN + days, 1)  # the last moment of the window
    assert again.id == first.id and again.level == 1 and again.revision == 2
    with pytest.raises(Conflict) as exc:
        ef.rate(session, w, no, WHEN + days + dt.timedelta(seconds=1), 3)
    assert exc.value.code == "evaluation_locked" and exc.value.field == "level"
    with clock.frozen(WHEN + days + dt.timedelta(seconds=1)):
        view = evaluation.case_evaluation(session, w.applicant, no)
    assert not view.can_rate and view.evaluation is not None and view.evaluation.level == 1
