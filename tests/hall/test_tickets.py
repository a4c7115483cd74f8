"""Queue tickets on the lifecycle engine: numbering, priority order, calling, recall, skip, transfer, the visit
and its hand-over, the board, and who may act where."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.hall import factories as hf
from yiwang.core import clock
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.lifecycle import IllegalTransition
from yiwang.core.permissions import ANONYMOUS, SYSTEM
from yiwang.hall import service as hall
from yiwang.hall.errors import NoTicketWaiting, WindowBusy, WindowNotFound
from yiwang.hall.models import Ticket


def test_tickets_are_numbered_per_hall_and_day_with_the_window_type_prefix(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        a = hall.take_ticket(session, ANONYMOUS, h.code, source="kiosk")
        b = hall.take_ticket(session, ANONYMOUS, h.code, window_type="一件事", source="kiosk")
        c = hall.take_ticket(session, ANONYMOUS, h.code, item_code=h.w.code)
    assert (a.ticket_no, b.ticket_no, c.ticket_no) == ("A001", "D002", "C003")
    assert a.window_type == "综合" and c.window_type == "专项"  # the item is served at the special window
    assert (a.position, b.position) == (0, 0)
    with clock.frozen(hf.MONDAY.replace(day=3)):  # a new day starts again at 1
        assert hall.take_ticket(session, ANONYMOUS, h.code).ticket_no == "A001"


def test_calling_follows_priority_then_the_order_taken(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        first = hall.take_ticket(session, ANONYMOUS, h.code)
        second = hall.take_ticket(session, ANONYMOUS, h.code)
        elderly = hall.take_ticket(session, ANONYMOUS, h.code, priority="elderly")
        assert hall.find_ticket(session, h.code, second.ticket_no).position == 2  # behind the elderly person
        assert elderly.position == 0
        called = [hall.call_next(session, h.w.clerk, "H1-01").ticket_no]
        called.append(hall.call_next(session, h.w.clerk, "H1-01").ticket_no)
        called.append(hall.call_next(session, h.clerk2, "H1-02").ticket_no)
    assert called == [elderly.ticket_no, first.ticket_no, second.ticket_no]


def test_calling_next_passes_over_the_one_who_never_came_and_none_waiting_is_404(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = hall.take_ticket(session, ANONYMOUS, h.code)
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
        second = hall.call_next(session, h.w.clerk, "H1-01")
        assert second.skipped == t.ticket_no
        assert hall.find_ticket(session, h.code, t.ticket_no).status == "skipped"
        hall.serve(session, h.w.clerk, "H1-01")
        with pytest.raises(WindowBusy):
            hall.call_next(session, h.w.clerk, "H1-01")
        with pytest.raises(NoTicketWaiting) as err:
            hall.call_next(session, h.clerk2, "H1-02")
    assert err.value.status == 404


def test_a_window_calls_only_its_type_and_its_items(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        special = hall.take_ticket(session, ANONYMOUS, h.code, item_code=h.w.code)
        hall.take_ticket(session, ANONYMOUS, h.code)
        assert hall.call_next(session, h.special, "H1-03").ticket_no == special.ticket_no
        with pytest.raises(NoTicketWaiting):
            hall.call_next(session, h.special, "H1-03")


def test_only_staff_on_duty_call_at_a_window(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, ANONYMOUS, h.code)
        with pytest.raises(PermissionDenied) as err:
            hall.call_next(session, h.clerk2, "H1-01")  # same hall, another window
        assert err.value.code == "not_on_duty"
        with pytest.raises(WindowNotFound):
            hall.call_next(session, h.outsider, "H1-01")  # another district's clerk cannot tell it exists
        with pytest.raises(WindowNotFound):
            hall.call_next(session, h.w.applicant, "H1-01")
        with pytest.raises(NotFound):
            hall.queue(session, h.outsider, h.code)
        with pytest.raises(NotFound):
            hall.queue(session, h.w.approver, h.code)  # a department approver not on duty here
        assert len(hall.queue(session, h.special, h.code)[1]) == 1  # on duty at the special window


def test_serving_registers_the_visit_and_a_transfer_hands_it_over(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
        visit = hall.serve(session, h.w.clerk, "H1-01")
        assert visit.first_staff == visit.responsible_staff == h.w.clerk.name
        moved = hall.transfer(session, h.w.clerk, "H1-01", window_type="专项", reason="需专项窗口办理")
        assert moved.status == "waiting" and moved.window_type == "专项" and moved.ticket_no == t.ticket_no
        # until another window serves it, the first clerk stays responsible
        assert hall.visit_out(session, hall.repository.visit(session, visit.visit_no)).responsible_staff == \
            h.w.clerk.name
        hall.call_next(session, h.special, "H1-03")
        after = hall.serve(session, h.special, "H1-03")
        assert after.visit_no == visit.visit_no
        assert after.first_staff == h.w.clerk.name and after.responsible_staff == h.special.name
        assert after.handovers[0]["from"] == h.w.clerk.name and after.handovers[0]["to"] == h.special.name
        done = hall.finish(session, h.special, "H1-03", outcome="consult", note="已解答")
        assert done.outcome_label == "咨询" and done.finished_at is not None
        assert hall.find_ticket(session, h.code, t.ticket_no).status == "done"


def test_finishing_needs_a_valid_outcome_and_a_served_ticket(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
        with pytest.raises(IllegalTransition):
            hall.finish(session, h.w.clerk, "H1-01", outcome="consult")
        hall.serve(session, h.w.clerk, "H1-01")
        with pytest.raises(ValidationFailed) as err:
            hall.finish(session, h.w.clerk, "H1-01", outcome="done")
        assert err.value.field == "outcome"
        with pytest.raises(NotFound):
            hall.finish(session, h.w.clerk, "H1-01", outcome="intake", case_no="NOPE")


def test_recall_counts_and_every_action_is_audited(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        t = hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
        again = hall.recall(session, h.w.clerk, "H1-01")
        assert again.recalls == 1 and again.ticket_no == t.ticket_no
        hall.skip(session, h.w.clerk, "H1-01")
    session.commit()
    actions = set(session.scalars(select(AuditRecord.action).where(AuditRecord.object_type == "hall_ticket")))
    assert {"hall_ticket.take", "hall_ticket.call", "hall_ticket.recall", "hall_ticket.skip"} <= actions


def test_appointment_priority_only_by_checking_in_and_unknown_items_refused(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        with pytest.raises(ValidationFailed) as err:
            hall.take_ticket(session, ANONYMOUS, h.code, priority="appointment")
        assert err.value.code == "priority_by_check_in"
        with pytest.raises(ValidationFailed) as err:
            hall.take_ticket(session, ANONYMOUS, h.code, item_code="NO-SUCH-ITEM")
        assert err.value.field == "item_code"
        with pytest.raises(ValidationFailed):
            hall.take_ticket(session, ANONYMOUS, h.code, window_type="投资项目")  # this hall has none


def test_the_board_shows_calls_and_queues_without_personal_data(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, h.w.applicant, h.code, source="phone")
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
        board = hall.board(session, h.code)
    assert board.open is True
    assert [(c.ticket_no, c.window_code) for c in board.calling] == [("A001", "H1-01")]
    general = next(q for q in board.queues if q.window_type == "综合")
    assert general.waiting == 1 and general.windows_open == 2
    assert h.w.applicant.name not in board.model_dump_json()
    with clock.frozen(hf.SATURDAY):
        assert hall.board(session, h.code).open is False


def test_the_end_of_day_sweep_expires_what_was_left(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
    with clock.frozen(hf.MONDAY.replace(day=3)):
        assert hall.sweep(session) == {"expired": 2, "no_show": 0}
        assert hall.sweep(session) == {"expired": 0, "no_show": 0}
    statuses = set(session.scalars(select(Ticket.status)))
    assert statuses == {"expired"}


def test_a_person_holds_at_most_three_waiting_tickets_in_a_hall(session: Session) -> None:
    h = hf.build(session)
    with clock.frozen(hf.MONDAY):
        for _ in range(3):
            hall.take_ticket(session, h.w.applicant, h.code, source="phone")
        with pytest.raises(ValidationFailed) as err:
            hall.take_ticket(session, h.w.applicant, h.code, source="phone")
    assert err.value.code == "too_many_tickets"
    assert session.scalar(select(func.count()).select_from(Ticket)) == 3


def test_the_person_at_the_window_is_shown_only_while_served_and_it_is_audited(session: Session) -> None:
    h = hf.build(session)
    from tests.cases import factories as cw

    case_no = cw.submit(session, h.w)
    with clock.frozen(hf.MONDAY):
        hall.take_ticket(session, ANONYMOUS, h.code)
        hall.call_next(session, h.w.clerk, "H1-01")
        visit = hall.serve(session, h.w.clerk, "H1-01")
        with pytest.raises(ValidationFailed):
            hall.person_at_window(session, h.w.clerk, visit.visit_no)  # not identified yet
        hall.identify(session, h.w.clerk, visit.visit_no, h.w.applicant_id)
        seen = hall.person_at_window(session, h.w.clerk, visit.visit_no)
        assert [c["case_no"] for c in seen.cases] == [case_no]
        with pytest.raises(NotFound):
            hall.person_at_window(session, h.clerk2, visit.visit_no)  # not the clerk serving them
        hall.finish(session, h.w.clerk, "H1-01", outcome="intake", case_no=case_no)
        with pytest.raises(NotFound):
            hall.person_at_window(session, h.w.clerk, visit.visit_no)  # the visit is over
    session.commit()
    looks = session.scalars(select(AuditRecord).where(AuditRecord.action == "hall_visit.person_view")).all()
    assert len(looks) == 1 and looks[0].detail["person"] == h.w.applicant.label


def test_system_sees_every_hall(session: Session) -> None:
    h = hf.build(session)
    assert hall.queue(session, SYSTEM, h.code)[0].code == h.code
