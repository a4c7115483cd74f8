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
    if session.get_bind().dialect.name == "postgresql":
        with Session(session.get_bind().engine) as own:
            number = _reserve(own, region_code, day)
            own.commit()
        return number
    return _reserve(session, region_code, day)


def _reserve(session: Session, region_code: str, day: dt.date) -> str:
    region = region_code[:6]
    stmt = text("UPDATE case_number_counter SET last = last + 1 WHERE region_code = :r AND day = :d RETURNING last")
    row = session.execute(stmt, {"r": region, "d": day}).first()
    if row is None:
        try:
            with session.begin_nested():
                session.execute(text("INSERT INTO case_number_counter (region_code, day, last) VALUES (:r, :d, 0)"),
                                {"r": region, "d": day})
        except IntegrityError:
            pass  # another filing created the counter first
        row = session.execute(stmt, {"r": region, "d": day}).one()
    return get_settings().case_no_format.format(region=region, date=day, seq=int(row[0]))
