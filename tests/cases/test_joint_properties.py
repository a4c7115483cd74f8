"""Random interleavings of branch opinions, timeouts, corrections and the lead's decisions: whatever the order,
a joint case is approved only after every branch consented (or is deemed to), each branch answers once per
round, and nothing changes a branch once the case is decided."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases import factories as cw
from tests.cases.joint import Joint, joint_world
from yiwang.cases import branches
from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.errors import DomainError

MONDAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
AGREED = {"consented", "deemed_consent"}

STEPS = st.lists(st.sampled_from([
    "fire_consent", "fire_object", "env_consent", "env_object", "approve", "deny", "review", "timeout",
    "correct", "suspend", "resume"]), min_size=1, max_size=14)


def _step(session, j: Joint, no: str, step: str, day: list[int]) -> None:  # type: ignore[no-untyped-def]
    w = j.w
    if step == "timeout":
        day[0] += 3
        branches.time_out(session, MONDAY.date() + dt.timedelta(days=day[0]))
        return
    actor, action, extra = {
        "fire_consent": (j.fire, "branch_consent", {}),
        "fire_object": (j.fire2, "branch_object", {"comment": "不同意"}),
        "env_consent": (j.env, "branch_consent", {}),
        "env_object": (j.env, "branch_object", {"comment": "不同意"}),
        "approve": (w.approver, "approve", {"comment": "准予"}),
        "deny": (w.approver, "deny", {"comment": "不予许可的理由"}),
        "review": (w.handler if cases.get_case(session, w.handler, no).review_step == "handle" else w.checker,
                   "review", {}),
        "correct": (w.handler, "request_correction", {"materials": ["申请书"]}),
        "suspend": (w.handler, "suspend", {"kind": "inspection", "days": 3}),
        "resume": (w.handler, "resume", {}),
    }[step]
    with session.begin_nested():
        try:
            cases.apply(session, actor, case_no=no, action=action, **extra)
        except DomainError:
            pass
    case = cases.get_case(session, w.handler, no)
    if case.status == "correction_requested":  # the applicant corrects at once and the lead accepts again
        cases.apply(session, w.applicant, case_no=no, action="resubmit",
                    materials=[{"name": "申请书", "file_id": cw.upload(session, w.applicant, "again.pdf")}])
        cases.apply(session, w.handler, case_no=no, action="accept")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_approve_only_after_every_branch_consents_whatever_the_order(session, steps) -> None:  # type: ignore[no-untyped-def]
    j = _world(session)
    with clock.frozen(MONDAY):
        no = cw.submit(session, j.w)
        cases.apply(session, j.w.handler, case_no=no, action="accept")
    day = [0]
    decided: dict[str, str] | None = None
    for step in steps:
        with clock.frozen(MONDAY + dt.timedelta(days=day[0])):
            _step(session, j, no, step, day)
        case = cases.get_case(session, j.w.handler, no)
        now = {b["department"]: b["status"] for b in branches.views(session, case)}
        if case.outcome == "approved":
            assert set(now.values()) <= AGREED, (steps, now)
        if decided is not None:
            assert now == decided, (steps, decided, now)  # a decided case's branches never move again
        elif case.outcome is not None:
            decided = now
    opinions = [e for e in branches.timeline(session, cases.get_case(session, j.w.handler, no))
                if e.action in ("branch_consent", "branch_object", "deem_consent")]
    reopened = sum(1 for e in branches.timeline(session, cases.get_case(session, j.w.handler, no))
                   if e.action == "reopen")
    assert len(opinions) <= 2 * (1 + reopened)  # each branch answers once per round


def _world(session) -> Joint:  # type: ignore[no-untyped-def]
    """One joint world per test (the examples share it; each files its own case)."""
    if "joint_world" not in session.info:
        session.info["joint_world"] = joint_world(session, fire_timeout="escalate", env_timeout="consent")
    return session.info["joint_world"]  # type: ignore[no-any-return]
