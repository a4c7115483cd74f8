"""The monthly figures and ranking (按月通报): work orders built through the service on chosen days, so that some
are answered late, sent back, returned as not the unit's own, called back dissatisfied, left overdue, answered by
the centre or made void; every figure checked by hand, per unit, per channel group and in total, on the API, the
page and the Excel file, and narrowed to the reader's region."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hotline import factories as hf
from tests.web.helpers import staff_login
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import Actor
from yiwang.hotline import knowledge, report
from yiwang.hotline import service as hotline
from yiwang.hotline.schemas import ActionIn, KnowledgeIn, TicketIn

REPORT_DAY = dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 on Friday 10 April, local time


def local(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=clock.LOCAL_TZ)


@dataclass
class Month:
    world: hf.World
    orders: dict[str, str]  # letter → ticket number


def _register(session: Session, actor: Actor, when: dt.datetime, *, channel: str, kind: str, department: int | None,
              region: str = "440104") -> str:
    with clock.frozen(when):
        ticket = hotline.create_ticket(session, actor, TicketIn(
            channel=channel, kind=kind, content=f"测试诉求：{channel} {kind} {when.isoformat()}",
            contact_phone="13800138000", region_code=region, department_id=department,
            dispatch=department is not None))
    return ticket.ticket_no


def _act(session: Session, actor: Actor, when: dt.datetime, no: str, action: str, **data: object) -> None:
    with clock.frozen(when):
        hotline.act(session, actor, no, ActionIn(action=action, **data))  # type: ignore[arg-type]


def _answer_and_close(session: Session, w: hf.World, unit: Actor, no: str, day: str, satisfaction: str) -> None:
    _act(session, unit, local(day, 9), no, "accept")
    _act(session, unit, local(day, 10), no, "answer", comment="已核查处理，情况如下")
    _act(session, w.operator, local(day, 11), no, "approve")
    _act(session, w.operator, local(day, 15), no, "callback", satisfaction=satisfaction, comment="已回访")


def build_month(session: Session) -> Month:
    """March 2026 in 越秀区 (working days Monday to Friday; no holidays in March):

    A  phone · complaint · 生态环境 — answered on time, called back satisfied
    B  web · complaint · 生态环境 — answered late, sent back, answered again on time, called back dissatisfied
    C  forwarded · help · 公安 — answered a day after its seven working days, called back basically satisfied
    D  enterprise · consult · 公安 — signed for, never answered: overdue since 3 March
    E  phone · complaint — dispatched to 公安, returned as not theirs, re-dispatched to 生态环境, answered on time,
       called back satisfied
    F  phone · consult — answered by the centre itself (直接答复办结)
    G  phone · consult — made void
    K  phone · complaint · 生态环境 — answered 24 March, sent back, not answered again: overdue since 27 March
    L  phone · consult · 公安 — registered 31 March, due 1 April, not signed for (overdue in April, not in March)
    I  phone · consult · 生态环境 — registered 31 March at 21:00, answered 1 April
    J  phone · consult · 公安 — registered 1 April at 00:30 (still 31 March in UTC), not signed for
    and one order of 荔湾区, registered by that district's operator.
    """
    w = hf.build(session)
    eco, psb = w.depts["生态环境"], w.depts["公安"]
    op = w.operator
    orders: dict[str, str] = {}
    orders["A"] = _register(session, op, local("2026-03-02"), channel="phone", kind="complaint", department=eco)
    _answer_and_close(session, w, w.eco, orders["A"], "2026-03-03", "满意")

    orders["B"] = _register(session, op, local("2026-03-02"), channel="web", kind="complaint", department=eco)
    _act(session, w.eco, local("2026-03-02", 14), orders["B"], "accept")
    _act(session, w.eco, local("2026-03-05"), orders["B"], "answer", comment="已处理")  # due 3-04: late
    _act(session, op, local("2026-03-05", 11), orders["B"], "send_back", comment="未说明处理结果")
    _act(session, w.eco, local("2026-03-06"), orders["B"], "answer", comment="已责令整改，3月9日复查")
    _act(session, op, local("2026-03-06", 11), orders["B"], "approve")
    _act(session, op, local("2026-03-06", 15), orders["B"], "callback", satisfaction="不满意", comment="仍有油烟")

    orders["C"] = _register(session, op, local("2026-03-02"), channel="forwarded", kind="help", department=psb)
    _answer_and_close(session, w, w.psb, orders["C"], "2026-03-12", "基本满意")  # due 3-11

    orders["D"] = _register(session, op, local("2026-03-02"), channel="enterprise", kind="consult", department=psb)
    _act(session, w.psb, local("2026-03-02", 15), orders["D"], "accept")

    orders["E"] = _register(session, op, local("2026-03-02"), channel="phone", kind="complaint", department=psb)
    _act(session, w.psb, local("2026-03-02", 16), orders["E"], "return", comment="属环保职责")
    _act(session, op, local("2026-03-03", 9), orders["E"], "dispatch", department_id=eco)
    _act(session, w.eco, local("2026-03-03", 10), orders["E"], "accept")
    _act(session, w.eco, local("2026-03-03", 11), orders["E"], "answer", comment="已处理")
    _act(session, op, local("2026-03-03", 14), orders["E"], "approve")
    _act(session, op, local("2026-03-03", 15), orders["E"], "callback", satisfaction="满意")

    orders["F"] = _register(session, op, local("2026-03-02"), channel="phone", kind="consult", department=None)
    _act(session, op, local("2026-03-02", 11), orders["F"], "resolve", comment="按知识库答复")
    orders["G"] = _register(session, op, local("2026-03-02"), channel="phone", kind="consult", department=None)
    _act(session, op, local("2026-03-02", 11), orders["G"], "void", comment="重复来电")

    orders["K"] = _register(session, op, local("2026-03-23"), channel="phone", kind="complaint", department=eco)
    _act(session, w.eco, local("2026-03-23", 14), orders["K"], "accept")
    _act(session, w.eco, local("2026-03-24"), orders["K"], "answer", comment="已处理")
    _act(session, op, local("2026-03-24", 11), orders["K"], "send_back", comment="答复过于简单")  # due 3-26
    orders["L"] = _register(session, op, local("2026-03-31"), channel="phone", kind="consult", department=psb)

    orders["I"] = _register(session, op, local("2026-03-31", 21), channel="phone", kind="consult", department=eco)
    _act(session, w.eco, local("2026-04-01", 9), orders["I"], "accept")
    _act(session, w.eco, local("2026-04-01", 10), orders["I"], "answer", comment="已答复")
    orders["J"] = _register(session, op, local("2026-04-01", 0, 30), channel="phone", kind="consult", department=psb)

    orders["LW"] = _register(session, w.outsider, local("2026-03-02"), channel="phone", kind="consult",
                             department=None, region="440103")

    # the knowledge base: one answer current, one past its review date by the report day
    with clock.frozen(local("2026-03-02")):
        for title, due in (("餐饮油烟投诉怎么处理", None), ("噪声扰民的处理时限", dt.date(2026, 3, 20))):
            knowledge.save(session, op, KnowledgeIn(title=title, topic="生态环境", answer="由生态环境分局依法处理。",
                                                    department_id=eco, review_due=due))
    session.flush()
    return Month(w, orders)


FIGURE_NAMES = ("registered", "voided", "dispatched", "answered", "answered_on_time", "answered_returned", "closed",
                "called_back", "satisfied", "overdue_open", "returns")


def numbers(row: report.Figures) -> tuple[int, ...]:
    return tuple(getattr(row, name) for name in FIGURE_NAMES)


#                      reg void disp ans ontime ret closed cb sat overdue returns
ECO_MARCH = (5, 0, 5, 3, 3, 1, 3, 3, 2, 1, 0)
PSB_MARCH = (3, 0, 3, 1, 0, 0, 1, 1, 1, 1, 1)
CENTRE_MARCH = (2, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0)
TOTAL_MARCH = (10, 1, 8, 5, 4, 1, 5, 4, 3, 2, 1)
HOTLINE_MARCH = (8, 1, 6, 4, 4, 1, 4, 3, 2, 1, 1)
MESSAGES_MARCH = (1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0)
ENTERPRISE_MARCH = (1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0)


def test_every_figure_of_march_by_hand(session: Session) -> None:
    m = build_month(session)
    with clock.frozen(REPORT_DAY):
        got = report.monthly_report(session, m.world.operator, report.parse_month("2026-03"))
    assert got.title == "12345热线办理情况通报（2026年3月）"
    assert got.as_of == dt.date(2026, 3, 31)
    assert numbers(got.total) == TOTAL_MARCH
    assert numbers(got.centre) == CENTRE_MARCH
    # 公安 first: ranked by satisfaction (100% against 66.7%) although it answered nothing on time
    assert [(u.rank, u.name) for u in got.units] == [(1, hf.PSB), (2, hf.ECO)]
    psb, eco = got.units
    assert numbers(psb) == PSB_MARCH and numbers(eco) == ECO_MARCH
    assert (eco.on_time_rate.text, eco.satisfaction_rate.text, eco.returned_rate.text) == ("100.0%", "66.7%", "33.3%")
    assert (psb.on_time_rate.text, psb.satisfaction_rate.text, psb.returned_rate.text) == ("0.0%", "100.0%", "0.0%")
    t = got.total
    assert (t.on_time_rate.text, t.satisfaction_rate.text, t.returned_rate.text) == ("80.0%", "75.0%", "20.0%")
    channels = {c.group: c for c in got.channels}
    assert list(channels) == ["hotline", "messages", "enterprise"]
    assert numbers(channels["hotline"]) == HOTLINE_MARCH
    assert numbers(channels["messages"]) == MESSAGES_MARCH
    assert numbers(channels["enterprise"]) == ENTERPRISE_MARCH
    assert channels["messages"].on_time_rate.text == "0.0%"
    assert channels["enterprise"].on_time_rate.text == "—" and channels["enterprise"].satisfaction_rate.value is None
    assert (got.knowledge.total, got.knowledge.stale, got.knowledge.current_rate.text) == (2, 1, "50.0%")


def test_april_counts_what_happened_in_april(session: Session) -> None:
    m = build_month(session)
    with clock.frozen(REPORT_DAY):
        got = report.monthly_report(session, m.world.operator, report.parse_month(""))  # the current month
    assert got.month.key == "2026-04" and got.as_of == dt.date(2026, 4, 9)
    by_name = {u.name: u for u in got.units}
    # I: registered in March, answered in April; J: registered just after local midnight; K still overdue; D, J
    # and L (due 1 April) overdue now
    assert numbers(by_name[hf.ECO]) == (0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0)
    assert numbers(by_name[hf.PSB]) == (1, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0)
    assert [u.rank for u in got.units] == [None, None]  # no callback in April: nobody is ranked
    assert numbers(got.total) == (1, 0, 1, 1, 1, 0, 0, 0, 0, 4, 0)
    assert got.centre.empty


def test_the_figures_are_narrowed_to_the_readers_region(session: Session) -> None:
    m = build_month(session)
    with clock.frozen(REPORT_DAY):
        other = report.monthly_report(session, m.world.outsider, report.parse_month("2026-03"))
        assert other.units == [] and numbers(other.total) == (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        assert numbers(other.centre) == numbers(other.total)
        assert (other.knowledge.total, other.knowledge.stale) == (0, 0)
        for liaison in (m.world.eco, m.world.person):
            with pytest.raises(PermissionDenied):
                report.monthly_report(session, liaison, report.parse_month("2026-03"))


@pytest.mark.parametrize(("raw", "code"), [
    ("2026-13", "invalid_month"), ("2026-3", "invalid_month"), ("march", "invalid_month"), ("1999-12", "invalid_month"),
    ("2026-03-01", "invalid_month"), ("2026-05", "future_month")])
def test_a_bad_month_is_refused_in_chinese(raw: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        report.parse_month(raw, today=dt.date(2026, 4, 10))
    assert refused.value.code == code and refused.value.field == "month"
    assert "月份" in refused.value.message


def test_months_and_rates() -> None:
    assert report.parse_month(" 2026-12 ", today=dt.date(2026, 12, 31)).next_first == dt.date(2027, 1, 1)
    start, end = report.Month(2026, 3).bounds()
    assert (start.isoformat(), end.isoformat()) == ("2026-02-28T16:00:00+00:00", "2026-03-31T16:00:00+00:00")
    assert (report.Rate(2, 3).text, report.Rate(2, 3).value) == ("66.7%", 0.6667)
    assert (report.Rate(0, 0).text, report.Rate(0, 0).value) == ("—", None)
    assert report.Rate(1, 8).text == "12.5%"


def _unit(name: str, satisfied: int, called_back: int, on_time: int, answered: int) -> report.UnitRow:
    return report.UnitRow(name=name, satisfied=satisfied, called_back=called_back, answered_on_time=on_time,
                          answered=answered)


def test_ranking_by_satisfaction_then_on_time_with_shared_ranks() -> None:
    rows = report.rank([_unit("丁", 0, 0, 5, 5), _unit("丙", 1, 2, 1, 1), _unit("甲", 2, 2, 1, 2),
                        _unit("乙", 4, 4, 3, 4), _unit("戊", 1, 2, 1, 1), _unit("己", 1, 2, 0, 0)])
    assert [(r.name, r.rank) for r in rows] == [("乙", 1), ("甲", 2), ("丙", 3), ("戊", 3), ("己", 5), ("丁", None)]


def _trimmed(row: tuple[object, ...]) -> list[object]:
    """A sheet row without the empty cells after its last value (the sheet is as wide as its widest table)."""
    cells = list(row)
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def test_the_api_page_and_excel_carry_the_same_numbers(session: Session, client: TestClient) -> None:
    build_month(session)
    f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    session.commit()
    with clock.frozen(REPORT_DAY):
        op = f.api_login(client, "op")
        got = client.get("/api/v1/hotline/figures", params={"month": "2026-03"}, headers=op)
        assert got.status_code == 200, got.text
        body = got.json()
        assert set(body) >= {"month", "totals", "units", "channels", "knowledge", "centre"}
        assert body["month"] == "2026-03" and body["title"] == "12345热线办理情况通报（2026年3月）"
        assert tuple(body["totals"][k] for k in FIGURE_NAMES) == TOTAL_MARCH
        assert body["totals"]["on_time_rate"] == 0.8 and body["totals"]["satisfaction_rate"] == 0.75
        assert [(u["rank"], u["department"]) for u in body["units"]] == [(1, hf.PSB), (2, hf.ECO)]
        assert body["units"][1]["satisfaction_rate"] == 0.6667 and body["units"][1]["returned_rate"] == 0.3333
        assert body["channels"][2]["group"] == "enterprise" and body["channels"][2]["on_time_rate"] is None
        assert body["knowledge"] == {"total": 2, "stale": 1, "current": 1, "current_rate": 0.5}
        assert client.get("/api/v1/hotline/figures", headers=op).json()["month"] == "2026-04"
        bad = client.get("/api/v1/hotline/figures", params={"month": "2026/03"}, headers=op)
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "month"
        assert "月份格式应为" in bad.json()["error"]["message"]
        assert client.get("/api/v1/hotline/figures", params={"month": "2026-05"}, headers=op).status_code == 422
        eco = f.api_login(client, "eco")
        refused = client.get("/api/v1/hotline/figures", params={"month": "2026-03"}, headers=eco)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert client.get("/api/v1/hotline/figures").status_code == 401
        lw = client.get("/api/v1/hotline/figures", params={"month": "2026-03"}, headers=f.api_login(client, "op_lw"))
        assert lw.json()["units"] == [] and lw.json()["totals"]["registered"] == 1

        staff_login(client, "jiancha")  # a supervisor of the district reaches it from the console's tabs
        assert 'href="/console/hotline/report"' in client.get("/console/hall/report").text
        page = client.get("/console/hotline/report?month=2026-03")
        assert page.status_code == 200
        html = page.text
        assert "12345热线办理情况通报（2026年3月）" in html
        assert html.index(hf.PSB) < html.index(hf.ECO) < html.index(report.CENTRE_LABEL)
        for text in ("66.7%", "2/3", "80.0%", "4/5", "75.0%", "3/4", "33.3%", "在用答复口径", "50.0%"):
            assert text in html, text
        assert 'href="/console/hotline/report.xlsx?month=2026-03"' in html
        assert client.get("/console/hotline/report").text.count("2026年4月") >= 1  # the current month by default
        for bad_month in ("2026-13", "yesterday", "2026-3", "'; drop table hotline_ticket; --"):
            refused_page = client.get("/console/hotline/report", params={"month": bad_month})
            assert refused_page.status_code == 422 and "月份格式应为 YYYY-MM" in refused_page.text
            assert client.get("/console/hotline/report.xlsx", params={"month": bad_month}).status_code == 422
        future = client.get("/console/hotline/report", params={"month": "2026-05"})
        assert future.status_code == 422 and "不能统计尚未开始的月份" in future.text

        xlsx = client.get("/console/hotline/report.xlsx?month=2026-03")
        assert xlsx.status_code == 200 and "hotline-report-2026-03.xlsx" in xlsx.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None
        rows = [_trimmed(r) for r in sheet.iter_rows(values_only=True)]
        assert rows[0][0] == "12345热线办理情况通报（2026年3月）"
        header = rows.index(report.UNIT_HEADERS)
        ranking = rows[header + 1:header + 4]
        assert [r[:2] for r in ranking] == [[1, hf.PSB], [2, hf.ECO], ["—", report.CENTRE_LABEL]]
        # counts, then the on-time, satisfaction and returned-answer rates
        assert ranking[0][2:] == [3, 3, 1, 1, 1, 1, 1, 0.0, 1.0, 0.0]
        assert ranking[1][2:] == [5, 5, 3, 3, 3, 1, 0, 1.0, 0.6667, 0.3333]
        assert ranking[2][2:] == [2, 0, 1, 1, 0, 0, 0, 1.0, "—", 0.0]
        assert sheet.cell(header + 2, 11).number_format == "0.0%"
        channel_header = rows.index(report.CHANNEL_HEADERS)
        assert [r[0] for r in rows[channel_header + 1:channel_header + 4]] == [c[1] for c in report.CHANNEL_GROUPS]
        assert rows[channel_header + 3][-3:] == ["—", "—", "—"]  # enterprise requests: nothing answered yet
        total_header = rows.index(report.TOTAL_HEADERS)
        assert rows[total_header + 1] == ["全部工单", 10, 8, 5, 5, 4, 2, 1, 1, 0.8, 0.75, 0.2]
        client.cookies.clear()

        staff_login(client, "op_lw")  # another district's operator sees none of these orders
        other = client.get("/console/hotline/report?month=2026-03").text
        assert hf.ECO not in other and hf.PSB not in other
        lw_sheet = load_workbook(io.BytesIO(client.get("/console/hotline/report.xlsx?month=2026-03").content)).active
        assert lw_sheet is not None
        assert hf.ECO not in [c for r in lw_sheet.iter_rows(values_only=True) for c in r]
        client.cookies.clear()

        staff_login(client, "eco")  # a liaison has no HOTLINE_REPORT
        assert client.get("/console/hotline/report").status_code == 403
        assert client.get("/console/hotline/report.xlsx").status_code == 403
        client.cookies.clear()
        assert client.get("/console/hotline/report", follow_redirects=False).status_code in (302, 303)
        assert client.get("/console/hotline/report.xlsx", follow_redirects=False).status_code in (302, 303)
