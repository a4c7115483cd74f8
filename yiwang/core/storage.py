"""File storage behind a small interface. Files are stored by SHA-256 of their content (the same
bytes are stored once); size and type are checked on the way in, the declared type must match
what the bytes are. Local directory by default; an S3-compatible backend can implement ``Storage``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Protocol

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from yiwang.core import clock
from yiwang.core.config import get_settings
from yiwang.core.db import Base, new_id
from yiwang.core.errors import NotFound, PayloadTooLarge, UnsupportedMedia, ValidationFailed

TYPE_LABELS = {
    "application/pdf": "PDF",
    "image/png": "PNG 图片",
    "image/jpeg": "JPEG 图片",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格",
    "application/ofd": "OFD 版式文件",
}


class Storage(Protocol):
    def put(self, digest: str, data: bytes) -> None: ...
    def get(self, digest: str) -> bytes: ...
    def exists(self, digest: str) -> bool: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError("bad digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, digest: str, data: bytes) -> None:
        path = self._path(digest)
        if path.exists():
            return
        private_dirs(path.parent)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        # readable by the service's own user only (0600), whatever the process umask
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # a leftover tmp file from a crash keeps its old mode otherwise
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def get(self, digest: str) -> bytes:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound("文件不存在") from exc

    def exists(self, digest: str) -> bool:
        return self._path(digest).exists()


def private_dirs(path: Path) -> None:
    """``mkdir -p`` where every directory created is 0700 (``Path.mkdir`` gives parents the umask's mode)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(directory, 0o700)


def get_storage() -> Storage:
    return LocalStorage(get_settings().data_dir)


class StoredFile(Base):
    __tablename__ = "stored_file"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    owner: Mapped[str] = mapped_column(String(64), index=True)  # actor label of the uploader
    created_at: Mapped[dt.datetime]


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (only the kinds we accept)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if "OFD.xml" in names:
            return "application/ofd"
    return None


def safe_filename(name: str | None) -> str:
    """A display name with no path, no control characters and a bounded length."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".")
    return (name or "未命名文件")[:200]


def store(session: Session, *, data: bytes, filename: str | None, declared_type: str | None,
          owner: str) -> StoredFile:
    settings = get_settings()
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"文件超过 {settings.max_upload_bytes // (1024 * 1024)} MB 的上限", field="file")
    if not data:
        raise ValidationFailed("文件为空", field="file", code="empty_file")
    actual = sniff(data)
    if actual is None or actual not in settings.allowed_upload_types:
        allowed = "、".join(TYPE_LABELS.get(t, t) for t in settings.allowed_upload_types)
        raise UnsupportedMedia(f"不支持的文件类型，请上传：{allowed}", field="file")
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", actual):
        raise UnsupportedMedia("文件内容与声明的类型不符", field="file", code="type_mismatch")
    digest = hashlib.sha256(data).hexdigest()
    get_storage().put(digest, data)
    record = StoredFile(id=new_id(), sha256=digest, size=len(data), content_type=actual,
                        filename=safe_filename(filename), owner=owner, created_at=clock.now())
    session.add(record)
    session.flush()
    return record


def read(record: StoredFile) -> bytes:
    return get_storage().get(record.sha256)
