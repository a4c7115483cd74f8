"""Issue 12 item 1: the /verify upload page gives the same answer as the API on the same file — a genuine
license is valid, a tampered one is not — and a checker failure reads "无法完成验证", never "forged"."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.licenses import factories as lf
from tests.web.helpers import csrf
from yiwang.licenses import pdf as license_pdf


def _pdf(client, session) -> bytes:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    session.commit()
    r = client.get(f"/api/v1/licenses/{license_id}/pdf", headers=f.api_login(client, w.applicant_id))
    assert r.status_code == 200
    client.cookies.clear()
    return r.content


def _upload(client, data: bytes):  # type: ignore[no-untyped-def]
    token = csrf(client, "/verify")
    return client.post("/verify", data={"csrf_token": token}, files={"file": ("licence.pdf", data, "application/pdf")})


def _tamper(data: bytes) -> bytes:
    at = data.index(b"stream", data.index(b"/Length")) + 20
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


@pytest.mark.db
def test_row01_genuine_license_uploaded_through_the_page_is_valid(client, session) -> None:  # type: ignore[no-untyped-def]
    pdf = _pdf(client, session)
    page = _upload(client, pdf)
    assert page.status_code == 200
    assert "核验通过" in page.text
    assert "签章无效" not in page.text and "核验未通过" not in page.text
    assert "当前状态" in page.text and "有效" in page.text


@pytest.mark.db
def test_row01_tampered_license_is_invalid_and_shows_no_status(client, session) -> None:  # type: ignore[no-untyped-def]
    pdf = _pdf(client, session)
    page = _upload(client, _tamper(pdf))
    assert page.status_code == 200
    assert "核验未通过" in page.text and "核验通过：" not in page.text
    assert "当前状态" not in page.text  # no "有效" under the red cross


@pytest.mark.db
def test_row01_checker_failure_is_not_called_forged(client, session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pdf = _pdf(client, session)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("validator crashed")

    monkeypatch.setattr("pyhanko.sign.validation.validate_pdf_signature", broken)
    page = _upload(client, pdf)
    assert page.status_code == 200
    assert "无法完成验证" in page.text
    assert "签章无效" not in page.text and "核验未通过" not in page.text and "当前状态" not in page.text
    api = client.post("/api/v1/licenses/verify", files={"file": ("l.pdf", pdf, "application/pdf")}).json()
    assert api["valid"] is False and api["complete"] is False


def test_row01_inspect_refuses_to_run_inside_an_event_loop() -> None:
    import asyncio

    async def inside() -> None:
        with pytest.raises(license_pdf.CheckUnavailable):
            license_pdf.inspect(b"%PDF-1.7\n", trust_pems=[])

    asyncio.run(inside())
