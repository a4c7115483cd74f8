"""The cryptography behind electronic seals: key pairs, signatures, key encryption at rest, X.509
certificates for PDF signing, and the seal signature record. Pure functions; nothing here touches the
database, the clock or the settings — callers pass keys, secrets and times in.

Three seal algorithms are offered. SM2 with SM3 (GB/T 32918, GB/T 32905) is what GB/T 38540 electronic
seals expect, so it is the national choice; it runs in pure Python (gmalg), which makes it slow — about
15 signatures and 15 verifications per second per core — so pages that verify on request should be rate
limited. gmalg also hashes with its own pure-Python SM3 (a few hundred KB/s), so SM2 should sign short
messages: a seal signature signs a small record holding the document's digest, never the document.
ECDSA P-256 and Ed25519 (via ``cryptography``, thousands per second) are there for deployments that must
interoperate with tools lacking SM2.

PDF signatures (PAdES) always use an ECDSA P-256 X.509 certificate whatever the seal algorithm is,
because common PDF readers (Acrobat, NSS/pdfsig, pyHanko) cannot verify SM2. A self-signed platform
authority issues one such certificate per seal.

Private keys are stored encrypted with AES-256-GCM under a key derived by HKDF-SHA256 from the
application secret. HKDF does not slow down guessing, which is fine for a long random server secret but
would not be for a human password.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any, cast

import gmalg
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

ALGORITHMS: tuple[str, ...] = ("sm2", "ecdsa-p256", "ed25519")
DEFAULT_UID = b"1234567812345678"  # SM2 signer ID per GB/T 35276, enters the Z value of every signature

# SM2 recommended curve (GB/T 32918.5): prime p, coefficients a and b, order n (cofactor 1).
_SM2_P = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFF
_SM2_A = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFC
_SM2_B = 0x28E9FA9E_9D9F5E34_4D5A9E4B_CF6509A7_F39789F5_15AB8F92_DDBCBD41_4D940E93
_SM2_N = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123

_BYTES_LIKE = (bytes, bytearray, memoryview)
_MAX_DER_SIGNATURE = 80  # SEQUENCE of two INTEGERs of at most 33 bytes each, with headers: 72 bytes

_BLOB_VERSION = 1
_SALT_LEN = 16
_NONCE_LEN = 12
_TAG_LEN = 16
_HKDF_INFO = b"yiwang/seals/private-key/v1"

# Microsoft Document Signing (Acrobat) and RFC 9336 id-kp-documentSigning; emailProtection as well, because
# NSS-based readers (pdfsig, Okular) check a signer certificate for NSS's "email signer" usage, which an
# extended key usage extension without emailProtection rules out.
_MS_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
_CN_MAX_BYTES = 64  # cryptography enforces X.520's 64 for commonName in UTF-8 bytes: 21 Chinese characters

SEAL_SIGNATURE_VERSION = 1
_SEAL_FIELDS: dict[str, type] = {
    "version": int, "seal": str, "seal_name": str, "alg": str, "digest_alg": str, "digest": str,
    "signed_at": str, "cert": str, "sig": str,
}


class CryptoError(Exception):
    """Unknown algorithm, malformed key material, or a private key that cannot be decrypted."""


@dataclass(frozen=True)
class KeyPair:
    """A seal key pair in stable encodings: PKCS#8 DER / SubjectPublicKeyInfo DER for ECDSA P-256 and
    Ed25519; for SM2 the raw 32-byte big-endian scalar and the uncompressed point 04||X||Y (65 bytes)."""

    algorithm: str
    private: bytes = field(repr=False)  # kept out of repr so a logged KeyPair does not leak the key
    public: bytes


# --- hashing ------------------------------------------------------------------------------------------

def _sm3_openssl(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


def _sm3_gmalg(data: bytes) -> bytes:
    h = gmalg.SM3()
    h.update(bytes(data))
    return cast(bytes, h.value())


try:  # OpenSSL builds may leave SM3 out; the pure-Python one is some 500x slower but always there
    hashlib.new("sm3")
    _sm3 = _sm3_openssl
except ValueError:  # pragma: no cover - depends on the OpenSSL build
    _sm3 = _sm3_gmalg


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest (GB/T 32905) of ``data``."""
    return _sm3(data)


