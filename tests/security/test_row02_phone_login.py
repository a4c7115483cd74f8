"""Row 2: (a) a phone logs in only once its holder proved by SMS code that they receive messages there, and nobody
can register a phone another account verified; (b) a successful login clears only that account's own count, not
failures others left on a login name they share; (c) parallel wrong guesses cannot overtake the failure count."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.notify import factories as nf
from tests.web.helpers import applicant_login, csrf, csrf_of
from yiwang.core import clock
from yiwang.core.config import get_settings
from yiwang.core.db import session_factory
from yiwang.identity import service as identity
from yiwang.identity.errors import BadCredentials, LoginLocked, PhoneCodeInvalid, PhoneTaken
from yiwang.identity.models import Person, PhoneCode
from yiwang.notify.models import Message

pytestmark = pytest.mark.db


@pytest.fixture()
def sms_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    with nf.settings(sms_backend="file", notify_dir=str(tmp_path)):
        yield tmp_path / "sms.jsonl"


def last_code(engine, sms_file: Path) -> str:  # type: ignore[no-untyped-def]
    nf.drain(engine)
    lines = [json.loads(x) for x in sms_file.read_text(encoding="utf-8").splitlines()]
    found = re.search(r"验证码为 (\d{6})", lines[-1]["body"])
    assert found, lines[-1]
    return found.group(1)


def register(client, phone: str) -> str:  # type: ignore[no-untyped-def]
    number = f.id_number()
    r = client.post("/api/v1/auth/register", json={"kind": "person", "name": "张三", "id_number": number,
                                                   "phone": phone, "password": f.PASSWORD})
    assert r.status_code == 201, r.text
    return number


# --- (a) verified phones ---------------------------------------------------------------------------------

def test_an_unverified_phone_does_not_log_in(client) -> None:  # type: ignore[no-untyped-def]
    phone = f.phone()
    number = register(client, phone)
    assert client.post("/api/v1/auth/login", json={"username": phone, "password": f.PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": number, "password": f.PASSWORD}).status_code == 200
    me = client.get("/api/v1/me", headers=f.api_login(client, number)).json()
    assert me["phone_verified"] is False


def test_verify_a_phone_on_the_page_then_log_in_with_it(client, engine, session, sms_file) -> None:  # type: ignore[no-untyped-def]
    phone = f.phone()
    number = register(client, phone)
    applicant_login(client, number)
    page = client.get("/my/phone")
    assert page.status_code == 200 and "未验证" in page.text and 'href="/my/phone"' in page.text
    assert "<script" not in page.text
    sent = client.post("/my/phone/code", data={"csrf_token": csrf_of(page.text)}, follow_redirects=True)
    assert sent.status_code == 200 and "验证码已通过短信发送" in sent.text
    code = last_code(engine, sms_file)
    # the code travels by SMS alone: not in the in-app message, not stored in clear
    session.expire_all()
    assert all(code not in m.body + m.title for m in session.scalars(select(Message)))
    assert all(code not in row.code_hash for row in session.scalars(select(PhoneCode)))
    wrong = "000000" if code != "000000" else "111111"
    bad = client.post("/my/phone", data={"code": wrong, "csrf_token": csrf(client, "/my/phone")})
    assert bad.status_code == 422 and "验证码不正确" in bad.text
    ok = client.post("/my/phone", data={"code": f" {code} ", "csrf_token": csrf(client, "/my/phone")},
                     follow_redirects=True)
    assert ok.status_code == 200 and "已验证" in ok.text
    client.cookies.clear()
    assert client.post("/api/v1/auth/login", json={"username": phone, "password": f.PASSWORD}).status_code == 200


def test_codes_expire_and_die_after_wrong_entries(session, engine, sms_file) -> None:  # type: ignore[no-untyped-def]
    actor, _ = f.person(session)
    session.commit()
    _, code = identity.request_phone_code(session, actor)
    session.commit()
    with clock.frozen(clock.now() + dt.timedelta(minutes=get_settings().phone_code_minutes + 1)):
        with pytest.raises(PhoneCodeInvalid):
            identity.confirm_phone(session, actor, code)
    session.rollback()
    _, code = identity.request_phone_code(session, actor)
    session.commit()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(get_settings().phone_code_max_attempts):
        with pytest.raises(PhoneCodeInvalid):
            identity.confirm_phone(session, actor, wrong)
        session.commit()
    with pytest.raises(PhoneCodeInvalid):  # the right code no longer helps
        identity.confirm_phone(session, actor, code)
    session.rollback()
    assert session.get(Person, actor.id).phone_verified_at is None


def test_a_phone_receives_few_codes_an_hour(client, session, engine, sms_file) -> None:  # type: ignore[no-untyped-def]
    actor, number = f.person(session)
    session.commit()
    headers = f.api_login(client, number)
    answers = [client.post("/api/v1/me/phone/code", headers=headers).status_code
               for _ in range(get_settings().phone_codes_per_hour + 2)]
    assert answers.count(202) == get_settings().phone_codes_per_hour and answers[-1] == 429
    code = last_code(engine, sms_file)
    r = client.post("/api/v1/me/phone/verify", headers=headers, json={"code": code})
    assert r.status_code == 200 and r.json()["verified"] is True
    assert client.get("/api/v1/me/phone", headers=headers).json()["verified"] is True


def test_a_phone_verified_by_another_account_cannot_be_claimed(client, session) -> None:  # type: ignore[no-untyped-def]
    owner, _ = f.person(session)
    identity.mark_phone_verified(session, owner, owner)
    session.commit()
    phone = identity.applicant_profile(session, owner).phone
    r = client.post("/api/v1/auth/register", json={"kind": "person", "name": "冒名", "id_number": f.id_number(),
                                                   "phone": phone, "password": f.PASSWORD})
    assert r.status_code == 409 and r.json()["error"]["field"] == "phone"
    r = client.post("/api/v1/auth/register", json={"kind": "enterprise", "name": "冒名公司", "uscc": f.uscc_code(),
                                                   "legal_person": "冒名", "phone": phone, "password": f.PASSWORD})
    assert r.status_code == 409 and r.json()["error"]["code"] == "phone_taken"
    with pytest.raises(PhoneTaken):
        identity.register_person(session, name="冒名", id_number=f.id_number(), phone=phone, password=f.PASSWORD)
    # an account that registered the phone before the holder verified it cannot verify it afterwards
    early = identity.register_person(session, name="先到", id_number=f.id_number(), phone="13512345678",
                                     password=f.PASSWORD)
    holder = identity.register_person(session, name="机主", id_number=f.id_number(), phone="13512345678",
                                      password=f.PASSWORD)
    identity.mark_phone_verified(session, identity.actor_for_person(holder), identity.actor_for_person(holder))
    with pytest.raises(PhoneTaken):
        identity.request_phone_code(session, identity.actor_for_person(early))


def test_demo_accounts_log_in_by_phone(session, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from yiwang import demo

    p = identity.register_person(session, name=demo.PERSON[0], id_number=demo.PERSON[1], phone=demo.PERSON[2],
                                 password=f.PASSWORD)
    from yiwang.core.permissions import SYSTEM

    identity.mark_phone_verified(session, identity.actor_for_person(p), SYSTEM)
    session.commit()
    assert identity.authenticate(session, demo.PERSON[2], f.PASSWORD).id == p.id
    source = Path(demo.__file__).read_text(encoding="utf-8")
    assert source.count("identity.mark_phone_verified(") == 2  # the seeded person and enterprise


# --- (b) a success clears only the account's own count ----------------------------------------------------

def test_own_success_does_not_clear_a_shared_phone(session, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The attacker's enterprise and the victim share a verified phone; logging in with the attacker's own
    password between wrong guesses at the victim's must not reset the count."""
    victim, _ = f.person(session)
    identity.mark_phone_verified(session, victim, victim)
    phone = identity.applicant_profile(session, victim).phone
    ent = identity.register_enterprise(session, name="甲公司", uscc=f.uscc_code(), legal_person="甲", phone=f.phone(),
                                       password="Attacker2026x")
    ent.phone, ent.phone_verified_at = phone, clock.now()  # e.g. the same holder, changed at a hall
    session.commit()
    checks: list[str] = []
    real = identity._verify_password
    monkeypatch.setattr(identity, "_verify_password", lambda h, p: checks.append(p) or real(h, p))
    wrong_tried = 0
    for _ in range(5):
        for _ in range(get_settings().login_max_failures - 1):
            try:
                identity.authenticate(session, phone, "Guess2026wrong")
                raise AssertionError("a wrong guess logged in")
            except BadCredentials:
                wrong_tried += 1
            except LoginLocked:
                pass
            session.commit()
        try:
            identity.authenticate(session, phone, "Attacker2026x")  # the attacker's own account
        except LoginLocked:
            pass
        session.commit()
    assert wrong_tried <= get_settings().login_max_failures  # the old code allowed 4 per round, unlimited


