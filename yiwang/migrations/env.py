"""Alembic environment: one history for SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from alembic import context

import yiwang.models  # noqa: F401  (registers every table)
from yiwang.core.db import Base, get_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = get_engine(url)

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
