"""Registers every domain's outbox handlers and scheduled jobs with the worker."""

from __future__ import annotations


def register_all() -> None:
    """Import each domain's ``jobs`` module so its @outbox.handler decorators run."""
    # Domains add their jobs modules here as they gain side effects.
    from yiwang.cases import jobs as case_jobs  # noqa: F401
    from yiwang.evaluation import jobs as evaluation_jobs  # noqa: F401
    from yiwang.notify import jobs as notify_jobs  # noqa: F401
    from yiwang.supervision import jobs as supervision_jobs  # noqa: F401
