"""Case numbers: the region, the day and a serial (``case_no_format``), unique and never reused.

On PostgreSQL the serial comes from one sequence (``case_no_seq``, migration 0021), taken inside the
filing's own transaction: a sequence locks nothing, so filings never wait on each other for a number,
and a filing that fails leaves a gap, which is allowed (numbers are unique and never reused, not gapless
or consecutive within a day). The sequence is shared by every region, so a region's serials of a day rise
but skip the numbers other regions took. SQLite has a single writer anyway: there the serial counts per
region and day in ``case_number_counter``, in the filing's transaction.
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
    """``n`` numbers at once, in rising order (a 一件事 application files several cases at once)."""
    if session.get_bind().dialect.name == "postgresql":
        stmt = (text("SELECT nextval('case_no_seq')") if n == 1
                else text("SELECT nextval('case_no_seq') FROM generate_series(1, :n)"))
        serials = sorted(int(v) for v in session.scalars(stmt, {"n": n}))
        return [format_case_no(region_code, day, seq) for seq in serials]
    return _reserve(session, region_code, day, n)


def format_case_no(region_code: str, day: dt.date, serial: int) -> str:
    return get_settings().case_no_format.format(region=region_code[:6], date=day, seq=serial)


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
    last = int(row[0])
    return [format_case_no(region, day, seq) for seq in range(last - n + 1, last + 1)]
