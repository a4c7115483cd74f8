"""The outside channels a message can take: SMS and e-mail, each through a backend chosen by settings
(``YIWANG_SMS_BACKEND``, ``YIWANG_EMAIL_BACKEND``).

A backend has one method, ``send(address, title, body)``, which returns when the message is handed over and
raises on failure (the delivery is then retried). Built in: ``none`` (drop), ``console`` (a log line, the
address masked), ``file`` (one JSON line per message under ``notify_dir``) and, for e-mail, ``smtp``. A real
SMS gateway plugs in with ``register("sms", "name", factory)`` and ``YIWANG_SMS_BACKEND=name``.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from yiwang.core import clock
from yiwang.core.codes import mask_phone
from yiwang.core.config import Settings, get_settings

log = logging.getLogger(__name__)

SMS, EMAIL = "sms", "email"
CHANNELS = (SMS, EMAIL)
NONE = "none"
SMTP_TIMEOUT = 30.0  # seconds; well inside the outbox lease, so a slow server never gets a message sent twice


class Backend(Protocol):
    def send(self, address: str, title: str, body: str) -> None: ...


def mask_address(address: str) -> str:
    """What logs may show of an address: 139****0001, z***@example.cn."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(address)


class NullBackend:
    """Sends nothing (the channel is switched off)."""

    def send(self, address: str, title: str, body: str) -> None:
        return None


class ConsoleBackend:
    """Writes one log line per message: for development and demonstrations."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, address: str, title: str, body: str) -> None:
        text = body if self.channel == SMS else f"{title}｜{body}"
        log.info("notify %s to %s: %s", self.channel, mask_address(address), text)


class FileBackend:
    """Appends one JSON line per message to ``<notify_dir>/<channel>.jsonl`` (readable by the owner only,
    since it holds phone numbers): for tests, staging, and sites that hand messages to another system."""

    def __init__(self, channel: str, directory: Path) -> None:
        self.channel = channel
        self.path = directory / f"{channel}.jsonl"

    def send(self, address: str, title: str, body: str) -> None:
        record = {"at": clock.now().isoformat(), "to": address, "title": title, "body": body}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # one write() on an O_APPEND descriptor: lines from concurrent workers never interleave
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


class SmtpBackend:
    """Sends e-mail through an SMTP server (``smtp_host``/``smtp_port``, optional STARTTLS and login)."""

    def __init__(self, settings: Settings) -> None:
        self.host, self.port = settings.smtp_host, settings.smtp_port
        self.user, self.password = settings.smtp_user, settings.smtp_password
        self.sender, self.starttls = settings.smtp_from, settings.smtp_starttls

    def message(self, address: str, title: str, body: str) -> EmailMessage:
        msg = EmailMessage()  # UTF-8 subject and body, encoded as the standards require
        msg["Subject"] = title
        msg["From"] = self.sender
        msg["To"] = address
        msg["Date"] = formatdate(clock.now().timestamp(), localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.sender.partition("@")[2] or None)
        msg.set_content(body)
        return msg

    def send(self, address: str, title: str, body: str) -> None:
        msg = self.message(address, title, body)
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(msg)


Factory = Callable[[Settings], Backend]

_factories: dict[tuple[str, str], Factory] = {
    (SMS, NONE): lambda s: NullBackend(),
    (SMS, "console"): lambda s: ConsoleBackend(SMS),
    (SMS, "file"): lambda s: FileBackend(SMS, s.notify_dir),
    (EMAIL, NONE): lambda s: NullBackend(),
    (EMAIL, "console"): lambda s: ConsoleBackend(EMAIL),
    (EMAIL, "file"): lambda s: FileBackend(EMAIL, s.notify_dir),
    (EMAIL, "smtp"): SmtpBackend,
}


class UnknownBackend(ValueError):
    pass


def register(channel: str, name: str, factory: Factory) -> None:
    """Make another backend available (a deployment's SMS gateway, say) under a settings name."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    _factories[(channel, name)] = factory


def configured(channel: str, settings: Settings | None = None) -> str:
    """The backend name the settings choose for a channel."""
    settings = settings or get_settings()
    return (settings.sms_backend if channel == SMS else settings.email_backend).strip().lower() or NONE


def backend_for(channel: str, name: str | None = None) -> Backend:
    settings = get_settings()
    name = name or configured(channel, settings)
    factory = _factories.get((channel, name))
    if factory is None:
        choices = ", ".join(sorted(n for c, n in _factories if c == channel))
        raise UnknownBackend(f"no {channel} backend named {name!r} (available: {choices})")
    return factory(settings)
