"""Events the bundle domain publishes (一件事): an application filed, and every result delivered together."""

from __future__ import annotations

from pydantic import BaseModel

BUNDLE_SUBMITTED = "bundle.submitted"
BUNDLE_DELIVERED = "bundle.delivered"


class BundleChanged(BaseModel):
    application_no: str
    bundle_code: str
    bundle_name: str = ""
    applicant: str
    cases: list[str]
    status: str
