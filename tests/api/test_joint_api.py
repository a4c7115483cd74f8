"""并联审批 over the API, as outside checks drive it: branch opinions through the case's action endpoint,
``branches`` in the case JSON, ``expected_version`` and the 409s, and the workbench pages."""

from __future__ import annotations

from tests import factories as f
from tests.cases import factories as cw
from tests.cases.joint import ENV, FIRE, accepted, joint_world, to_approval_step
from tests.web.helpers import staff_login


def _act(client, headers, no, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/cases/{no}/actions", json=body, headers=headers)


def test_branch_opinions_and_the_join_over_http(client, session) -> None:  # type: ignore[no-untyped-def]
    j = joint_world(session)
    no = accepted(session, j)
    to_approval_step(session, j, no)
    session.commit()
    fire, env = f.api_login(client, "fire"), f.api_login(client, "env")
    approver = f.api_login(client, "approver")

    body = client.get(f"/api/v1/cases/{no}", headers=fire).json()
    assert {b["department"]: b["status"] for b in body["branches"]} == {FIRE: "pending", ENV: "pending"}
    assert set(body["branches"][0]) >= {"department", "status", "deadline", "opinion", "decided_at"}
    assert {"branch_consent", "branch_object"} <= set(body["allowed_actions"])
    version = body["version"]

    # an objection needs a reason: 422 with the field
    r = _act(client, fire, no, action="branch_object", comment="")
    assert r.status_code == 422 and r.json()["error"]["field"] == "comment"
    # the lead may not approve yet: 409 with what is missing
    r = _act(client, approver, no, action="approve", comment="准予")
    assert r.status_code == 409 and r.json()["error"]["code"] == "branches_pending"

    r = _act(client, fire, no, action="branch_consent", comment="同意", expected_version=version)
    assert r.status_code == 200, r.text
    assert {b["department"]: b["status"] for b in r.json()["branches"]}[FIRE] == "consented"
    # the same branch again (a second officer, a double click): 409, one outcome
    r = _act(client, fire, no, action="branch_object", comment="不同意")
    assert r.status_code == 409
    r = _act(client, env, no, action="branch_consent")
    assert r.status_code == 200
    stale = _act(client, approver, no, action="approve", comment="准予", expected_version=version - 1)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    r = _act(client, approver, no, action="approve", comment="准予", expected_version=version)
    assert r.status_code == 200 and r.json()["outcome"] == "approved"
    labels = [e["action_label"] for e in r.json()["timeline"]]
    assert any(label.startswith(FIRE) for label in labels)


def test_branch_staff_cannot_reach_other_cases_and_pages_show_branches(client, session) -> None:  # type: ignore[no-untyped-def]
    j = joint_world(session)
    no = accepted(session, j)
    plain = cw.submit(session, j.w)  # an ordinary application of the lead's department
    session.commit()
    fire = f.api_login(client, "fire")
    assert client.get(f"/api/v1/cases/{plain}", headers=fire).status_code == 404
    stranger = f.api_login(client, "stranger")
    assert client.get(f"/api/v1/cases/{no}", headers=stranger).status_code == 404
    r = _act(client, stranger, no, action="branch_consent")
    assert r.status_code == 404

    staff_login(client, "fire")
    page = client.get(f"/workbench/cases/{no}").text
    assert "并联审批" in page and FIRE in page and ENV in page
    assert 'value="branch_consent"' in page and 'value="branch_object"' in page
    assert 'value="accept"' not in page  # the lead's actions are not the branch's
    queue = client.get("/workbench/cases").text
    assert no in queue and plain not in queue
