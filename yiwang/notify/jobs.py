"""Outbox handlers of the notify domain: who is told what when another domain's event happens, and the
delivery of each queued SMS / e-mail.

Every message's event key is ``"<outbox event id>:<recipient>"``, so an event the worker runs twice never
tells anyone twice. Several handlers may share a topic (``case.approve`` also issues the license).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from yiwang.bundles import events as bundle_events
from yiwang.cases import events as case_events
from yiwang.core import outbox
from yiwang.core.db import session_scope
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import Role
from yiwang.evaluation import events as evaluation_events
from yiwang.hall import events as hall_events
from yiwang.hotline import events as hotline_events
from yiwang.identity import service as identity
from yiwang.licenses import events as license_events
from yiwang.notify import backends, service, templates
from yiwang.notify.templates import Text
from yiwang.supervision import events as supervision_events

log = logging.getLogger(__name__)

# who in a department hears about its rectifications and supervision alerts
DEPARTMENT_ROLES = (Role.HANDLER.value, Role.APPROVER.value)


def _tell(session: Session, event: OutboxEvent, recipient: str, text: Text, link: str,
          channels: Sequence[str] = (backends.SMS,)) -> None:
    service.send(session, recipient=recipient, topic=event.topic, title=text.title, body=text.body, link=link,
                 event_key=f"{event.id}:{recipient}", channels=channels, sms_text=text.sms)


def _path(value: Any) -> str:
    return quote(str(value), safe="")


def _department_staff(session: Session, payload: dict[str, Any]) -> list[str]:
    department_id = payload.get("department_id")
    if not isinstance(department_id, int):
        return []
    return identity.staff_of_department(session, department_id, DEPARTMENT_ROLES)


# --- case progress --------------------------------------------------------------------------------------

def on_case_event(session: Session, event: OutboxEvent) -> None:
    """Accepted, rejected, correction needed, decided, special procedure, extended, delivered → the applicant."""
    p = event.payload
    action = str(p.get("action") or event.topic.partition(".")[2])
    if not p.get("applicant") or not p.get("case_no") or action not in templates.CASE_ACTIONS:
        return
    if action == "deliver" and p.get("bundle_application_id"):
        return  # 一件事: the application's one message tells of every result delivered together
    _tell(session, event, str(p["applicant"]), templates.case_event(action, p), f"/my/cases/{_path(p['case_no'])}")


for _action in templates.CASE_ACTIONS:
    outbox.handler(case_events.ACTION_TOPICS[_action])(on_case_event)


# --- 转报: the upper department hears of a case forwarded to it ---------------------------------------------

@outbox.handler(case_events.CASE_FORWARDED)
def on_case_forwarded(session: Session, event: OutboxEvent) -> None:
    """A lower department forwarded a case upwards → the handlers and approvers of the department it now belongs to
    (the event carries the case as it is after the forward)."""
    p = event.payload
    if not p.get("case_no"):
        return
    for recipient in _department_staff(session, p):
        _tell(session, event, recipient, templates.case_forwarded(p), f"/workbench/cases/{_path(p['case_no'])}",
              channels=())


# --- 一件事: one message for the application ---------------------------------------------------------------

@outbox.handler(bundle_events.BUNDLE_SUBMITTED)
@outbox.handler(bundle_events.BUNDLE_DELIVERED)
def on_bundle_event(session: Session, event: OutboxEvent) -> None:
    """Filed, and every result delivered together → the applicant, once for the whole application."""
    p = event.payload
    if not p.get("applicant") or not p.get("application_no"):
        return
    _tell(session, event, str(p["applicant"]), templates.bundle_event(event.topic, p),
          f"/my/bundles/{_path(p['application_no'])}")


# --- the hall: appointments ------------------------------------------------------------------------------------

def on_appointment_event(session: Session, event: OutboxEvent) -> None:
    """Booked, changed, cancelled, the day-before reminder and a no-show → the person who booked (SMS too)."""
    p = event.payload
    if not p.get("applicant") or not p.get("appointment_no") or event.topic not in templates.APPOINTMENT_TOPICS:
        return
    _tell(session, event, str(p["applicant"]), templates.appointment_event(event.topic, p), "/hall/appointments")


for _topic in (hall_events.APPOINTMENT_BOOKED, hall_events.APPOINTMENT_CHANGED, hall_events.APPOINTMENT_CANCELLED,
               hall_events.APPOINTMENT_REMINDER, hall_events.APPOINTMENT_NO_SHOW):
    outbox.handler(_topic)(on_appointment_event)


# --- the 12345 hotline --------------------------------------------------------------------------------------------

@outbox.handler(hotline_events.TICKET_DISPATCHED)
@outbox.handler(hotline_events.TICKET_SENT_BACK)
def on_hotline_to_unit(session: Session, event: OutboxEvent) -> None:
    """An order dispatched to a unit, or sent back to it → the unit's hotline liaisons."""
    p = event.payload
    department_id = p.get("department_id")
    if not isinstance(department_id, int):
        return
    for recipient in identity.staff_of_department(session, department_id, (Role.HOTLINE_LIAISON.value,)):
        _tell(session, event, recipient, templates.hotline_to_unit(event.topic, p),
              f"/workbench/hotline/{_path(p['ticket_no'])}")


