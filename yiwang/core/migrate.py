"""Schema migrations (Alembic, one history) and the reference data every database needs."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from yiwang.core import audit, calendar
from yiwang.core.db import get_engine, session_scope

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(url: str) -> list[int]:
    """Bring the schema to head, then make sure reference data exists. Returns calendar years seeded."""
    command.upgrade(alembic_config(url), "head")
    return seed_reference(get_engine(url))


def seed_reference(engine: Engine) -> list[int]:
    with session_scope(engine) as session:
        audit.ensure_chains(session)
        audit.sign_unsigned_heads(session)  # chains written before keying, once each verifies
        return calendar.seed_bundled(session)
