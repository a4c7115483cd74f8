from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from yiwang.core import clock
from yiwang.core.errors import ValidationFailed
from yiwang.identity import service as identity
from yiwang.identity.errors import AlreadyRegistered, BadCredentials, LoginLocked


def test_register_and_log_in_with_id_number_or_phone(session) -> None:  # type: ignore[no-untyped-def]
    number = f.id_number()
    p = identity.register_person(session, name="张三", id_number=number.lower(), phone="13800138000",
                                 password=f.PASSWORD)
    assert p.id_number == number.upper()
    assert p.password_hash.startswith("$argon2id$")
    assert identity.authenticate(session, number, f.PASSWORD).id == p.id
    with pytest.raises(BadCredentials):  # the phone logs in once it is verified
        identity.authenticate(session, "13800138000", f.PASSWORD)
    identity.mark_phone_verified(session, identity.actor_for_person(p), identity.actor_for_person(p))
    assert identity.authenticate(session, "13800138000", f.PASSWORD).id == p.id
    with pytest.raises(AlreadyRegistered):
        identity.register_person(session, name="张三", id_number=number, phone="13800138001", password=f.PASSWORD)


def test_enterprise_logs_in_with_uscc(session) -> None:  # type: ignore[no-untyped-def]
    code = f.uscc_code()
    e = identity.register_enterprise(session, name="示范公司", uscc=code, legal_person="李四", phone="13900139000",
                                     password=f.PASSWORD)
    actor = identity.authenticate(session, code, f.PASSWORD)
    assert actor.kind.value == "enterprise" and actor.id == e.id


@pytest.mark.parametrize("password", ["short1", "onlyletters", "12345678901"])
def test_weak_passwords_are_refused(session, password: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        identity.register_person(session, name="王五", id_number=f.id_number(), phone="13700137000",
                                 password=password)
    assert exc.value.field == "password"


def test_login_locks_after_repeated_failures(session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "clerk1", ["window_clerk"])
    for _ in range(4):
        with pytest.raises(BadCredentials):
            identity.authenticate(session, "clerk1", "wrong-password1")
    with pytest.raises(BadCredentials):
        identity.authenticate(session, "clerk1", "wrong-password1")
    # locked now: even the right password is refused
    with pytest.raises(LoginLocked):
        identity.authenticate(session, "clerk1", f.PASSWORD)
    with clock.frozen(clock.now() + dt.timedelta(minutes=16)):
        assert identity.authenticate(session, "clerk1", f.PASSWORD).is_staff


def test_unknown_usernames_are_throttled_too(session) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        with pytest.raises(BadCredentials):
            identity.authenticate(session, "nobody", "whatever1")
    with pytest.raises(LoginLocked):
        identity.authenticate(session, "nobody", "whatever1")


def test_tokens_expire_and_can_be_revoked(session) -> None:  # type: ignore[no-untyped-def]
    actor, _ = f.person(session)
    raw, _ = identity.issue_token(session, actor, "api")
    assert identity.resolve_token(session, raw, "api")[0].id == actor.id
    assert identity.resolve_token(session, raw, "web") is None  # an API token is not a page session
    with clock.frozen(clock.now() + dt.timedelta(hours=25)):
        assert identity.resolve_token(session, raw, "api") is None
    identity.revoke_token(session, raw)
    assert identity.resolve_token(session, raw, "api") is None


def test_staff_roles_and_department(session) -> None:  # type: ignore[no-untyped-def]
    actor = f.staff(session, "appr", ["handler", "approver"], "越秀区卫生健康局")
    assert actor.roles == frozenset({"handler", "approver"})
    assert actor.department_name == "越秀区卫生健康局"
    with pytest.raises(ValidationFailed) as exc:
        f.staff(session, "bad", ["wizard"])
    assert exc.value.field == "roles"


def test_ambiguous_phone_asks_for_a_code(session) -> None:  # type: ignore[no-untyped-def]
    """A phone both a person and an enterprise verified (the same holder) names two accounts."""
    p = identity.register_person(session, name="甲", id_number=f.id_number(), phone="13600136000", password=f.PASSWORD)
    e = identity.register_enterprise(session, name="甲公司", uscc=f.uscc_code(), legal_person="甲", phone="13600136001",
                                     password=f.PASSWORD)
    identity.mark_phone_verified(session, identity.actor_for_person(p), identity.actor_for_person(p))
    e.phone = "13600136000"  # changed at a hall after checking the holder, say
    e.phone_verified_at = p.phone_verified_at
    session.flush()
    with pytest.raises(BadCredentials) as exc:
        identity.authenticate(session, "13600136000", f.PASSWORD)
    assert "多个账号" in exc.value.message


def test_unverified_phones_do_not_log_in(session) -> None:  # type: ignore[no-untyped-def]
    identity.register_person(session, name="甲", id_number=f.id_number(), phone="13600136000", password=f.PASSWORD)
    identity.register_person(session, name="乙", id_number=f.id_number(), phone="13600136000", password=f.PASSWORD)
    with pytest.raises(BadCredentials) as exc:
        identity.authenticate(session, "13600136000", f.PASSWORD)
    assert "多个账号" not in exc.value.message
