"""Migration 0015 creates exactly the tables the pledge and credit models declare (on SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import yiwang.models  # noqa: F401  (every table)
from yiwang.core.db import Base

TABLES = ("pledge_check", "credit_record")


def test_the_migration_matches_the_models(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if any(t in str(d) for t in TABLES)] == []
    with engine.connect() as conn:
        names = set(engine.dialect.get_table_names(conn))
    assert set(TABLES) <= names
