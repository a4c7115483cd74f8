"""Sending and reading messages.

``send`` writes the in-app message once per event and recipient (the event key) and queues one delivery per
outside channel the recipient can be reached on; the outbox worker hands each delivery to its backend
(``jobs.deliver``) and retries it with back-off. Reading is limited to the recipient's own messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.core import clock, outbox
from yiwang.core.config import get_settings
from yiwang.core.errors import Unauthenticated
from yiwang.core.permissions import Actor
from yiwang.identity import service as identity
from yiwang.notify import backends, templates
from yiwang.notify import repository as repo
from yiwang.notify.errors import MessageNotFound
from yiwang.notify.models import Delivery, Message
from yiwang.notify.schemas import MessageOut

DELIVER_TOPIC = "notify.deliver"
# delivery statuses: waiting or being retried; handed to the backend; given up after outbox_max_attempts;
# dropped because the channel's backend was switched to "none" before it went out
PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"


# --- sending ---------------------------------------------------------------------------------------------

def send(session: Session, *, recipient: str, topic: str, title: str, body: str, link: str | None,
         event_key: str, channels: Sequence[str] = (backends.SMS,), sms_text: str | None = None) -> Message | None:
    """Write an in-app message to ``recipient`` (an actor label) and queue its SMS / e-mail deliveries.

    Idempotent by ``event_key``: a second call with the same key returns None and sends nothing, also when
    two workers race (the insert runs in a savepoint, so losing the race leaves the caller's transaction
    usable). A channel is skipped when the recipient has no address for it or its backend is ``none``.
    ``sms_text`` is the short SMS wording (default: the signature and the title). Never commits.
    """
    if link is not None and (not link.startswith("/") or link.startswith("//")):
        raise ValueError(f"a message links to a page of this site, not {link!r}")
    if repo.message_by_key(session, event_key) is not None:
        return None
    now = clock.now()
    msg = Message(recipient=recipient, topic=topic[:60], title=title[:200], body=body, link=link,
                  event_key=event_key, created_at=now, read_at=None)
    try:
        with session.begin_nested():
            session.add(msg)
    except IntegrityError:
        return None  # the same event reached another worker first
    phone, email = identity.contact_for(session, recipient)
    addresses = {backends.SMS: phone, backends.EMAIL: email}
    for channel in dict.fromkeys(channels):
        if channel not in addresses:
            raise ValueError(f"unknown channel {channel!r}")
        address, backend = addresses[channel], backends.configured(channel)
        if not address or backend == backends.NONE:
            continue
        delivery = Delivery(message_id=msg.id, channel=channel, address=address, backend=backend[:20],
                            status=PENDING, attempts=0, created_at=now)
        session.add(delivery)
        session.flush()
        payload: dict[str, object] = {"delivery_id": delivery.id}
        if channel == backends.SMS:
            payload["text"] = sms_text or f"{templates.SIGNATURE}{msg.title}"
        outbox.emit(session, DELIVER_TOPIC, payload)
    return msg


def send_phone_code(session: Session, *, recipient: str, code: str, minutes: int) -> Message | None:
    """Send a phone verification code by SMS to the phone on ``recipient``'s account. The in-app message says
    only that a code went out: the code itself travels by SMS alone (whoever holds the account but not the
    phone must not learn it)."""
    from yiwang.core.db import new_id

    return send(session, recipient=recipient, topic="phone.code", title="手机验证码已发送",
                body=f"验证码已通过短信发送到您账号登记的手机号，{minutes} 分钟内有效。如非本人操作，请忽略。",
                link="/my/phone", event_key=f"phone-code:{new_id()}", channels=(backends.SMS,),
                sms_text=f"{templates.SIGNATURE}您的手机验证码为 {code}，{minutes} 分钟内有效，请勿告诉他人。")


def due_delivery(session: Session, delivery_id: int) -> tuple[Delivery, Message] | None:
    """The delivery and its message, or None when there is nothing (left) to send."""
    delivery = repo.delivery(session, delivery_id)
    if delivery is None or delivery.status in (SENT, SKIPPED):
        return None
    msg = repo.message(session, delivery.message_id)
    return (delivery, msg) if msg is not None else None


def outgoing(delivery: Delivery, msg: Message, sms_text: str | None) -> tuple[str, str]:
    """(title, body) as the channel carries them: the short text by SMS, the full message by e-mail."""
    if delivery.channel == backends.SMS:
        return msg.title, sms_text or f"{templates.SIGNATURE}{msg.title}"
    return msg.title, templates.email_body(msg.body, msg.link, get_settings().public_url)


def mark_sent(session: Session, delivery: Delivery, backend: str) -> None:
    delivery.attempts += 1
    delivery.status, delivery.sent_at, delivery.last_error = SENT, clock.now(), None
    delivery.backend = backend[:20]


def mark_skipped(session: Session, delivery: Delivery) -> None:
    delivery.status, delivery.backend = SKIPPED, backends.NONE


def record_failure(session: Session, delivery_id: int, error: str) -> Delivery | None:
    """Count a failed attempt; once the outbox will not try again the delivery is ``failed``."""
    delivery = repo.delivery(session, delivery_id)
    if delivery is None or delivery.status == SENT:
        return delivery
    delivery.attempts += 1
    delivery.last_error = error[:4000]
    delivery.status = FAILED if delivery.attempts >= get_settings().outbox_max_attempts else PENDING
    return delivery


# --- reading ---------------------------------------------------------------------------------------------

def _recipient(actor: Actor) -> str:
    if not (actor.is_staff or actor.is_applicant):
        raise Unauthenticated("请先登录")
    return actor.label


def inbox(session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 20, offset: int = 0
          ) -> tuple[int, list[MessageOut]]:
    """The actor's own messages, newest first: (how many match, this page)."""
    total, rows = repo.inbox(session, _recipient(actor), unread_only=unread_only, limit=limit, offset=offset)
    return total, [MessageOut.model_validate(m) for m in rows]


def unread_count(session: Session, actor: Actor) -> int:
    return repo.unread_count(session, _recipient(actor))


def mark_read(session: Session, actor: Actor, message_id: int) -> MessageOut:
    """Mark one of the actor's messages read (again is harmless); anyone else's is not found."""
    msg = repo.own_message(session, _recipient(actor), message_id)
    if msg is None:
        raise MessageNotFound("消息不存在")
    if msg.read_at is None:
        msg.read_at = clock.now()
    return MessageOut.model_validate(msg)


def mark_all_read(session: Session, actor: Actor) -> int:
    """Mark every unread message of the actor read; returns how many changed."""
    return repo.mark_all_read(session, _recipient(actor), clock.now())
