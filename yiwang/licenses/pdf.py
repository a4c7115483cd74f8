"""License PDFs: render the printable license, seal it with a PAdES signature, and check an uploaded one.

A license PDF is one A4 page: the title, the GB/T 36904 identifier, a table of the holder and the template
fields, the issuing department with the date under a red seal picture, and a QR code that leads to the
online check. The picture is only what people see; what makes the file trustworthy is the digital signature
that ``sign`` adds as an incremental update (PAdES B-B: SubFilter ETSI.CAdES.detached, no timestamp server,
nothing fetched over the network). The license's data travels inside the file as an embedded
``license.json`` written in the same revision that is signed, so the signature covers the data as well.

``inspect`` is the offline check of a file someone uploads: it never raises, and it answers with plain
Chinese reasons. A file counts only if its last signature covers the *whole* file (anything appended after
signing, even a harmless-looking incremental update, is reported) and the signer certificate chains to one of
the platform's own roots; revocation is not checked and no certificate is fetched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from yiwang.core.fonts import font_name
from yiwang.seals.picture import draw_seal

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

PLATFORM = "一网政务服务平台"
ATTACHMENT_NAME = "license.json"
MAX_ATTACHMENT = 4 * 1024 * 1024  # a license's data is a few kilobytes; anything huge is not ours

R_NOT_PDF = "文件不是有效的 PDF"
R_ENCRYPTED = "文件已加密，无法核验"
R_UNSIGNED = "文件未签章"
R_BROKEN = "签章无效或文件内容已被改动"
R_APPENDED = "签章后文件被追加修改"
R_FOREIGN = "签章证书不是本平台签发"
R_EXPIRED = "签章证书已过期或尚未生效"
R_REVOKED = "签章证书已被吊销"
R_USAGE = "签章证书不可用于签章"


class CheckUnavailable(Exception):
    """The checker itself failed (not the file): the answer is "could not verify", never "forged"."""


def _internal(exc: BaseException) -> bool:
    """Whether an exception raised while checking a file is the checker's own failure rather than the file's:
    a missing module, an I/O or memory failure, or a runtime error such as running the validator inside an
    event loop. A hostile file's parser errors (value, key, type, recursion, not implemented…) are answers."""
    if isinstance(exc, (RecursionError, NotImplementedError)):
        return False
    return isinstance(exc, (RuntimeError, ImportError, OSError, MemoryError))


@dataclass(frozen=True)
class LicenseDocument:
    license_id: str  # public id, printed small at the bottom
    title: str  # the license type name, e.g. 食品经营许可证
    identifier: str  # GB/T 36904 identifier
    holder_name: str
    holder_code: str  # ID number or unified social credit code, printed in full
    fields: list[tuple[str, str]]  # (label, value) rows from the license template, in order
    valid_from: dt.date
    valid_until: dt.date | None  # None: long-term (长期)
    issuer: str  # issuing department name
    issued_on: dt.date
    seal_name: str  # text along the seal's arc
    seal_caption: str  # text under the star
    verify_url: str  # what the QR code encodes


@dataclass(frozen=True)
class PdfCheck:
    signed: bool  # has at least one signature
    intact: bool  # every signature is cryptographically valid and the last one covers the whole file
    trusted: bool  # every signature is valid and its signer certificate chains to one of the given roots
    signer: str | None  # common name of the (last) signer certificate
    signed_at: dt.datetime | None  # signing time as the signer reported it
    attachment: bytes | None  # the embedded license.json of the signed revision, if present
    reasons: list[str] = field(default_factory=list)  # empty when ok; otherwise short Chinese reasons

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.trusted


def date_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def validity_words(valid_from: dt.date, valid_until: dt.date | None) -> str:
    return f"{date_words(valid_from)} 至 {date_words(valid_until) if valid_until else '长期'}"


# --- render ------------------------------------------------------------------------------------------

_INK = "#1a1a1a"
_FRAME = "#9b1c1c"
_GREY = "#555555"


