"""一件事 pages without JavaScript: the entrance and a bundle's guide for anyone, the one application for the
enterprise (a refusal shown again in Chinese with what was entered, nothing filed), following it, the staff
queue and the supervision console's 一件事 tab."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests import factories as f
from tests.bundles import world as bw
from tests.web.helpers import applicant_login, csrf_of, staff_login
from yiwang.bundles import service as bundles
from yiwang.bundles.models import BundleApplication
from yiwang.cases.models import Case


def _form(client, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, page.text
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token
    return {"csrf_token": csrf_of(page.text), "form_token": token.group(1)}


def _files(count: int) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [(f"m{i}", (f"m{i}.pdf", bw.PDF + str(i).encode(), "application/pdf")) for i in range(count)]


def test_the_entrance_and_the_guide_are_public(client, session) -> None:  # type: ignore[no-untyped-def]
    bw.world(session)
    session.commit()
    home = client.get("/")
    assert 'href="/bundles/YJS-TEST-QYKB"' in home.text
    entrance = client.get("/bundles")
    assert entrance.status_code == 200 and "企业开办" in entrance.text and "涉及 3 个事项、3 个部门" in entrance.text
    assert "企业开办" not in client.get("/bundles", params={"q": "出生"}).text.split("</header>")[1]
    guide = client.get(f"/bundles/{bw.BUNDLE}")
    assert "申请材料（共 6 份，各事项合计需 9 份）" in guide.text
    assert client.get("/bundles/NOPE").status_code == 404


def test_the_enterprise_applies_once_and_follows_one_application(client, session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    session.commit()
    applicant_login(client, w.uscc)
    url = f"/bundles/{bw.BUNDLE}/apply"
    form = {k: str(v) for k, v in bw.FORM.items()}
    # without the tax form's required field: shown again with the message, what was entered kept, nothing filed
    refused = client.post(url, data=_form(client, url) | (form | {"invoice_kind": ""}), files=_files(6),
                          follow_redirects=False)
    assert refused.status_code == 422 and "申请尚未提交" in refused.text
    assert 'value="示范餐饮有限公司"' in refused.text
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    done = client.post(url, data=_form(client, url) | form, files=_files(6), follow_redirects=False)
    assert done.status_code == 303, done.text
    location = done.headers["location"]
    assert location.startswith("/my/bundles/YJS")
    page = client.get(location)
    assert "申请已提交" in page.text and "办理中" in page.text and page.text.count('href="/my/cases/') == 3
    assert client.get("/my/bundles").text.count('href="/my/bundles/YJS') == 1
    session.rollback()
    assert session.scalar(select(func.count()).select_from(BundleApplication)) == 1


def test_a_subset_of_items_asks_only_their_fields_and_materials(client, session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    session.commit()
    applicant_login(client, w.uscc)
    page = client.get(f"/bundles/{bw.BUNDLE}/apply", params={"items": [w.codes[2]]})
    assert "申请材料（2 份）" in page.text and 'id="f-invoice_kind"' in page.text and 'id="f-premises"' not in page.text
    assert f'name="items" value="{w.codes[2]}"' in page.text  # the choice travels with the form
    url = f"/bundles/{bw.BUNDLE}/apply"
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token
    data = {"csrf_token": csrf_of(page.text), "form_token": token.group(1), "items": w.codes[2],
            "enterprise_name": "示范餐饮有限公司", "contact_phone": "13900139000", "invoice_kind": "普通发票"}
    done = client.post(url, data=data, files=_files(2), follow_redirects=False)
    assert done.status_code == 303, done.text
    session.rollback()
    assert [c.item_code for c in session.scalars(select(Case))] == [w.codes[2]]


def test_staff_see_the_queue_and_supervisors_the_coverage(client, session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    f.staff(session, "sup", ["supervisor"], "区纪委监委")
    app = bundles.submit(session, w.applicant, bundle_code=bw.BUNDLE, form=bw.FORM,
                         materials=[bundles.MaterialGiven(m["name"], m["file_id"])
                                    for m in bw.materials(session, w.applicant)])
    session.commit()
    staff_login(client, "tax")
    queue = client.get("/workbench/bundles")
    assert queue.status_code == 200 and app.application_no in queue.text
    detail = client.get(f"/workbench/bundles/{app.application_no}")
    # the tax office opens its own case; the other departments' are shown by item, department and status
    assert detail.status_code == 200 and detail.text.count('href="/workbench/cases/') == 1
    assert detail.text.count("（其他部门办理）") == 2
    client.cookies.clear()
    staff_login(client, "edu")  # a department with no case of it
    assert app.application_no not in client.get("/workbench/bundles").text
    assert client.get(f"/workbench/bundles/{app.application_no}").status_code == 404
    client.cookies.clear()
    staff_login(client, "sup")
    console = client.get("/console/bundles")
    assert console.status_code == 200 and app.application_no in console.text
    assert re.search(r'id="coverage-rate">100\.0%<', console.text)


def test_the_bundle_window_files_for_an_enterprise(client, session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    session.commit()
    staff_login(client, "clerk")
    choose = client.get("/workbench/bundles/intake")
    assert choose.status_code == 200 and f'href="/workbench/bundles/intake/{bw.BUNDLE}"' in choose.text
    url = f"/workbench/bundles/intake/{bw.BUNDLE}"
    form = {k: str(v) for k, v in bw.FORM.items()}
    unnamed = client.post(url, data=_form(client, url) | form, files=_files(6), follow_redirects=False)
    assert unnamed.status_code == 422 and "请输入申请人的身份证号码或统一社会信用代码" in unnamed.text
    unknown = client.post(url, data=_form(client, url) | form | {"applicant_code": "91440104MA0000000X"},
                          files=_files(6), follow_redirects=False)
    assert unknown.status_code in (404, 422) and 'id="applicant_code-error"' in unknown.text
    done = client.post(url, data=_form(client, url) | form | {"applicant_code": w.uscc}, files=_files(6),
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/workbench/bundles/YJS")
    session.rollback()
    app = session.scalars(select(BundleApplication)).one()
    assert app.channel == "window" and app.applicant == w.applicant.label
    assert client.get(done.headers["location"]).text.count('href="/workbench/cases/') == 3
    client.cookies.clear()
    staff_login(client, "tax")  # a handler does not take applications at the window
    assert client.get("/workbench/bundles/intake").status_code == 403
