"""A licence's status changes go through the lifecycle engine: every (status, action) pair of the table, the
version a stale page or call carries, and what each change leaves behind (timeline, audit record, event)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests import factories as f
from tests.licenses import factories as lf
from tests.web.helpers import csrf_of, staff_login
from yiwang.core import lifecycle
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.outbox import OutboxEvent
from yiwang.licenses import service as licenses
from yiwang.licenses.models import License
from yiwang.licenses.states import LicenseAction, LicenseStatus

V, S, R = LicenseStatus.VALID.value, LicenseStatus.SUSPENDED.value, LicenseStatus.REVOKED.value
# (status, action) → the status it leads to, or None: refused
TABLE = {
    (V, "suspend"): S, (V, "revoke"): R, (V, "reinstate"): None,
    (S, "suspend"): None, (S, "revoke"): R, (S, "reinstate"): V,
    (R, "suspend"): None, (R, "revoke"): None, (R, "reinstate"): None,
}


def _at(session, license_id: str, status: str) -> License:  # type: ignore[no-untyped-def]
    session.execute(update(License).where(License.license_id == license_id).values(status=status))
    session.expire_all()
    return session.scalars(select(License).where(License.license_id == license_id)).one()


def test_the_table_covers_every_status_and_action() -> None:
    assert {(s.value, a.value) for s in LicenseStatus for a in LicenseAction} == set(TABLE)
    for (status, action), target in TABLE.items():
        rule = licenses.MACHINE.rule(status, action)
        assert (rule.target if rule else None) == target, (status, action)


@pytest.mark.db
@pytest.mark.parametrize(("status", "action"), sorted(TABLE))
def test_every_transition_through_the_engine_and_the_service(session, status: str, action: str) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    target = TABLE[(status, action)]
    lic = _at(session, license_id, status)
    ctx = licenses.StatusChange(actor=w.approver, action=action, data={"reason": "依据决定书"}, reason="依据决定书")
    if target is None:
        with pytest.raises(lifecycle.IllegalTransition):
            lifecycle.apply(session, licenses.MACHINE, lic, ctx)
        with pytest.raises(ValidationFailed) as refused:  # the service's own words for it
            licenses.change_status(session, w.approver, license_id, action=action, reason="依据决定书")
        assert refused.value.code == ("license_revoked" if status == R else "bad_status")
    else:
        lifecycle.apply(session, licenses.MACHINE, lic, ctx)
        assert lic.status == target
        lic = _at(session, license_id, status)
        assert licenses.change_status(session, w.approver, license_id, action=action, reason="依据决定书").status \
            == target


@pytest.mark.db
def test_only_the_issuing_departments_approvers_change_a_licence(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    lic = _at(session, license_id, V)
    for actor in (w.handler, w.other_handler):  # no LICENSE_REVOKE; another department
        ctx = licenses.StatusChange(actor=actor, action="suspend", reason="x")
        with pytest.raises(PermissionDenied):
            lifecycle.apply(session, licenses.MACHINE, lic, ctx)
    assert licenses.MACHINE.allowed(w.approver, lic) == ["suspend", "revoke"]
    assert licenses.MACHINE.allowed(w.handler, lic) == []


@pytest.mark.db
def test_a_change_leaves_a_timeline_entry_an_audit_record_and_the_event(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    before = session.scalars(select(License).where(License.license_id == license_id)).one().version
    shown = licenses.change_status(session, w.approver, license_id, action="suspend", reason="暂扣决定书 1 号")
    assert shown.status == S and shown.version == before + 1
    session.commit()
    [entry] = lifecycle.timeline_of(session, "license", license_id)
    assert (entry.action, entry.from_status, entry.to_status, entry.actor) == ("suspend", V, S, w.approver.label)
    assert entry.comment == "暂扣决定书 1 号" and entry.data == {"reason": "暂扣决定书 1 号"}
    record = session.scalars(select(AuditRecord).where(AuditRecord.action == "license.suspend")).one()
    assert (record.object_type, record.object_id) == ("license", license_id)
    event = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "license.suspend")).one()
    assert event.payload == {"license_id": license_id, "holder": w.applicant.label, "reason": "暂扣决定书 1 号",
                             "type": lf.TYPE}
    lic = session.scalars(select(License).where(License.license_id == license_id)).one()
    assert lic.status_reason == "暂扣决定书 1 号" and lic.status_changed_at is not None
    licenses.change_status(session, w.approver, license_id, action="reinstate", reason="整改完成")
    assert lic.status_reason is None
    assert [e.action for e in lifecycle.timeline_of(session, "license", license_id)] == ["suspend", "reinstate"]


@pytest.mark.db
def test_a_stale_version_is_refused_with_409(client, session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    session.commit()
    approver = f.api_login(client, "approver")
    version = client.get(f"/api/v1/licenses/{license_id}", headers=approver).json()["version"]
    url = f"/api/v1/licenses/{license_id}/actions"
    done = client.post(url, json={"action": "suspend", "reason": "暂扣", "expected_version": version},
                       headers=approver)
    assert done.status_code == 200 and done.json()["version"] == version + 1
    stale = client.post(url, json={"action": "reinstate", "reason": "恢复", "expected_version": version},
                        headers=approver)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    assert client.get(f"/api/v1/licenses/{license_id}", headers=approver).json()["status"] == S
    assert client.post(url, json={"action": "reinstate", "reason": "恢复", "expected_version": "x"},
                       headers=approver).status_code == 422

    # the page sends the version it showed; a stale one is told so in Chinese and nothing changes
    staff_login(client, "approver")
    page = client.get(f"/workbench/licenses/{license_id}")
    assert f'name="version" value="{version + 1}"' in page.text
    client.post(url, json={"action": "reinstate", "reason": "恢复"}, headers=approver)
    r = client.post(f"/workbench/licenses/{license_id}/status",
                    data={"action": "revoke", "reason": "注销", "version": str(version + 1),
                          "csrf_token": csrf_of(page.text)})
    assert r.status_code == 409 and "已被其他人变更" in r.text
    assert client.get(f"/api/v1/licenses/{license_id}", headers=approver).json()["status"] == V
