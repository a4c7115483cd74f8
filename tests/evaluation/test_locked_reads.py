"""A read that locks what it reads (read the status, then change it) holds on SQLite as on PostgreSQL: two
supervisors deciding one appeal at the same moment get one decision and one refusal, never two decisions."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from tests.evaluation import factories as ef
from yiwang.core.audit import AuditRecord
from yiwang.core.db import session_factory
from yiwang.core.errors import Conflict
from yiwang.evaluation import service as evaluation


def test_two_simultaneous_appeal_decisions_give_one(engine, session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    w = ef.world(session)
    no = ef.concluded(session, w)
    ev = ef.rate(session, w, no, ef.at("2026-03-09"), 5)
    evaluation.request_appeal(session, w.handler, evaluation_id=ev.id, reason="评价人承认误评")
    session.commit()
    real = evaluation._required_text

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.3)  # between reading the appeal's status and writing the decision
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation, "_required_text", slow)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()
    make = session_factory(engine)

    def decide(uphold: bool) -> None:
        with make() as s:
            barrier.wait()
            try:
                evaluation.decide_appeal(s, w.supervisor, evaluation_id=ev.id, uphold=uphold, reason="审核意见")
                s.commit()
                result = "decided"
            except Conflict as exc:
                s.rollback()
                result = exc.code
            except Exception as exc:  # noqa: BLE001 - reported below
                s.rollback()
                result = f"error {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=decide, args=(uphold,)) for uphold in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["appeal_not_pending", "decided"], outcomes
    session.expire_all()
    decisions = session.scalars(select(AuditRecord).where(AuditRecord.action == "evaluation.appeal_decide")).all()
    assert len(decisions) == 1
