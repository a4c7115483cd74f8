"""Case numbers, reserved per region and day and never reused.

On PostgreSQL a number is taken in a short transaction of its own — the one place in the case domain
that commits — so the counter row is locked only for that moment rather than for the whole filing; a
filing that fails afterwards leaves a gap, which is allowed (numbers are unique and never reused, not
gapless). SQLite has a single writer anyway, so there the number is taken in the filing's transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.core.config import get_settings


def reserve_case_no(session: Session, region_code: str, day: dt.date) -> str:
    return reserve_case_nos(session, region_code, day, 1)[0]


def reserve_case_nos(session: Session, region_code: str, day: dt.date, n: int) -> list[str]:
    """``n`` consecutive numbers in one counter update (a 一件事 application files several cases at once)."""
    if session.get_bind().dialect.name == "postgresql":
        with Session(session.get_bind().engine) as own:
            numbers = _reserve(own, region_code, day, n)
            own.commit()
        return numbers
    return _reserve(session, region_code, day, n)


def _reserve(session: Session, region_code: str, day: dt.date, n: int) -> list[str]:
    region = region_code[:6]
    stmt = text("UPDATE case_number_counter SET last = last + :n WHERE region_code = :r AND day = :d RETURNING last")
    row = session.execute(stmt, {"r": region, "d": day, "n": n}).first()
    if row is None:
        try:
            with session.begin_nested():
                session.execute(text("INSERT INTO case_number_counter (region_code, day, last) VALUES (:r, :d, 0)"),
                                {"r": region, "d": day})
        except IntegrityError:
            pass  # another filing created the counter first
        row = session.execute(stmt, {"r": region, "d": day, "n": n}).one()
    last, fmt = int(row[0]), get_settings().case_no_format
    return [fmt.format(region=region, date=day, seq=seq) for seq in range(last - n + 1, last + 1)]
