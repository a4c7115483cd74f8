"""Events the licence domain publishes. Topic strings are stored with each outbox event and listened to by
notify: their values never change."""

from __future__ import annotations

from pydantic import BaseModel

LICENSE_ISSUED = "license.issued"
LICENSE_SUSPEND = "license.suspend"
LICENSE_REVOKE = "license.revoke"
LICENSE_REINSTATE = "license.reinstate"

# a status change publishes the topic named after its action
CHANGE_TOPICS: dict[str, str] = {"suspend": LICENSE_SUSPEND, "revoke": LICENSE_REVOKE,
                                 "reinstate": LICENSE_REINSTATE}


class LicenseIssued(BaseModel):
    license_id: str
    holder: str
    case_no: str | None
    type: str  # the licence type's name


class LicenseStatusChanged(BaseModel):
    """Suspended, revoked or reinstated (the topic says which)."""

    license_id: str
    holder: str
    reason: str
    type: str
