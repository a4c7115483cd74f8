"""一件事: the catalog contract for bundles, the merged application, filing all cases at once (or none),
idempotency, following one application, and delivering every result together."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.bundles import world as bw
from yiwang.bundles import jobs as bundle_jobs
from yiwang.bundles import service as bundles
from yiwang.bundles.models import BundleApplication
from yiwang.cases import service as cases
from yiwang.cases.errors import IllegalTransition
from yiwang.cases.models import Case, CaseMaterial
from yiwang.catalog import transfer
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.permissions import SYSTEM


def _given(session: Session, w: bw.BundleWorld, names: list[str] | None = None) -> list[bundles.MaterialGiven]:
    return [bundles.MaterialGiven(m["name"], m["file_id"]) for m in bw.materials(session, w.applicant, names)]


def _file(session: Session, w: bw.BundleWorld, **over: object) -> BundleApplication:
    return bundles.submit(session, over.pop("actor", w.applicant), bundle_code=bw.BUNDLE,  # type: ignore[arg-type]
                          form=over.pop("form", bw.FORM), materials=over.pop("materials", None)  # type: ignore[arg-type]
                          or _given(session, w), **over)  # type: ignore[arg-type]


def _closing_events(session: Session, app: BundleApplication) -> None:
    """What the worker does after each case closes (the job listens to the case events)."""
    for case in cases.bundle_cases(session, [app.id]):
        bundle_jobs.on_case_closed(session, {"case_no": case.case_no})


# --- the catalog contract ----------------------------------------------------------------------------------

def test_bundle_lines_import_before_their_items_and_export_back_unchanged(session: Session) -> None:
    w = bw.world(session, bundle_first=True)
    exported = list(transfer.export_records(session))
    bundle = [r for r in exported if r.get("kind") == "bundle"]
    assert bundle == [bw.bundle_lines(w.codes)]
    assert exported[-1]["kind"] == "bundle", "bundles come after the items they name"
    again = transfer.import_records(session, SYSTEM, [(str(i), r) for i, r in enumerate(exported)])
    assert again.errors == [] and again.created == 0 and again.new_version == 0
    assert again.unchanged == len(exported) and again.bundles == 1


def test_a_bundle_naming_an_unknown_item_is_reported_and_the_rest_imported(session: Session) -> None:
    w = bw.world(session)
    report = transfer.import_records(session, SYSTEM, [
        ("第 1 行", bw.bundle_lines([w.codes[0], "NO-SUCH-ITEM"], code="YJS-BAD")),
        ("第 2 行", bw.bundle_lines(w.codes[:2], code="YJS-TWO", name="两项")),
        ("第 3 行", {"kind": "bundle", "code": "YJS-ONE", "name": "一项", "items": [w.codes[0]],
                   "audience": "enterprise"})])
    reasons = dict(report.errors)
    assert "NO-SUCH-ITEM" in reasons["第 1 行"]
    assert "第 3 行" in reasons, "a bundle of one item is refused"
    assert [b.code for b in bundles.catalog.search_bundles(session)] == ["YJS-TEST-QYKB", "YJS-TWO"]


def test_changing_a_bundle_by_reimport_updates_it(session: Session) -> None:
    w = bw.world(session)
    report = transfer.import_records(session, SYSTEM, [("1", bw.bundle_lines(w.codes[:2], name="企业开办（精简）"))])
    assert report.new_version == 1
    guide = bundles.guide(session, bw.BUNDLE)
    assert guide["name"] == "企业开办（精简）" and [i["code"] for i in guide["items"]] == w.codes[:2]


# --- the merged application --------------------------------------------------------------------------------

def test_the_guide_asks_each_field_and_material_once(session: Session) -> None:
    w = bw.world(session)
    guide = bundles.guide(session, bw.BUNDLE)
    props = guide["form_schema"]["properties"]
    assert list(props) == ["enterprise_name", "contact_phone", "premises", "area", "invoice_kind"]
    assert guide["form_schema"]["x-items"]["enterprise_name"] == w.codes
    assert set(guide["form_schema"]["required"]) == {"enterprise_name", "premises", "invoice_kind"}
    names = [m["name"] for m in guide["materials"]]
    assert names == ["食品经营许可申请书", "营业执照", "经营场所使用证明", "卫生许可申请表", "卫生检测报告",
                     "税务事项申请表"]
    assert guide["materials_asked"] == 9 and len(names) == 6
    licence = guide["materials"][1]
    assert licence["items"] == w.codes and licence["license_type"] == "营业执照"
    report = guide["materials"][4]
    assert report["deficiency_allowed"] and report["items"] == [w.codes[1]]
    subset = bundles.guide(session, bw.BUNDLE, [w.codes[2]])
    assert list(subset["form_schema"]["properties"]) == ["enterprise_name", "contact_phone", "invoice_kind"]
    assert [m["name"] for m in subset["materials"]] == ["税务事项申请表", "营业执照"]


def test_one_application_files_a_case_per_item_with_its_share_of_form_and_materials(session: Session) -> None:
    w = bw.world(session)
    app = _file(session, w)
    rows = cases.bundle_cases(session, [app.id])
    assert [c.item_code for c in rows] == w.codes
    assert app.application_no.startswith("YJS") and app.item_codes == w.codes
    market, health, tax = rows
    assert market.form == {"enterprise_name": "示范餐饮有限公司", "contact_phone": "13900139000",
                           "premises": "中山五路 219 号", "area": 120}
    assert tax.form == {"enterprise_name": "示范餐饮有限公司", "contact_phone": "13900139000",
                        "invoice_kind": "普通发票"}
    files = {c.item_code: {m.name: m.file_id for m in session.scalars(
        select(CaseMaterial).where(CaseMaterial.case_id == c.id))} for c in rows}
    # one upload of the business licence serves all three cases; the 容缺 report is owed by the health case
    assert len({files[c]["营业执照"] for c in w.codes}) == 1
    assert set(files[w.codes[2]]) == {"税务事项申请表", "营业执照"}
    assert health.deferred == ["卫生检测报告"]
    view = bundles.view(session, w.applicant, app)
    assert view["status"] == "in_progress" and view["total"] == 3 and view["due"] is not None
    assert view["light"] == "green"


def test_missing_material_or_bad_form_files_nothing(session: Session) -> None:
    w = bw.world(session)
    with pytest.raises(ValidationFailed) as missing:
        _file(session, w, materials=_given(session, w, bw.NAMES[:-1]))
    assert missing.value.code == "materials_missing" and missing.value.extra["missing"] == ["税务事项申请表"]
    with pytest.raises(ValidationFailed) as unknown:
        _file(session, w, materials=_given(session, w, [*bw.NAMES, "无关材料"]))
    assert unknown.value.field == "materials.5.name"
    with pytest.raises(ValidationFailed) as bad:
        _file(session, w, form=bw.FORM | {"invoice_kind": "收据"})
    assert bad.value.field == "form.invoice_kind"
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_one_item_refusing_its_share_rolls_back_every_case(engine, session: Session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    session.commit()
    # 800 m² passes the merged form (the market item allows 10,000) but not the health item's own (≤ 500)
    with pytest.raises(DomainError) as exc:
        _file(session, w, form=bw.FORM | {"area": 800})
    session.rollback()
    assert exc.value.extra["item_code"] == w.codes[1] and "公共场所卫生许可" in exc.value.message
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert session.scalar(select(func.count()).select_from(BundleApplication)) == 0


def test_the_same_key_files_once(session: Session) -> None:
    w = bw.world(session)
    given = _given(session, w)
    first = _file(session, w, materials=given, idempotency_key="k-1")
    again = _file(session, w, materials=given, idempotency_key="k-1")
    assert again.id == first.id
    assert session.scalar(select(func.count()).select_from(Case)) == 3


def test_a_subset_and_the_wrong_audience(session: Session) -> None:
    w = bw.world(session)
    app = _file(session, w, items=[w.codes[2]], materials=_given(session, w, ["税务事项申请表", "营业执照"]))
    assert [c.item_code for c in cases.bundle_cases(session, [app.id])] == [w.codes[2]]
    with pytest.raises(ValidationFailed) as outside:
        _file(session, w, items=["NOT-IN-IT"])
    assert outside.value.code == "not_in_bundle" and outside.value.field == "items.0"
    person, _ = f.person(session)
    with pytest.raises(ValidationFailed) as who:
        bundles.submit(session, person, bundle_code=bw.BUNDLE, form=bw.FORM, materials=[])
    assert who.value.code == "audience_mismatch"


def test_a_window_files_for_the_enterprise(session: Session) -> None:
    w = bw.world(session)
    given = [bundles.MaterialGiven(n, bw.upload(session, w.clerk, n)) for n in bw.NAMES]
    app = bundles.submit(session, w.clerk, bundle_code=bw.BUNDLE, form=bw.FORM, materials=given,
                         applicant_code=w.uscc)
    assert app.applicant == w.applicant.label and app.channel == "window" and app.filed_by == w.clerk.label
    assert bundles.get(session, w.applicant, app.application_no).id == app.id


# --- following it, and who sees it -------------------------------------------------------------------------

def test_applicants_see_only_their_own_and_staff_only_where_they_see_a_case(session: Session) -> None:
    w = bw.world(session)
    app = _file(session, w)
    other, _ = f.person(session, "王五")
    for outsider in (other, w.stranger):
        with pytest.raises(NotFound):
            bundles.get(session, outsider, app.application_no)
    for staff in (w.market, w.tax, w.clerk):
        assert bundles.get(session, staff, app.application_no).id == app.id
    total, rows = bundles.list_for(session, w.tax)
    assert total == 1 and rows[0].id == app.id
    assert bundles.list_for(session, w.stranger)[0] == 0
    assert bundles.list_for(session, other)[0] == 0
    assert bundles.list_for(session, w.applicant)[0] == 1


# --- one department refusing, and delivering together -------------------------------------------------------

def test_one_department_refusing_concludes_the_rest_and_all_results_are_delivered_together(session: Session) -> None:
    w = bw.world(session)
    app = _file(session, w)
    market, health, tax = (c.case_no for c in cases.bundle_cases(session, [app.id]))
    bw.conclude(session, w.market, market)
    # a result is not delivered on its own while the others are still being handled
    with pytest.raises(IllegalTransition) as alone:
        cases.apply(session, w.market, case_no=market, action="deliver")
    assert alone.value.code == "bundle_delivers_together"
    assert "deliver" not in cases.allowed_actions(w.market, cases.get_case(session, w.market, market))
    assert cases.get_case(session, w.market, market).deliver_due is None
    _closing_events(session, app)
    assert bundles.view(session, w.applicant, app)["status"] == "in_progress"
    # the health department refuses; the tax office approves
    bw.conclude(session, w.health, health, outcome="deny")
    _closing_events(session, app)
    assert session.get(BundleApplication, app.id).delivered_at is None
    bw.conclude(session, w.tax, tax)
    _closing_events(session, app)
    view = bundles.view(session, w.applicant, app)
    assert view["status"] == "delivered" and view["due"] is None and view["light"] is None
    by_no = {c["case_no"]: c for c in view["cases"]}
    assert {n: (c["status"], c["outcome"]) for n, c in by_no.items()} == {
        market: ("delivered", "approved"), health: ("delivered", "denied"), tax: ("delivered", "approved")}
    # the delivery is on each case's timeline, by the system, once
    timeline = cases.view(session, w.market, cases.get_case(session, w.market, market)).timeline
    assert [e.action for e in timeline].count("deliver") == 1
    assert bundles.deliver_if_complete(session, app.id) == []


def test_an_application_whose_cases_all_closed_without_a_decision_is_closed(session: Session) -> None:
    w = bw.world(session)
    app = _file(session, w, items=[w.codes[2]], materials=_given(session, w, ["税务事项申请表", "营业执照"]))
    (case,) = cases.bundle_cases(session, [app.id])
    cases.apply(session, w.applicant, case_no=case.case_no, action="withdraw", comment="不办了")
    _closing_events(session, app)
    assert bundles.view(session, w.applicant, app)["status"] == "closed"


# --- supervision: the one light, and the coverage figure ----------------------------------------------------

def test_coverage_counts_the_cases_of_bundle_items_filed_through_a_bundle(session: Session) -> None:
    import datetime as dt

    from tests.catalog import factories as cf
    from yiwang.core import clock

    w = bw.world(session)
    _file(session, w)
    files = bw.materials(session, w.applicant, ["税务事项申请表", "营业执照"])
    cases.submit(session, w.applicant, item_code=w.codes[2], form={"enterprise_name": "甲", "invoice_kind": "普通发票"},
                 materials=[cases.MaterialIn(m["name"], m["file_id"]) for m in files])
    unrelated = cf.published(session, department=bw.MARKET, audience=["2"])  # in no bundle: not counted
    given = bw.materials(session, w.applicant, ["申请书", "身份证明"])
    cases.submit(session, w.applicant, item_code=unrelated, form={"contact_name": "甲", "contact_phone": "13800138000",
                                                                  "description": "申请"},
                 materials=[cases.MaterialIn(m["name"], m["file_id"]) for m in given])
    supervisor = f.staff(session, "sup", ["supervisor"], "区纪委监委")
    today = clock.today()
    whole = bundles.coverage(session, supervisor, today, today + dt.timedelta(days=1))
    assert (whole["cases"], whole["bundled"], whole["rate"], whole["items"]) == (4, 3, 75.0, 3)
    tax_only = bundles.coverage(session, w.tax, today, today + dt.timedelta(days=1))
    assert (tax_only["cases"], tax_only["bundled"]) == (2, 1)
    before = bundles.coverage(session, supervisor, today - dt.timedelta(days=30), today)
    assert before["cases"] == 0 and before["rate"] is None
    lights = bundles.open_by_light(session, supervisor)
    assert len(lights) == 1 and lights[0]["light"] == "green"


# --- what the review found -----------------------------------------------------------------------------------

def test_staff_see_other_departments_cases_by_item_and_status_only(session: Session) -> None:
    w = bw.world(session)
    app = _file(session, w)
    market, health, tax = (c.case_no for c in cases.bundle_cases(session, [app.id]))
    bw.conclude(session, w.health, health, outcome="deny")
    view = bundles.view(session, w.tax, app)
    rows = {r["item_code"]: r for r in view["cases"]}
    assert rows[w.codes[2]]["case_no"] == tax
    for code in w.codes[:2]:
        assert rows[code]["case_no"] is None and rows[code]["outcome"] is None and rows[code]["due"] is None
    assert rows[w.codes[1]]["status"] == "concluded" and rows[w.codes[1]]["department"] == bw.HEALTH
    assert health not in str(view) and market not in str(view) and "denied" not in str(view)
    # the applicant sees every case in full
    assert {r["case_no"] for r in bundles.view(session, w.applicant, app)["cases"]} == {market, health, tax}


def test_the_whole_bundle_is_the_items_open_now(session: Session) -> None:
    w = bw.world(session)
    admin = f.staff(session, "adm", ["admin"], "区政务服务数据管理局")
    bundles.catalog.retire(session, admin, code=w.codes[1], reason="暂停办理")
    app = _file(session, w, materials=_given(session, w, ["食品经营许可申请书", "营业执照", "经营场所使用证明",
                                                        "税务事项申请表"]))
    assert [c.item_code for c in cases.bundle_cases(session, [app.id])] == [w.codes[0], w.codes[2]]
    with pytest.raises(ValidationFailed) as asked:
        _file(session, w, items=[w.codes[2], w.codes[1]])
    assert asked.value.code == "item_not_published" and asked.value.field == "items.1"


def test_an_items_refusal_names_the_material_where_the_request_gave_it(session: Session) -> None:
    w = bw.world(session)
    given = _given(session, w)
    other, _ = f.person(session, "王五")
    given[3] = bundles.MaterialGiven(given[3].name, bw.upload(session, other, "别人的文件"))  # 卫生许可申请表
    with pytest.raises(ValidationFailed) as exc:
        _file(session, w, materials=given)
    assert exc.value.code == "file_not_found" and exc.value.field == "materials.3.file_id"


def test_a_concluded_bundle_case_does_not_wait_in_the_departments_queue(session: Session) -> None:
    w = bw.world(session)
    app = _file(session, w)
    market = cases.bundle_cases(session, [app.id])[0].case_no
    bw.conclude(session, w.market, market)
    _, mine = cases.list_cases(session, w.market, mine=True)
    assert market not in [c.case_no for c in mine]


def test_staff_define_bundles_of_items_within_their_scope(session: Session) -> None:
    w = bw.world(session)
    elsewhere = f.staff(session, "adm2", ["admin"], "天河区政务服务数据管理局", region_code="440106")
    with pytest.raises(ValidationFailed) as exc:
        bundles.catalog.bundle_catalog.import_bundle(
            session, elsewhere, bundles.catalog.bundle_catalog.BundleIn.model_validate(
                bw.bundle_lines(w.codes[:2], code="YJS-OTHER")))
    assert exc.value.code == "item_out_of_scope" and exc.value.field == "items.0"