# --- key pairs, signing, verifying --------------------------------------------------------------------

def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise CryptoError(f"不支持的签名算法：{algorithm}")


def generate_keypair(algorithm: str) -> KeyPair:
    _check_algorithm(algorithm)
    if algorithm == "sm2":
        # gmalg draws d from [1, n-2] with `secrets`, as GB/T 32918.1 requires; its encoding is minimal,
        # ours is fixed-width.
        d, point = gmalg.SM2().generate_keypair()
        return KeyPair(algorithm, bytes(d).rjust(32, b"\0"), bytes(point))
    key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if algorithm == "ecdsa-p256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return KeyPair(algorithm, private, public)


def _sm2_scalar(private: bytes) -> bytes:
    if not isinstance(private, _BYTES_LIKE) or len(private) != 32:
        raise CryptoError("SM2 私钥格式不正确")
    if not 1 <= int.from_bytes(private, "big") <= _SM2_N - 2:
        raise CryptoError("SM2 私钥超出有效范围")
    return bytes(private)


def _sm2_point_ok(public: bytes) -> bool:
    """An uncompressed point on the curve; gmalg itself does not check this before verifying."""
    if len(public) != 65 or public[0] != 0x04:
        return False
    x, y = int.from_bytes(public[1:33], "big"), int.from_bytes(public[33:], "big")
    return x < _SM2_P and y < _SM2_P and (y * y - (x * x * x + _SM2_A * x + _SM2_B)) % _SM2_P == 0


def _load_private(algorithm: str, private: bytes) -> ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey:
    if not isinstance(private, _BYTES_LIKE):
        raise CryptoError("私钥格式不正确")
    try:
        key = serialization.load_der_private_key(bytes(private), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CryptoError("私钥格式不正确") from exc
    if algorithm == "ecdsa-p256" and isinstance(key, ec.EllipticCurvePrivateKey) \
            and isinstance(key.curve, ec.SECP256R1):
        return key
    if algorithm == "ed25519" and isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise CryptoError(f"私钥与签名算法 {algorithm} 不匹配")


def sign(algorithm: str, private: bytes, data: bytes) -> bytes:
    """Sign ``data``. Every algorithm returns its usual encoding: SM2 (SM3 over Z‖data, Z from
    DEFAULT_UID) and ECDSA P-256 (SHA-256) a DER SEQUENCE of r and s as GB/T 35276 and RFC 3279 define
    it; Ed25519 the plain 64 bytes."""
    _check_algorithm(algorithm)
    if not isinstance(data, _BYTES_LIKE):  # bytes(n) of an int would quietly sign n zero bytes
        raise TypeError("data must be bytes")
    if algorithm == "sm2":
        signer = gmalg.SM2(sk=_sm2_scalar(private), uid=DEFAULT_UID)  # derives the public key for Z
        r, s = signer.sign(bytes(data))
        return encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
    key = _load_private(algorithm, private)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(bytes(data), ec.ECDSA(hashes.SHA256()))
    return key.sign(bytes(data))


def _verify(algorithm: str, public: bytes, data: bytes, signature: bytes) -> bool:
    if algorithm == "sm2":
        if len(signature) > _MAX_DER_SIGNATURE or not _sm2_point_ok(public):
            return False
        r, s = decode_dss_signature(signature)
        # only the canonical DER encoding counts, so a signature has exactly one valid byte form
        if encode_dss_signature(r, s) != signature or not (1 <= r < _SM2_N and 1 <= s < _SM2_N):
            return False
        checker = gmalg.SM2(uid=DEFAULT_UID, pk=public)
        return bool(checker.verify(data, r.to_bytes(32, "big"), s.to_bytes(32, "big")))
    key = serialization.load_der_public_key(public)
    if algorithm == "ecdsa-p256":
        if not (isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)):
            return False
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        return True
    if not isinstance(key, ed25519.Ed25519PublicKey):
        return False
    key.verify(signature, data)
    return True


