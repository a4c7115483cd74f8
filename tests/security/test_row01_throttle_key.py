"""Row 1: an ID number or USCC spelt with white space inside (space, tab, full-width space), in lower case or with
full-width digits still names the account, so it must count against the same throttle key: no spelling buys
extra guesses, and a locked identifier is locked in every spelling. The lock is checked before any password."""

from __future__ import annotations

import pytest

from tests import factories as f
from yiwang.core.config import get_settings
from yiwang.identity import service as identity
from yiwang.identity.errors import BadCredentials, LoginLocked

pytestmark = pytest.mark.db

WIDE = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def spellings(code: str) -> list[str]:
    return [code, f"{code[:6]} {code[6:]}", f"{code[:6]}\t{code[6:14]}\t{code[14:]}", f" {code[:9]}\u3000{code[9:]} ",
            code.lower(), code.translate(WIDE), f"{code[:3]}\n{code[3:]}", f"{code[:4]}\u00a0{code[4:]}"]


@pytest.fixture()
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password check made (the expensive step a guess buys)."""
    made: list[str] = []
    real = identity._verify_password

    def counting(stored: str, password: str) -> bool:
        made.append(password)
        return real(stored, password)

    monkeypatch.setattr(identity, "_verify_password", counting)
    return made


def test_every_spelling_names_one_throttle_key() -> None:
    number, code = f.id_number(), f.uscc_code()
    assert len({identity.login_name(s).key for s in spellings(number)}) == 1
    assert len({identity.login_name(s).key for s in spellings(code)}) == 1
    assert identity.login_name("13800138000").key == identity.login_name("138 0013 8000").key


def test_spelling_variants_get_no_extra_guesses(session, checks: list[str]) -> None:  # type: ignore[no-untyped-def]
    _, number = f.person(session)
    session.commit()
    limit = get_settings().login_max_failures
    variants = spellings(number)
    refused = 0
    for i in range(3 * limit):
        try:
            identity.authenticate(session, variants[i % len(variants)], "wrong-password1")
        except LoginLocked:
            refused += 1
        except BadCredentials:
            pass
        session.commit()
    assert len(checks) == limit  # the old key (strip + upper only) gave `limit` checks per spelling
    assert refused == 2 * limit
    for variant in variants:  # the right password is refused too, in every spelling, without a check
        with pytest.raises(LoginLocked):
            identity.authenticate(session, variant, f.PASSWORD)
    assert len(checks) == limit


def test_a_locked_key_is_locked_in_every_spelling(session, checks: list[str]) -> None:  # type: ignore[no-untyped-def]
    ent = identity.register_enterprise(session, name="示范公司", uscc=f.uscc_code(), legal_person="李四",
                                       phone=f.phone(), password=f.PASSWORD)
    session.commit()
    for _ in range(get_settings().login_max_failures):
        with pytest.raises(BadCredentials):
            identity.authenticate(session, ent.uscc, "wrong-password1")
    before = len(checks)
    for variant in spellings(ent.uscc)[1:]:
        with pytest.raises(LoginLocked):
            identity.authenticate(session, variant, f.PASSWORD)
    assert len(checks) == before  # refused before any password check


def test_the_account_is_locked_whatever_names_it(session, checks: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Guesses through the ID number and through the verified phone count against the one account."""
    actor, number = f.person(session)
    identity.mark_phone_verified(session, actor, actor)
    session.commit()
    phone = identity.applicant_profile(session, actor).phone
    limit = get_settings().login_max_failures
    for i in range(limit):
        with pytest.raises(BadCredentials):
            identity.authenticate(session, number if i % 2 else phone, "wrong-password1")
        session.commit()
    with pytest.raises(LoginLocked):
        identity.authenticate(session, phone, f.PASSWORD)
    with pytest.raises(LoginLocked):
        identity.authenticate(session, number, f.PASSWORD)
    assert len(checks) == limit


def test_variants_through_the_login_page(client, session) -> None:  # type: ignore[no-untyped-def]
    from tests.web.helpers import csrf

    _, number = f.person(session)
    session.commit()
    statuses = []
    for variant in spellings(number) * 2:
        r = client.post("/login", data={"username": variant, "password": "wrong-password1",
                                        "csrf_token": csrf(client, "/login")}, follow_redirects=False)
        statuses.append(r.status_code)
    limit = get_settings().login_max_failures
    assert statuses.count(401) == limit and statuses.count(429) == len(statuses) - limit
    r = client.post("/login", data={"username": f"{number[:6]}\t{number[6:]}", "password": f.PASSWORD,
                                    "csrf_token": csrf(client, "/login")}, follow_redirects=False)
    assert r.status_code == 429 and "登录失败次数过多" in r.text


def test_lapsed_counters_are_purged(session, engine) -> None:  # type: ignore[no-untyped-def]
    """Anyone may try any username, so counters of lapsed windows are dropped (hourly, by the worker)."""
    import datetime as dt

    from sqlalchemy import func, select

    from yiwang import jobs
    from yiwang.core import clock, outbox, ratelimit

    for i in range(3):
        with pytest.raises(BadCredentials):
            identity.authenticate(session, f"nobody{i}", "wrong-password1")
    session.commit()
    count = select(func.count()).select_from(ratelimit.RateCounter)
    assert session.scalar(count) == 3
    assert ratelimit.purge(session) == 0  # still in their window
    jobs.register_all()
    outbox._last_run.pop("ratelimit.purge", None)  # due now
    with clock.frozen(clock.now() + dt.timedelta(days=2)):
        assert "ratelimit.purge" in outbox.run_scheduled(engine, now=10**9)
    session.expire_all()
    assert session.scalar(count) == 0
