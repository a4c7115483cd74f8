"""Two staff acting on one case at the same moment: exactly one transition."""

from __future__ import annotations

import threading

import pytest

from tests import factories as f
from tests.cases import factories as cw
from yiwang.cases import service as cases
from yiwang.core.db import session_factory
from yiwang.core.errors import Conflict


def test_interleaved_actions_one_wins(session, engine) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    second = f.staff(session, "handler2", ["handler"], cw.DEPT)
    no = cw.submit(session, w)
    session.commit()
    make = session_factory(engine)
    with make() as a, make() as b:
        cases.get_case(a, w.handler, no)
        cases.get_case(b, second, no)  # both have read version 1
        cases.apply(a, w.handler, case_no=no, action="accept")
        a.commit()
        # whichever way the loser notices (a moved version or the new status), it is a conflict
        with pytest.raises(Conflict):
            cases.apply(b, second, case_no=no, action="reject", comment="重复")
        b.rollback()
    session.expire_all()
    case = cases.get_case(session, w.handler, no)
    assert case.status == "accepted"
    assert [e.action for e in cases.timeline(session, case)] == ["submit", "accept"]


def test_simultaneous_threads_make_exactly_one_transition(session, engine) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    others = [f.staff(session, f"h{i}", ["handler"], cw.DEPT) for i in range(4)]
    no = cw.submit(session, w)
    session.commit()
    make = session_factory(engine)
    barrier = threading.Barrier(len(others))
    results: list[str] = []

    def act(actor) -> None:  # type: ignore[no-untyped-def]
        with make() as s:
            cases.get_case(s, actor, no)
            barrier.wait()
            try:
                cases.apply(s, actor, case_no=no, action="accept")
                s.commit()
                results.append("ok")
            except Conflict:
                s.rollback()
                results.append("conflict")

    threads = [threading.Thread(target=act, args=(a,)) for a in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * (len(others) - 1) + ["ok"]
    session.expire_all()
    assert len(cases.timeline(session, cases.get_case(session, w.handler, no))) == 2
