"""Issuing licenses on approval, the identifier, the seal signature, status changes and reuse."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.cases import factories as cw
from tests.licenses import factories as lf
from yiwang.cases import service as cases
from yiwang.core import audit, clock, outbox
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM
from yiwang.jobs import register_all
from yiwang.licenses import identifier as ident
from yiwang.licenses import jobs as license_jobs
from yiwang.licenses import pdf as license_pdf
from yiwang.licenses import service as licenses
from yiwang.licenses.models import License, LicenseVerification
from yiwang.seals import service as seals

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# --- identifier (GB/T 36904, ISO 7064 MOD 37,36) ----------------------------------------------------------

def _by_the_standard(payload: str) -> str:
    """The check character computed exactly as STANDARDS.md words it, independently of the library."""
    p = 36
    for ch in payload:
        t = (p + ALNUM.index(ch)) % 36 or 36
        p = (2 * t) % 37
    return ALNUM[(37 - p) % 36]


@given(st.text(alphabet=ALNUM, min_size=1, max_size=60))
def test_check_character_follows_the_standard(payload: str) -> None:
    assert ident.check_character(payload) == _by_the_standard(payload)


@given(st.integers(1, 10**8 - 1), st.integers(1, 999), st.integers(0, 200), st.sampled_from(ALNUM))
@settings(max_examples=200)
def test_any_single_character_change_is_caught(serial: int, version: int, pos: int, replacement: str) -> None:
    value = ident.make("440104A1B2C3D4E5F6G7H", "11440104MB2C12345X", serial, version)
    assert ident.problem(value) is None
    head, tail = value[: -len(value.split(".", 5)[5])], value.split(".", 5)[5]
    chars = list(tail)
    positions = [i for i, c in enumerate(chars) if c != "."]
    i = positions[pos % len(positions)]
    if chars[i] == replacement:
        return
    chars[i] = replacement
    changed = head + "".join(chars)
    assert ident.problem(changed) is not None


def test_identifier_shape_and_bad_parts() -> None:
    value = ident.make("440104A1B2C3D4E5F6G7H", "11440104MB2C12345X", 42)
    assert value.startswith("1.2.156.3005.2.440104A1B2C3D4E5F6G7H.11440104MB2C12345X.00000042.001.")
    with pytest.raises(ident.IdentifierError):
        ident.make("SHORT", "11440104MB2C12345X", 1)
    with pytest.raises(ident.IdentifierError):
        ident.make("440104A1B2C3D4E5F6G7H", "11440104MB2C12345X", 0)
    assert ident.problem("1.2.3") == "证照标识格式不正确"


# --- issuance --------------------------------------------------------------------------------------------

@pytest.mark.db
def test_approval_issues_one_signed_license_through_the_outbox(session, engine) -> None:  # type: ignore[no-untyped-def]
    register_all()
    w = lf.world(session)
    lf.add_type(session, validity_years=5, fields=[{"label": "经营者名称", "source": "form.contact_name"},
                                                   {"label": "许可事项", "source": "item_name"}])
    no = lf.approved_case(session, w)
    session.commit()
    assert licenses.for_case(session, no) == []  # not yet: issuance runs in the worker
    with clock.frozen(lf.MONDAY + dt.timedelta(minutes=5)):
        while outbox.run_once(engine):
            pass
    session.expire_all()
    listed = licenses.for_case(session, no)
    assert len(listed) == 1 and listed[0]["type"] == lf.TYPE and listed[0]["status"] == "valid"
    lic = session.scalars(select(License).where(License.case_no == no)).one()
    assert ident.problem(lic.identifier) is None
    assert lic.fields == [["经营者名称", "张三"], ["许可事项", lic.fields[1][1]]]
    assert lic.valid_from == dt.date(2026, 3, 2) and lic.valid_until == dt.date(2031, 3, 1)
    assert lic.holder == w.applicant.label and lic.holder_code == w.applicant_id
    # a second delivery of the same approval returns the same license, never a second one
    assert license_jobs.issue_for_case(session, no) == [lic.license_id]
    assert session.scalar(select(License.id).where(License.case_no == no).offset(1)) is None
    # the case view lists it for the applicant
    view = cases.view(session, w.applicant, cases.get_case(session, w.applicant, no))
    assert view.licenses == [{"license_id": lic.license_id, "identifier": lic.identifier, "type": lf.TYPE,
                              "status": "valid"}]
    assert audit.verify(session).ok


@pytest.mark.db
def test_denied_cases_and_items_without_a_result_issue_nothing(session) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from tests.catalog import factories as cf

    w = lf.world(session, result=None)
    no = lf.approved_case(session, w)
    assert license_jobs.issue_for_case(session, no) == []
    w2 = dataclasses.replace(w, code=cf.published(session, department=cw.DEPT,
                                                  result={"name": lf.TYPE, "license_type": lf.TYPE}))
    with clock.frozen(lf.MONDAY):
        no2 = cw.submit(session, w2)
        cases.apply(session, w2.handler, case_no=no2, action="accept")
        cases.apply(session, w2.handler, case_no=no2, action="review")
        cases.apply(session, w2.checker, case_no=no2, action="review")
        cases.apply(session, w2.approver, case_no=no2, action="deny", comment="不符合条件")
    assert license_jobs.issue_for_case(session, no2) == []


@pytest.mark.db
def test_unknown_type_is_created_with_defaults_and_the_form_fields(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session, license_type="从未登记的许可证")
    no, license_id = lf.issued(session, w)
    lic = licenses.get_license(session, SYSTEM, license_id)
    assert lic.type == "从未登记的许可证" and lic.valid_until is None  # long-term by default
    assert lic.fields[0][0] == "许可事项"
    assert len(lic.type_code) == 21 and lic.identifier.split(".")[5] == lic.type_code
    assert [t.name for t in licenses.list_types(session)] == ["从未登记的许可证"]


@pytest.mark.db
def test_issuance_needs_a_department_uscc(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session, license_type="某证")
    no = lf.approved_case(session, w)
    from yiwang.org import service as org_service

    org_service.find_department(session, cw.DEPT, "440104").uscc = None  # removed after the approval
    session.flush()
    with pytest.raises(ValidationFailed) as exc:
        license_jobs.issue_for_case(session, no)
    assert exc.value.code == "department_without_uscc"


@pytest.mark.db
def test_serials_count_per_type_and_issuer(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    ids = [lf.issued(session, w)[1] for _ in range(3)]
    serials = [licenses.get_license(session, SYSTEM, i).identifier.split(".")[7] for i in ids]
    assert serials == ["00000001", "00000002", "00000003"]


@pytest.mark.db
def test_seal_signature_covers_the_license_data(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    lic = session.scalars(select(License).where(License.license_id == license_id)).one()
    data = licenses.license_data(lic)
    assert lic.seal_signature["alg"] == "sm2" and lic.seal_signature["digest_alg"] == "SM3"
    assert seals.verify_document(session, lic.seal_signature, seals.canonical(data)) == []
    tampered = dict(data, holder_name="李四")
    assert seals.verify_document(session, lic.seal_signature, seals.canonical(tampered))
    # the PDF embeds the same data and signature
    check = license_pdf.inspect(_pdf(session, lic), trust_pems=seals.trust_roots(session))
    assert check.ok, check.reasons
    assert json.loads(check.attachment or b"{}") == {"data": data, "seal_signature": lic.seal_signature}


def _pdf(session, lic: License) -> bytes:  # type: ignore[no-untyped-def]
    return licenses.pdf_bytes(session, SYSTEM, lic.license_id)[1]


# --- verification ---------------------------------------------------------------------------------------

@pytest.mark.db
def test_verify_pdf_valid_tampered_revoked_and_logged(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    name, data = licenses.pdf_bytes(session, w.applicant, license_id)
    assert name.endswith(".pdf") and data.startswith(b"%PDF")
    ok = licenses.verify_pdf(session, data, method="api", client="t")
    assert ok.valid and ok.reasons == [] and ok.license_id == license_id
    # one changed byte inside the signed range (the page content) breaks it
    at = data.index(b"stream", data.index(b"/Length")) + 20
    broken = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]
    bad = licenses.verify_pdf(session, broken, method="api", client="t")
    assert not bad.valid and bad.reasons
    # not a PDF at all
    junk = licenses.verify_pdf(session, b"not a pdf", method="api", client="t")
    assert not junk.valid and junk.license_id is None
    # revoked: the same untouched file now fails, naming the reason
    licenses.change_status(session, w.approver, license_id, action="revoke", reason="以欺骗手段取得许可")
    revoked = licenses.verify_pdf(session, data, method="api", client="t")
    assert not revoked.valid and any("注销" in r and "欺骗" in r for r in revoked.reasons)
    logged = session.scalars(select(LicenseVerification).order_by(LicenseVerification.id)).all()
    assert [v.valid for v in logged] == [True, False, False, False]


@pytest.mark.db
def test_verify_refuses_a_pdf_signed_by_someone_else(session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.seals import crypto

    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    lic = session.scalars(select(License).where(License.license_id == license_id)).one()
    now = clock.now()
    ca_key, ca_cert = crypto.new_authority("伪造的机构", "伪造", now=now)
    key, cert = crypto.issue_certificate(ca_key, ca_cert, common_name="伪造印章", organization="伪造", uscc=None,
                                         valid_from=now - dt.timedelta(days=1), valid_until=now + dt.timedelta(days=30))
    attachment = seals.canonical({"data": licenses.license_data(lic), "seal_signature": lic.seal_signature})
    forged = license_pdf.sign(license_pdf.render(license_pdf.LicenseDocument(
        license_id=lic.license_id, title=lic.type_name, identifier=lic.identifier, holder_name=lic.holder_name,
        holder_code=lic.holder_code, fields=[], valid_from=lic.valid_from, valid_until=None, issuer=lic.issuer_name,
        issued_on=lic.valid_from, seal_name=lic.issuer_name, seal_caption="0", verify_url="http://x/")),
        key_pem=key, cert_pem=cert, chain_pems=[ca_cert], attachment=attachment)
    result = licenses.verify_pdf(session, forged, method="api")
    assert not result.valid and "签章证书不是本平台签发" in result.reasons


@pytest.mark.db
def test_registry_check_masks_the_holder_and_knows_expiry(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    lf.add_type(session, validity_years=1)
    _, license_id = lf.issued(session, w)
    result, kind = licenses.check_registered(session, license_id, client="t")
    summary = licenses.public_summary(result.license, holder_kind=kind)
    assert result.valid and summary and summary["holder_name"] == "张*"
    with clock.frozen(dt.datetime(2027, 3, 2, 1, 0, tzinfo=dt.UTC)):  # valid until 2027-03-01
        expired, _ = licenses.check_registered(session, license_id)
        assert not expired.valid and "有效期" in expired.reasons[0]
        assert licenses.held(session, w.applicant.label, lf.TYPE) == []
    missing, _ = licenses.check_registered(session, "nope")
    assert not missing.valid and missing.reasons == ["证照库中没有该证照"]


# --- status changes and access ----------------------------------------------------------------------------

@pytest.mark.db
def test_only_the_issuing_departments_approver_changes_status(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    with pytest.raises(PermissionDenied):
        licenses.change_status(session, w.handler, license_id, action="suspend", reason="核查")
    with pytest.raises(NotFound):  # another department does not even see it
        licenses.change_status(session, w.other_handler, license_id, action="suspend", reason="核查")
    with pytest.raises(ValidationFailed) as exc:
        licenses.change_status(session, w.approver, license_id, action="suspend", reason="  ")
    assert exc.value.code == "reason_required"
    assert licenses.change_status(session, w.approver, license_id, action="suspend", reason="责令整改").status == \
        "suspended"
    with pytest.raises(ValidationFailed):
        licenses.change_status(session, w.approver, license_id, action="suspend", reason="再次")
    assert licenses.change_status(session, w.approver, license_id, action="reinstate", reason="整改完成").status == \
        "valid"
    assert licenses.change_status(session, w.approver, license_id, action="revoke", reason="吊销").status == "revoked"
    with pytest.raises(ValidationFailed):
        licenses.change_status(session, w.approver, license_id, action="reinstate", reason="恢复")
    session.commit()
    actions = session.scalars(select(audit.AuditRecord.action).where(audit.AuditRecord.object_type == "license",
                                                                     audit.AuditRecord.object_id == license_id)
                              .order_by(audit.AuditRecord.id)).all()
    assert list(actions) == ["license.issue", "license.suspend", "license.reinstate", "license.revoke"]
    assert audit.verify(session).ok


@pytest.mark.db
def test_others_cannot_see_a_license(session) -> None:  # type: ignore[no-untyped-def]
    from tests import factories as f

    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    stranger, _ = f.person(session, "王五")
    for actor in (stranger, w.other_handler):
        with pytest.raises(NotFound):
            licenses.pdf_bytes(session, actor, license_id)
    assert licenses.pdf_bytes(session, w.approver, license_id)[1].startswith(b"%PDF")
    assert licenses.list_licenses(session, stranger)[0] == 0
    assert licenses.list_licenses(session, w.applicant)[0] == 1


# --- reuse (用证/免提交) -------------------------------------------------------------------------------------

def _reuse_world(session):  # type: ignore[no-untyped-def]
    """The applicant already holds a license of the type the second item's material names."""
    w = lf.world(session)
    _, held_id = lf.issued(session, w)
    code2 = "11440104MB2C12345X4440100888000"
    from tests.catalog import factories as cf

    cf.published(session, code=code2, department=cw.DEPT, materials=[
        {"name": "申请书", "required": True},
        {"name": "经营许可证明", "required": True, "source": "government", "license_type": lf.TYPE}])
    return w, held_id, code2


