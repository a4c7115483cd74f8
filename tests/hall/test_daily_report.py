"""The hall's daily report (政务服务事项日报): every figure computed by hand on a small fixed day, the scope, and
the page with its CSV and Excel exports carrying the same numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hall import factories as hf
from tests.web.helpers import staff_login
from yiwang.core import clock
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.core.permissions import ANONYMOUS, SYSTEM
from yiwang.hall import report
from yiwang.hall import service as hall

DAY = hf.MONDAY.date()  # 2 March 2026


def at(minutes: int) -> dt.datetime:
    """``minutes`` after 09:00 on Monday in Guangzhou (01:00 UTC)."""
    return dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)


def build_day(session: Session) -> hf.Hall:
    """The fixed day (times are minutes after 09:00):

    tickets  A001 T0, A002 T1, A003 T2 elderly, C004 T3 (专项 item), A005 T4 (cancelled T25),
             A006 T5 (appointment check-in), A007 T6
    H1-01    T10 calls A003 · serves T12 · finishes T20 办结 (rated 1)
             T21 calls A001 · T23 calls next: A001 skipped, A002 called · serves T24 · finishes T30 补正 (rated 5)
             T33 calls A001 (requeued by the desk at T26) · serves T34 · finishes T40 咨询
    H1-02    T11 calls A006 · serves T13 · transfers it to 专项 at T16 · T31 calls A007 (never served: expired)
    H1-03    T14 calls C004 · serves T15 · finishes T18 咨询 (rated 2)
             T21 calls A006 · serves T22 · finishes T32 收件
    appointments  综合 09:00 checked in (A006), 综合 09:30 no-show, 专项 09:30 cancelled
    """
    h = hf.build(session)
    p1, p2, p3 = h.w.applicant, f.person(session, "李四")[0], f.person(session, "王五")[0]
    hall.set_terminal_key(session, SYSTEM, "H1-01", "tablet-1")
    hall.set_terminal_key(session, SYSTEM, "H1-03", "tablet-3")
    clerk, clerk2, special = h.w.clerk, h.clerk2, h.special
    with clock.frozen(at(-60)):
        a1 = hall.book(session, p1, hall_code="H1", day=DAY, start="09:00", window_type="综合")
        hall.book(session, p2, hall_code="H1", day=DAY, start="09:30", window_type="综合")
        a3 = hall.book(session, p3, hall_code="H1", day=DAY, start="09:30", window_type="专项")
        hall.cancel_appointment(session, p3, a3.appointment_no)
    taken = []
    for minute, kw in [(0, {}), (1, {}), (2, {"priority": "elderly"}), (3, {"item_code": h.w.code}), (4, {})]:
        with clock.frozen(at(minute)):
            taken.append(hall.take_ticket(session, ANONYMOUS, "H1", source="kiosk", **kw).ticket_no)
    with clock.frozen(at(5)):
        taken.append(hall.check_in(session, p1, a1.appointment_no).ticket_no)
    with clock.frozen(at(6)):
        taken.append(hall.take_ticket(session, ANONYMOUS, "H1").ticket_no)
    assert taken == ["A001", "A002", "A003", "C004", "A005", "A006", "A007"]

    def step(minute: int, call, *args, **kw):  # type: ignore[no-untyped-def]
        with clock.frozen(at(minute)):
            return call(session, *args, **kw)

    visits = {}
    assert step(10, hall.call_next, clerk, "H1-01").ticket_no == "A003"
    assert step(11, hall.call_next, clerk2, "H1-02").ticket_no == "A006"
    step(12, hall.serve, clerk, "H1-01")
    step(13, hall.serve, clerk2, "H1-02")
    assert step(14, hall.call_next, special, "H1-03").ticket_no == "C004"
    step(15, hall.serve, special, "H1-03")
    step(16, hall.transfer, clerk2, "H1-02", window_type="专项", reason="需专项窗口办理")
    visits["C004"] = step(18, hall.finish, special, "H1-03", outcome="consult").visit_no
    visits["A003"] = step(20, hall.finish, clerk, "H1-01", outcome="concluded").visit_no
    assert step(21, hall.call_next, clerk, "H1-01").ticket_no == "A001"
    assert step(21, hall.call_next, special, "H1-03").ticket_no == "A006"
    step(22, hall.serve, special, "H1-03")
    second = step(23, hall.call_next, clerk, "H1-01")
    assert (second.ticket_no, second.skipped) == ("A002", "A001")
    step(24, hall.serve, clerk, "H1-01")
    step(25, hall.cancel_ticket, clerk, "H1", "A005")
    step(26, hall.requeue, clerk, "H1", "A001")
    visits["A002"] = step(30, hall.finish, clerk, "H1-01", outcome="correction").visit_no
    assert step(31, hall.call_next, clerk2, "H1-02").ticket_no == "A007"
    step(32, hall.finish, special, "H1-03", outcome="intake")
    assert step(33, hall.call_next, clerk, "H1-01").ticket_no == "A001"
    step(34, hall.serve, clerk, "H1-01")
    step(40, hall.finish, clerk, "H1-01", outcome="consult")
    step(41, hall.rate_visit, "H1-01", "tablet-1", visit_no=visits["A003"], level=1)
    step(41, hall.rate_visit, "H1-01", "tablet-1", visit_no=visits["A002"], level=5, reasons=["attitude"])
    step(41, hall.rate_visit, "H1-03", "tablet-3", visit_no=visits["C004"], level=2)
    with clock.frozen(hf.MONDAY + dt.timedelta(days=1)):  # the next morning's sweep
        assert hall.sweep(session) == {"expired": 1, "no_show": 1}
    session.commit()
    return h


GENERAL = {"taken": 6, "called": 5, "served": 3, "skipped": 1, "cancelled": 1, "expired": 1,
           # waits 6, 7, 8, 21, 22, 25 (A006 6, A001 again T26→T33 7, A003 8, A001 21, A002 22, A007 25)
           "wait_p50": 14.5, "wait_p90": 23.5,
           "service_p50": 6.0, "service_mean": 6.7,  # 8, 6, 6
           "outcomes": {"concluded": 1, "intake": 0, "consult": 1, "correction": 1},
           "appointments": 2, "appointments_kept": 1, "appointments_no_show": 1, "appointments_cancelled": 0,
           "ratings": 2, "good": 1, "bad": 1, "satisfaction": 0.5}
SPECIAL = {"taken": 1, "called": 2, "served": 2, "skipped": 0, "cancelled": 0, "expired": 0,
           # waits C004 11, A006 5 (from its transfer at T16 to the call at T21)
           "wait_p50": 8.0, "wait_p90": 10.4,
           "service_p50": 6.5, "service_mean": 6.5,  # 3, 10
           "outcomes": {"concluded": 0, "intake": 1, "consult": 1, "correction": 0},
           "appointments": 1, "appointments_kept": 0, "appointments_no_show": 0, "appointments_cancelled": 1,
           "ratings": 1, "good": 1, "bad": 0, "satisfaction": 1.0}
TOTAL = {"taken": 7, "called": 6, "served": 5, "skipped": 1, "cancelled": 1, "expired": 1,
         # waits 5, 6, 7, 8, 11, 21, 22, 25
         "wait_p50": 9.5, "wait_p90": 22.9,
         "service_p50": 6.0, "service_mean": 6.6,  # 3, 6, 6, 8, 10
         "outcomes": {"concluded": 1, "intake": 1, "consult": 2, "correction": 1},
         "appointments": 3, "appointments_kept": 1, "appointments_no_show": 1, "appointments_cancelled": 1,
         "ratings": 3, "good": 2, "bad": 1, "satisfaction": 0.6667}


def figures(row: report.HallDayRow) -> dict[str, object]:
    return {k: getattr(row, k) for k in GENERAL}


def test_every_figure_of_the_day_by_hand(session: Session) -> None:
    h = build_day(session)
    days = report.daily_report(session, h.w.clerk, day=DAY)
    assert [d.hall_code for d in days] == ["H1"]
    day = days[0]
    assert [r.window_type for r in day.rows] == ["综合", "专项"]  # the 一件事 window had nothing to report
    assert figures(day.rows[0]) == GENERAL
    assert figures(day.rows[1]) == SPECIAL
    assert figures(day.total) == TOTAL
    other_day = report.daily_report(session, h.w.clerk, day=DAY + dt.timedelta(days=1), hall_code="H1")[0]
    assert other_day.rows == [] and other_day.total.empty


def test_the_report_is_narrowed_to_the_viewers_halls(session: Session) -> None:
    h = hf.build(session)
    tianhe = f.staff(session, "tianhe_jiancha", ["supervisor"], "天河区纪委监委", "440106")
    yuexiu = f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    assert report.daily_report(session, tianhe, day=DAY) == []
    with pytest.raises(NotFound):
        report.daily_report(session, tianhe, day=DAY, hall_code="H1")
    with pytest.raises(NotFound):
        report.daily_report(session, h.outsider, day=DAY, hall_code="H1")  # a window clerk of another district
    assert [d.hall_code for d in report.daily_report(session, yuexiu, day=DAY)] == ["H1"]
    with pytest.raises(PermissionDenied):
        report.daily_report(session, h.w.applicant, day=DAY)
    with pytest.raises(PermissionDenied):
        report.daily_report(session, h.w.approver, day=DAY)  # a department approver has no HALL_REPORT


def test_percentiles_interpolate_between_ranks() -> None:
    assert report.percentile([], 50) is None
    assert report.percentile([3.0], 90) == 3.0
    assert report.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert report.percentile([10.0, 0.0, 5.0], 90) == pytest.approx(9.0)


def _expected_cells(expected: dict[str, object]) -> list[object]:
    out: list[object] = []
    for key, _ in report.COLUMNS:
        if key.startswith("outcome_"):
            out.append(expected["outcomes"][key.removeprefix("outcome_")])  # type: ignore[index]
        else:
            out.append(expected[key])
    return out


def test_the_page_and_its_csv_and_excel_carry_the_same_numbers(session: Session, client) -> None:  # type: ignore[no-untyped-def]
    build_day(session)
    f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    f.staff(session, "tianhe_jiancha", ["supervisor"], "天河区纪委监委", "440106")
    f.staff(session, "banli", ["handler"], "区卫生健康局")
    session.commit()

    staff_login(client, "jiancha")
    page = client.get("/console/hall/report?date=2026-03-02")
    assert page.status_code == 200 and "越秀区政务服务中心" in page.text and "综合窗口" in page.text
    assert "14.5 / 23.5" in page.text and "66.7%" in page.text  # the total's satisfaction
    assert 'href="/console/hall/report"' in client.get("/console/scores").text  # the console's navigation
    for bad in ("2026-13-01", "yesterday", "2026-3-2", "'; drop table hall; --"):
        refused = client.get("/console/hall/report", params={"date": bad})
        assert refused.status_code == 422 and "日期格式应为" in refused.text
        assert client.get("/console/hall/report.csv", params={"date": bad}).status_code == 422
        assert client.get("/console/hall/report.xlsx", params={"date": bad}).status_code == 422
    assert client.get("/console/hall/report?hall=NOPE").status_code == 404

    want = [["综合窗口", *_expected_cells(GENERAL)], ["专项窗口", *_expected_cells(SPECIAL)],
            ["合计", *_expected_cells(TOTAL)]]
    got_csv = client.get("/console/hall/report.csv?date=2026-03-02&hall=H1")
    assert got_csv.status_code == 200 and got_csv.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(got_csv.content.decode("utf-8-sig"))))
    assert rows[0] == report.HEADERS
    assert [r[:3] for r in rows[1:]] == [["2026-03-02", "H1", "越秀区政务服务中心"]] * 3

    def as_csv(value: object) -> str:
        return "" if value is None else str(value)

    assert [r[3:] for r in rows[1:]] == [[as_csv(v) for v in line] for line in want]

    got_xlsx = client.get("/console/hall/report.xlsx?date=2026-03-02")
    assert got_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(got_xlsx.content)).active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert list(cells[0]) == report.HEADERS
    assert [r[3:] for r in cells[1:]] == want
    client.cookies.clear()

    staff_login(client, "tianhe_jiancha")  # another district's supervisor sees no hall
    other = client.get("/console/hall/report?date=2026-03-02")
    assert other.status_code == 200 and "越秀区政务服务中心" not in other.text and "没有服务大厅" in other.text
    assert len(list(csv.reader(io.StringIO(
        client.get("/console/hall/report.csv?date=2026-03-02").content.decode("utf-8-sig"))))) == 1
    assert client.get("/console/hall/report?hall=H1").status_code == 404
    client.cookies.clear()

    staff_login(client, "banli")  # a handler has no HALL_REPORT
    assert client.get("/console/hall/report").status_code == 403
    client.cookies.clear()
    assert client.get("/console/hall/report.csv", follow_redirects=False).status_code in (302, 303)
