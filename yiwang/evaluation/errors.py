"""The evaluation domain's errors (好差评): each keeps the machine code clients and pages already rely on, and maps
to HTTP through its base class in api/errors.py."""

from __future__ import annotations

from yiwang.core.errors import Conflict, NotFound


class EvaluationNotFound(NotFound):
    code = "evaluation_not_found"


class RectificationNotFound(NotFound):
    code = "rectification_not_found"


class CaseNotRateable(NotFound):
    """Someone else's case (or one the caller may see but does not own): not found, whatever the reason."""

    code = "case_not_found"


class CaseNotConcluded(Conflict):
    code = "case_not_concluded"


class EvaluationExcluded(Conflict):
    """An upheld appeal took the rating out of the figures: it cannot change any more."""

    code = "evaluation_excluded"


class EvaluationLocked(Conflict):
    """The change window has passed."""

    code = "evaluation_locked"


class RectificationNotOpen(Conflict):
    """The task was answered or settled: the action needs an open one."""

    code = "rectification_not_open"


class NotBadReview(Conflict):
    code = "not_bad_review"


class AppealExists(Conflict):
    code = "appeal_exists"


class AppealNotPending(Conflict):
    code = "appeal_not_pending"