@pytest.mark.db
def test_a_held_license_replaces_the_upload(session) -> None:  # type: ignore[no-untyped-def]
    w, held_id, code2 = _reuse_world(session)
    offered = licenses.held(session, w.applicant.label, lf.TYPE)
    assert [o.license_id for o in offered] == [held_id]
    case = cases.submit(session, w.applicant, item_code=code2, form={"contact_name": "张三",
                        "contact_phone": "13800138000", "description": "用证"},
                        materials=[cases.MaterialIn("申请书", cw.upload(session, w.applicant)),
                                   cases.MaterialIn("经营许可证明", None, held_id)])
    view = cases.view(session, w.applicant, case)
    used = [m for m in view.materials if m.name == "经营许可证明"]
    assert used and used[0].license_ref == held_id and used[0].file_id is None


@pytest.mark.db
def test_reuse_refuses_others_revoked_and_wrong_licenses(session) -> None:  # type: ignore[no-untyped-def]
    from tests import factories as f

    w, held_id, code2 = _reuse_world(session)
    stranger, _ = f.person(session, "王五")

    def submit(actor, ref):  # type: ignore[no-untyped-def]
        return cases.submit(session, actor, item_code=code2, form={"contact_name": "王五",
                            "contact_phone": "13800138000", "description": "用证"},
                            materials=[cases.MaterialIn("申请书", cw.upload(session, actor)),
                                       cases.MaterialIn("经营许可证明", None, ref)])

    with pytest.raises(ValidationFailed) as exc:
        submit(stranger, held_id)
    assert exc.value.code == "license_not_found" and exc.value.field == "materials.1.license_ref"
    with pytest.raises(ValidationFailed) as exc:  # a license offered for a material that takes none
        cases.submit(session, w.applicant, item_code=code2, form={"contact_name": "张三",
                     "contact_phone": "13800138000", "description": "用证"},
                     materials=[cases.MaterialIn("申请书", None, held_id)])
    assert exc.value.code == "license_not_accepted"
    licenses.change_status(session, w.approver, held_id, action="revoke", reason="吊销")
    with pytest.raises(ValidationFailed) as exc:
        submit(w.applicant, held_id)
    assert exc.value.code == "license_not_valid"
    assert licenses.held(session, w.applicant.label, lf.TYPE) == []


