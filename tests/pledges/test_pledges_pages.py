"""The pledge pages: the public 公示 (no ID number or phone), the department's queue and a task page recording a
false pledge with an evidence file, the applicant's credit section and the apply page's disabled pledge."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.cases import factories as cw
from tests.pledges import factories as pf
from tests.web.helpers import applicant_login, csrf_of, staff_login


def test_public_page_queue_task_and_the_applicants_pages(app, session, engine) -> None:  # type: ignore[no-untyped-def]
    w = pf.world(session)
    no = pf.approved_pledged(session, engine, w)
    session.commit()

    public = TestClient(app).get("/pledges", params={"q": "测试许可事项"})
    assert public.status_code == 200 and "告知承诺公示" in public.text and "张*" in public.text
    assert "GS2026" in public.text and no not in public.text  # a publication number, never the case number
    assert w.applicant_id not in public.text and "13800138000" not in public.text and "张三" not in public.text
    assert "GS2026" not in TestClient(app).get("/pledges", params={"q": "不存在的事项"}).text

    other = TestClient(app)
    staff_login(other, "other")
    assert no not in other.get("/workbench/pledge-checks").text

    approver = TestClient(app)
    staff_login(approver, "approver")
    queue = approver.get("/workbench/pledge-checks")
    assert queue.status_code == 200 and no in queue.text and "已超期" in queue.text  # today is past March
    link = re.search(r'href="(/workbench/pledge-checks/\d+)"', queue.text)
    assert link
    page = approver.get(link.group(1))
    assert page.status_code == 200 and 'value="false_pledge"' in page.text and "张三" in page.text
    assert other.get(link.group(1)).status_code == 404
    form = {"csrf_token": csrf_of(page.text), "version": re.search(r'name="version" value="(\d+)"', page.text).group(1)}
    missing = approver.post(link.group(1) + "/result", data=form | {"result": "false_pledge", "note": ""})
    assert missing.status_code == 422 and "请填写核查情况说明" in missing.text
    done = approver.post(link.group(1) + "/result", data=form | {"result": "false_pledge", "note": "经营场所不存在"},
                         files={"evidence": ("核查记录.pdf", cw.PDF, "application/pdf")}, follow_redirects=False)
    assert done.status_code == 303, done.text
    shown = approver.get(done.headers["location"])
    assert "已认定承诺不实" in shown.text and "承诺不实" in shown.text and "下载核查证明文件" in shown.text
    assert approver.get(link.group(1) + "/evidence").content == cw.PDF

    applicant = TestClient(app)
    applicant_login(applicant, w.applicant_id)
    mine = applicant.get(f"/my/cases/{no}")
    assert "已撤销（承诺不实）" in mine.text and "经营场所不存在" in mine.text  # the status and the reason
    account = applicant.get("/my/phone")
    assert "我的信用记录" in account.text and "告知承诺不实" in account.text and no in account.text
    apply = applicant.get(f"/apply/{w.code}")
    assert apply.status_code == 200 and 'id="pledge-barred"' in apply.text and 'name="pledge"' not in apply.text
    assert "承诺不实，已撤销许可" in TestClient(app).get("/pledges").text
