from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.core.db import Base


class SealAuthority(Base):
    """The platform's seal certificate authority: it certifies every department seal's PDF-signing key, and
    its certificate is what verifiers trust. Private keys are stored encrypted under the deployment secret."""

    __tablename__ = "seal_authority"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    cert_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class Seal(Base):
    """A department's electronic seal (电子印章): the seal-signature key pair (SM2 by default), the picture's
    text, and an X.509 certificate with its own key for signing PDFs that ordinary readers can check."""

    __tablename__ = "seal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # 14 digits: region (6) + sequence (8)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    name: Mapped[str] = mapped_column(String(200))  # the text along the seal's rim
    kind: Mapped[str] = mapped_column(String(20), default="official")
    algorithm: Mapped[str] = mapped_column(String(20))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_enc: Mapped[bytes] = mapped_column(LargeBinary)
    cert_pem: Mapped[str] = mapped_column(Text)
    cert_sha256: Mapped[str] = mapped_column(String(64))
    cert_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | revoked
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_seal_department_status", "department_id", "status"),)
