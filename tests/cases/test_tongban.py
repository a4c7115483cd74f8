"""跨域通办 and 转报: who may list, view and act on a case taken in at another region's window or forwarded upwards —
a table of actors × operations, both ways — and the rules of each (the 通办 range, papers sent and received,
delivery at the receiving window, the forward's target and clock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.cases import tongban as tb
from yiwang.cases import service as cases
from yiwang.core import lifecycle
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import DomainError

OK = "ok"


def attempt(session: Session, fn: Callable[[], Any]) -> str | int:
    """Run ``fn`` in a savepoint that is always rolled back: "ok", or the refusal's code/status."""
    nested = session.begin_nested()
    try:
        fn()
        return OK
    except DomainError as exc:
        return exc.code if exc.status in (403, 409, 422) else exc.status
    finally:
        if nested.is_active:
            nested.rollback()


def listed(session: Session, actor, no: str) -> bool:  # type: ignore[no-untyped-def]
    return no in {c.case_no for c in cases.list_cases(session, actor, limit=200)[1]}


def ops(session: Session, t: tb.Tongban, no: str, transfer_id: int | None, upper: int) -> dict[str, Callable]:  # type: ignore[type-arg]
    return {
        "list": lambda a: OK if listed(session, a, no) else 404,
        "view": lambda a: attempt(session, lambda: cases.view(session, a, cases.open_case(session, a, no))),
        "act": lambda a: attempt(session, lambda: cases.apply(session, a, case_no=no, action="accept")),
        "paper_record": lambda a: attempt(session, lambda: cases.record_paper_transfer(
            session, a, case_no=no, courier="中国邮政 EMS", tracking_no="EMS1001", materials=["申请书原件"])),
        "paper_receive": lambda a: attempt(session, lambda: cases.receive_paper_transfer(
            session, a, case_no=no, transfer_id=transfer_id or 0)),
        "forward": lambda a: attempt(session, lambda: cases.forward(session, a, case_no=no, to_department_id=upper,
                                                                    reason="涉及跨区经营，由市级部门决定")),
    }


# 通办, submitted at A's window for B's item: what each actor may do (forward: on the accepted case)
INTAKE_MATRIX = {
    #                 list   view   act (accept)              paper record              paper receive           forward
    "a_clerk":        (OK,   OK,    "cross_region_read_only", OK,                       "forbidden",            "forbidden"),
    "a_handler":      (404,  404,   404,                      404,                      404,                    404),
    "b_handler":      (OK,   OK,    OK,                       "forbidden",              OK,                     OK),
    "b_clerk":        (OK,   OK,    OK,                       "forbidden",              OK,                     "forbidden"),
    "c_clerk":        (404,  404,   404,                      404,                      404,                    404),
    "c_handler":      (404,  404,   404,                      404,                      404,                    404),
    "city_handler":   (404,  404,   404,                      404,                      404,                    404),
    "applicant":      (OK,   OK,    "forbidden",              "forbidden",              "forbidden",            "forbidden"),
    "other_applicant": (404, 404,   404,                      404,                      404,                    404),
}
OPS = ("list", "view", "act", "paper_record", "paper_receive", "forward")


def _actor(t: tb.Tongban, name: str):  # type: ignore[no-untyped-def]
    return {"applicant": t.applicant, "other_applicant": t.other_applicant}.get(name) or getattr(t, name)


def test_permission_matrix_for_a_case_taken_in_at_another_regions_window(session) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session)
    submitted = tb.take_in(session, t)
    transfer = cases.record_paper_transfer(session, t.a_clerk, case_no=submitted, courier="顺丰速运",
                                           tracking_no="SF123", materials=["申请书原件", "身份证明复印件"])
    accepted = tb.take_in(session, t)
    cases.apply(session, t.b_handler, case_no=accepted, action="accept")
    upper = tb.department_id(session, tb.CITY_MARKET, "440100")
    on_submitted = ops(session, t, submitted, transfer.id, upper)
    on_accepted = ops(session, t, accepted, None, upper)
    problems = []
    for name, row in INTAKE_MATRIX.items():
        actor = _actor(t, name)
        for op, expected in zip(OPS, row, strict=True):
            got = (on_accepted if op == "forward" else on_submitted)[op](actor)
            if got != expected:
                problems.append(f"{name} {op}: expected {expected}, got {got}")
    assert problems == []