# --- what the review of this feature asked for -----------------------------------------------------------------

@pytest.mark.db
def test_only_the_issued_file_verifies_even_when_signed_with_the_seals_own_key(session) -> None:  # type: ignore[no-untyped-def]
    """A PDF signed with a seal's genuine PDF key, carrying a real license's data, but not the file we issued
    (say the key leaked and someone printed a different holder on the page) is refused."""
    from yiwang.seals.models import Seal

    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    lic = session.scalars(select(License).where(License.license_id == license_id)).one()
    seal = session.scalars(select(Seal).where(Seal.code == lic.seal_code)).one()
    signer = seals.pdf_signer(session, seal)
    attachment = seals.canonical({"data": licenses.license_data(lic), "seal_signature": lic.seal_signature})
    forged = license_pdf.sign(license_pdf.render(license_pdf.LicenseDocument(
        license_id=lic.license_id, title=lic.type_name, identifier=lic.identifier, holder_name="冒名顶替有限公司",
        holder_code=lic.holder_code, fields=[], valid_from=lic.valid_from, valid_until=None, issuer=lic.issuer_name,
        issued_on=lic.valid_from, seal_name=lic.issuer_name, seal_caption="0", verify_url="http://x/")),
        key_pem=signer.key_pem, cert_pem=signer.cert_pem, chain_pems=signer.chain_pems, attachment=attachment)
    assert license_pdf.inspect(forged, trust_pems=seals.trust_roots(session)).ok  # the signature itself is fine
    result = licenses.verify_pdf(session, forged, method="api", client="t")
    assert not result.valid and result.checks["registered"] is False and result.license_id == lic.license_id


