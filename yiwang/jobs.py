"""Registers every domain's outbox handlers and scheduled jobs with the worker."""

from __future__ import annotations


def register_all() -> None:
    """Import each domain's ``jobs`` module so its @outbox.handler decorators run."""
    # Domains add their jobs modules here as they gain side effects.
    from yiwang.cases import jobs as case_jobs  # noqa: F401