def test_the_intake_is_recorded_and_shown_to_both_sides(session) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session)
    no = tb.take_in(session, t)
    case = cases.get_case(session, t.b_handler, no)
    b_market = tb.department_id(session, tb.B_MARKET, "440104")
    assert (case.department_id, case.region_code, case.channel) == (b_market, "440104", "window")
    assert (case.intake_region_code, case.intake_by, case.deliver_at_intake) == ("440103", t.a_clerk.label, True)
    for actor in (t.a_clerk, t.b_handler, t.applicant):
        view = cases.view(session, actor, cases.get_case(session, actor, no))
        assert view.intake is not None
        assert view.intake["region_name"] == "荔湾区" and view.intake["department"] == tb.A_WINDOW
    assert cases.intake_cases(session, t.a_clerk, limit=10, offset=0)[0] == 1
    assert cases.intake_cases(session, t.b_clerk, limit=10, offset=0)[0] == 0
    # A's window sees nothing else of B's: an online application for the same item stays invisible
    from tests.cases import factories as cw

    mine = cases.submit(session, t.applicant, item_code=t.code, form={
        "contact_name": "张三", "contact_phone": "13800138000", "description": "网上申请"},
        materials=[cases.MaterialIn("申请书", cw.upload(session, t.applicant)),
                   cases.MaterialIn("身份证明", cw.upload(session, t.applicant, "b.pdf"))])
    assert attempt(session, lambda: cases.get_case(session, t.a_clerk, mine.case_no)) == 404
    assert not listed(session, t.a_clerk, mine.case_no)
    # the receiving window's queue holds it only once there is something to deliver there
    assert no not in {c.case_no for c in cases.list_cases(session, t.a_clerk, mine=True)[1]}


def test_an_item_without_tongban_is_refused_outside_its_region(session) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session)
    with pytest.raises(DomainError) as refused:
        tb.take_in(session, t, code=t.local_code)
    assert refused.value.code == "not_cross_region" and refused.value.status == 422
    assert "未开通跨区域通办" in refused.value.message
    # the item's own region files it as usual (no intake recorded)
    own = cases.get_case(session, t.b_clerk, tb.take_in(session, t, clerk=t.b_clerk, code=t.local_code))
    assert own.intake_region_code is None and own.deliver_at_intake is False


@pytest.mark.parametrize(("cross_region", "c_may"), [("省内通办", True), ("同城通办", False), ("跨省通办", True)])
def test_the_tongban_range_decides_which_windows_may_take_an_item(session, cross_region, c_may) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session, cross_region=cross_region)
    assert cases.get_case(session, t.a_clerk, tb.take_in(session, t)).intake_region_code == "440103"
    got = attempt(session, lambda: tb.take_in(session, t, clerk=t.c_clerk))
    assert got == (OK if c_may else "not_cross_region")


def test_papers_are_sent_by_the_window_and_received_by_the_deciding_office(session) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session)
    no = tb.take_in(session, t)
    bad = attempt(session, lambda: cases.record_paper_transfer(session, t.a_clerk, case_no=no, courier="EMS",
                                                               tracking_no="", materials=["申请书原件"]))
    assert bad == "bad_tracking_no"
    assert attempt(session, lambda: cases.record_paper_transfer(session, t.a_clerk, case_no=no, courier="EMS",
                                                                tracking_no="E1", materials=[])) == "materials_required"
    row = cases.record_paper_transfer(session, t.a_clerk, case_no=no, courier="EMS", tracking_no="E1001",
                                      materials=["申请书原件", "申请书原件", "经营场所使用证明原件"])
    assert (row.status, row.materials) == ("sent", ["申请书原件", "经营场所使用证明原件"])
    cases.receive_paper_transfer(session, t.b_handler, case_no=no, transfer_id=row.id, comment="原件齐全")
    assert row.status == "received" and row.received_by == t.b_handler.label
    # signed once: a second receipt is an illegal transition
    again = attempt(session, lambda: cases.receive_paper_transfer(session, t.b_handler, case_no=no,
                                                                  transfer_id=row.id))
    assert again == "illegal_transition"
    timeline = lifecycle.timeline_of(session, "case_paper_transfer", f"{no}~{row.id}")
    assert [(e.action, e.to_status) for e in timeline] == [("send", "sent"), ("receive", "received")]
    assert {"case_paper_transfer.send", "case_paper_transfer.receive"} <= _audit_actions(session)
    shown = cases.view(session, t.a_clerk, cases.get_case(session, t.a_clerk, no)).paper_transfers
    assert shown[0]["status_label"] == "已签收" and shown[0]["can_receive"] is False
    # not a 通办 case: nothing to send
    own = tb.take_in(session, t, clerk=t.b_clerk, code=t.local_code)
    assert attempt(session, lambda: cases.record_paper_transfer(
        session, t.b_clerk, case_no=own, courier="EMS", tracking_no="E2", materials=["x"])) == "not_tongban_case"


