"""Registers every domain's outbox handlers and scheduled jobs with the worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def register_all() -> None:
    """Import each domain's ``jobs`` module so its @outbox.handler decorators run."""
    # Domains add their jobs modules here as they gain side effects.
    from yiwang.bundles import jobs as bundle_jobs  # noqa: F401
    from yiwang.cases import jobs as case_jobs  # noqa: F401
    from yiwang.evaluation import jobs as evaluation_jobs  # noqa: F401
    from yiwang.hall import jobs as hall_jobs  # noqa: F401
    from yiwang.licenses import jobs as license_jobs  # noqa: F401
    from yiwang.metrics import jobs as metrics_jobs  # noqa: F401
    from yiwang.notify import jobs as notify_jobs  # noqa: F401
    from yiwang.pledges import jobs as pledge_jobs  # noqa: F401
    from yiwang.supervision import jobs as supervision_jobs  # noqa: F401
    _register_audit_checkpoints()
    register_rate_counter_purge()


def _register_audit_checkpoints() -> None:
    """A signed checkpoint of the audit chain heads, written by the worker every YIWANG_AUDIT_CHECKPOINT_HOURS."""
    import logging

    from yiwang.core import audit, outbox
    from yiwang.core.config import get_settings
    from yiwang.core.db import session_scope

    def every() -> float:
        hours = get_settings().audit_checkpoint_hours
        return hours * 3600.0 if hours > 0 else float("inf")

    @outbox.scheduled("audit.checkpoint", every)
    def write_checkpoint(engine) -> None:  # type: ignore[no-untyped-def]
        if get_settings().audit_checkpoint_hours <= 0:
            return
        with session_scope(engine) as session:
            path, _ = audit.checkpoint(session, get_settings().resolved_checkpoint_dir())
        logging.getLogger(__name__).info("audit checkpoint written: %s", path)


def _purge_rate_counters(engine: Engine | None) -> None:
    from yiwang.core import ratelimit
    from yiwang.core.db import get_engine

    ratelimit.purge(engine or get_engine())


def register_rate_counter_purge() -> None:
    """Hourly: drop lapsed rate counters (login names, clients, case numbers) so the table stays small."""
    from yiwang.core import outbox

    outbox.scheduled("ratelimit.purge", lambda: 3600.0)(_purge_rate_counters)
