"""Registration, login, sessions and tokens, staff accounts.

Passwords are hashed with Argon2id (argon2-cffi). A username that fails ``login_max_failures`` times
within the window is locked for ``login_lock_minutes``; the lock is per username, so one attacker
cannot lock the whole site, and a correct password during the lock is refused too.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from yiwang.core import audit, clock, ratelimit
from yiwang.core.codes import (
    id_number_problem,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_uscc,
    uscc_problem,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from yiwang.core.config import get_settings
from yiwang.core.errors import ValidationFailed
from yiwang.core.permissions import ANONYMOUS, Actor, ActorKind, Perm, Role
from yiwang.identity import actor_cache
from yiwang.identity import repository as repo
from yiwang.identity.errors import (
    AlreadyRegistered,
    BadCredentials,
    LoginLocked,
    PhoneCodeInvalid,
    PhoneTaken,
    StaffNotFound,
)
from yiwang.identity.models import AuthToken, Enterprise, Person, PhoneCode, Staff, StaffRole
from yiwang.org import service as org_service


@functools.cache
def _hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(time_cost=s.password_time_cost, memory_cost=s.password_memory_kib)


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash("not-a-real-password-0")


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) > 200:
        raise ValidationFailed("密码过长", field=field, code="weak_password")
    if len(password) < 8:
        raise ValidationFailed("密码至少 8 位", field=field, code="weak_password")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise ValidationFailed("密码须同时包含字母和数字", field=field, code="weak_password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# --- registration ---------------------------------------------------------------------------

# One answer whether or not the code is registered already, with what to do next. (The refusal itself still
# tells, which is why registration attempts are limited per client: see ``check_register_rate``.)
REGISTER_REFUSED = ("无法用该证件号码注册。如您注册过，请直接登录；忘记密码或证件被他人注册的，"
                    "请携带有效证件到政务服务大厅办理")


def check_register_rate(session: Session, client: str) -> None:
    """Count one registration attempt by ``client`` (its address); refuse beyond the hourly limit."""
    ratelimit.check(session, [f"register:client:{client or 'unknown'}"],
                    limit=get_settings().register_per_client_hour, window=dt.timedelta(hours=1),
                    message="注册尝试过于频繁，请 {minutes} 分钟后再试", field="id_number")


def _phone_free(session: Session, phone: str, principal: str | None = None) -> None:
    """A phone another account has verified cannot be claimed (it would name that account at login)."""
    if repo.phone_verified_elsewhere(session, phone, principal):
        raise PhoneTaken("该手机号已由其他账号验证使用，请更换手机号；如有疑问请到政务服务大厅办理", field="phone")


def register_person(session: Session, *, name: str, id_number: str, phone: str, password: str) -> Person:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写姓名（不超过 100 字）", field="name")
    id_number = validate_id_number(id_number)
    phone = validate_mobile(phone)
    check_password_strength(password)
    if repo.person_by_id_number(session, id_number) is not None:
        raise AlreadyRegistered(REGISTER_REFUSED, field="id_number")
    _phone_free(session, phone)
    person = Person(name=name, id_number=id_number, phone=phone, password_hash=hash_password(password),
                    created_at=clock.now())
    session.add(person)
    session.flush()
    audit.record(session, actor_for_person(person), "person.register", "person", person.id,
                 {"id_number": mask_id_number(id_number)})
    return person


def register_enterprise(session: Session, *, name: str, uscc: str, legal_person: str, phone: str,
                        password: str) -> Enterprise:
    name, legal_person = name.strip(), legal_person.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("请填写单位名称（不超过 200 字）", field="name")
    if not legal_person or len(legal_person) > 100:
        raise ValidationFailed("请填写法定代表人（不超过 100 字）", field="legal_person")
    uscc = validate_uscc(uscc)
    phone = validate_mobile(phone)
    check_password_strength(password)
    if repo.enterprise_by_uscc(session, uscc) is not None:
        raise AlreadyRegistered(REGISTER_REFUSED, field="uscc")
    _phone_free(session, phone)
    ent = Enterprise(name=name, uscc=uscc, legal_person=legal_person, phone=phone,
                     password_hash=hash_password(password), created_at=clock.now())
    session.add(ent)
    session.flush()
    audit.record(session, actor_for_enterprise(ent), "enterprise.register", "enterprise", ent.id, {"uscc": uscc})
    return ent


# --- actors ------------------------------------------------------------------------------------

def actor_for_person(person: Person) -> Actor:
    return Actor(kind=ActorKind.PERSON, id=person.id, name=person.name)


def actor_for_enterprise(ent: Enterprise) -> Actor:
    return Actor(kind=ActorKind.ENTERPRISE, id=ent.id, name=ent.name)


def actor_for_staff(session: Session, staff: Staff) -> Actor:
    dept = org_service.get_department(session, staff.department_id)
    return Actor(kind=ActorKind.STAFF, id=staff.id, name=staff.name, department_id=dept.id,
                 department_name=dept.name, region_code=dept.region_code,
                 roles=frozenset(repo.staff_roles(session, staff.id)))


def actor_for_principal(session: Session, principal: str) -> Actor | None:
    kind, _, raw_id = principal.partition(":")
    try:
        pid = int(raw_id)
    except ValueError:
        return None
    if kind == "person":
        p = session.get(Person, pid)
        return actor_for_person(p) if p else None
    if kind == "enterprise":
        e = session.get(Enterprise, pid)
        return actor_for_enterprise(e) if e else None
    if kind == "staff":
        s = session.get(Staff, pid)
        return actor_for_staff(session, s) if s and s.active else None
    return None


# --- login -------------------------------------------------------------------------------------

@dataclass
class _Candidate:
    principal: str
    password_hash: str


@dataclass(frozen=True)
class LoginName:
    """What a typed username names, normalised once for both the account lookup and the throttle key, so
    that no spelling of one identifier (spaces, tabs, full-width characters, case) counts apart."""

    kind: str  # id_number | uscc | phone | login
    value: str

    @property
    def key(self) -> str:
        return f"login:{self.kind}:{self.value}"


def login_name(username: str) -> LoginName:
    folded = unicodedata.normalize("NFKC", username or "")
    compact = re.sub(r"\s+", "", folded)  # every kind of white space, also inside (tabs, U+3000 …)
    if id_number_problem(compact) is None:
        return LoginName("id_number", normalize_id_number(compact))
    if uscc_problem(compact) is None:
        return LoginName("uscc", normalize_uscc(compact))
    digits = compact.replace("-", "")
    if re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return LoginName("phone", digits)
    # staff logins are letters, digits and _.- only; any spelling that differs by case or white space
    # shares one throttle key (and can name no other account)
    return LoginName("login", compact[:64])


def _candidates(session: Session, name: LoginName) -> list[_Candidate]:
    """Accounts a login name may name: staff login, ID number, USCC or verified phone (person first)."""
    found: list[_Candidate] = []
    if name.kind == "login":
        staff = repo.staff_by_login(session, name.value)
        if staff is not None and staff.active:
            found.append(_Candidate(f"staff:{staff.id}", staff.password_hash))
    elif name.kind == "id_number":
        p = repo.person_by_id_number(session, name.value)
        if p:
            found.append(_Candidate(f"person:{p.id}", p.password_hash))
    elif name.kind == "uscc":
        e = repo.enterprise_by_uscc(session, name.value)
        if e:
            found.append(_Candidate(f"enterprise:{e.id}", e.password_hash))
    elif name.kind == "phone":
        found += [_Candidate(f"person:{p.id}", p.password_hash)
                  for p in repo.persons_by_phone(session, name.value, verified=True)]
        found += [_Candidate(f"enterprise:{e.id}", e.password_hash)
                  for e in repo.enterprises_by_phone(session, name.value, verified=True)]
    return found


def _account_key(principal: str) -> str:
    return f"login:account:{principal}"


def _lock_error(retry_after: int) -> LoginLocked:
    minutes = max(1, (retry_after + 59) // 60)
    return LoginLocked(f"登录失败次数过多，请 {minutes} 分钟后再试", field="username",
                       extra={"retry_after": retry_after})


def authenticate(session: Session, username: str, password: str, *, staff: bool | None = None) -> Actor:
    """Check credentials; return the actor. ``staff`` limits the accounts considered: True for the staff
    entrance, False for applicants'.

    Attempts are counted against the login name and against every account it names, in one atomic step
    *before* any password is checked (``ratelimit.acquire``): a locked key, or one whose window is full, is
    refused without a check, so parallel guesses cannot overtake the count. A wrong password keeps its
    count and locks the keys that reached the limit; a right one clears that account's own count and the
    login name's when the name belongs to that account alone — on a phone number other accounts may share,
    it only takes back its own attempt."""
    s = get_settings()
    name = login_name(username)
    candidates = _candidates(session, name)
    if staff is not None:
        candidates = [c for c in candidates if c.principal.startswith("staff:") == staff]
    keys = [name.key] + [_account_key(c.principal) for c in candidates]
    verdict = ratelimit.acquire(session, keys, limit=s.login_max_failures,
                                window=dt.timedelta(minutes=s.login_window_minutes))
    if not verdict.allowed:
        raise _lock_error(verdict.retry_after)
    matched = [c for c in candidates if _verify_password(c.password_hash, password)]
    if not candidates:
        _verify_password(_dummy_hash(), password)  # same work whether or not the account exists
    if len(matched) != 1:
        ratelimit.lock_full(session, keys, limit=s.login_max_failures,
                            until=clock.now() + dt.timedelta(minutes=s.login_lock_minutes))
        audit.record(session, ANONYMOUS, "login.failed", "login", name.key[:100], {"known": bool(candidates)})
        if len(matched) > 1:
            raise BadCredentials("该手机号关联多个账号，请使用证件号码或登录名登录", field="username")
        raise BadCredentials("用户名或密码错误", field="password")
    principal = matched[0].principal
    actor = actor_for_principal(session, principal)
    if actor is None:
        raise BadCredentials("用户名或密码错误", field="password")
    own = [_account_key(principal)]
    if len(candidates) == 1:  # the login name names this account alone
        own.append(name.key)
    else:
        ratelimit.give_back(session, [name.key])
    ratelimit.reset(session, own)
    audit.record(session, actor, "login", actor.kind.value, actor.id)
    return actor


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, actor: Actor, kind: str = "api") -> tuple[str, AuthToken]:
    """A new bearer token (api) or session (web). Returns the raw secret, shown once."""
    s = get_settings()
    raw = secrets.token_urlsafe(32)
    hours = s.token_hours if kind == "api" else s.session_hours
    row = AuthToken(token_hash=_digest(raw), principal=actor.label, kind=kind,
                    csrf=secrets.token_urlsafe(24) if kind == "web" else None,
                    created_at=clock.now(), expires_at=clock.now() + dt.timedelta(hours=hours), revoked_at=None)
    session.add(row)
    session.flush()
    return raw, row


def resolve_token(session: Session, raw: str, kind: str) -> tuple[Actor, AuthToken] | None:
    if not raw or len(raw) > 200:
        return None
    row = repo.token(session, _digest(raw))
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= clock.now():
        return None
    actor = actor_for_principal(session, row.principal)
    return (actor, row) if actor else None


def resolve_actor(session: Session, raw: str, kind: str) -> Actor | None:
    """Who a token names (``resolve_token``), answered from this process's cache when it can be
    (identity.actor_cache: a logout or staff change is honoured at once). An applicant's registered details
    are cached beside it, so that filing needs no second lookup."""
    if not raw or len(raw) > 200:
        return None
    digest = _digest(raw)
    entry = actor_cache.get(digest, kind)
    if entry is not None:
        return entry.actor if entry.expires_at > clock.now() else None
    resolved = resolve_token(session, raw, kind)
    if resolved is None:
        return None
    actor, row = resolved
    profile = _profile(session, actor) if actor.is_applicant else None
    actor_cache.put(digest, kind, actor, row.expires_at, profile)
    return actor


def revoke_token(session: Session, raw: str) -> None:
    row = repo.token(session, _digest(raw))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        actor_cache.changed(session)


# --- phone verification ------------------------------------------------------------------------

@dataclass(frozen=True)
class PhoneStatus:
    phone: str
    verified_at: dt.datetime | None
    pending: bool  # a code was sent and can still be entered


def _account(session: Session, actor: Actor) -> Person | Enterprise:
    if actor.kind is ActorKind.PERSON and actor.id is not None:
        p = session.get(Person, actor.id)
        if p is not None:
            return p
    if actor.kind is ActorKind.ENTERPRISE and actor.id is not None:
        e = session.get(Enterprise, actor.id)
        if e is not None:
            return e
    raise ValidationFailed("只有个人或法人账号需要验证手机号", field="phone")


def _code_hash(principal: str, phone: str, code: str) -> str:
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, f"phone-code|{principal}|{phone}|{code}".encode(), "sha256").hexdigest()


def phone_status(session: Session, actor: Actor) -> PhoneStatus:
    account = _account(session, actor)
    code = repo.latest_phone_code(session, actor.label, account.phone)
    pending = (code is not None and code.expires_at > clock.now()
               and code.attempts < get_settings().phone_code_max_attempts)
    return PhoneStatus(account.phone, account.phone_verified_at, pending)


def request_phone_code(session: Session, actor: Actor) -> tuple[str, str]:
    """A new 6-digit code for the phone on the actor's account: returns (phone, code) for the caller to send
    by SMS (never show it on a page). Each phone receives at most ``phone_codes_per_hour`` codes an hour;
    an earlier unused code stops working."""
    s = get_settings()
    account = _account(session, actor)
    if account.phone_verified_at is not None:
        raise ValidationFailed("手机号已验证，无需再次验证", field="phone", code="phone_already_verified")
    _phone_free(session, account.phone, actor.label)
    ratelimit.check(session, [f"phone-code:{account.phone}"], limit=s.phone_codes_per_hour,
                    window=dt.timedelta(hours=1), message="验证码发送过于频繁，请 {minutes} 分钟后再试",
                    field="phone")
    now = clock.now()
    for old in session.scalars(select(PhoneCode).where(PhoneCode.principal == actor.label,
                                                       PhoneCode.used_at.is_(None))):
        old.used_at = now  # superseded
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(PhoneCode(principal=actor.label, phone=account.phone,
                          code_hash=_code_hash(actor.label, account.phone, code), created_at=now,
                          expires_at=now + dt.timedelta(minutes=s.phone_code_minutes), attempts=0, used_at=None))
    session.flush()
    audit.record(session, actor, "phone.code_sent", actor.kind.value, actor.id, {"phone": mask_phone(account.phone)})
    return account.phone, code


def confirm_phone(session: Session, actor: Actor, code: str) -> dt.datetime:
    """Check a code the actor typed. A wrong code counts against the code (atomically, so parallel guesses
    cannot overtake the limit) and the caller must commit even though this raises."""
    s = get_settings()
    account = _account(session, actor)
    code = re.sub(r"\s+", "", unicodedata.normalize("NFKC", code or ""))
    row = repo.latest_phone_code(session, actor.label, account.phone)
    now = clock.now()
    if row is None or row.expires_at <= now:
        raise PhoneCodeInvalid("验证码已失效，请重新获取", field="code", code="phone_code_expired")
    t = cast(Table, PhoneCode.__table__)
    counted = session.execute(update(t).where(t.c.id == row.id, t.c.attempts < s.phone_code_max_attempts,
                                              t.c.used_at.is_(None))
                              .values(attempts=t.c.attempts + 1).returning(t.c.attempts)).first()
    if counted is None:
        raise PhoneCodeInvalid("验证码错误次数过多，请重新获取", field="code", code="phone_code_expired")
    if not (re.fullmatch(r"[0-9]{6}", code)
            and hmac.compare_digest(row.code_hash, _code_hash(actor.label, account.phone, code))):
        left = s.phone_code_max_attempts - int(counted[0])
        audit.record(session, actor, "phone.code_wrong", actor.kind.value, actor.id)
        raise PhoneCodeInvalid(f"验证码不正确，还可尝试 {left} 次" if left > 0 else "验证码错误次数过多，请重新获取",
                               field="code")
    _phone_free(session, account.phone, actor.label)
    session.execute(update(t).where(t.c.id == row.id).values(used_at=now))
    account.phone_verified_at = now
    session.flush()
    audit.record(session, actor, "phone.verified", actor.kind.value, actor.id, {"phone": mask_phone(account.phone)})
    return now


def mark_phone_verified(session: Session, actor: Actor, by: Actor) -> None:
    """Record a phone as verified without a code (checked in person at a hall, or demonstration data)."""
    account = _account(session, actor)
    _phone_free(session, account.phone, actor.label)
    account.phone_verified_at = clock.now()
    session.flush()
    audit.record(session, by, "phone.verified", actor.kind.value, actor.id,
                 {"phone": mask_phone(account.phone), "by_code": False})


# --- staff -------------------------------------------------------------------------------------

def _parse_roles(roles: Iterable[str]) -> list[str]:
    out = []
    for r in roles:
        r = r.strip()
        if not r:
            continue
        try:
            out.append(Role(r).value)
        except ValueError as exc:
            valid = ", ".join(x.value for x in Role)
            raise ValidationFailed(f"未知角色 {r}（可选：{valid}）", field="roles", code="unknown_role") from exc
    if not out:
        raise ValidationFailed("至少选择一个角色", field="roles")
    return sorted(set(out))


def add_staff(session: Session, actor: Actor, *, login: str, password: str, name: str, department_id: int,
              roles: Iterable[str], phone: str | None = None) -> Staff:
    actor.require(Perm.IDENTITY_STAFF_MANAGE)
    login = login.strip()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{1,63}", login):
        raise ValidationFailed("登录名须以字母开头，2–64 位字母、数字、下划线、点或横线", field="login")
    if not name.strip() or len(name.strip()) > 100:
        raise ValidationFailed("请填写姓名（不超过 100 字）", field="name")
    check_password_strength(password)
    role_list = _parse_roles(roles)
    if repo.staff_by_login(session, login) is not None:
        raise AlreadyRegistered("登录名已存在", field="login")
    dept = org_service.get_department(session, department_id)
    staff = Staff(login=login, name=name.strip(), password_hash=hash_password(password), department_id=dept.id,
                  phone=phone, active=True, created_at=clock.now())
    session.add(staff)
    session.flush()
    session.add_all(StaffRole(staff_id=staff.id, role=r) for r in role_list)
    session.flush()
    audit.record(session, actor, "staff.add", "staff", staff.id,
                 {"login": login, "department_id": dept.id, "roles": role_list})
    return staff


def set_staff_active(session: Session, actor: Actor, *, login: str, active: bool) -> Staff:
    actor.require(Perm.IDENTITY_STAFF_MANAGE)
    staff = repo.staff_by_login(session, login)
    if staff is None:
        raise StaffNotFound("人员不存在", field="login")
    staff.active = active
    actor_cache.changed(session)
    audit.record(session, actor, "staff.activate" if active else "staff.deactivate", "staff", staff.id)
    return staff


def list_staff(session: Session, actor: Actor) -> list[tuple[Staff, Any, list[str]]]:
    """Staff in the actor's scope with their department and roles."""
    actor.require(Perm.IDENTITY_STAFF_MANAGE)
    departments = {d.id: d for d in org_service.list_departments(session, actor)}
    rows = repo.staff_in_departments(session, departments)
    rows = sorted(rows, key=lambda s: (departments[s.department_id].name, s.login))
    return [(s, departments[s.department_id], repo.staff_roles(session, s.id)) for s in rows]