def _audit_actions(session: Session) -> set[str]:
    from sqlalchemy import select

    session.commit()
    return set(session.scalars(select(AuditRecord.action)))


def _conclude(session: Session, t: tb.Tongban, no: str) -> None:
    cases.apply(session, t.b_handler, case_no=no, action="accept")
    cases.apply(session, t.b_handler, case_no=no, action="review")
    cases.apply(session, t.b_approver, case_no=no, action="approve", comment="准予")


def test_the_result_is_delivered_at_the_receiving_window_when_the_applicant_chose_so(session) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session)
    no = tb.take_in(session, t)
    _conclude(session, t, no)
    assert no in {c.case_no for c in cases.list_cases(session, t.a_clerk, mine=True)[1]}
    for b_side in (t.b_handler, t.b_clerk):  # it does not wait at the deciding office, which cannot deliver it
        assert no not in {c.case_no for c in cases.list_cases(session, b_side, mine=True)[1]}
    assert "deliver" in cases.view(session, t.a_clerk, cases.get_case(session, t.a_clerk, no)).allowed_actions
    assert "deliver" not in cases.view(session, t.b_handler, cases.get_case(session, t.b_handler, no)).allowed_actions
    for b_side in (t.b_handler, t.b_clerk):
        got = attempt(session, lambda b_side=b_side: cases.apply(session, b_side, case_no=no, action="deliver"))
        assert got == "deliver_at_intake"
    cases.apply(session, t.a_clerk, case_no=no, action="deliver", comment="申请人到荔湾区窗口领取")
    case = cases.get_case(session, t.a_clerk, no)
    assert case.status == "delivered"
    last = cases.timeline(session, case)[-1]
    assert last.action == "deliver" and last.data["delivered_at_intake"] is True
    assert last.data["delivery_department_id"] == t.a_clerk.department_id


def test_without_the_choice_the_deciding_office_delivers(session) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session)
    no = tb.take_in(session, t, deliver_at_intake=False)
    _conclude(session, t, no)
    assert no in {c.case_no for c in cases.list_cases(session, t.b_handler, mine=True)[1]}
    assert no not in {c.case_no for c in cases.list_cases(session, t.a_clerk, mine=True)[1]}
    assert attempt(session, lambda: cases.apply(session, t.a_clerk, case_no=no, action="deliver")) \
        == "cross_region_read_only"
    cases.apply(session, t.b_handler, case_no=no, action="deliver")
    assert cases.timeline(session, cases.get_case(session, t.b_handler, no))[-1].data["delivered_at_intake"] is False


# --- 转报 ----------------------------------------------------------------------------------------------------

FORWARD_MATRIX = {
    #                 list  view  act (review)                forward
    "b_handler":      (OK,  OK,   "cross_region_read_only",   "cross_region_read_only"),
    "city_handler":   (OK,  OK,   OK,                         "forward_not_upward"),
    "a_handler":      (404, 404,  404,                        404),
    "c_handler":      (404, 404,  404,                        404),
    "b_clerk":        (OK,  OK,   "forbidden",                "forbidden"),
    "a_clerk":        (OK,  OK,   "forbidden",                "forbidden"),
    "applicant":      (OK,  OK,   "forbidden",                "forbidden"),
    "other_applicant": (404, 404, 404,                        404),
}


def test_permission_matrix_after_forwarding_upwards(session) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session)
    no = tb.take_in(session, t)
    cases.apply(session, t.b_handler, case_no=no, action="accept")
    upper = tb.department_id(session, tb.CITY_MARKET, "440100")
    province = tb.department_id(session, "广东省市场监督管理局", "440000")
    case = cases.forward(session, t.b_handler, case_no=no, to_department_id=upper, reason="跨区经营，由市局决定")
    assert (case.department_id, case.status, case.review_step, case.region_code) == (upper, "accepted", "handle",
                                                                                   "440104")
    table = ops(session, t, no, None, province)
    table["act"] = lambda a: attempt(session, lambda: cases.apply(session, a, case_no=no, action="review"))
    table["forward"] = lambda a: attempt(session, lambda: cases.forward(
        session, a, case_no=no, to_department_id=tb.department_id(session, tb.B_MARKET, "440104"), reason="退回"))
    problems = []
    for name, row in FORWARD_MATRIX.items():
        actor = _actor(t, name)
        for op, expected in zip(("list", "view", "act", "forward"), row, strict=True):
            got = table[op](actor)
            if got != expected:
                problems.append(f"{name} {op}: expected {expected}, got {got}")
    assert problems == []
    # the city may forward on to the province (an ancestor of the city)
    assert attempt(session, lambda: cases.forward(session, t.city_handler, case_no=no, to_department_id=province,
                                                  reason="省局决定")) == OK


