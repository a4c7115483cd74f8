from __future__ import annotations

from yiwang.core.errors import NotFound


class PledgeCheckNotFound(NotFound):
    code = "pledge_check_not_found"
