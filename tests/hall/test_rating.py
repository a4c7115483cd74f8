"""The window-side rating: one per visit, from the window's own tablet, a 好差评 rating on channel ``terminal``; a bad
one opens a rectification for the serving clerk's department and its answer reaches the identified person."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hall import factories as hf
from yiwang.core import clock, outbox
from yiwang.core.permissions import ANONYMOUS, SYSTEM
from yiwang.evaluation import service as evaluation
from yiwang.evaluation.models import Evaluation
from yiwang.hall import service as hall
from yiwang.hall.errors import AlreadyRated, VisitNotFound, WindowNotFound
from yiwang.jobs import register_all
from yiwang.notify.models import Message


def _served(session: Session, h: hf.Hall, *, identify: bool) -> str:
    hall.take_ticket(session, ANONYMOUS, h.code)
    hall.call_next(session, h.w.clerk, "H1-01")
    visit = hall.serve(session, h.w.clerk, "H1-01")
    if identify:
        hall.identify(session, h.w.clerk, visit.visit_no, h.w.applicant_id)
    return visit.visit_no


def test_a_bad_window_rating_opens_a_rectification_whose_answer_reaches_the_person(session: Session,
                                                                                   engine: Engine) -> None:
    register_all()
    h = hf.build(session)
    manager = f.staff(session, "manager", ["approver"], "区政务服务数据管理局")  # the centre's 大厅负责人
    hall.set_terminal_key(session, SYSTEM, "H1-01", "tablet-key-1")
    with clock.frozen(hf.MONDAY):
        no = _served(session, h, identify=True)
        with pytest.raises(VisitNotFound):  # not finished yet: nothing to rate
            hall.rate_visit(session, "H1-01", "tablet-key-1", visit_no=no, level=1)
        hall.finish(session, h.w.clerk, "H1-01", outcome="consult")
        window, waiting = hall.tablet_visit(session, "H1-01", "tablet-key-1")
        assert waiting is not None and waiting.visit_no == no
        with pytest.raises(WindowNotFound):
            hall.tablet_visit(session, "H1-01", "wrong-key")
        with pytest.raises(WindowNotFound):
            hall.rate_visit(session, "H1-02", "tablet-key-1", visit_no=no, level=1)  # another window's tablet
        hall.rate_visit(session, "H1-01", "tablet-key-1", visit_no=no, level=5, reasons=["attitude"],
                        comment="态度生硬")
        with pytest.raises(AlreadyRated):
            hall.rate_visit(session, "H1-01", "tablet-key-1", visit_no=no, level=1)
        assert hall.tablet_visit(session, "H1-01", "tablet-key-1")[1] is None
    rated = session.scalars(select(Evaluation).where(Evaluation.case_no == no)).one()
    assert (rated.channel, rated.level, rated.applicant) == ("terminal", 5, h.w.applicant.label)
    assert rated.department_id == h.w.clerk.department_id
    total, tasks = evaluation.list_rectifications(session, manager)
    assert total == 1 and tasks[0].case_no == no
    with clock.frozen(hf.MONDAY + dt.timedelta(hours=2)):
        evaluation.reply(session, manager, rectification_id=tasks[0].id, text="已对窗口人员批评教育",
                         callback_note="已电话回访")
    session.commit()
    with clock.frozen(hf.MONDAY + dt.timedelta(hours=2, minutes=1)):
        while outbox.run_once(engine):
            pass
    session.expire_all()
    titles = [m.title for m in session.scalars(select(Message).where(Message.recipient == h.w.applicant.label))]
    assert titles == ["您对窗口服务的评价已收到答复"]


def test_an_unidentified_person_rates_too_and_a_tablet_offers_only_recent_visits(session: Session) -> None:
    h = hf.build(session)
    hall.set_terminal_key(session, SYSTEM, "H1-01", "k")
    with clock.frozen(hf.MONDAY):
        no = _served(session, h, identify=False)
        hall.finish(session, h.w.clerk, "H1-01", outcome="concluded")
    with clock.frozen(hf.MONDAY + dt.timedelta(minutes=45)):  # the person has long gone
        assert hall.tablet_visit(session, "H1-01", "k")[1] is None
        with pytest.raises(VisitNotFound):  # nor rated from elsewhere
            hall.rate_visit(session, "H1-01", "k", visit_no=no, level=1)
    with clock.frozen(hf.MONDAY + dt.timedelta(minutes=5)):
        hall.rate_visit(session, "H1-01", "k", visit_no=no, level=1)
    assert session.scalars(select(Evaluation.applicant)).one() == f"visit:{no}"
