"""Seal cryptography: signatures for every algorithm (SM2 checked against the standard's worked example
and against gmalg directly), SM3 test vectors, key encryption at rest, the X.509 chain used for PDF
signing, and seal signature records. No database.

SM2 runs in pure Python at ~15 operations per second, so key pairs are made once per module and the
SM2 property tests keep to a handful of examples."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from typing import Any, cast

import gmalg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.seals import crypto
from yiwang.seals.crypto import (
    ALGORITHMS,
    DEFAULT_UID,
    CryptoError,
    KeyPair,
    cert_sha256,
    cert_validity,
    decrypt_private,
    encrypt_private,
    generate_keypair,
    issue_certificate,
    new_authority,
    seal_signature,
    sign,
    sm3,
    verify,
    verify_seal_signature,
)

NOW = dt.datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)
USCC = "91350100M000100Y43"
DOC_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
SM2_N = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123

# The SM2 signature example on the recommended curve (GB/T 32918 / GM/T 0003 series), ID 1234567812345678,
# as also used by gmalg's own test-suite.
KAT_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
KAT_PUBLIC = bytes.fromhex("04"
                           "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
                           "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
KAT_K = 0x59276E27_D506861A_16680F3A_D9C02DCC_EF3CC1FA_3CDBE4CE_6D54B80D_EAC1BC21
KAT_R = 0xF5A03B06_48D2C463_0EEAC513_E1BB81A1_5944DA38_27D5B741_43AC7EAC_EEE720B3
KAT_S = 0xB1B6AA29_DF212FD8_763182BC_0D421CA1_BB9038FD_1F7F42D4_840B69C4_85BBC1AA


@functools.cache
def keys(algorithm: str) -> KeyPair:
    return generate_keypair(algorithm)


@functools.cache
def other_keys(algorithm: str) -> KeyPair:
    return generate_keypair(algorithm)


def flip(data: bytes, index: int = 0) -> bytes:
    index %= len(data)
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


# --- key pairs, signatures ------------------------------------------------------------------------------

def test_algorithm_names() -> None:
    assert ALGORITHMS == ("sm2", "ecdsa-p256", "ed25519")
    assert DEFAULT_UID == b"1234567812345678"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sign_verify_round_trip(algorithm: str) -> None:
    pair = keys(algorithm)
    assert pair.algorithm == algorithm
    signature = sign(algorithm, pair.private, "营业执照 №1".encode())
    assert verify(algorithm, pair.public, "营业执照 №1".encode(), signature)
    assert verify(algorithm, pair.public, b"", sign(algorithm, pair.private, b""))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_tampering_is_detected(algorithm: str) -> None:
    pair, data = keys(algorithm), b"license 350100-0001"
    signature = sign(algorithm, pair.private, data)
    assert not verify(algorithm, pair.public, flip(data, 3), signature)
    assert not verify(algorithm, pair.public, data, flip(signature, len(signature) - 1))
    assert not verify(algorithm, other_keys(algorithm).public, data, signature)


def test_key_encodings() -> None:
    sm2 = keys("sm2")
    assert len(sm2.private) == 32 and len(sm2.public) == 65 and sm2.public[0] == 0x04
    assert gmalg.SM2().generate_pk(sm2.private) == sm2.public
    p256 = serialization.load_der_private_key(keys("ecdsa-p256").private, password=None)
    assert isinstance(p256, ec.EllipticCurvePrivateKey) and isinstance(p256.curve, ec.SECP256R1)
    assert p256.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo) \
        == keys("ecdsa-p256").public
    ed = serialization.load_der_public_key(keys("ed25519").public)
    assert len(ed.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)) == 32


def test_key_pair_repr_hides_the_private_key() -> None:
    pair = keys("ed25519")
    assert repr(pair.private) not in repr(pair) and "private" not in repr(pair)


def test_sm2_verifies_the_standard_example() -> None:
    assert gmalg.SM2().generate_pk(KAT_D) == KAT_PUBLIC
    assert verify("sm2", KAT_PUBLIC, b"message digest", encode_dss_signature(KAT_R, KAT_S))
    assert not verify("sm2", KAT_PUBLIC, b"message digest.", encode_dss_signature(KAT_R, KAT_S))


def test_sm2_signs_the_standard_example(monkeypatch: pytest.MonkeyPatch) -> None:
    # gmalg draws k from secrets.randbits; fixing it reproduces the standard's signature exactly
    monkeypatch.setattr(gmalg.base.secrets, "randbits", lambda bits: KAT_K)
    assert sign("sm2", KAT_D, b"message digest") == encode_dss_signature(KAT_R, KAT_S)


def test_sm2_signature_is_der_and_verifies_under_gmalg_itself() -> None:
    pair, data = keys("sm2"), b"independent check"
    signature = sign("sm2", pair.private, data)
    r, s = decode_dss_signature(signature)
    assert encode_dss_signature(r, s) == signature and 1 <= r < SM2_N and 1 <= s < SM2_N
    checker = gmalg.SM2(uid=DEFAULT_UID, pk=pair.public)
    assert checker.verify(data, r.to_bytes(32, "big"), s.to_bytes(32, "big"))
    # the raw r||s form and a signature under another signer ID are refused
    assert not verify("sm2", pair.public, data, r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    other_uid = gmalg.SM2(sk=pair.private, uid=b"ALICE123@YAHOO.COM", pk=pair.public).sign(data)
    assert not verify("sm2", pair.public, data,
                      encode_dss_signature(*(int.from_bytes(v, "big") for v in other_uid)))


def test_sm2_rejects_out_of_range_and_off_curve_values() -> None:
    pair, data = keys("sm2"), b"x"
    assert not verify("sm2", pair.public, data, encode_dss_signature(0, 1))
    assert not verify("sm2", pair.public, data, encode_dss_signature(SM2_N, 1))
    assert not verify("sm2", pair.public, data, bytes.fromhex("3006020101020101"))  # r = s = 1, still wrong
    assert not verify("sm2", pair.public, data, bytes.fromhex("30060201ff020101"))  # r = -1
    off_curve = pair.public[:-1] + bytes([pair.public[-1] ^ 1])
    r, s = decode_dss_signature(sign("sm2", pair.private, data))
    assert not verify("sm2", off_curve, data, encode_dss_signature(r, s))
    assert not verify("sm2", b"\x02" + pair.public[1:33], data, encode_dss_signature(r, s))


GARBAGE: list[Any] = [b"", b"\x00", b"\x30\x00", b"\x00" * 64, b"\xff" * 72, bytes(range(256)),
                      "text", None, 7, 10**12, [1, 2]]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_verify_never_raises_on_garbage(algorithm: str) -> None:
    pair, data = keys(algorithm), b"data"
    signature = sign(algorithm, pair.private, data)
    for junk in GARBAGE:
        assert verify(algorithm, pair.public, data, cast(bytes, junk)) is False
        assert verify(algorithm, cast(bytes, junk), data, signature) is False
        assert verify(algorithm, pair.public, cast(bytes, junk), signature) is False
    for other in ALGORITHMS:  # a key of another algorithm
        if other != algorithm:
            assert verify(algorithm, keys(other).public, data, signature) is False
    p384 = ec.generate_private_key(ec.SECP384R1())
    spki = p384.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    assert verify(algorithm, spki, data, p384.sign(data, ec.ECDSA(hashes.SHA256()))) is False


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@settings(max_examples=25, deadline=None)
@given(public=st.binary(max_size=100), signature=st.binary(max_size=100))
def test_verify_random_bytes_is_false(algorithm: str, public: bytes, signature: bytes) -> None:
    assert verify(algorithm, public, b"data", signature) is False
    assert verify(algorithm, keys(algorithm).public, b"data", signature) is False


def test_unknown_algorithm_raises() -> None:
    for call in (lambda: generate_keypair("rsa"), lambda: sign("SM2", keys("sm2").private, b""),
                 lambda: verify("ecdsa", keys("ecdsa-p256").public, b"", b"")):
        with pytest.raises(CryptoError, match="不支持的签名算法"):
            call()


@pytest.mark.parametrize(("algorithm", "private"), [
    ("sm2", b""), ("sm2", b"\x00" * 32), ("sm2", (SM2_N - 1).to_bytes(32, "big")), ("sm2", b"\x01" * 33),
    ("ecdsa-p256", b"junk"), ("ecdsa-p256", keys("ed25519").private),
    ("ed25519", b""), ("ed25519", keys("ecdsa-p256").private),
])
def test_malformed_private_keys_raise(algorithm: str, private: bytes) -> None:
    with pytest.raises(CryptoError):
        sign(algorithm, private, b"data")


def test_sign_refuses_non_bytes() -> None:
    with pytest.raises(TypeError):
        sign("ed25519", keys("ed25519").private, cast(bytes, 5))


@pytest.mark.parametrize(("algorithm", "examples"), [("sm2", 6), ("ecdsa-p256", 40), ("ed25519", 40)])
def test_random_documents_sign_and_a_flipped_byte_fails(algorithm: str, examples: int) -> None:
    pair = keys(algorithm)

    @settings(max_examples=examples, deadline=None)
    @given(data=st.binary(min_size=1, max_size=300), index=st.integers(min_value=0))
    def check(data: bytes, index: int) -> None:
        signature = sign(algorithm, pair.private, data)
        assert verify(algorithm, pair.public, data, signature)
        assert not verify(algorithm, pair.public, flip(data, index), signature)

    check()


# --- SM3 ------------------------------------------------------------------------------------------------

def test_sm3_test_vectors() -> None:
    # GB/T 32905-2016, appendix A
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


@settings(max_examples=15, deadline=None)
@given(data=st.binary(max_size=200))
def test_sm3_agrees_with_the_pure_python_implementation(data: bytes) -> None:
    h = gmalg.SM3()
    h.update(data)
    assert sm3(data) == h.value() == crypto._sm3_gmalg(data)
    assert len(sm3(data)) == 32


# --- private keys at rest -------------------------------------------------------------------------------

def test_encrypt_decrypt_round_trip() -> None:
    private = keys("ecdsa-p256").private
    blob = encrypt_private(private, "服务器密钥-secret")
    assert decrypt_private(blob, "服务器密钥-secret") == private
    assert private not in blob and blob[0] == 1 and len(blob) == 1 + 16 + 12 + len(private) + 16
    assert encrypt_private(private, "服务器密钥-secret") != blob  # fresh salt and nonce every time
    assert decrypt_private(encrypt_private(b"", "s"), "s") == b""


def test_wrong_secret_or_damaged_blob_raises() -> None:
    blob = encrypt_private(b"\x01" * 32, "right")
    with pytest.raises(CryptoError, match="无法解密私钥"):
        decrypt_private(blob, "wrong")
    for index in range(len(blob)):  # version byte, salt, nonce, ciphertext and tag are all covered
        with pytest.raises(CryptoError):
            decrypt_private(flip(blob, index), "right")
    for damaged in (blob[:-1], blob[:20], b"", blob + b"\x00"):
        with pytest.raises(CryptoError):
            decrypt_private(damaged, "right")
    with pytest.raises(CryptoError):
        decrypt_private(cast(bytes, "not bytes"), "right")
    with pytest.raises(CryptoError):
        encrypt_private(b"key", "")


# --- X.509 ----------------------------------------------------------------------------------------------

@functools.cache
def authority() -> tuple[bytes, bytes]:
    return new_authority("一网政务服务平台电子印章签发机构", "一网政务服务平台", now=NOW)


def leaf(**overrides: Any) -> tuple[bytes, bytes]:
    key_pem, cert_pem = authority()
    args: dict[str, Any] = {"common_name": "福州市市场监督管理局电子印章", "organization": "福州市市场监督管理局",
                            "uscc": USCC, "valid_from": NOW, "valid_until": NOW + dt.timedelta(days=3 * 365)}
    args.update(overrides)
    return issue_certificate(key_pem, cert_pem, **args)


def test_authority_certificate() -> None:
    key_pem, cert_pem = authority()
    cert = x509.load_pem_x509_certificate(cert_pem)
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    cert.verify_directly_issued_by(cert)  # self-signed
    assert cert.signature_hash_algorithm is not None and cert.signature_hash_algorithm.name == "sha256"
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "一网政务服务平台"
    assert cert_validity(cert_pem) == (NOW.replace(microsecond=0), NOW.replace(year=2045, microsecond=0))


def test_leaf_certificate_chains_to_the_authority() -> None:
    ca = x509.load_pem_x509_certificate(authority()[1])
    key_pem, cert_pem = leaf()
    cert = x509.load_pem_x509_certificate(cert_pem)
    cert.verify_directly_issued_by(ca)
    assert cert.issuer == ca.subject
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(key.sign(b"pdf bytes", ec.ECDSA(hashes.SHA256())), b"pdf bytes", ec.ECDSA(hashes.SHA256()))

    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign and not usage.value.key_encipherment
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and not basic.value.ca
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert DOC_SIGNING in eku and ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)

    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "福州市市场监督管理局电子印章"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "福州市市场监督管理局"
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == USCC
    assert cert_validity(cert_pem) == (NOW.replace(microsecond=0),
                                       (NOW + dt.timedelta(days=3 * 365)).replace(microsecond=0))
    assert cert.serial_number != x509.load_pem_x509_certificate(leaf()[1]).serial_number


def test_leaf_details() -> None:
    cert = x509.load_pem_x509_certificate(leaf(uscc=None, common_name="很长的名称" * 20)[1])
    assert not cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    # cut to 64 UTF-8 bytes, between characters (21 of them here)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ("很长的名称" * 5)[:21]
    # validity is capped at the authority's own
    start, end = cert_validity(leaf(valid_until=NOW + dt.timedelta(days=365 * 30))[1])
    assert end == cert_validity(authority()[1])[1]
    for start_, end_ in cert_validity(authority()[1]), (start, end):
        assert start_.tzinfo is dt.UTC and end_.tzinfo is dt.UTC


def test_issue_certificate_refuses_bad_input() -> None:
    key_pem, cert_pem = authority()
    other_key, _ = new_authority("其他机构", "其他", now=NOW)
    args: dict[str, Any] = {"common_name": "印章", "organization": "单位", "uscc": None, "valid_from": NOW,
                            "valid_until": NOW + dt.timedelta(days=1)}
    with pytest.raises(CryptoError, match="不匹配"):
        issue_certificate(other_key, cert_pem, **args)
    with pytest.raises(CryptoError):
        issue_certificate(b"junk", cert_pem, **args)
    with pytest.raises(CryptoError):
        issue_certificate(key_pem, cert_pem, **(args | {"valid_until": NOW}))
    with pytest.raises(CryptoError):
        issue_certificate(key_pem, cert_pem, **(args | {"organization": "  "}))
    with pytest.raises(ValueError, match="timezone-aware"):
        issue_certificate(key_pem, cert_pem, **(args | {"valid_from": NOW.replace(tzinfo=None)}))


def test_cert_sha256_is_the_der_fingerprint() -> None:
    cert_pem = authority()[1]
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    assert cert_sha256(cert_pem) == hashlib.sha256(der).hexdigest()
    with pytest.raises(CryptoError):
        cert_sha256(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")


# --- seal signatures ------------------------------------------------------------------------------------

DOCUMENT = json.dumps({"license_no": "350100-2025-0001", "holder": "张三"}, ensure_ascii=False).encode()


@functools.cache
def sealed(algorithm: str) -> dict[str, Any]:
    return seal_signature(algorithm=algorithm, private=keys(algorithm).private, seal_code="35010000000001",
                          seal_name="福州市市场监督管理局", document=DOCUMENT, signed_at=NOW, cert_sha256="ab" * 32)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_seal_signature_round_trip(algorithm: str) -> None:
    sig = sealed(algorithm)
    assert set(sig) == {"version", "seal", "seal_name", "alg", "digest_alg", "digest", "signed_at", "cert",
                        "sig"}
    assert sig["version"] == 1 and sig["alg"] == algorithm and sig["digest_alg"] == "SM3"
    assert sig["digest"] == sm3(DOCUMENT).hex()
    assert dt.datetime.fromisoformat(sig["signed_at"]) == NOW
    assert sig["cert"] == "ab" * 32 and sig["seal"] == "35010000000001"
    covered = json.dumps({k: v for k, v in sig.items() if k != "sig"}, sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False).encode("utf-8")
    assert verify(algorithm, keys(algorithm).public, covered, base64.b64decode(sig["sig"]))
    assert verify_seal_signature(sig, public=keys(algorithm).public, document=DOCUMENT) == []
    # the record survives a JSON round trip (how it is stored)
    assert verify_seal_signature(json.loads(json.dumps(sig)), public=keys(algorithm).public,
                                 document=DOCUMENT) == []


def test_signed_at_is_utc_with_microseconds() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    sig = seal_signature(algorithm="ed25519", private=keys("ed25519").private, seal_code="1", seal_name="印",
                         document=b"", signed_at=NOW.astimezone(shanghai), cert_sha256="")
    assert sig["signed_at"] == "2025-03-01T08:30:15.123456+00:00"
    with pytest.raises(ValueError):
        seal_signature(algorithm="ed25519", private=keys("ed25519").private, seal_code="1", seal_name="印",
                       document=b"", signed_at=NOW.replace(tzinfo=None), cert_sha256="")


def _resign_free_changes() -> list[tuple[str, Any, str]]:
    other_time = (NOW + dt.timedelta(seconds=1)).isoformat()
    return [
        ("digest", sm3(b"another document").hex(), "文档摘要不符（内容已被改动）"),
        ("digest", "00", "文档摘要不符（内容已被改动）"),
        ("seal", "35010000000002", "印章签名无效"),
        ("seal_name", "福州市财政局", "印章签名无效"),
        ("signed_at", other_time, "印章签名无效"),
        ("signed_at", "yesterday", "签章时间格式不正确"),
        ("cert", "cd" * 32, "印章签名无效"),
        ("sig", None, "印章签名无效"),  # one flipped bit, filled in below
        ("sig", "@@not base64@@", "印章签名无效"),
        ("sig", "", "印章签名无效"),
        ("extra", "added field", "印章签名无效"),
        ("alg", "rsa", "签章算法不受支持"),
        ("version", 2, "签章版本不受支持"),
        ("digest_alg", "SHA256", "摘要算法不受支持"),
    ]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize(("field", "value", "reason"), _resign_free_changes())
def test_every_field_change_is_caught(algorithm: str, field: str, value: Any, reason: str) -> None:
    sig = dict(sealed(algorithm))
    if field == "sig" and value is None:
        value = base64.b64encode(flip(base64.b64decode(sig["sig"]), 20)).decode()
    sig[field] = value
    problems = verify_seal_signature(sig, public=keys(algorithm).public, document=DOCUMENT)
    assert reason in problems


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_changed_document_wrong_key_or_switched_algorithm(algorithm: str) -> None:
    sig = sealed(algorithm)
    assert verify_seal_signature(sig, public=keys(algorithm).public, document=DOCUMENT + b" ") \
        == ["文档摘要不符（内容已被改动）"]
    assert verify_seal_signature(sig, public=other_keys(algorithm).public, document=DOCUMENT) == ["印章签名无效"]
    other = next(a for a in ALGORITHMS if a != algorithm)
    assert verify_seal_signature(sig | {"alg": other}, public=keys(other).public, document=DOCUMENT) \
        == ["印章签名无效"]


MALFORMED: list[Any] = [
    None, "text", [], {}, {"sig": "x"},
    {**{k: "" for k in ("seal", "seal_name", "alg", "digest_alg", "digest", "signed_at", "cert", "sig")},
     "version": "1"},
    {**{k: "" for k in ("seal", "seal_name", "alg", "digest_alg", "digest", "signed_at", "cert", "sig")},
     "version": True},
]


def test_malformed_records_are_reported_not_raised() -> None:
    public = keys("ed25519").public
    for record in MALFORMED:
        assert verify_seal_signature(cast(dict[str, Any], record), public=public, document=DOCUMENT) \
            == ["签章数据不完整"]
    sig = dict(sealed("ed25519"))
    for field in sig:
        broken = {k: v for k, v in sig.items() if k != field}
        assert verify_seal_signature(broken, public=public, document=DOCUMENT) == ["签章数据不完整"]
        assert verify_seal_signature(sig | {field: 12.5}, public=public, document=DOCUMENT) == ["签章数据不完整"]
    assert verify_seal_signature(sig | {"extra": {1, 2}}, public=public, document=DOCUMENT) == ["印章签名无效"]
    assert verify_seal_signature(sig, public=cast(bytes, "junk"), document=DOCUMENT) == ["印章签名无效"]
    assert verify_seal_signature(sig, public=public, document=cast(bytes, None)) == ["待验证的文档数据无效"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)


@settings(max_examples=30, deadline=None)
@given(changes=st.dictionaries(st.sampled_from(sorted(sealed("ed25519"))) | st.text(max_size=5), json_values,
                               min_size=1, max_size=4))
def test_random_records_never_raise(changes: dict[str, Any]) -> None:
    sig = sealed("ed25519") | changes
    problems = verify_seal_signature(sig, public=keys("ed25519").public, document=DOCUMENT)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
    if sig != sealed("ed25519"):
        assert problems


@pytest.mark.parametrize(("algorithm", "examples"), [("sm2", 5), ("ecdsa-p256", 30), ("ed25519", 30)])
def test_random_documents_seal_and_a_flipped_byte_fails(algorithm: str, examples: int) -> None:
    pair = keys(algorithm)

    @settings(max_examples=examples, deadline=None)
    @given(document=st.binary(min_size=1, max_size=2000), index=st.integers(min_value=0),
           seal_name=st.text(min_size=1, max_size=20))
    def check(document: bytes, index: int, seal_name: str) -> None:
        sig = seal_signature(algorithm=algorithm, private=pair.private, seal_code="S1", seal_name=seal_name,
                             document=document, signed_at=NOW, cert_sha256="")
        assert verify_seal_signature(sig, public=pair.public, document=document) == []
        assert verify_seal_signature(sig, public=pair.public, document=flip(document, index)) \
            == ["文档摘要不符（内容已被改动）"]

    check()
