"""License PDFs: the rendered page (text, embedded font, one page whatever the values), the PAdES signature
with its embedded license.json, and the offline check of uploaded files — tampered, appended to, signed by a
stranger, or not a PDF at all. poppler's pdfsig, an independent verifier, must agree where it is installed."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from dataclasses import dataclass, replace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from yiwang.core import fonts
from yiwang.licenses import pdf

SEAL_CN = "广州市天河区市场监督管理局电子印章"
PAYLOAD = '{"license_id": "L8Kq3xYz", "holder": "广州市天河区好味道餐饮有限公司"}'.encode()


# --- a throwaway PKI, made here so these tests do not depend on the seal registry ---------------------

@dataclass(frozen=True)
class Pki:
    ca_pem: bytes
    key_pem: bytes
    cert_pem: bytes


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _cert(subject: str, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, issuer: x509.Name,
          issuer_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    usage = x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                          encipher_only=False, decipher_only=False)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(issuer if not ca else name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(issuer_key, hashes.SHA256()))


def _pki(ca_name: str = "测试电子印章根证书", *, use_rsa: bool = False) -> Pki:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert(ca_name, ca_key, x509.Name([]), ca_key, ca=True)
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048) if use_rsa
        else ec.generate_private_key(ec.SECP256R1()))
    leaf = _cert(SEAL_CN, key, ca.subject, ca_key, ca=False)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return Pki(ca_pem=_pem(ca), key_pem=key_pem, cert_pem=_pem(leaf))


def _doc(**changes: object) -> pdf.LicenseDocument:
    doc = pdf.LicenseDocument(
        license_id="L8Kq3xYz",
        title="食品经营许可证",
        identifier="1.2.156.3005.2.11440104MA5D00016500001.91440104MA5D000165.00001.001.K",
        holder_name="广州市天河区好味道餐饮有限公司",
        holder_code="91440104MA5D000165",
        fields=[("经营场所", "广州市天河区天河路123号首层101铺"), ("主体业态", "餐饮服务经营者（中型餐馆）"),
                ("经营项目", "热食类食品制售；冷食类食品制售"), ("法定代表人", "张三")],
        valid_from=dt.date(2024, 3, 1),
        valid_until=dt.date(2029, 2, 28),
        issuer="广州市天河区市场监督管理局",
        issued_on=dt.date(2024, 3, 1),
        seal_name="广州市天河区市场监督管理局",
        seal_caption="电子印章",
        verify_url="https://zwfw.example.gov.cn/v/L8Kq3xYz",
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return _pki()


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return pdf.render(_doc())


@pytest.fixture(scope="module")
def signed(pki: Pki, unsigned: bytes) -> bytes:
    return pdf.sign(unsigned, key_pem=pki.key_pem, cert_pem=pki.cert_pem, chain_pems=[pki.ca_pem],
                    attachment=PAYLOAD)


def _pages(data: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Count"])


def _words(data: bytes) -> list[tuple[float, float, float, float, str]] | None:
    """Every word pdftotext finds with its box (top-left origin, points); None without poppler."""
    if not shutil.which("pdftotext"):
        return None
    html = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True, timeout=60).stdout.decode("utf-8")
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
            re.findall(r'<word xMin="(-?[\d.]+)" yMin="(-?[\d.]+)" xMax="(-?[\d.]+)" yMax="(-?[\d.]+)">([^<]*)</word>', html)]


def _tamper(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new)
    at = data.index(old)
    assert at < data.index(b"/Contents <")  # inside the first signed byte range
    return data[:at] + new + data[at + len(old):]


# --- render ------------------------------------------------------------------------------------------

def test_render_gives_one_page_with_the_license_text_in_the_embedded_font(unsigned: bytes) -> None:
    assert unsigned.startswith(b"%PDF")
    assert _pages(unsigned) == 1
    if fonts.font_name() == fonts.FONT_NAME:
        assert b"/FontFile2" in unsigned  # the TrueType subset travels inside the file
        assert re.search(rb"/BaseFont /[A-Z]{6}\+", unsigned)
    words = _words(unsigned)
    if words is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the license text is not checked")
    text = "".join(w for *_, w in words)
    doc = _doc()
    for expected in (doc.title, doc.holder_name, doc.holder_code, doc.identifier, "有效期限", "2029年2月28日",
                     "发证机关", "2024年3月1日", "扫码核验真伪", f"证照编号{doc.license_id}"):
        assert expected in text, expected


def test_render_sets_the_document_metadata(unsigned: bytes) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    info = PdfFileReader(io.BytesIO(unsigned)).trailer["/Info"]
    assert str(info["/Title"]) == "食品经营许可证"
    assert str(info["/Author"]) == "广州市天河区市场监督管理局"
    assert str(info["/Subject"]) == _doc().identifier


def _on_the_page(data: bytes) -> str | None:
    """Check every word lies inside the page's frame; the page's text, or None without poppler."""
    assert _pages(data) == 1
    words = _words(data)
    if words is None:
        return None
    width, height, frame = 595.28, 841.89, 13 * 72 / 25.4
    for x0, y0, x1, y1, word in words:
        assert frame <= x0 and x1 <= width - frame and frame <= y0 and y1 <= height - frame, word
    return "".join(w for *_, w in words)


def test_very_long_values_stay_on_the_one_page() -> None:
    doc = _doc(fields=[("经营项目", "热食类食品制售；冷食类食品制售；" * 600), ("备注", "A" * 3000),
                       *[(f"附加事项{i}", "内容" * 20) for i in range(8)]],
               holder_name="某某" * 80, issuer="某某省某某市某某区某某街道某某社区" * 6, valid_until=None,
               title="中华人民共和国道路运输经营许可证（危险货物运输、普通货物运输、国际道路运输）")
    text = _on_the_page(pdf.render(doc))
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: text positions are not checked")
    for expected in ("2024年3月1日至长期", "附加事项7", doc.title, doc.issuer, f"证照编号{doc.license_id}"):
        assert expected in text, expected


def test_too_many_rows_keep_the_holder_and_the_validity() -> None:
    doc = _doc(fields=[(f"附加事项{i}", "内容" * 40) for i in range(60)])
    text = _on_the_page(pdf.render(doc))
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: text positions are not checked")
    for expected in ("持证主体", "证件号码", "附加事项0", "未能在本页列出", "有效期限", "2029年2月28日"):
        assert expected in text, expected


# --- sign and inspect --------------------------------------------------------------------------------

def test_signed_license_checks_out_with_its_attachment(pki: Pki, signed: bytes) -> None:
    check = pdf.inspect(signed, trust_pems=[pki.ca_pem])
    assert check.ok, check.reasons
    assert (check.signed, check.intact, check.trusted, check.reasons) == (True, True, True, [])
    assert check.signer == SEAL_CN
    assert check.attachment == PAYLOAD
    assert check.signed_at is not None and check.signed_at.tzinfo is not None
    assert abs(check.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=10)
    assert b"/ETSI.CAdES.detached" in signed

    from pyhanko.pdf_utils.reader import PdfFileReader

    (sig,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert sig.field_name == "Seal"
    embedded = {c.chosen.subject.native["common_name"] for c in sig.signed_data["certificates"]}
    assert embedded == {SEAL_CN, "测试电子印章根证书"}  # the chain travels in the CMS


def test_rsa_keys_sign_too(unsigned: bytes) -> None:
    rsa_pki = _pki(use_rsa=True)
    data = pdf.sign(unsigned, key_pem=rsa_pki.key_pem, cert_pem=rsa_pki.cert_pem, chain_pems=[rsa_pki.ca_pem],
                    field_name="Seal2", reason="", location="广州")
    check = pdf.inspect(data, trust_pems=[rsa_pki.ca_pem])
    assert check.ok, check.reasons
    assert check.attachment is None


def test_a_foreign_root_is_not_trusted(signed: bytes) -> None:
    check = pdf.inspect(signed, trust_pems=[_pki("别的根证书").ca_pem])
    assert check.signed and check.intact and not check.trusted and not check.ok
    assert check.reasons == [pdf.R_FOREIGN]
    assert check.signer == SEAL_CN
    assert not pdf.inspect(signed, trust_pems=[]).trusted


def test_a_flipped_byte_in_the_signed_range_breaks_the_signature(pki: Pki, signed: bytes) -> None:
    forged = _tamper(signed, b"MA5D000165", b"MA5D000166")  # the holder's code in the document metadata
    check = pdf.inspect(forged, trust_pems=[pki.ca_pem])
    assert check.signed and not check.intact and not check.trusted and not check.ok
    assert pdf.R_BROKEN in check.reasons


def test_anything_appended_after_signing_is_reported(pki: Pki, signed: bytes) -> None:
    check = pdf.inspect(signed + b"\n% appended\n", trust_pems=[pki.ca_pem])
    assert check.signed and check.trusted and not check.intact and not check.ok
    assert check.reasons == [pdf.R_APPENDED]

    from pyhanko.pdf_utils import embed, generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    # a well-formed incremental update that swaps the embedded data and retitles the document
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    info = writer.trailer["/Info"].get_object()
    info["/Title"] = generic.TextStringObject("伪造的许可证")
    writer.update_container(info)
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    fake = embed.EmbeddedFileObject.from_file_data(writer, data=b'{"forged": true}', mime_type="application/json")
    names[1].get_object()["/EF"] = generic.DictionaryObject({generic.pdf_name("/F"): fake.ef_stream_ref,
                                                             generic.pdf_name("/UF"): fake.ef_stream_ref})
    writer.update_container(names[1].get_object())
    out = io.BytesIO()
    writer.write(out)
    check = pdf.inspect(out.getvalue(), trust_pems=[pki.ca_pem])
    assert check.signed and not check.intact and not check.ok
    assert pdf.R_APPENDED in check.reasons
    assert check.attachment is None  # a file changed after signing is not unpacked at all


@pytest.mark.parametrize("data", [b"", b"hello, world", b"%PDF-1.7\n" + b"\x00garbage" * 50,
                                  b"\x89PNG\r\n\x1a\n" + b"\x00" * 100])
def test_garbage_is_not_a_license(data: bytes, pki: Pki) -> None:
    check = pdf.inspect(data, trust_pems=[pki.ca_pem])
    assert not check.ok and not check.signed
    assert check.reasons == [pdf.R_NOT_PDF]


def test_a_truncated_signed_file_is_not_ok(pki: Pki, signed: bytes) -> None:
    for cut in (len(signed) // 3, len(signed) - 200, len(signed) - 1):
        check = pdf.inspect(signed[:cut], trust_pems=[pki.ca_pem])
        assert not check.ok and check.reasons


def test_an_unsigned_pdf_is_not_ok(pki: Pki, unsigned: bytes) -> None:
    check = pdf.inspect(unsigned, trust_pems=[pki.ca_pem])
    assert (check.signed, check.intact, check.trusted, check.ok) == (False, False, False, False)
    assert check.reasons == [pdf.R_UNSIGNED]


# --- an independent verifier -------------------------------------------------------------------------

def _pdfsig(data: bytes, tmp_path: object) -> str:
    from pathlib import Path

    path = Path(str(tmp_path)) / "license.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, timeout=60)
    return (done.stdout + done.stderr).decode("utf-8", "replace")


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig (poppler-utils) is not installed")
def test_pdfsig_agrees(signed: bytes, tmp_path: object) -> None:
    report = _pdfsig(signed, tmp_path)
    assert "Signature is Valid." in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report

    report = _pdfsig(_tamper(signed, b"MA5D000165", b"MA5D000166"), tmp_path)
    assert "Signature is Valid." not in report
    assert "Signature is Invalid" in report or "Digest Mismatch" in report

    assert "Not total document signed" in _pdfsig(signed + b"\n% appended\n", tmp_path)


def test_attachments_inflate_only_up_to_the_limit() -> None:
    import zlib

    from pyhanko.pdf_utils import generic

    def flate(payload: bytes) -> generic.StreamObject:
        return generic.StreamObject({generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode")},
                                    encoded_data=zlib.compress(payload, 9))

    assert pdf._bounded_data(flate(b'{"ok": 1}')) == b'{"ok": 1}'
    bomb = flate(b"\0" * (pdf.MAX_ATTACHMENT + 10))
    assert len(bomb.encoded_data) < 20_000 and pdf._bounded_data(bomb) is None
    odd = generic.StreamObject({generic.pdf_name("/Filter"): generic.pdf_name("/LZWDecode")}, encoded_data=b"x")
    assert pdf._bounded_data(odd) is None