@pytest.mark.db
def test_an_unsigned_pdf_carrying_real_data_is_refused_without_reading_it(session) -> None:  # type: ignore[no-untyped-def]
    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    lic = session.scalars(select(License).where(License.license_id == license_id)).one()
    doc = license_pdf.LicenseDocument(
        license_id=lic.license_id, title=lic.type_name, identifier=lic.identifier, holder_name=lic.holder_name,
        holder_code=lic.holder_code, fields=[], valid_from=lic.valid_from, valid_until=None, issuer=lic.issuer_name,
        issued_on=lic.valid_from, seal_name=lic.issuer_name, seal_caption="0", verify_url="http://x/")
    check = license_pdf.inspect(license_pdf.render(doc), trust_pems=seals.trust_roots(session))
    assert check.attachment is None and license_pdf.R_UNSIGNED in check.reasons
    result = licenses.verify_pdf(session, license_pdf.render(doc), method="api", client="t")
    assert not result.valid and result.license_id is None


@pytest.mark.db
def test_a_long_term_license_still_verifies_after_its_seal_certificate_expired(session) -> None:  # type: ignore[no-untyped-def]
    """Issued in 2020 with a 5-year seal certificate: PDF tools now call the certificate expired, but the file is
    byte for byte the one issued then, so our verification still accepts it."""
    w = lf.world(session)
    no = lf.approved_case(session, w)
    with clock.frozen(dt.datetime(2020, 6, 1, 2, 0, tzinfo=dt.UTC)):
        license_id = license_jobs.issue_for_case(session, no)[0]
    data = licenses.pdf_bytes(session, w.applicant, license_id)[1]
    check = license_pdf.inspect(data, trust_pems=seals.trust_roots(session))
    assert license_pdf.R_EXPIRED in check.reasons
    result = licenses.verify_pdf(session, data, method="api", client="t")
    assert result.valid, result.reasons