@outbox.handler(hotline_events.TICKET_REVIEWED)
@outbox.handler(hotline_events.TICKET_CLOSED)
def on_hotline_to_caller(session: Session, event: OutboxEvent) -> None:
    """The answer passed review, the order closed → the person or enterprise who filed it online."""
    p = event.payload
    if p.get("owner"):
        _tell(session, event, str(p["owner"]), templates.hotline_to_caller(event.topic, p),
              f"/hotline/requests/{_path(p['ticket_no'])}")


# --- 并联审批: branches of a joint case -------------------------------------------------------------------------

@outbox.handler(case_events.CASE_ACCEPTED)
def on_branches_requested(session: Session, event: OutboxEvent) -> None:
    """A joint case was accepted → each branch department's handlers and approvers: an opinion is due."""
    p = event.payload
    for branch in p.get("branches") or []:
        text = templates.branch_requested(p | {"deadline": branch.get("deadline")})
        for label in _department_staff(session, {"department_id": branch.get("department_id")}):
            _tell(session, event, label, text, f"/workbench/cases/{_path(p['case_no'])}#branches", ())


@outbox.handler(case_events.BRANCH_OBJECTED)
def on_branch_objected(session: Session, event: OutboxEvent) -> None:
    """A branch objected → the lead department's handlers and approvers, who deny or ask for a correction."""
    p = event.payload
    text = templates.branch_objected(p)
    for label in _department_staff(session, {"department_id": p.get("lead_department_id")}):
        _tell(session, event, label, text, f"/workbench/cases/{_path(p['case_no'])}#branches", ())


def on_branch_timed_out(session: Session, event: OutboxEvent) -> None:
    """超时默认同意 or escalation → the branch department's staff and the supervisors covering its region."""
    p = event.payload
    text = templates.branch_timed_out(event.topic == case_events.BRANCH_DEEMED_CONSENT, p)
    told = _department_staff(session, p)
    region = p.get("region_code")
    if isinstance(region, str) and region:
        told += [s for s in identity.staff_with_role(session, Role.SUPERVISOR.value, covering=region) if s not in told]
    for label in told:
        _tell(session, event, label, text, f"/workbench/cases/{_path(p['case_no'])}#branches")


for _topic in (case_events.BRANCH_DEEMED_CONSENT, case_events.BRANCH_ESCALATED):
    outbox.handler(_topic)(on_branch_timed_out)


@outbox.handler(case_events.CASE_SUPPLEMENT_REMINDER)
def on_supplement_reminder(session: Session, event: OutboxEvent) -> None:
    """容缺后补: deferred materials coming due → the applicant (in-app and SMS)."""
    p = event.payload
    if p.get("applicant") and p.get("case_no") and p.get("deferred"):
        _tell(session, event, str(p["applicant"]), templates.supplement_reminder(p),
              f"/my/cases/{_path(p['case_no'])}/supplement")


# --- licenses -------------------------------------------------------------------------------------------

@outbox.handler(license_events.LICENSE_ISSUED)
def on_license_issued(session: Session, event: OutboxEvent) -> None:
    p = event.payload
    if p.get("holder") and p.get("license_id"):
        _tell(session, event, str(p["holder"]), templates.license_issued(p), f"/my/licenses/{_path(p['license_id'])}")


def on_license_changed(session: Session, event: OutboxEvent) -> None:
    """Suspended, revoked or reinstated → the holder."""
    p = event.payload
    action = event.topic.partition(".")[2]
    if p.get("holder") and p.get("license_id") and action in templates.LICENSE_ACTIONS:
        _tell(session, event, str(p["holder"]), templates.license_changed(action, p),
              f"/my/licenses/{_path(p['license_id'])}")


for _action, _topic in license_events.CHANGE_TOPICS.items():
    if _action in templates.LICENSE_ACTIONS:
        outbox.handler(_topic)(on_license_changed)


# --- evaluation (好差评) -----------------------------------------------------------------------------------

@outbox.handler(evaluation_events.RECTIFICATION_REPLIED)
def on_rectification_replied(session: Session, event: OutboxEvent) -> None:
    p = event.payload
    applicant, no = str(p.get("applicant") or ""), str(p.get("case_no") or "")
    if not applicant or not no or applicant.startswith(hall_events.ANONYMOUS_RATER):
        return  # a window rating by someone the window did not identify: nobody to tell
    if no.startswith(hall_events.VISIT_PREFIX):
        _tell(session, event, applicant, templates.visit_rectification_replied(p), "/my/messages")
        return
    _tell(session, event, applicant, templates.rectification_replied(p), f"/my/cases/{_path(no)}/evaluation")


