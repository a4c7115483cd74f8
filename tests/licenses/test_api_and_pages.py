"""The license API contracts and pages: the case lists its licenses, the PDF, verification by upload, the QR
page, the wallet, sharing, revocation from the workbench, reuse on the apply page, and the offline command."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import factories as f
from tests.licenses import factories as lf
from tests.web.helpers import applicant_login, csrf_of, staff_login
from yiwang.cli import main
from yiwang.core.config import reset_settings


def _world(client, session):  # type: ignore[no-untyped-def]
    w = lf.world(session)
    no, license_id = lf.issued(session, w)
    session.commit()
    return w, no, license_id


def _flip(data: bytes) -> bytes:
    at = data.index(b"stream", data.index(b"/Length")) + 20
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


@pytest.mark.db
def test_case_lists_its_licenses_and_the_pdf_contract(client, session) -> None:  # type: ignore[no-untyped-def]
    w, no, license_id = _world(client, session)
    applicant = f.api_login(client, w.applicant_id)
    case = client.get(f"/api/v1/cases/{no}", headers=applicant).json()
    assert len(case["licenses"]) == 1
    entry = case["licenses"][0]
    assert set(entry) >= {"license_id", "identifier", "type", "status"}
    assert entry["license_id"] == license_id and entry["status"] == "valid" and entry["type"] == lf.TYPE
    r = client.get(f"/api/v1/licenses/{license_id}/pdf", headers=applicant)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert client.get(f"/api/v1/licenses/{license_id}/pdf", headers=f.api_login(client, "approver")).status_code == 200
    assert client.get(f"/api/v1/licenses/{license_id}/pdf", headers=f.api_login(client, "other")).status_code == 404
    assert client.get(f"/api/v1/licenses/{license_id}/pdf").status_code == 401
    wallet = client.get("/api/v1/licenses", headers=applicant).json()
    assert wallet["total"] == 1 and wallet["items"][0]["identifier"] == entry["identifier"]


@pytest.mark.db
def test_verify_upload_contract(client, session) -> None:  # type: ignore[no-untyped-def]
    w, _, license_id = _world(client, session)
    pdf = client.get(f"/api/v1/licenses/{license_id}/pdf", headers=f.api_login(client, w.applicant_id)).content
    ok = client.post("/api/v1/licenses/verify", files={"file": ("l.pdf", pdf, "application/pdf")})
    assert ok.status_code == 200
    assert ok.json()["valid"] is True and ok.json()["reasons"] == [] and ok.json()["license_id"] == license_id
    bad = client.post("/api/v1/licenses/verify", files={"file": ("l.pdf", _flip(pdf), "application/pdf")}).json()
    assert bad["valid"] is False and bad["reasons"]
    junk = client.post("/api/v1/licenses/verify", files={"file": ("x.pdf", b"\x00garbage", "application/pdf")})
    assert junk.status_code == 200 and junk.json()["valid"] is False
    missing = client.post("/api/v1/licenses/verify")
    assert missing.status_code == 422 and missing.json()["error"]["field"]
    approver = f.api_login(client, "approver")
    no_reason = client.post(f"/api/v1/licenses/{license_id}/actions", json={"action": "suspend"}, headers=approver)
    assert no_reason.status_code == 422 and no_reason.json()["error"] == {
        "code": "reason_required", "message": "请填写暂扣的原因", "field": "reason"}
    r = client.post(f"/api/v1/licenses/{license_id}/actions", json={"action": "revoke", "reason": "许可被撤销"},
                    headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    revoked = client.post("/api/v1/licenses/verify", files={"file": ("l.pdf", pdf, "application/pdf")}).json()
    assert revoked["valid"] is False and any("注销" in x for x in revoked["reasons"])
    again = client.post(f"/api/v1/licenses/{license_id}/actions", json={"action": "suspend", "reason": "x"},
                        headers=approver)
    assert again.status_code == 422 and again.json()["error"]["code"] == "license_revoked"
    handler = f.api_login(client, "handler")
    assert client.post(f"/api/v1/licenses/{license_id}/actions", json={"action": "revoke", "reason": "x"},
                       headers=handler).status_code == 403


@pytest.mark.db
@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig (poppler-utils) is not installed")
def test_pdfsig_accepts_the_signature_and_catches_one_changed_byte(client, session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w, _, license_id = _world(client, session)
    pdf = client.get(f"/api/v1/licenses/{license_id}/pdf", headers=f.api_login(client, w.applicant_id)).content
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pdf)
    bad.write_bytes(_flip(pdf))
    out = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid." in out
    out_bad = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid." not in out_bad and "Digest Mismatch" in out_bad


@pytest.mark.db
def test_qr_page_share_link_and_wallet_pages(client, session) -> None:  # type: ignore[no-untyped-def]
    w, _, license_id = _world(client, session)
    page = client.get(f"/verify/{license_id}")
    assert page.status_code == 200 and "核验通过" in page.text and lf.TYPE in page.text
    assert "张*" in page.text and "张三" not in page.text
    assert client.get("/verify/nonexistent").status_code == 404
    applicant_login(client, w.applicant_id)
    wallet = client.get("/my/licenses")
    assert wallet.status_code == 200 and lf.TYPE in wallet.text
    detail = client.get(f"/my/licenses/{license_id}")
    assert detail.status_code == 200 and "下载签章 PDF" in detail.text
    token = csrf_of(detail.text)
    too_long = client.post(f"/my/licenses/{license_id}/share", data={"days": "9999", "csrf_token": token})
    assert too_long.status_code == 422 and "有效天数" in too_long.text
    shared = client.post(f"/my/licenses/{license_id}/share", data={"days": "7", "csrf_token": token})
    assert shared.status_code == 200
    url = re.search(r'value="(http[^"]+/verify/s/[^"]+)"', shared.text).group(1)  # type: ignore[union-attr]
    path = url[url.index("/verify/s/"):]
    client.cookies.clear()
    opened = client.get(path)
    assert opened.status_code == 200 and "张三" in opened.text  # the holder chose to show it in full
    assert client.get("/verify/s/made-up-token").status_code == 404


@pytest.mark.db
def test_workbench_revokes_with_a_reason(client, session) -> None:  # type: ignore[no-untyped-def]
    w, _, license_id = _world(client, session)
    staff_login(client, "approver")
    page = client.get(f"/workbench/licenses/{license_id}")
    assert page.status_code == 200 and "变更证照状态" in page.text
    token = csrf_of(page.text)
    empty = client.post(f"/workbench/licenses/{license_id}/status",
                        data={"action": "revoke", "reason": "", "csrf_token": token})
    assert empty.status_code == 422 and "原因" in empty.text
    done = client.post(f"/workbench/licenses/{license_id}/status",
                       data={"action": "revoke", "reason": "吊销许可决定书", "csrf_token": token},
                       follow_redirects=True)
    assert done.status_code == 200 and "已注销" in done.text
    listed = client.get("/workbench/licenses?status=revoked")
    assert license_id in listed.text


@pytest.mark.db
def test_apply_page_offers_a_held_license(client, session) -> None:  # type: ignore[no-untyped-def]
    from tests.cases import factories as cw
    from tests.catalog import factories as cf

    w, _, license_id = _world(client, session)
    code2 = cf.published(session, department=cw.DEPT, materials=[
        {"name": "申请书", "required": True},
        {"name": "经营许可证明", "required": True, "source": "government", "license_type": lf.TYPE}])
    session.commit()
    applicant_login(client, w.applicant_id)
    page = client.get(f"/apply/{code2}")
    assert page.status_code == 200 and "用证免提交" in page.text and f'value="{license_id}"' in page.text


@pytest.mark.db
def test_offline_command_verifies_a_file(client, session, engine, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w, _, license_id = _world(client, session)
    pdf = client.get(f"/api/v1/licenses/{license_id}/pdf", headers=f.api_login(client, w.applicant_id)).content
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pdf)
    bad.write_bytes(_flip(pdf))
    monkeypatch.setenv("YIWANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    reset_settings()
    try:
        runner = CliRunner()
        ok = runner.invoke(main, ["license", "verify", str(good)])
        assert ok.exit_code == 0 and "有效" in ok.output
        no = runner.invoke(main, ["license", "verify", str(bad)])
        assert no.exit_code == 1 and "无效" in no.output
    finally:
        monkeypatch.delenv("YIWANG_DATABASE_URL")
        reset_settings()
