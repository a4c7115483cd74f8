"""SMS and e-mail deliveries: the backends, tracking each send, retrying failures through the outbox."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.notify import factories as nf
from yiwang.core import clock, outbox
from yiwang.core.outbox import OutboxEvent
from yiwang.core.permissions import SYSTEM
from yiwang.notify import backends
from yiwang.notify import service as notify
from yiwang.notify.models import Delivery, Message

T0 = nf.MONDAY


def _send(session, recipient: str, key: str = "k-1", **over: Any) -> Message | None:  # type: ignore[no-untyped-def]
    with clock.frozen(T0):
        return notify.send(session, recipient=recipient, topic="case.accept", title="办件已受理",
                           body="您申请的事项已受理。", link="/my/cases/1", event_key=key,
                           sms_text="【一网政务】您申请的事项已受理。", **over)


def _boom(self, address: str, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    raise ConnectionError("短信网关不可用")


# --- backends -------------------------------------------------------------------------------------------

def test_file_backend_appends_one_json_line_per_message(tmp_path: Path) -> None:
    with nf.settings(sms_backend="file", notify_dir=str(tmp_path / "n")):
        sms = backends.backend_for(backends.SMS)
        sms.send("13900000001", "办件已受理", "【一网政务】已受理")
        sms.send("13900000002", "办件已办结", "【一网政务】已办结")
    rows = nf.lines(tmp_path / "n" / "sms.jsonl")
    assert [(r["to"], r["body"]) for r in rows] == [("13900000001", "【一网政务】已受理"),
                                                   ("13900000002", "【一网政务】已办结")]
    assert (tmp_path / "n" / "sms.jsonl").stat().st_mode & 0o077 == 0  # phone numbers: owner only


def test_console_backend_logs_a_masked_address(caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="yiwang.notify.backends"), nf.settings(sms_backend="console"):
        backends.backend_for(backends.SMS).send("13912345678", "标题", "【一网政务】正文")
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text and "正文" in caplog.text


def test_backends_are_chosen_by_settings_and_pluggable() -> None:
    assert isinstance(backends.backend_for(backends.EMAIL, "smtp"), backends.SmtpBackend)
    with pytest.raises(backends.UnknownBackend):
        backends.backend_for(backends.SMS, "smtp")  # no such thing as SMS over SMTP
    sent: list[str] = []

    class Gateway:
        def __init__(self, settings: Any) -> None:
            pass

        def send(self, address: str, title: str, body: str) -> None:
            sent.append(address)

    backends.register(backends.SMS, "test-gateway", Gateway)
    with nf.settings(sms_backend="test-gateway"):
        backends.backend_for(backends.SMS).send("13900000009", "t", "b")
    assert sent == ["13900000009"]


class _FakeSMTP(socketserver.StreamRequestHandler):
    """Just enough of an SMTP server for smtplib: greeting, EHLO with AUTH, MAIL/RCPT/DATA, QUIT."""

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        server: Any = self.server
        self.reply("220 fake.local ESMTP")
        while line := self.rfile.readline():
            command = line.decode().rstrip("\r\n")
            server.commands.append(command)
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-fake.local\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME")
            elif verb == "AUTH":
                self.reply("235 2.7.0 Authentication successful")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                server.messages.append(data)
                self.reply("250 2.0.0 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture()
def smtp_server() -> Iterator[Any]:
    server: Any = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _FakeSMTP)
    server.daemon_threads = True
    server.commands, server.messages = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_smtp_backend_sends_a_utf8_mail(smtp_server) -> None:  # type: ignore[no-untyped-def]
    port = smtp_server.server_address[1]
    with nf.settings(email_backend="smtp", smtp_host="127.0.0.1", smtp_port=str(port), smtp_user="yiwang",
                     smtp_password="s3cret", smtp_from="noreply@gov.example.cn"):
        backends.backend_for(backends.EMAIL).send("zhang@example.cn", "办件已受理", "您申请的事项已受理。\n\n查看详情")
    verbs = [c.split(" ", 1)[0].upper() for c in smtp_server.commands]
    assert verbs[:1] == ["EHLO"] and "AUTH" in verbs and verbs[-1] == "QUIT"
    commands = [c.upper() for c in smtp_server.commands]
    assert "MAIL FROM:<NOREPLY@GOV.EXAMPLE.CN>" in commands[verbs.index("MAIL")]
    assert "RCPT TO:<ZHANG@EXAMPLE.CN>" in commands
    mail = email.message_from_bytes(smtp_server.messages[0], policy=email.policy.default)
    assert mail["Subject"] == "办件已受理" and mail["To"] == "zhang@example.cn"
    assert mail.get_content().startswith("您申请的事项已受理。")  # type: ignore[attr-defined]


def test_smtp_backend_uses_starttls_before_login(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    class Recorder:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            calls.append(f"connect {host}:{port}")

        def __enter__(self) -> Recorder:
            return self

        def __exit__(self, *exc: object) -> None:
            calls.append("quit")

        def starttls(self, context: Any) -> None:
            calls.append("starttls")

        def login(self, user: str, password: str) -> None:
            calls.append(f"login {user}")

        def send_message(self, msg: Any) -> None:
            calls.append(f"send {msg['To']}")

    monkeypatch.setattr(backends.smtplib, "SMTP", Recorder)
    with nf.settings(smtp_host="mail.gov.example.cn", smtp_port="587", smtp_starttls="true", smtp_user="u"):
        backends.backend_for(backends.EMAIL, "smtp").send("a@example.cn", "标题", "正文")
    assert calls == ["connect mail.gov.example.cn:587", "starttls", "login u", "send a@example.cn", "quit"]


def test_the_email_carries_the_whole_message_and_a_full_link() -> None:
    msg = Message(title="办件已受理", body="您申请的事项已受理。", link="/my/cases/44010420260302000001")
    by_mail = Delivery(channel=backends.EMAIL, address="a@example.cn")
    with nf.settings(public_url="https://zwfw.example.gov.cn/"):
        title, body = notify.outgoing(by_mail, msg, None)
    assert title == "办件已受理" and body.startswith("您申请的事项已受理。")
    assert "https://zwfw.example.gov.cn/my/cases/44010420260302000001" in body
    by_sms = Delivery(channel=backends.SMS, address="13900000001")
    assert notify.outgoing(by_sms, msg, None) == ("办件已受理", "【一网政务】办件已受理")


# --- tracking and retrying ------------------------------------------------------------------------------

@pytest.mark.db
def test_a_delivery_is_queued_per_channel_with_an_address(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person, _ = f.person(session)
    with nf.settings(sms_backend="file", email_backend="file", notify_dir=str(tmp_path)):
        msg = _send(session, person.label, channels=("sms", "email"))
    assert msg is not None
    [d] = session.scalars(select(Delivery)).all()  # no e-mail address on record: only the SMS
    assert (d.channel, d.backend, d.status, d.attempts) == ("sms", "file", "pending", 0)
    [ev] = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == notify.DELIVER_TOPIC)).all()
    assert ev.payload == {"delivery_id": d.id, "text": "【一网政务】您申请的事项已受理。"}
    with nf.settings(sms_backend="none"):  # a switched-off channel queues nothing
        assert _send(session, person.label, "k-2") is not None
    assert len(session.scalars(select(Delivery)).all()) == 1


@pytest.mark.db
def test_a_failed_send_is_recorded_and_retried(session, engine, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    person, _ = f.person(session)
    with nf.settings(sms_backend="file", notify_dir=str(tmp_path)):
        _send(session, person.label)
        session.commit()
        original = backends.FileBackend.send
        monkeypatch.setattr(backends.FileBackend, "send", _boom)
        nf.drain(engine, T0)
        [d] = nf.deliveries(session)
        assert (d.status, d.attempts) == ("pending", 1) and "短信网关不可用" in (d.last_error or "")
        ev = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == notify.DELIVER_TOPIC)).one()
        assert ev.status == "pending" and ev.attempts == 1  # the outbox retries it after a back-off
        assert nf.lines(tmp_path / "sms.jsonl") == []
        monkeypatch.setattr(backends.FileBackend, "send", original)
        nf.drain(engine, T0 + dt.timedelta(hours=1))
        [d] = nf.deliveries(session)
        assert (d.status, d.attempts, d.last_error) == ("sent", 2, None) and d.sent_at is not None
        assert len(nf.lines(tmp_path / "sms.jsonl")) == 1
        nf.drain(engine, T0 + dt.timedelta(hours=2))  # nothing left to do: never sent twice
        assert len(nf.lines(tmp_path / "sms.jsonl")) == 1


@pytest.mark.db
def test_after_the_last_attempt_the_delivery_is_failed_until_resent(session, engine, tmp_path: Path,
                                                                    monkeypatch) -> None:  # type: ignore[no-untyped-def]
    person, _ = f.person(session)
    with nf.settings(sms_backend="file", notify_dir=str(tmp_path), outbox_max_attempts="2"):
        _send(session, person.label)
        session.commit()
        monkeypatch.setattr(backends.FileBackend, "send", _boom)
        nf.drain(engine, T0)
        nf.drain(engine, T0 + dt.timedelta(hours=1))
        [d] = nf.deliveries(session)
        ev = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == notify.DELIVER_TOPIC)).one()
        assert (d.status, d.attempts, ev.status) == ("failed", 2, "dead")
        monkeypatch.undo()
        outbox.resend(session, SYSTEM, ev.id)  # an administrator puts it back once the gateway works
        session.commit()
        nf.drain(engine)
        [d] = nf.deliveries(session)
        assert (d.status, d.attempts) == ("sent", 3)


@pytest.mark.db
def test_unknown_or_switched_off_backends(session, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person, _ = f.person(session)
    with nf.settings(sms_backend="carrier-pigeon"):
        _send(session, person.label)
        session.commit()
        nf.drain(engine, T0)
    [d] = nf.deliveries(session)
    assert d.status == "pending" and "carrier-pigeon" in (d.last_error or "")
    with nf.settings(sms_backend="none"):  # switched off before the retry: dropped, not sent
        nf.drain(engine, T0 + dt.timedelta(hours=1))
    [d] = nf.deliveries(session)
    assert (d.status, d.backend) == ("skipped", "none")
