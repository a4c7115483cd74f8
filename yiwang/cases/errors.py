from yiwang.core.errors import NotFound
from yiwang.core.lifecycle import IllegalTransition as IllegalTransition
from yiwang.core.lifecycle import StaleVersion


class CaseNotFound(NotFound):
    code = "case_not_found"


class CaseConflict(StaleVersion):
    """Someone else acted on the case first (the engine raises its parent, StaleVersion, code stale_version)."""