def test_a_right_password_clears_the_own_count(session) -> None:  # type: ignore[no-untyped-def]
    _, number = f.person(session)
    session.commit()
    for _ in range(get_settings().login_max_failures - 1):
        with pytest.raises(BadCredentials):
            identity.authenticate(session, number, "wrong-password1")
    assert identity.authenticate(session, number, f.PASSWORD).is_applicant
    for _ in range(get_settings().login_max_failures - 1):  # a fresh allowance after the own success
        with pytest.raises(BadCredentials):
            identity.authenticate(session, number, "wrong-password1")
    assert identity.authenticate(session, number, f.PASSWORD).is_applicant


# --- (c) parallel guesses ----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["person", "unknown"])
def test_parallel_wrong_guesses_get_at_most_the_limit(engine, session, monkeypatch: pytest.MonkeyPatch,
                                                      username: str) -> None:  # type: ignore[no-untyped-def]
    _, number = f.person(session)
    session.commit()
    name = number if username == "person" else "nobody-at-all"
    lock = threading.Lock()
    checks: list[str] = []
    real = identity._verify_password

    def counting(stored: str, password: str) -> bool:
        with lock:
            checks.append(password)
        return real(stored, password)

    monkeypatch.setattr(identity, "_verify_password", counting)
    n = 30
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    make = session_factory(engine)

    def guess() -> None:
        with make() as s:
            barrier.wait()
            try:
                identity.authenticate(s, name, "wrong-password1")
                result = "in"
            except LoginLocked:
                result = "locked"
            except BadCredentials:
                result = "bad"
            except Exception as exc:  # noqa: BLE001 - reported below
                result = f"error {exc!r}"
            s.commit()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=guess) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    limit = get_settings().login_max_failures
    assert len(outcomes) == n and all(o in ("bad", "locked") for o in outcomes), outcomes
    assert outcomes.count("bad") <= limit and len(checks) <= limit  # 22 of 30 got through before
    with pytest.raises(LoginLocked):
        identity.authenticate(session, name, f.PASSWORD)