def describe(session: Session, actor: Actor) -> dict[str, object]:
    """What /me shows about the caller."""
    out: dict[str, object] = {"kind": actor.kind.value, "id": actor.id, "name": actor.name}
    if actor.kind is ActorKind.PERSON and actor.id is not None:
        p = session.get(Person, actor.id)
        if p:
            out.update(id_number_masked=mask_id_number(p.id_number), phone_masked=mask_phone(p.phone),
                       phone_verified=p.phone_verified_at is not None)
    elif actor.kind is ActorKind.ENTERPRISE and actor.id is not None:
        e = session.get(Enterprise, actor.id)
        if e:
            out.update(uscc=e.uscc, phone_masked=mask_phone(e.phone), legal_person=e.legal_person,
                       phone_verified=e.phone_verified_at is not None)
    elif actor.is_staff:
        out.update(department=actor.department_name, department_id=actor.department_id,
                   region_code=actor.region_code, roles=sorted(actor.roles))
    return out


@dataclass(frozen=True)
class ApplicantProfile:
    label: str
    kind: str
    name: str
    code: str  # ID number or USCC
    phone: str


def applicant_profile(session: Session, actor: Actor) -> ApplicantProfile:
    """The registered details of a person or enterprise (what a case records about its applicant)."""
    cached = actor_cache.profile_of(actor.label)
    if isinstance(cached, ApplicantProfile):
        return cached
    return _profile(session, actor)


