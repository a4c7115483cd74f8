"""Events the pledges domain publishes (topic constants and payloads; depends on core alone)."""

from __future__ import annotations

from yiwang.core.lifecycle import Event

PLEDGE_CHECK_OPENED = "pledge.check_opened"
PLEDGE_CHECK_PASSED = "pledge.passed"
PLEDGE_FALSE = "pledge.false_pledge"

ACTION_TOPICS: dict[str, str] = {"passed": PLEDGE_CHECK_PASSED, "false_pledge": PLEDGE_FALSE}


class PledgeCheckChanged(Event):
    check_id: int
    case_no: str
    department_id: int
    region_code: str
    item_name: str
    applicant: str
    status: str
    deadline: str | None