@outbox.handler(evaluation_events.RECTIFICATION_OPENED)
def on_rectification_opened(session: Session, event: OutboxEvent) -> None:
    text = templates.rectification_opened(event.payload)
    for label in _department_staff(session, event.payload):
        _tell(session, event, label, text, "/workbench/rectifications")


# --- supervision (电子监察) --------------------------------------------------------------------------------

@outbox.handler(supervision_events.ALERT_RAISED)
def on_alert_raised(session: Session, event: OutboxEvent) -> None:
    """An alert → the department's handlers and approvers; by SMS too only when it is red."""
    p = event.payload
    if not p.get("case_no"):
        return
    text = templates.alert_raised(p)
    channels = (backends.SMS,) if p.get("level") in templates.URGENT_LEVELS else ()
    for label in _department_staff(session, p):
        _tell(session, event, label, text, f"/workbench/cases/{_path(p['case_no'])}", channels)


# --- delivery -------------------------------------------------------------------------------------------

@outbox.handler(service.DELIVER_TOPIC)
def deliver(session: Session, event: OutboxEvent) -> None:
    """Hand one queued delivery to its channel's backend.

    On success the delivery is marked sent in the worker's transaction. On failure the attempt and the error
    are recorded in a transaction of their own once the worker's has ended, and the error is raised again,
    so the outbox retries with back-off. Runs as the worker runs it: in a transaction that has written
    nothing yet. A crash between the hand-over and the commit sends the message again (at least once).
    """
    delivery_id = int(event.payload["delivery_id"])
    found = service.due_delivery(session, delivery_id)
    if found is None:
        return  # already sent (a redelivered event), skipped, or gone
    delivery, msg = found
    name = backends.configured(delivery.channel)
    if name == backends.NONE:
        service.mark_skipped(session, delivery)
        return
    try:
        title, body = service.outgoing(delivery, msg, event.payload.get("text"))
        backends.backend_for(delivery.channel, name).send(delivery.address, title, body)
    except Exception as exc:
        _record_failure(session, delivery_id, f"{type(exc).__name__}: {exc}")
        raise
    service.mark_sent(session, delivery, name)


def _record_failure(session: Session, delivery_id: int, error: str) -> None:
    """Record the failed attempt in a transaction of its own once the worker's transaction has ended (the
    handler's savepoint is rolled back). Not earlier: on SQLite the worker's transaction holds the write lock
    until then, and a second connection writing meanwhile would only wait for it."""
    engine = session.get_bind().engine

    def record(_session: Session, transaction: Any) -> None:
        if transaction.parent is not None:
            return  # a savepoint (the handler's own) ended: the worker's transaction still runs
        sa_event.remove(session, "after_transaction_end", record)
        try:
            with session_scope(engine) as own:
                service.record_failure(own, delivery_id, error)
        except Exception:  # the outbox still records the failure on the event and retries it
            log.exception("could not record the failure of delivery %s", delivery_id)

    sa_event.listen(session, "after_transaction_end", record)


# --- failed events (dead letters) ------------------------------------------------------------------------

EVENT_SUBJECTS = {"case.approve": "办件准予后的证照签发"}


@outbox.on_dead
def on_event_dead(session: Session, event: OutboxEvent) -> None:
    """An outbox event died (its side effect failed every retry) → the administrators whose region covers the
    case's (those who see it on the failed tasks page), or every administrator for an event about no case or
    when none covers it — never nobody; in the app only."""
    what = EVENT_SUBJECTS.get(event.topic, f"后台任务“{event.topic}”")
    case_no = event.payload.get("case_no") if isinstance(event.payload, dict) else None
    about = f"（办件 {case_no}）" if case_no else ""
    error = (event.last_error or "").splitlines()[0][:300] if event.last_error else "未知错误"
    text = Text(title=f"{what}失败{about}",
                body=f"{what}{about}在重试 {event.attempts} 次后仍失败，已停止重试。错误：{error}。"
                     "请排除原因后在“失败任务”页面重新投递。",
                sms="")
    died = int(time.time())  # an event resent and dead again is told again
    region = event.payload.get("region_code") if isinstance(event.payload, dict) and case_no else None
    admins = identity.staff_with_role(session, Role.ADMIN.value, covering=str(region)) if region else []
    for label in admins or identity.staff_with_role(session, Role.ADMIN.value):
        service.send(session, recipient=label, topic="outbox.dead", title=text.title, body=text.body,
                     link="/admin/outbox", event_key=f"dead:{event.id}:{died}:{label}", channels=())