def render(doc: LicenseDocument) -> bytes:
    """The unsigned license: one A4 page, Chinese text in the embedded font."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    font = font_name()
    width, height = A4
    left, right = 26 * mm, width - 26 * mm
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, lang="zh-CN", initialFontName=font)
    c.setTitle(doc.title)
    c.setAuthor(doc.issuer)
    c.setSubject(doc.identifier)
    c.setCreator(PLATFORM)
    c.setKeywords(f"电子证照 {doc.identifier}")

    # a double frame, as printed licenses have
    c.setStrokeColor(HexColor(_FRAME))
    c.setLineWidth(2.2)
    c.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)
    c.setLineWidth(0.6)
    c.rect(15.5 * mm, 15.5 * mm, width - 31 * mm, height - 31 * mm)

    c.setFillColor(HexColor(_INK))
    top = _title(c, doc.title, font, width / 2, height - 42 * mm, right - left)
    c.setFillColor(HexColor(_GREY))
    top = _centred_lines(c, f"证照标识：{doc.identifier}", font, 9, 7, width / 2, top - 9 * mm, right - left)

    # the issuer block at lower right, with the seal over it; the table must end above the seal
    block_bottom = 42 * mm
    issuer_h = _issuer_block(c, doc, font, right, block_bottom, 100 * mm)
    seal_r = 21 * mm
    seal_cy = block_bottom + issuer_h / 2
    table_floor = max(seal_cy + seal_r, 72 * mm) + 6 * mm
    _table(c, doc, font, left, top - 8 * mm, right - left, table_floor)
    draw_seal(c, right - 24 * mm, seal_cy, seal_r, doc.seal_name, doc.seal_caption, font)

    qr_size = 30 * mm
    _qr(c, doc.verify_url, left, 29 * mm, qr_size)
    c.setFillColor(HexColor(_INK))
    c.setFont(font, 9)
    c.drawCentredString(left + qr_size / 2, 24 * mm, "扫码核验真伪")

    c.setFillColor(HexColor(_GREY))
    _centred_lines(c, f"本证照由{doc.issuer}依法签发，具有与纸质证照同等法律效力 · 证照编号 {doc.license_id}",
                   font, 8, 6, width / 2, 19 * mm, width - 40 * mm, downwards=False)
    c.showPage()
    c.save()
    return buf.getvalue()


def _title(c: Canvas, title: str, font: str, x: float, y: float, room: float) -> float:
    """The title, spaced out when short and shrunk (then wrapped) when long; returns the last baseline."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = 28.0
    spacing = size * 0.25 if len(title) <= 10 else 0.0
    while size > 16 and stringWidth(title, font, size) + spacing * (len(title) - 1) > room:
        size -= 1
        spacing = 0.0
    if stringWidth(title, font, size) > room:
        return _centred_lines(c, title, font, size, size, x, y, room)
    c.setFont(font, size)
    c.drawCentredString(x, y, title, charSpace=spacing)
    return y


