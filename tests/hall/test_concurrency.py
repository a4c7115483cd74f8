"""Under concurrency: ticket numbers stay unique per hall and day, and windows calling at once never call the same
ticket twice nor lose one (PostgreSQL: SKIP LOCKED; SQLite: the write lock)."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hall import factories as hf
from yiwang.core import clock
from yiwang.core.db import session_factory
from yiwang.core.errors import DomainError
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import ANONYMOUS, SYSTEM
from yiwang.hall import service as hall
from yiwang.hall.models import Ticket
from yiwang.identity import repository as identity_repo
from yiwang.identity import service as identity


def _many_windows(session: Session) -> list[str]:
    clerks = [f.staff(session, f"w{i}", ["window_clerk"], "区政务服务数据管理局") for i in range(6)]
    windows = [{"code": f"H1-{i:02d}", "type": "综合", "staff": [c.name.removesuffix("员")]}
               for i, c in enumerate(clerks)]
    report = hall.import_halls(session, SYSTEM, [("第 1 行", hf.line(windows=windows))])
    assert not report.errors, report.errors
    session.commit()
    return [w["code"] for w in windows]


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_tickets_taken_at_once_get_distinct_numbers(engine: Engine, session: Session) -> None:
    _many_windows(session)
    errors: list[BaseException] = []

    def take() -> None:
        for _ in range(10):
            with session_factory(engine)() as s:
                try:
                    hall.take_ticket(s, ANONYMOUS, "H1", source="kiosk")
                    s.commit()
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

    with clock.frozen(hf.MONDAY):  # one frozen clock for every thread (it is process-wide)
        _run([threading.Thread(target=take) for _ in range(6)])
    assert errors == []
    seqs = sorted(session.scalars(select(Ticket.seq)))
    assert seqs == list(range(1, 61))


def test_windows_calling_at_once_call_each_ticket_once(engine: Engine, session: Session) -> None:
    codes = _many_windows(session)
    with clock.frozen(hf.MONDAY):
        for i in range(40):
            hall.take_ticket(session, ANONYMOUS, "H1", priority="elderly" if i % 7 == 0 else None)
    session.commit()
    called: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def window(code: str, login: str) -> None:
        while True:
            with session_factory(engine)() as s:
                actor = identity.actor_for_staff(s, identity_repo.staff_by_login(s, login))
                try:
                    got = hall.call_next(s, actor, code)
                    hall.serve(s, actor, code)
                    hall.finish(s, actor, code, outcome="consult")
                    s.commit()
                except StaleVersion:
                    s.rollback()
                    continue
                except DomainError as exc:
                    if exc.code == "no_ticket_waiting":
                        return
                    errors.append(exc)
                    return
                except BaseException as exc:  # noqa: BLE001 - reported below
                    if "locked" in str(exc):  # SQLite's busy timeout under six writers: try again
                        s.rollback()
                        continue
                    errors.append(exc)
                    return
            with lock:
                called.append(got.ticket_no)

    with clock.frozen(hf.MONDAY):
        _run([threading.Thread(target=window, args=(code, f"w{i}")) for i, code in enumerate(codes)])
    assert errors == []
    assert len(called) == 40 and max(Counter(called).values()) == 1
    assert set(session.scalars(select(Ticket.status))) == {"done"}
