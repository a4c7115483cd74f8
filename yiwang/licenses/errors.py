from yiwang.core.errors import Conflict


class LicenseNotIssuable(Conflict):
    """The license a decision would issue cannot be issued (the approval is refused up front)."""

    code = "license_not_issuable"