def _profile(session: Session, actor: Actor) -> ApplicantProfile:
    if actor.kind is ActorKind.PERSON and actor.id is not None:
        p = session.get(Person, actor.id)
        if p:
            return ApplicantProfile(actor.label, "person", p.name, p.id_number, p.phone)
    if actor.kind is ActorKind.ENTERPRISE and actor.id is not None:
        e = session.get(Enterprise, actor.id)
        if e:
            return ApplicantProfile(actor.label, "enterprise", e.name, e.uscc, e.phone)
    raise ValidationFailed("只有个人或法人账号可以作为申请人", field="applicant")


def find_applicant(session: Session, code: str) -> Actor:
    """The registered person (by ID number) or enterprise (by USCC) a window or proxy files for."""
    if id_number_problem(code) is None:
        p = repo.person_by_id_number(session, normalize_id_number(code))
        if p:
            return actor_for_person(p)
    elif uscc_problem(code) is None:
        e = repo.enterprise_by_uscc(session, normalize_uscc(code))
        if e:
            return actor_for_enterprise(e)
    else:
        raise ValidationFailed("请输入有效的身份证号码或统一社会信用代码", field="applicant_code")
    raise ValidationFailed("该申请人尚未注册，请先为其注册账号", field="applicant_code", code="applicant_not_found")