def test_forwarding_rules_timeline_and_audit(session) -> None:  # type: ignore[no-untyped-def]
    t = tb.world(session)
    no = tb.take_in(session, t, clerk=t.b_clerk, code=t.local_code)
    upper = tb.department_id(session, tb.CITY_MARKET, "440100")
    sideways = tb.department_id(session, tb.A_MARKET, "440103")
    # only while accepted or in review
    assert attempt(session, lambda: cases.forward(session, t.b_handler, case_no=no, to_department_id=upper,
                                                  reason="x")) == "illegal_transition"
    cases.apply(session, t.b_handler, case_no=no, action="accept")
    assert attempt(session, lambda: cases.forward(session, t.b_handler, case_no=no, to_department_id=sideways,
                                                  reason="x")) == "forward_not_upward"
    assert attempt(session, lambda: cases.forward(session, t.b_handler, case_no=no, to_department_id=upper,
                                                  reason=" ")) == "reason_required"
    assert attempt(session, lambda: cases.apply(session, t.b_handler, case_no=no,
                                                action="forward")) == "forward_target_required"
    assert cases.view(session, t.b_handler, cases.get_case(session, t.b_handler, no)).may_forward
    before = cases.get_case(session, t.b_handler, no).deadline
    cases.forward(session, t.b_handler, case_no=no, to_department_id=upper, reason="跨区经营，由市局决定")
    case = cases.get_case(session, t.city_handler, no)
    assert case.deadline == before  # the default rule: the clock continues
    entry = cases.timeline(session, case)[-1]
    assert (entry.action, entry.from_status, entry.to_status) == ("forward", "accepted", "accepted")
    assert entry.data["to_department"] == tb.CITY_MARKET and entry.data["clock_rule"] == "continue"
    view = cases.view(session, t.b_handler, case)
    assert view.forwards[0]["from_department"] == tb.B_MARKET and view.forwards[0]["reason"] == "跨区经营，由市局决定"
    assert view.timeline[-1].action_label == f"转报{tb.CITY_MARKET}"
    assert view.allowed_actions == [] and not view.may_forward
    assert cases.view(session, t.city_handler, case).may_forward
    # the upper department decides: its handler, then its approver
    cases.apply(session, t.city_handler, case_no=no, action="review")
    cases.apply(session, t.city_approver, case_no=no, action="approve", comment="准予")
    assert cases.get_case(session, t.b_handler, no).outcome == "approved"
    assert "case.forward" in _audit_actions(session)


def test_the_upper_levels_limit_restarts_when_the_guide_says_so(session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core import clock

    t = tb.world(session, forward_clock="restart")
    no = tb.take_in(session, t)
    start = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tue 10:00 in Guangzhou
    with clock.frozen(start):
        cases.apply(session, t.b_handler, case_no=no, action="accept")
    first = cases.get_case(session, t.b_handler, no).deadline
    upper = tb.department_id(session, tb.CITY_MARKET, "440100")
    with clock.frozen(start + dt.timedelta(days=3)):  # Friday
        cases.forward(session, t.b_handler, case_no=no, to_department_id=upper, reason="由市局决定")
    case = cases.get_case(session, t.city_handler, no)
    assert first is not None and case.deadline is not None and case.deadline > first
    assert case.due == case.deadline
    assert cases.timeline(session, case)[-1].data["clock_rule"] == "restart"


def test_the_upper_department_is_told_of_a_forwarded_case(engine, session) -> None:  # type: ignore[no-untyped-def]
    from tests.notify import factories as nf

    t = tb.world(session)
    no = tb.take_in(session, t)
    cases.apply(session, t.b_handler, case_no=no, action="accept")
    upper = tb.department_id(session, tb.CITY_MARKET, "440100")
    cases.forward(session, t.b_handler, case_no=no, to_department_id=upper, reason="跨区经营，由市局决定")
    session.commit()
    nf.drain(engine)
    told = {m.recipient: m for m in nf.messages(session) if m.title == "收到转报办件"}
    assert set(told) == {t.city_handler.label, t.city_approver.label}
    assert no in told[t.city_handler.label].body and told[t.city_handler.label].link == f"/workbench/cases/{no}"