@pytest.mark.db
def test_region_wide_roles_do_not_act_for_the_issuing_department(session) -> None:  # type: ignore[no-untyped-def]
    from tests import factories as f

    w = lf.world(session)
    _, license_id = lf.issued(session, w)
    overseer = f.staff(session, "overseer", ["approver", "supervisor"], "区卫生健康局")
    assert licenses.get_license(session, overseer, license_id).license_id == license_id  # may look it up
    with pytest.raises(PermissionDenied):
        licenses.change_status(session, overseer, license_id, action="revoke", reason="越权")
    with pytest.raises(NotFound):
        licenses.pdf_bytes(session, overseer, license_id)


@pytest.mark.db
def test_validity_from_29_february(session) -> None:  # type: ignore[no-untyped-def]
    assert licenses._add_years(dt.date(2028, 2, 29), 5) == dt.date(2033, 2, 28)
    assert licenses._add_years(dt.date(2026, 3, 2), 5) == dt.date(2031, 3, 1)


def test_an_approval_queued_before_the_upgrade_still_issues_its_licence(session, engine) -> None:  # type: ignore[no-untyped-def]
    """An approval event from before approvals carried their licence basis (no actor, no licence in the payload):
    the case domain publishes the basis under its own topic and the licence is issued from it, once."""
    register_all()
    w = lf.world(session)
    no = lf.approved_case(session, w)
    event = session.scalars(select(outbox.OutboxEvent).where(outbox.OutboxEvent.subject == f"case:{no}",
                                                             outbox.OutboxEvent.topic == "case.approve")).one()
    legacy = {k: v for k, v in event.payload.items() if k not in ("actor", "license", "branches")}
    event.payload = legacy  # as written by the previous version
    session.commit()
    with clock.frozen(lf.MONDAY + dt.timedelta(minutes=5)):
        while outbox.run_once(engine):
            pass
    session.expire_all()
    assert len(licenses.for_case(session, no)) == 1
    topics = [e.topic for e in session.scalars(select(outbox.OutboxEvent).where(
        outbox.OutboxEvent.subject == f"case:{no}"))]
    assert topics.count("case.licence_basis") == 1
    assert not outbox.dead_for(session, f"case:{no}")


def test_the_worker_registers_every_domains_jobs() -> None:
    from yiwang.cases import jobs as case_jobs

    register_all()
    assert case_jobs.republish_legacy_approval in outbox.handlers_for("case.approve")
    assert license_jobs.on_case_approved in outbox.handlers_for("case.approve")
    assert "cases.supplement_reminders" in outbox._scheduled  # 容缺 reminders run in the worker
    assert "supervision.tick" in outbox._scheduled
