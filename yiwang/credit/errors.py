from __future__ import annotations

from yiwang.core.errors import ValidationFailed


class PledgeBarred(ValidationFailed):
    """A standing false-pledge record bars the applicant from pledging for this item type."""

    code = "pledge_barred"