def verify(algorithm: str, public: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``data`` holds under ``public``. A garbled signature or key of any kind
    gives False; only an unknown algorithm raises (CryptoError), since that is the caller's mistake."""
    _check_algorithm(algorithm)
    if not all(isinstance(value, _BYTES_LIKE) for value in (public, data, signature)):
        return False
    try:
        return _verify(algorithm, bytes(public), bytes(data), bytes(signature))
    except InvalidSignature:
        return False
    except Exception:  # fail closed: whatever a forged or damaged input makes a parser raise is a "no"
        return False


# --- private keys at rest -----------------------------------------------------------------------------

def _blob_key(secret: str, salt: bytes) -> bytes:
    if not isinstance(secret, str) or not secret:
        raise CryptoError("加密私钥所用的密钥不能为空")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO)
    return hkdf.derive(secret.encode("utf-8"))


def encrypt_private(private: bytes, secret: str) -> bytes:
    """Encrypt key material for storage: version byte ‖ 16-byte salt ‖ 12-byte nonce ‖ AES-256-GCM
    ciphertext and tag. The version byte and salt are authenticated as associated data."""
    salt, nonce = os.urandom(_SALT_LEN), os.urandom(_NONCE_LEN)
    header = bytes([_BLOB_VERSION]) + salt
    return header + nonce + AESGCM(_blob_key(secret, salt)).encrypt(nonce, bytes(private), header)


def decrypt_private(blob: bytes, secret: str) -> bytes:
    if not isinstance(blob, _BYTES_LIKE) or len(blob) < 1 + _SALT_LEN + _NONCE_LEN + _TAG_LEN \
            or blob[0] != _BLOB_VERSION:
        raise CryptoError("私钥密文已损坏或版本不受支持")
    blob = bytes(blob)
    salt = blob[1:1 + _SALT_LEN]
    nonce = blob[1 + _SALT_LEN:1 + _SALT_LEN + _NONCE_LEN]
    try:
        return AESGCM(_blob_key(secret, salt)).decrypt(nonce, blob[1 + _SALT_LEN + _NONCE_LEN:],
                                                        blob[:1 + _SALT_LEN])
    except InvalidTag as exc:
        raise CryptoError("无法解密私钥：密钥不正确或密文已损坏") from exc


# --- X.509 for PDF signatures -------------------------------------------------------------------------

