"""Every (status, action) pair, table-driven; random action sequences keep the invariants."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as f
from tests.cases import factories as cw
from yiwang.cases import service as cases
from yiwang.cases.errors import IllegalTransition
from yiwang.cases.states import TRANSITIONS, Action, Status
from yiwang.core import audit
from yiwang.core.errors import DomainError
from yiwang.core.permissions import SYSTEM

# how to bring a new case into each status: (actor key, action, inputs) steps after submission
PATHS: dict[Status, list[tuple[str, str, dict]]] = {  # type: ignore[type-arg]
    Status.SUBMITTED: [],
    Status.CORRECTION_REQUESTED: [("staff", "request_correction", {"materials": ["申请书"]})],
    Status.ACCEPTED: [("staff", "accept", {})],
    Status.IN_REVIEW: [("staff", "accept", {}), ("staff", "review", {})],
    Status.SUSPENDED: [("staff", "accept", {}), ("staff", "suspend", {"kind": "inspection", "days": 3})],
    Status.CONCLUDED: [("staff", "accept", {}), ("staff", "review", {}), ("staff", "review", {}),
                       ("staff", "approve", {})],
    Status.DELIVERED: [("staff", "accept", {}), ("staff", "review", {}), ("staff", "review", {}),
                       ("staff", "approve", {}), ("staff", "deliver", {})],
    Status.REJECTED: [("staff", "reject", {"comment": "不符合受理条件"})],
    Status.WITHDRAWN: [("applicant", "withdraw", {})],
    # 撤销: the system revokes an approval on a false-pledge finding (tests/pledges)
    Status.REVOKED: [("staff", "accept", {}), ("staff", "review", {}), ("staff", "review", {}),
                     ("staff", "approve", {}), ("system", "revoke", {"comment": "告知承诺不实"})],
}

# valid inputs for each action, so that only the transition rules decide
INPUTS = {
    Action.REJECT: {"comment": "理由"}, Action.DENY: {"comment": "理由"},
    Action.REQUEST_CORRECTION: {"materials": ["申请书"]}, Action.SUSPEND: {"kind": "inspection", "days": 3},
    Action.EXTEND: {"days": 2, "comment": "理由"}, Action.RETURN_PREVIOUS: {"comment": "材料需重新核查"},
    Action.REVOKE: {"comment": "告知承诺不实"},
}
APPLICANT_ACTIONS = {Action.RESUBMIT, Action.WITHDRAW, Action.SUPPLEMENT}
SYSTEM_ACTIONS = {Action.REVOKE}  # taken by the system only, never offered to a person

# the guards on top of the table for a promised item with the default steps (handle → check → approve)
GUARDED = {(Status.SUBMITTED, Action.APPROVE), (Status.SUBMITTED, Action.DENY), (Status.ACCEPTED, Action.APPROVE),
           (Status.ACCEPTED, Action.DENY), (Status.IN_REVIEW, Action.APPROVE), (Status.IN_REVIEW, Action.DENY),
           # after acceptance, a correction only follows a joint case's branch objection (tests/cases/test_joint.py)
           (Status.ACCEPTED, Action.REQUEST_CORRECTION), (Status.IN_REVIEW, Action.REQUEST_CORRECTION)}


def _expected(status: Status, action: Action) -> bool:
    return (status, action) in TRANSITIONS and (status, action) not in GUARDED


@pytest.fixture()
def setup(session):  # type: ignore[no-untyped-def]
    w = cw.world(session)
    boss = f.staff(session, "allroles", ["handler", "checker", "approver", "window_clerk"], cw.DEPT)
    return w, boss


def _bring(session, w, boss, status: Status) -> str:  # type: ignore[no-untyped-def]
    no = cw.submit(session, w)
    for who, action, inputs in PATHS[status]:
        actor = {"staff": boss, "system": SYSTEM}.get(who, w.applicant)
        cases.apply(session, actor, case_no=no, action=action, **inputs)
    assert cases.get_case(session, boss, no).status == status.value
    return no


def test_every_status_action_pair(session, setup) -> None:  # type: ignore[no-untyped-def]
    w, boss = setup
    checked = 0
    for status in Status:
        for action in Action:
            no = _bring(session, w, boss, status)
            actor = w.applicant if action in APPLICANT_ACTIONS else SYSTEM if action in SYSTEM_ACTIONS else boss
            inputs = dict(INPUTS.get(action, {}))
            if action in (Action.RESUBMIT, Action.SUPPLEMENT):
                inputs["materials"] = [{"name": "申请书", "file_id": cw.upload(session, w.applicant, f"r{checked}.pdf")}]
            before = cases.get_case(session, boss, no)
            events_before = len(cases.timeline(session, before))
            if _expected(status, action):
                case = cases.apply(session, actor, case_no=no, action=action.value, **inputs)
                assert len(cases.timeline(session, case)) == events_before + 1, (status, action)
            else:
                with pytest.raises(IllegalTransition):
                    cases.apply(session, actor, case_no=no, action=action.value, **inputs)
                assert len(cases.timeline(session, before)) == events_before
            checked += 1
    assert checked == len(Status) * len(Action)
    session.commit()
    assert audit.verify(session).ok


def test_allowed_actions_match_what_apply_accepts(session, setup) -> None:  # type: ignore[no-untyped-def]
    w, boss = setup
    for status in Status:
        no = _bring(session, w, boss, status)
        case = cases.get_case(session, boss, no)
        staff_allowed = set(cases.allowed_actions(boss, case))
        applicant_allowed = set(cases.allowed_actions(w.applicant, case))
        expected = {a.value for a in Action if _expected(status, a) and a not in SYSTEM_ACTIONS}
        assert staff_allowed | applicant_allowed == expected, status
        assert staff_allowed.isdisjoint({a.value for a in APPLICANT_ACTIONS})


ACTORS = ["applicant", "handler", "checker", "approver", "clerk"]
ACTIONS = [a.value for a in Action]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(ACTIONS)), min_size=1, max_size=14))
def test_random_sequences_keep_the_invariants(session, setup, steps) -> None:  # type: ignore[no-untyped-def]
    w, _ = setup
    actors = {"applicant": w.applicant, "handler": w.handler, "checker": w.checker, "approver": w.approver,
              "clerk": w.clerk}
    no = cw.submit(session, w)
    succeeded = 0
    for i, (who, action) in enumerate(steps):
        case = cases.get_case(session, w.handler, no)
        deadline_before = case.deadline
        inputs = dict(INPUTS.get(Action(action), {}))
        if action in ("resubmit", "supplement"):
            inputs["materials"] = [{"name": "申请书", "file_id": cw.upload(session, w.applicant, f"p{i}.pdf")}]
        try:
            case = cases.apply(session, actors[who], case_no=no, action=action, **inputs)
        except DomainError:
            assert cases.get_case(session, w.handler, no).deadline == deadline_before
            continue
        succeeded += 1
        if action not in ("accept", "resume", "extend", "approve", "deny"):
            assert case.deadline == deadline_before, action  # only these move the decision deadline
        assert case.status in {s.value for s in Status}
        assert (case.status in ("concluded", "delivered")) == (case.outcome is not None)
    assert len(cases.timeline(session, cases.get_case(session, w.handler, no))) == succeeded + 1
    session.commit()
    assert audit.verify(session).ok
