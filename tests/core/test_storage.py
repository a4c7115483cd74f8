from __future__ import annotations

import io
import zipfile

import pytest

from yiwang.core import storage
from yiwang.core.errors import PayloadTooLarge, UnsupportedMedia, ValidationFailed

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def test_store_and_read_back_by_content_hash(session) -> None:  # type: ignore[no-untyped-def]
    a = storage.store(session, data=PDF, filename="申请表.pdf", declared_type="application/pdf", owner="person:1")
    b = storage.store(session, data=PDF, filename="again.pdf", declared_type=None, owner="person:2")
    assert a.sha256 == b.sha256 and a.id != b.id
    assert storage.read(a) == PDF
    assert a.content_type == "application/pdf" and a.size == len(PDF)


def test_type_is_sniffed_not_trusted(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnsupportedMedia):
        storage.store(session, data=b"#!/bin/sh\nrm -rf /", filename="x.pdf", declared_type="application/pdf",
                      owner="person:1")
    with pytest.raises(UnsupportedMedia) as exc:
        storage.store(session, data=PNG, filename="x.pdf", declared_type="application/pdf", owner="person:1")
    assert exc.value.code == "type_mismatch"
    docx = storage.store(session, data=_docx(), filename="表格.docx", declared_type=None, owner="person:1")
    assert docx.content_type.endswith("wordprocessingml.document")


def test_size_limits(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core.config import reset_settings

    with pytest.raises(ValidationFailed):
        storage.store(session, data=b"", filename="e.pdf", declared_type=None, owner="person:1")
    monkeypatch.setenv("YIWANG_MAX_UPLOAD_BYTES", "100")
    reset_settings()
    try:
        with pytest.raises(PayloadTooLarge):
            storage.store(session, data=PDF + b"0" * 200, filename="big.pdf", declared_type=None, owner="person:1")
    finally:
        monkeypatch.delenv("YIWANG_MAX_UPLOAD_BYTES")
        reset_settings()


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32.pdf", "system32.pdf"),
    ("a\x00b\x1f.pdf", "ab.pdf"),
    ("", "未命名文件"),
    ("...", "未命名文件"),
    ("身份证 正面.png", "身份证 正面.png"),
])
def test_safe_filename(raw: str, expected: str) -> None:
    assert storage.safe_filename(raw) == expected


def test_local_storage_refuses_non_digest_paths(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = storage.LocalStorage(tmp_path)
    with pytest.raises(ValueError):
        s.get("../../etc/passwd")
