"""Electronic seals (电子印章): the platform's seal authority, one active seal per department, and the two
signatures a seal makes.

- The *seal signature* (GB/T 38540 style) signs the SM3 digest of a document's canonical bytes with the
  seal's own key — SM2 by default (``YIWANG_SEAL_ALGORITHM``), or ECDSA P-256 / Ed25519 — and names the seal,
  its certificate and the time. It is what our own verifiers check against the seal registry.
- The *PDF signature* (PAdES) uses an ECDSA P-256 key certified by the platform's seal authority, because PDF
  readers and ``pdfsig`` cannot check SM2. Anyone who trusts the authority's certificate can verify it offline.

Private keys are kept encrypted under the deployment secret; only this module ever decrypts them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.core import audit, clock
from yiwang.core.config import get_settings
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, Perm, region_prefix
from yiwang.org import service as org_service
from yiwang.seals import crypto
from yiwang.seals.models import Seal, SealAuthority
from yiwang.seals.picture import seal_svg

AUTHORITY_NAME = "一网政务服务平台电子印章签发机构"
ALGORITHM_LABELS = {"sm2": "SM2（国密）", "ecdsa-p256": "ECDSA P-256", "ed25519": "Ed25519"}


@dataclass(frozen=True)
class PdfSigner:
    """What pyHanko needs to sign a PDF for a seal: the PDF key and certificate and the chain above it."""

    key_pem: bytes
    cert_pem: bytes
    chain_pems: list[bytes]


@dataclass(frozen=True)
class SealOut:
    code: str
    name: str
    department_id: int
    algorithm: str
    algorithm_label: str
    status: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    cert_sha256: str
    svg: str


def _secret() -> str:
    return get_settings().resolved_secret_key()


def _out(seal: Seal) -> SealOut:
    return SealOut(code=seal.code, name=seal.name, department_id=seal.department_id, algorithm=seal.algorithm,
                   algorithm_label=ALGORITHM_LABELS.get(seal.algorithm, seal.algorithm), status=seal.status,
                   valid_from=seal.valid_from, valid_until=seal.valid_until, cert_sha256=seal.cert_sha256,
                   svg=seal_svg(seal.name, caption(seal.code)))


def caption(code: str) -> str:
    """The line under the star: the seal code's last digits, as on a physical seal's serial."""
    return code[-8:]


# --- the authority ------------------------------------------------------------------------------------------

def _authority(session: Session) -> SealAuthority:
    found = session.scalars(select(SealAuthority).where(SealAuthority.name == AUTHORITY_NAME)).first()
    if found is not None:
        return found
    key_pem, cert_pem = crypto.new_authority(AUTHORITY_NAME, "一网政务服务平台", now=clock.now())
    record = SealAuthority(name=AUTHORITY_NAME, key_enc=crypto.encrypt_private(key_pem, _secret()),
                           cert_pem=cert_pem.decode(), created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # another process made it first: use theirs
        return session.scalars(select(SealAuthority).where(SealAuthority.name == AUTHORITY_NAME)).one()
    audit.record(session, SYSTEM, "seal.authority_created", "seal_authority", record.id,
                 {"cert_sha256": crypto.cert_sha256(cert_pem)})
    return record


def trust_roots(session: Session) -> list[bytes]:
    """The certificates a verifier of this platform's PDFs trusts (the seal authority's)."""
    return [_authority(session).cert_pem.encode()]


def authority_certificate(session: Session) -> bytes:
    return _authority(session).cert_pem.encode()


# --- seals ----------------------------------------------------------------------------------------------

def _active(session: Session, department_id: int) -> Seal | None:
    return session.scalars(select(Seal).where(Seal.department_id == department_id, Seal.status == "active")
                           .order_by(Seal.id.desc())).first()


def _new_code(session: Session, region_code: str) -> str:
    prefix = region_code[:6]
    taken = session.scalars(select(Seal.code).where(Seal.code.startswith(prefix))).all()
    return f"{prefix}{len(taken) + 1:08d}"


def make_seal(session: Session, actor: Actor, department_id: int, *, algorithm: str | None = None) -> Seal:
    """Make a new seal for a department (retiring none: an older one stays valid until revoked)."""
    if actor is not SYSTEM:
        actor.require(Perm.SEAL_MANAGE)
    algorithm = algorithm or get_settings().seal_algorithm
    if algorithm not in crypto.ALGORITHMS:
        raise ValidationFailed("不支持的签章算法：" + algorithm, field="algorithm", code="bad_algorithm")
    dept = org_service.get_department(session, department_id)
    if actor.is_staff and actor.region_code and not dept.region_code.startswith(region_prefix(actor.region_code)):
        raise NotFound("部门不存在", field="department_id")
    if not dept.uscc:
        raise ValidationFailed(f"“{dept.name}”尚未登记统一社会信用代码，不能制作电子印章", field="department_id",
                               code="department_without_uscc")
    now = clock.now()
    until = now + dt.timedelta(days=365 * get_settings().seal_years)
    authority = _authority(session)
    pair = crypto.generate_keypair(algorithm)
    cert_key, cert_pem = crypto.issue_certificate(
        crypto.decrypt_private(authority.key_enc, _secret()), authority.cert_pem.encode(),
        common_name=f"{dept.name}电子印章", organization=dept.name, uscc=dept.uscc, valid_from=now,
        valid_until=until)
    seal = Seal(code=_new_code(session, dept.region_code), department_id=dept.id, name=dept.name, kind="official",
                algorithm=algorithm, public_key=pair.public, private_enc=crypto.encrypt_private(pair.private, _secret()),
                cert_pem=cert_pem.decode(), cert_sha256=crypto.cert_sha256(cert_pem),
                cert_key_enc=crypto.encrypt_private(cert_key, _secret()), valid_from=now, valid_until=until,
                status="active", created_at=now)
    session.add(seal)
    session.flush()
    audit.record(session, actor, "seal.create", "seal", seal.code,
                 {"department_id": dept.id, "algorithm": algorithm, "cert_sha256": seal.cert_sha256})
    return seal


def ensure_seal(session: Session, department_id: int) -> Seal:
    """The department's active seal, made on first use."""
    seal = _active(session, department_id)
    if seal is None or seal.valid_until <= clock.now():
        seal = make_seal(session, SYSTEM, department_id)
    return seal