def _utc(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(dt.UTC)


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return moment.replace(year=moment.year + years, day=28)


def _cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 form fits in ``limit`` bytes, cut between characters."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _name(common_name: str, organization: str, serial_number: str | None = None) -> x509.Name:
    common_name, organization = common_name.strip(), organization.strip()
    if not common_name or not organization:
        raise CryptoError("证书的名称和单位不能为空")
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        # the CN is only what readers display; the full name stays in O
        x509.NameAttribute(NameOID.COMMON_NAME, _cut_utf8(common_name, _CN_MAX_BYTES)),
    ]
    if serial_number:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attributes)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def new_authority(common_name: str, organization: str, *, now: dt.datetime,
                  years: int = 20) -> tuple[bytes, bytes]:
    """A self-signed ECDSA P-256 certificate authority that may only issue end-entity certificates.
    Returns (PKCS#8 key PEM, certificate PEM)."""
    start = _utc(now, "now")
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, organization)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(_add_years(start, years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     key_cert_sign=True, crl_sign=True, encipher_only=False,
                                     decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _key_pem(key), cert.public_bytes(serialization.Encoding.PEM)


def _load_authority(key_pem: bytes, cert_pem: bytes) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        cert = x509.load_pem_x509_certificate(cert_pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CryptoError("签发机构的密钥或证书格式不正确") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CryptoError("签发机构的密钥不是 ECDSA 密钥")
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, spki) \
            != cert.public_key().public_bytes(serialization.Encoding.DER, spki):
        raise CryptoError("签发机构的密钥与证书不匹配")
    return key, cert


def issue_certificate(authority_key_pem: bytes, authority_cert_pem: bytes, *, common_name: str,
                      organization: str, uscc: str | None, valid_from: dt.datetime,
                      valid_until: dt.datetime) -> tuple[bytes, bytes]:
    """A new ECDSA P-256 key and a document-signing certificate for it, issued by the authority.
    Returns (PKCS#8 key PEM, certificate PEM). The subject carries C=CN, O, CN (cut to 64 UTF-8
    bytes, the most X.520 allows) and, when given, the 统一社会信用代码 as serialNumber. The end of
    validity is capped at the authority's own: past it the chain no longer validates anyway."""
    ca_key, ca_cert = _load_authority(authority_key_pem, authority_cert_pem)
    start = _utc(valid_from, "valid_from")
    end = min(_utc(valid_until, "valid_until"), ca_cert.not_valid_after_utc)
    if end <= start:
        raise CryptoError("证书有效期不正确：截止时间须晚于起始时间且不晚于签发机构证书的有效期")
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    try:
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, organization, (uscc or "").strip() or None))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([_MS_DOCUMENT_SIGNING, _DOCUMENT_SIGNING,
                                                  ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(aki, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
    except ValueError as exc:  # e.g. characters a PrintableString serialNumber cannot hold
        raise CryptoError("证书内容不合规范，无法签发") from exc
    return _key_pem(key), cert.public_bytes(serialization.Encoding.PEM)


def _certificate(cert_pem: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(cert_pem)
    except (ValueError, TypeError) as exc:
        raise CryptoError("证书格式不正确") from exc


def cert_sha256(cert_pem: bytes) -> str:
    """Hex SHA-256 of the DER certificate — the fingerprint readers show."""
    return _certificate(cert_pem).fingerprint(hashes.SHA256()).hex()


def cert_validity(cert_pem: bytes) -> tuple[dt.datetime, dt.datetime]:
    cert = _certificate(cert_pem)
    return cert.not_valid_before_utc, cert.not_valid_after_utc


# --- seal signatures ----------------------------------------------------------------------------------

def _signed_bytes(fields: dict[str, Any]) -> bytes:
    """What a seal signature covers: the canonical JSON of every field except "sig"."""
    covered = {k: v for k, v in fields.items() if k != "sig"}
    return json.dumps(covered, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def seal_signature(*, algorithm: str, private: bytes, seal_code: str, seal_name: str, document: bytes,
                   signed_at: dt.datetime, cert_sha256: str) -> dict[str, Any]:
    """A seal signature over ``document`` in the spirit of GB/T 38540: the SM3 digest of the document,
    who sealed it and when, bound together by the seal's signature. ``signed_at`` keeps microseconds so
    that a seal made and used within the same second still signs inside its validity period."""
    _check_algorithm(algorithm)
    fields: dict[str, Any] = {
        "version": SEAL_SIGNATURE_VERSION,
        "seal": seal_code,
        "seal_name": seal_name,
        "alg": algorithm,
        "digest_alg": "SM3",
        "digest": sm3(document).hex(),
        "signed_at": _utc(signed_at, "signed_at").isoformat(timespec="microseconds"),
        "cert": cert_sha256,
    }
    fields["sig"] = base64.b64encode(sign(algorithm, private, _signed_bytes(fields))).decode("ascii")
    return fields


def verify_seal_signature(sig: dict[str, Any], *, public: bytes, document: bytes) -> list[str]:
    """Problems with a seal signature over ``document``, as sentences for the reader; [] when it holds.
    Never raises: whatever arrives from outside is judged, not trusted."""
    if not isinstance(sig, dict) or any(
            not isinstance(sig.get(name), kind) or isinstance(sig.get(name), bool)
            for name, kind in _SEAL_FIELDS.items()):
        return ["签章数据不完整"]
    if sig["version"] != SEAL_SIGNATURE_VERSION:
        return ["签章版本不受支持"]
    if sig["alg"] not in ALGORITHMS:
        return ["签章算法不受支持"]
    if sig["digest_alg"] != "SM3":
        return ["摘要算法不受支持"]
    if not isinstance(document, _BYTES_LIKE):
        return ["待验证的文档数据无效"]
    problems: list[str] = []
    try:
        signed_at = dt.datetime.fromisoformat(sig["signed_at"])
    except ValueError:
        signed_at = None
    if signed_at is None or signed_at.tzinfo is None:
        problems.append("签章时间格式不正确")
    if sig["digest"] != sm3(bytes(document)).hex():
        problems.append("文档摘要不符（内容已被改动）")
    try:
        signature = base64.b64decode(sig["sig"], validate=True)
        covered = _signed_bytes(sig)
    except (binascii.Error, ValueError, TypeError, RecursionError):  # bad base64, or fields JSON cannot write
        signature, covered = b"", b""
    if not signature or not verify(sig["alg"], public, covered, signature):
        problems.append("印章签名无效")
    return problems