def _centred_lines(c: Canvas, text: str, font: str, size: float, smallest: float, x: float, y: float,
                   room: float, *, downwards: bool = True) -> float:
    """Centred text that shrinks to ``smallest`` and then wraps; the first line sits on ``y`` and the others
    go down (or, with ``downwards=False``, the last line sits on ``y`` and the others go up). Returns the
    baseline of the lowest line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > smallest and stringWidth(text, font, size) > room:
        size -= 0.5
    lines = _split(text, font, size, room)
    leading = size * 1.35
    if not downwards:
        y += leading * (len(lines) - 1)
    c.setFont(font, size)
    for i, line in enumerate(lines):
        c.drawCentredString(x, y - i * leading, line)
    return y - leading * (len(lines) - 1)


def _split(text: str, font: str, size: float, room: float) -> list[str]:
    """Lines no wider than ``room``, broken between any two characters: Chinese has no spaces to break at
    (reportlab's simpleSplit only breaks at spaces)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    line, width = "", 0.0
    for ch in text:
        w = stringWidth(ch, font, size)
        if line and width + w > room:
            lines.append(line.rstrip())
            line, width = ("", 0.0) if ch == " " else (ch, w)
        else:
            line, width = line + ch, width + w
    if line or not lines:
        lines.append(line)
    return lines


def _para(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def _issuer_block(c: Canvas, doc: LicenseDocument, font: str, right: float, bottom: float, room: float) -> float:
    """发证机关 and 发证日期, right-aligned above ``bottom``; returns the block's height."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    style = ParagraphStyle("issuer", fontName=font, fontSize=12, leading=20, alignment=TA_RIGHT, wordWrap="CJK",
                           textColor=HexColor(_INK))
    para = Paragraph(f"发证机关：{_para(doc.issuer)}<br/>发证日期：{_para(date_words(doc.issued_on))}", style)
    _, h = para.wrap(room, 200)
    para.drawOn(c, right - room, bottom)
    return float(h)


def _table(c: Canvas, doc: LicenseDocument, font: str, x: float, top: float, room: float, floor: float) -> None:
    """The license's rows between ``top`` and ``floor``. The font shrinks until they fit; then very long
    values are cut short; a template with too many rows loses its last fields (saying so, and never the holder
    or the validity), so nothing ever runs off the page. The attached license.json always has everything."""
    head = [("持证主体", doc.holder_name), ("证件号码", doc.holder_code)]
    tail = [("有效期限", validity_words(doc.valid_from, doc.valid_until))]
    rows = [*head, *doc.fields, *tail]
    avail = top - floor
    longest = max(len(v) for _, v in rows)
    for limit in (None, 2000, 800, 300, 120, 40):
        if limit is not None and limit >= longest:
            continue  # cutting at this length would change nothing
        cut = [(k, v if limit is None or len(v) <= limit else v[:limit] + "……") for k, v in rows]
        for size in (12.0, 11.0, 10.0, 9.0, 8.0, 7.0):
            if _try_table(c, cut, font, size, x, top, room, avail, draw=True):
                return
    log.warning("license %s: %d rows do not fit on the page", doc.license_id, len(rows))

    def shortened(keep: int) -> list[tuple[str, str]]:
        left_out = len(doc.fields) - keep
        return [*[(k, v[:40]) for k, v in [*head, *doc.fields[:keep]]],
                ("……", f"另有{left_out}项内容未能在本页列出，以电子证照数据为准"), *tail]

    lo, hi = 0, len(doc.fields) - 1  # the most fields that still fit, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _try_table(c, shortened(mid), font, 7.0, x, top, room, avail) else (lo, mid - 1)
    _try_table(c, shortened(lo), font, 7.0, x, top, room, avail, draw=True)


def _try_table(c: Canvas, rows: list[tuple[str, str]], font: str, size: float, x: float, top: float, room: float,
               avail: float, *, draw: bool = False) -> bool:
    """Whether the rows fit in ``avail`` points of height at this font size; with ``draw``, draw them if so."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    cell = ParagraphStyle("cell", fontName=font, fontSize=size, leading=size * 1.45, wordWrap="CJK",
                          textColor=HexColor(_INK))
    label = ParagraphStyle("label", parent=cell, textColor=HexColor("#333333"))
    pad = size * 0.45
    table = Table([[Paragraph(_para(k), label), Paragraph(_para(v), cell)] for k, v in rows],
                  colWidths=[32 * mm, room - 32 * mm])
    table.setStyle(TableStyle([
        # a table sets each cell's font on the canvas (reportlab's default: Helvetica, never embedded)
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.5, HexColor("#8a8a8a")),
        ("BACKGROUND", (0, 0), (0, -1), HexColor("#f7f1ea")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]))
    _, h = table.wrapOn(c, room, avail)
    if h > avail:
        return False
    if draw:
        table.drawOn(c, x, top - h)
    return True


def _qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (one path, a rectangle per run of dark modules)."""
    import segno
    from reportlab.lib.colors import black

    qr = segno.make_qr(data, error="m")
    matrix = qr.matrix
    n = len(matrix)
    unit = size / n
    c.saveState()
    c.setFillColor(black)
    path = c.beginPath()
    for row, line in enumerate(matrix):
        col = 0
        while col < n:
            if line[col]:
                start = col
                while col < n and line[col]:
                    col += 1
                # a hair wider than the module so neighbouring runs do not show seams when rasterised
                path.rect(x + start * unit, y + size - (row + 1) * unit, (col - start) * unit, unit * 1.02)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


# --- sign --------------------------------------------------------------------------------------------

def sign(pdf: bytes, *, key_pem: bytes, cert_pem: bytes, chain_pems: list[bytes], attachment: bytes | None = None,
         attachment_name: str = ATTACHMENT_NAME, reason: str = "电子证照签章", location: str = "",
         field_name: str = "Seal") -> bytes:
    """Add a PAdES B-B signature in an invisible field, in one incremental revision that also embeds
    ``attachment`` (if given), so the signature covers the attached data. Keys stay in memory."""
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from yiwang.core import clock

    certs = list(load_certs_from_pemder_data(cert_pem))
    if len(certs) != 1:
        raise ValueError("cert_pem must hold exactly one certificate")
    chain = [cert for pem in chain_pems for cert in load_certs_from_pemder_data(pem)]
    signer = signers.SimpleSigner(
        signing_cert=certs[0],
        signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs([certs[0], *chain]),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if attachment is not None:
        now = clock.now()
        stream = embed.EmbeddedFileObject.from_file_data(
            writer, data=attachment, mime_type="application/json",
            params=embed.EmbeddedFileParams(creation_date=now, modification_date=now))
        embed.embed_file(writer, embed.FileSpec(file_spec_string=attachment_name, file_name=attachment_name,
                                                embedded_data=stream, description="电子证照数据"))
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason or None, location=location or None,
                                        md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


# --- inspect -----------------------------------------------------------------------------------------

def inspect(data: bytes, *, trust_pems: list[bytes]) -> PdfCheck:
    """Check an uploaded license file offline. A malformed or hostile file is a failed check; only a failure of
    the checker itself (see ``_internal``) raises ``CheckUnavailable``. Must not be called from a thread that
    runs an event loop (the signature validator runs its own): use a worker thread there."""
    if not data or b"%PDF-" not in data[:1024]:
        return _failed([R_NOT_PDF])
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop in this thread: the validator can run its own
    else:
        log.error("license PDF check called inside a running event loop")
        raise CheckUnavailable("inspect() called inside a running event loop")
    try:
        return _inspect(data, trust_pems)
    except CheckUnavailable:
        raise
    except Exception as exc:  # any parser failure on a hostile file is an answer, not an error
        if _internal(exc):
            log.error("uploaded PDF could not be checked", exc_info=True)
            raise CheckUnavailable(str(exc)) from exc
        log.info("uploaded PDF could not be checked", exc_info=True)
        return _failed([R_NOT_PDF])


def _failed(reasons: list[str]) -> PdfCheck:
    return PdfCheck(signed=False, intact=False, trusted=False, signer=None, signed_at=None, attachment=None,
                    reasons=reasons)


def _inspect(data: bytes, trust_pems: list[bytes]) -> PdfCheck:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data))
        reader.root  # noqa: B018 - parsing the catalog is what tells a PDF from anything else
    except Exception:
        log.info("uploaded file is not a readable PDF", exc_info=True)
        return _failed([R_NOT_PDF])
    if reader.encrypted:
        return _failed([R_ENCRYPTED])
    try:
        sigs = reader.embedded_regular_signatures
    except Exception:
        log.info("signature fields of an uploaded PDF could not be read", exc_info=True)
        return PdfCheck(signed=True, intact=False, trusted=False, signer=None, signed_at=None, attachment=None,
                        reasons=[R_BROKEN])
    if not sigs:  # an unsigned file's attachment is nobody's word: never read (or inflate) it
        return PdfCheck(signed=False, intact=False, trusted=False, signer=None, signed_at=None,
                        attachment=None, reasons=[R_UNSIGNED])

    context = ValidationContext(trust_roots=_roots(trust_pems), allow_fetching=False, revocation_mode="soft-fail")
    # seal certificates carry digitalSignature and/or nonRepudiation; either one will do
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    reasons: list[str] = []
    intact = trusted = True
    last = sigs[-1]
    signer: str | None = None
    signed_at: dt.datetime | None = None
    for sig in sigs:
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context, key_usage_settings=usage)
        except Exception as exc:
            if _internal(exc):
                log.error("the signature validator failed", exc_info=True)
                raise CheckUnavailable(str(exc)) from exc
            log.info("a signature of an uploaded PDF could not be validated", exc_info=True)
            intact = trusted = False
            _add(reasons, R_BROKEN)
            continue
        if not (status.intact and status.valid):
            intact = trusted = False
            _add(reasons, R_BROKEN)
            continue
        enough = SignatureCoverageLevel.ENTIRE_FILE if sig is last else SignatureCoverageLevel.ENTIRE_REVISION
        if status.coverage is None or status.coverage < enough or status.docmdp_ok is False:
            intact = False
            _add(reasons, R_APPENDED)
        if not status.trusted:
            trusted = False
            _add(reasons, _trust_reason(status))
        if sig is last:
            signed_at = status.signer_reported_dt or sig.self_reported_timestamp
    try:
        cn = last.signer_cert.subject.native.get("common_name")
        signer = cn if isinstance(cn, str) else None
    except Exception:
        signer = None
    attachment = None
    if intact and trusted:  # only a file our authority signed is worth unpacking (and it cannot be a bomb)
        try:
            attachment = _attachment(reader.get_historical_root(last.signed_revision))
        except Exception:
            log.info("the attachment of an uploaded PDF could not be read", exc_info=True)
    return PdfCheck(signed=True, intact=intact, trusted=trusted, signer=signer, signed_at=signed_at,
                    attachment=attachment, reasons=reasons)


def _add(reasons: list[str], reason: str) -> None:
    if reason not in reasons:
        reasons.append(reason)


def _trust_reason(status: Any) -> str:
    # AdES sub-indications come from two enums (failed / indeterminate) that share names: compare names
    problem = getattr(status.trust_problem_indic, "name", "")
    if problem in ("OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "NOT_YET_VALID", "EXPIRED"):
        return R_EXPIRED
    if problem in ("REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"):
        return R_REVOKED
    if problem in ("SIG_CONSTRAINTS_FAILURE", "CHAIN_CONSTRAINTS_FAILURE"):
        return R_USAGE
    return R_FOREIGN


def _roots(trust_pems: list[bytes]) -> list[Any]:
    """The trust roots; an unreadable one is skipped (and logged) rather than failing every check."""
    from pyhanko.keys import load_certs_from_pemder_data

    roots: list[Any] = []
    for pem in trust_pems:
        try:
            roots.extend(load_certs_from_pemder_data(pem))
        except Exception:
            log.warning("a configured trust root could not be read", exc_info=True)
    return roots


def _attachment(root: Any) -> bytes | None:
    """The embedded license.json (or else the only embedded file) under a document catalog, if any."""
    try:
        tree = root["/Names"]["/EmbeddedFiles"]
    except (KeyError, TypeError):
        return None
    found: list[tuple[str, Any]] = []
    _name_tree(tree, found, depth=0)
    chosen = [spec for name, spec in found if name == ATTACHMENT_NAME]
    if not chosen and len(found) == 1:
        chosen = [found[0][1]]
    for spec in chosen:
        ef = spec.get_object()["/EF"]
        stream = (ef.get("/UF") or ef["/F"]).get_object()
        if int(stream.get("/Length", 0)) > MAX_ATTACHMENT:
            return None
        return _bounded_data(stream)
    return None


def _bounded_data(stream: Any) -> bytes | None:
    """A stream's decoded bytes, inflating at most MAX_ATTACHMENT of them (a small stream may inflate to
    gigabytes); None for filters other than none and Flate, or when the limit is passed."""
    import zlib

    filters = stream.get("/Filter")
    names = [str(f) for f in (filters if isinstance(filters, list) else [filters] if filters else [])]
    raw = bytes(stream.encoded_data)
    if not names:
        return raw if len(raw) <= MAX_ATTACHMENT else None
    if names != ["/FlateDecode"] or stream.get("/DecodeParms"):
        return None
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw, MAX_ATTACHMENT + 1)
    except zlib.error:
        return None
    return out if len(out) <= MAX_ATTACHMENT else None


def _name_tree(node: Any, out: list[tuple[str, Any]], depth: int) -> None:
    """Leaves of a PDF name tree, depth-limited because the file may be hostile."""
    node = node.get_object()
    if depth > 8 or len(out) > 100:
        return
    names = node.get("/Names")
    if names is not None:
        names = names.get_object()
        for i in range(0, len(names) - 1, 2):
            out.append((str(names[i]), names[i + 1]))
    for kid in node.get("/Kids", []) or []:
        _name_tree(kid, out, depth + 1)