def revoke_seal(session: Session, actor: Actor, code: str, *, reason: str) -> Seal:
    actor.require(Perm.SEAL_MANAGE)
    seal = session.scalars(select(Seal).where(Seal.code == code)).first()
    if seal is None or (actor.region_code and not org_service.get_department(session, seal.department_id)
                        .region_code.startswith(region_prefix(actor.region_code))):
        raise NotFound("印章不存在", field="code")
    if not reason.strip():
        raise ValidationFailed("请填写注销印章的原因", field="reason", code="reason_required")
    seal.status = "revoked"
    seal.revoked_at = clock.now()
    audit.record(session, actor, "seal.revoke", "seal", seal.code, {"reason": reason.strip()[:500]})
    return seal


def seals_of(session: Session, department_ids: list[int]) -> list[SealOut]:
    rows = session.scalars(select(Seal).where(Seal.department_id.in_(department_ids)).order_by(Seal.id)).all()
    return [_out(s) for s in rows]


def seal_view(session: Session, code: str) -> SealOut | None:
    seal = session.scalars(select(Seal).where(Seal.code == code)).first()
    return _out(seal) if seal is not None else None


# --- signing and verifying ----------------------------------------------------------------------------

def canonical(data: Any) -> bytes:
    """The canonical bytes a seal signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_document(session: Session, seal: Seal, document: bytes) -> dict[str, Any]:
    return crypto.seal_signature(algorithm=seal.algorithm, private=crypto.decrypt_private(seal.private_enc, _secret()),
                                 seal_code=seal.code, seal_name=seal.name, document=document,
                                 signed_at=clock.now(), cert_sha256=seal.cert_sha256)


@lru_cache(maxsize=4096)
def _signature_problems(signature: bytes, public: bytes, document: bytes) -> tuple[str, ...]:
    """The cryptographic check alone, remembered per process: it is a pure function of its inputs, and SM2 in
    pure Python takes ~50 ms — a license's QR page is opened again and again. Registry checks (the seal's
    status and validity) are never cached."""
    return tuple(crypto.verify_seal_signature(json.loads(signature), public=public, document=document))


def clear_signature_cache() -> None:
    _signature_problems.cache_clear()


def pdf_signer(session: Session, seal: Seal) -> PdfSigner:
    return PdfSigner(key_pem=crypto.decrypt_private(seal.cert_key_enc, _secret()), cert_pem=seal.cert_pem.encode(),
                     chain_pems=[_authority(session).cert_pem.encode()])


def verify_document(session: Session, signature: dict[str, Any], document: bytes) -> list[str]:
    """Problems with a seal signature over ``document`` (empty when it is valid): the seal exists in the
    registry, was valid and not revoked when it signed, the certificate matches, and the signature holds."""
    code = signature.get("seal") if isinstance(signature, dict) else None
    seal = session.scalars(select(Seal).where(Seal.code == code)).first() if isinstance(code, str) else None
    if seal is None:
        return ["签章所用印章不在本平台印章库中"]
    problems = list(_signature_problems(canonical(signature), seal.public_key, document))
    if signature.get("cert") != seal.cert_sha256:
        problems.append("签章证书与印章库登记的不一致")
    try:
        signed_at = dt.datetime.fromisoformat(str(signature.get("signed_at")))
    except ValueError:
        signed_at = None
    if signed_at is None or signed_at.tzinfo is None or not seal.valid_from <= signed_at <= seal.valid_until:
        problems.append("签章时间不在印章有效期内")
    if seal.status == "revoked" and seal.revoked_at is not None and (signed_at is None or signed_at >= seal.revoked_at):
        problems.append("签章时印章已被注销")
    return problems


def seal_problem(session: Session, department_id: int) -> str | None:
    """Why the department could not seal a document now (None when it can): it needs a valid active seal, or
    a USCC and a supported algorithm to have one made on first use."""
    seal = _active(session, department_id)
    if seal is not None and seal.valid_until > clock.now():
        if seal.algorithm not in crypto.ALGORITHMS:
            return f"电子印章的签章算法“{seal.algorithm}”不受支持"
        return None
    dept = org_service.get_department(session, department_id)
    if not dept.uscc:
        return f"“{dept.name}”尚未登记统一社会信用代码，无法制作电子印章"
    algorithm = get_settings().seal_algorithm
    if algorithm not in crypto.ALGORITHMS:
        return f"“{dept.name}”没有有效的电子印章，且配置的签章算法“{algorithm}”不受支持，无法制作"
    return None