# --- contact details (notifications) -------------------------------------------------------------

def contact_for(session: Session, label: str) -> tuple[str | None, str | None]:
    """The (phone, e-mail) a person, enterprise or active staff member can be reached at. Nobody has an
    e-mail address on record yet, so the second part is always None for now."""
    kind, _, raw_id = label.partition(":")
    if not raw_id.isdigit():
        return None, None
    if kind == "person":
        p = session.get(Person, int(raw_id))
        return (p.phone or None) if p else None, None
    if kind == "enterprise":
        e = session.get(Enterprise, int(raw_id))
        return (e.phone or None) if e else None, None
    if kind == "staff":
        s = session.get(Staff, int(raw_id))
        return (s.phone or None) if s and s.active else None, None
    return None, None


def staff_of_department(session: Session, department_id: int, roles: Iterable[str] | None = None) -> list[str]:
    """Labels ("staff:7") of a department's active staff, limited to those holding any of ``roles``."""
    wanted = set(roles) if roles is not None else None
    out = []
    for s in repo.staff_in_departments(session, [department_id]):
        if not s.active:
            continue
        if wanted is None or wanted & set(repo.staff_roles(session, s.id)):
            out.append(f"staff:{s.id}")
    return out


def staff_with_role(session: Session, role: str, *, covering: str | None = None) -> list[str]:
    """Labels ("staff:7") of every active staff member holding ``role`` (administrators told about failures);
    with ``covering`` (a region code), only those whose department's region is that region or contains it."""
    from sqlalchemy import select

    from yiwang.core.permissions import region_prefix
    from yiwang.identity.models import Staff, StaffRole

    rows = session.execute(select(Staff.id, Staff.department_id).join(StaffRole, StaffRole.staff_id == Staff.id)
                           .where(StaffRole.role == role, Staff.active.is_(True)).order_by(Staff.id)).all()
    if covering is None:
        return [f"staff:{i}" for i, _ in rows]
    departments = org_service.departments_by_ids(session, {d for _, d in rows})
    return [f"staff:{i}" for i, d in rows
            if d in departments and departments[d].region_code
            and covering.startswith(region_prefix(departments[d].region_code))]


def staff_by_logins(session: Session, logins: Iterable[str]) -> dict[str, tuple[int, str, int, bool]]:
    """login → (id, name, department id, active) of the staff with those logins (unknown logins are absent)."""
    wanted = sorted({str(x) for x in logins})
    if not wanted:
        return {}
    rows = session.scalars(select(Staff).where(Staff.login.in_(wanted)))
    return {s.login: (s.id, s.name, s.department_id, s.active) for s in rows}


def staff_brief(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str, int]]:
    """id → (login, name, department id) of the given staff."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {s.id: (s.login, s.name, s.department_id) for s in session.scalars(select(Staff).where(Staff.id.in_(wanted)))}
