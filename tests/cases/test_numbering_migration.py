"""Migration 0021: case numbers from a sequence on PostgreSQL, started past every per-day counter; a downgrade
hands the counters on from the sequence so that no number is given twice."""

from __future__ import annotations

import pytest
from alembic import command

from tests.cases import factories as cw
from yiwang.cases import deadlines, numbering
from yiwang.core import clock, migrate


def test_no_number_is_given_twice_across_upgrade_and_downgrade(session, engine) -> None:  # type: ignore[no-untyped-def]
    """Before 0021 (and after a downgrade) numbers came from the per-region, per-day counter, as
    ``numbering._reserve`` still takes them; in between from the sequence."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the sequence is PostgreSQL's; SQLite keeps its counters")
    url = engine.url.render_as_string(hide_password=False)
    cfg = migrate.alembic_config(url)
    w = cw.world(session)
    session.commit()
    now = clock.now()
    day = deadlines.local_day(now)
    try:
        command.downgrade(cfg, "0020")
        # the counters, as before the migration: another region's (440104 has none for today)
        before = numbering._reserve(session, "440103", day, 3)
        session.commit()
        command.upgrade(cfg, "head")  # the sequence starts past every counter
        with clock.frozen(now):
            during = [cw.submit(session, w) for _ in range(3)]
        session.commit()
        command.downgrade(cfg, "0020")  # the counters go on from the sequence
        after = numbering._reserve(session, "440104", day, 3)
        session.commit()
    finally:
        session.rollback()
        command.upgrade(cfg, "head")
    stamp = day.strftime("%Y%m%d")
    assert all(n.startswith("440103" + stamp) for n in before)
    assert all(n.startswith("440104" + stamp) for n in during + after)
    serials = [int(n[14:]) for n in before + during + after]
    assert serials == sorted(serials) and len(set(serials)) == 9  # 440104's counter went on from the sequence
