"""The supervision tick: each rule at its boundary, idempotence, suspensions, cards, orders, the API and CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests import factories as f
from tests.cases import factories as cw
from yiwang.cases import service as cases
from yiwang.core import clock, outbox
from yiwang.core.calendar import get_calendar
from yiwang.core.config import reset_settings
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM
from yiwang.jobs import register_all
from yiwang.supervision import service as supervision
from yiwang.supervision.models import Alert

# Wednesday 23 September 2026, 09:30 in Guangzhou. With 5 working days promised, the deadline is Thursday
# 8 October: 24 Sep, 28, 29, 30 Sep (25 Sep is Mid-Autumn; 1–7 Oct National Day), then 8 Oct.
ACCEPT_AT = dt.datetime(2026, 9, 23, 1, 30, tzinfo=dt.UTC)
D = dt.date


def _accepted(session, w) -> str:  # type: ignore[no-untyped-def]
    with clock.frozen(ACCEPT_AT):
        no = cw.submit(session, w)
        case = cases.apply(session, w.handler, case_no=no, action="accept")
    assert case.deadline == D(2026, 10, 8)
    return no


def _open(session, case_no: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = session.scalars(select(Alert).where(Alert.case_no == case_no, Alert.status == "open")).all()
    return {a.rule: a.level for a in rows}


def _tick(session, day: dt.date) -> supervision.TickResult:  # type: ignore[no-untyped-def]
    with clock.frozen(dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)):
        return supervision.tick(session, as_of=day)


@pytest.mark.db
def test_lights_across_the_national_day_holiday(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    # the case-deadline lights alone here (step limits have their own test)
    supervision.set_rule(session, f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000"), code="step_overdue", enabled=False)
    no = _accepted(session, w)
    # Tuesday 29 Sep: two working days left (30 Sep, 8 Oct) — green
    assert _tick(session, D(2026, 9, 29)).raised == 0 and _open(session, no) == {}
    # Wednesday 30 Sep, the last working day before the holiday: one working day left — yellow
    assert _open(session, no) == {} and _tick(session, D(2026, 9, 30)).raised == 1
    assert _open(session, no) == {"approaching": "yellow"}
    # the case page agrees with supervision on every one of these days
    case = cases.get_case(session, w.handler, no)
    for day, light in ((D(2026, 9, 29), "green"), (D(2026, 9, 30), "yellow"), (D(2026, 10, 5), "yellow"),
                       (D(2026, 10, 8), "yellow"), (D(2026, 10, 9), "red")):
        assert cases.clock_view(session, case, day)["light"] == light
    # during the holiday and on the due day itself: still yellow, nothing new
    assert _tick(session, D(2026, 10, 5)).raised == 0
    assert _tick(session, D(2026, 10, 8)).raised == 0 and _open(session, no) == {"approaching": "yellow"}
    # Friday 9 Oct: past due — the yellow clears, a red is raised
    result = _tick(session, D(2026, 10, 9))
    assert (result.raised, result.cleared) == (1, 1) and _open(session, no) == {"overdue": "red"}
    assert result.open_by_level["red"] == 1 and result.open_by_level["yellow"] == 0
    red = session.scalars(select(Alert).where(Alert.case_no == no, Alert.status == "open")).one()
    assert (red.item_type, red.due, red.raised_on, red.department_id) == (
        "01", D(2026, 10, 8), D(2026, 10, 9), cases.get_case(session, SYSTEM, no).department_id)
    # concluding the case ends the light
    with clock.frozen(dt.datetime(2026, 10, 9, 3, 0, tzinfo=dt.UTC)):
        cases.apply(session, w.handler, case_no=no, action="review")
        cases.apply(session, w.checker, case_no=no, action="review")
        cases.apply(session, w.approver, case_no=no, action="approve")
        cases.apply(session, w.handler, case_no=no, action="deliver")
    assert _tick(session, D(2026, 10, 10)).cleared == 1 and _open(session, no) == {}


@pytest.mark.db
def test_the_tick_is_idempotent(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    supervision.set_rule(session, f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000"), code="step_overdue", enabled=False)
    nos = [_accepted(session, w) for _ in range(3)]
    first = _tick(session, D(2026, 10, 9))
    assert first.raised == 3
    before = session.scalars(select(Alert.id).order_by(Alert.id)).all()
    again = _tick(session, D(2026, 10, 9))
    assert (again.raised, again.cleared) == (0, 0) and again.open_by_level == first.open_by_level
    assert session.scalars(select(Alert.id).order_by(Alert.id)).all() == before
    assert {no: _open(session, no) for no in nos} == {no: {"overdue": "red"} for no in nos}


@pytest.mark.db
def test_a_suspension_crossing_the_deadline_stops_the_clock(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    supervision.set_rule(session, f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000"), code="step_overdue", enabled=False)
    no = _accepted(session, w)
    assert _tick(session, D(2026, 9, 30)).raised == 1  # yellow
    with clock.frozen(dt.datetime(2026, 9, 30, 3, 0, tzinfo=dt.UTC)):
        cases.apply(session, w.handler, case_no=no, action="suspend", kind="expert_review", days=10,
                    comment="专家评审")
    # suspended over the deadline: no red on 9 Oct, and the yellow is cleared
    result = _tick(session, D(2026, 10, 9))
    assert result.cleared == 1 and result.raised == 0 and _open(session, no) == {}
    with clock.frozen(dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)):  # resumed Monday 12 Oct
        case = cases.apply(session, w.handler, case_no=no, action="resume")
    cal = get_calendar(session)
    # 30 Sep, 8, 9, 10 (Saturday make-up day) and 12 Oct were spent in the procedure: added back
    assert case.deadline == cal.add_working_days(D(2026, 10, 8), case.suspended_working_days)
    assert case.deadline > D(2026, 10, 12)
    _tick(session, D(2026, 10, 12))
    light = cases.clock_view(session, case, D(2026, 10, 12))["light"]
    assert light in ("green", "yellow")
    assert _open(session, no) == ({"approaching": "yellow"} if light == "yellow" else {})


@pytest.mark.db
def test_step_limits_and_scoped_rules(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = _accepted(session, w)  # step handle began Wed 23 Sep; 3 working days → 24, 28, 29 Sep
    assert _tick(session, D(2026, 9, 29)).raised == 0 and _open(session, no) == {}
    _tick(session, D(2026, 9, 30))
    assert _open(session, no) == {"step_overdue": "yellow", "approaching": "yellow"}
    # handling it moves the case on: the step light clears at the next tick
    with clock.frozen(dt.datetime(2026, 9, 30, 3, 0, tzinfo=dt.UTC)):
        cases.apply(session, w.handler, case_no=no, action="review")
    _tick(session, D(2026, 9, 30))
    assert _open(session, no) == {"approaching": "yellow"}
    # an administrator makes this item warn three working days ahead instead of one
    admin = f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000")
    supervision.set_rule(session, admin, code="step_overdue", enabled=False)
    with pytest.raises(PermissionDenied):
        supervision.set_rule(session, w.handler, code="approaching", scope="item", scope_value=w.code,
                             params={"working_days": 3})
    with pytest.raises(ValidationFailed):
        supervision.set_rule(session, admin, code="approaching", scope="item", scope_value=w.code,
                             params={"days": 3})
    supervision.set_rule(session, admin, code="approaching", scope="item", scope_value=w.code,
                         params={"working_days": 3})
    other = _accepted(session, w)
    _tick(session, D(2026, 9, 28))  # three working days left (29, 30 Sep, 8 Oct)
    assert _open(session, other) == {"approaching": "yellow"}


@pytest.mark.db
def test_cards_for_corrections_and_missing_reasons(session, engine) -> None:  # type: ignore[no-untyped-def]
    register_all()
    w = cw.world(session)
    with clock.frozen(ACCEPT_AT):
        beyond = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=beyond, action="request_correction",
                    materials=["申请书", "房产证复印件"], comment="请补正")
        bare = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=bare, action="reject", comment="无")
        fine = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=fine, action="reject", comment="不属于本部门职责，请向区住建局申请")
    session.commit()
    with clock.frozen(ACCEPT_AT):
        while outbox.run_once(engine):
            pass
    session.expire_all()
    assert _open(session, beyond) == {"beyond_guide": "red_card"}
    card = session.scalars(select(Alert).where(Alert.case_no == beyond)).one()
    assert "房产证复印件" in card.content and card.detail["materials"] == ["房产证复印件"]
    _tick(session, D(2026, 9, 24))
    assert _open(session, bare) == {"no_reason": "yellow_card"} and _open(session, fine) == {}
    # cards are findings: a tick never clears them, a supervisor does, with what was done
    assert _tick(session, D(2026, 9, 25)).cleared == 0
    supervisor = f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    with pytest.raises(ValidationFailed):
        supervision.close_card(session, supervisor, card.id, result=" ")
    supervision.close_card(session, supervisor, card.id, result="已约谈窗口负责人，退回补正要求")
    assert _open(session, beyond) == {}


@pytest.mark.db
def test_orders_reply_and_close(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    supervision.set_rule(session, f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000"), code="step_overdue", enabled=False)
    no = _accepted(session, w)
    _tick(session, D(2026, 10, 9))
    supervisor = f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    with clock.frozen(dt.datetime(2026, 10, 9, 2, 0, tzinfo=dt.UTC)):
        order = supervision.issue_order(session, supervisor, department_id=cases.get_case(session, SYSTEM, no)
                                        .department_id, subject="超期办件督办", content="请说明超期原因并限期办结",
                                        reply_days=2, case_no=no)
    assert order.reply_due == D(2026, 10, 12)  # Fri 9 → Sat 10 (make-up working day) → Mon 12
    with pytest.raises(NotFound):  # another department does not even see it
        supervision.reply_order(session, w.other_handler, order.order_no, reply="与我无关")
    with pytest.raises(PermissionDenied):  # the ordered department, but a role that does not reply
        supervision.reply_order(session, w.checker, order.order_no, reply="x")
    with pytest.raises(ValidationFailed):
        supervision.close_order(session, supervisor, order.order_no, note="")  # not replied yet
    supervision.reply_order(session, w.handler, order.order_no, reply="已于当日办结，超期原因为现场核查排期")
    closed = supervision.close_order(session, supervisor, order.order_no, note="同意办结")
    assert closed.status == "closed"
    total, listed = supervision.list_orders(session, w.handler)
    assert total == 1 and listed[0].order_no == order.order_no


@pytest.mark.db
def test_scores_and_exports(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    supervision.set_rule(session, f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000"), code="step_overdue", enabled=False)
    _accepted(session, w)
    _tick(session, D(2026, 10, 9))
    supervisor = f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    with clock.frozen(dt.datetime(2026, 10, 20, 2, 0, tzinfo=dt.UTC)):
        rows = supervision.scores(session, supervisor, month="2026-10")
    mine = next(r for r in rows if r["department"] == cw.DEPT)
    assert mine["red"] == 1 and mine["score"] < 100
    assert supervision.scores_csv(rows).decode("utf-8-sig").splitlines()[0].startswith("部门,月份")
    assert supervision.scores_xlsx(rows)[:2] == b"PK"
    with pytest.raises(ValidationFailed):
        supervision.month_bounds("2026-13")


@pytest.mark.db
def test_alerts_api_contract_and_scope(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    supervision.set_rule(session, f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000"), code="step_overdue", enabled=False)
    no = _accepted(session, w)
    _tick(session, D(2026, 10, 9))
    f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    session.commit()
    sup = f.api_login(client, "jiancha")
    dept = cases.get_case(session, SYSTEM, no).department_id
    body = client.get(f"/api/v1/supervision/alerts?level=red&department={dept}", headers=sup).json()
    assert [(i["case_no"], i["level"], i["rule"]) for i in body["items"]] == [(no, "red", "overdue")]
    assert body["items"][0]["raised_at"]
    assert client.get("/api/v1/supervision/alerts?level=yellow", headers=sup).json()["items"] == []
    assert client.get("/api/v1/supervision/alerts?level=", headers=sup).status_code == 200
    assert client.get("/api/v1/supervision/alerts?level=purple", headers=sup).status_code == 422
    assert client.get("/api/v1/supervision/alerts", headers=f.api_login(client, "handler")).status_code == 403
    assert client.get("/api/v1/supervision/alerts").status_code == 401


@pytest.mark.db
def test_supervise_command(session, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yiwang.cli import main

    w = cw.world(session)
    supervision.set_rule(session, f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000"), code="step_overdue", enabled=False)
    _accepted(session, w)
    session.commit()
    monkeypatch.setenv("YIWANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    reset_settings()
    try:
        runner = CliRunner()
        r = runner.invoke(main, ["supervise", "--as-of", "2026-09-30"])
        assert r.exit_code == 0, r.output
        assert "yellow 1" in r.output and "red 0" in r.output
        r = runner.invoke(main, ["supervise", "--as-of", "2026-10-09"])
        assert "red 1" in r.output and "yellow 0" in r.output
        again = runner.invoke(main, ["supervise", "--as-of", "2026-10-09"])
        assert "raised 0, cleared 0" in again.output, again.output
        bad = runner.invoke(main, ["supervise", "--as-of", "9 Oct"])
        assert bad.exit_code == 2
    finally:
        monkeypatch.delenv("YIWANG_DATABASE_URL")
        reset_settings()


@pytest.mark.db
def test_unknown_alert_is_not_found_for_supervisors(session) -> None:  # type: ignore[no-untyped-def]
    supervisor = f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    with pytest.raises(NotFound):
        supervision.close_card(session, supervisor, 999999, result="x")


@pytest.mark.db
def test_incremental_ticks_reach_what_a_full_sweep_would(session) -> None:  # type: ignore[no-untyped-def]
    """Ticks an hour apart look only at what changed; a full sweep right after each finds nothing to do."""
    w = cw.world(session)
    nos = [_accepted(session, w) for _ in range(4)]

    def at(day: dt.date, hour_utc: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour_utc), tzinfo=dt.UTC)

    def tick(day: dt.date, hour_utc: int, full: bool = False) -> supervision.TickResult:
        with clock.frozen(at(day, hour_utc)):
            return supervision.tick(session, as_of=day, full=full)

    def sweep_agrees(day: dt.date, hour_utc: int) -> None:
        with session.begin_nested() as nested:
            check = tick(day, hour_utc, full=True)
            assert (check.raised, check.cleared) == (0, 0)
            nested.rollback()

    assert tick(D(2026, 9, 29), 1).mode == "full"
    steps = [
        (D(2026, 9, 29), 2, lambda: cases.apply(session, w.handler, case_no=nos[0], action="review")),
        (D(2026, 9, 30), 1, lambda: None),  # the next day (15:00 → 09:00 local): yellows and step limits arrive
        (D(2026, 9, 30), 2, lambda: cases.apply(session, w.handler, case_no=nos[1], action="suspend",
                                                 kind="expert_review", days=5, comment="专家评审")),  # clock stops
        (D(2026, 9, 30), 3, lambda: None),
        (D(2026, 10, 8), 1, lambda: None),
        (D(2026, 10, 9), 0, lambda: None),  # past due: yellows turn red
        (D(2026, 10, 9), 2, lambda: cases.apply(session, w.handler, case_no=nos[2], action="review")),
    ]
    last_full = at(D(2026, 9, 29), 1)
    for day, hour, act in steps:
        with clock.frozen(at(day, hour) - dt.timedelta(minutes=30)):
            act()
        if at(day, hour) - last_full > supervision.FULL_EVERY:
            last_full = at(day, hour)
        result = tick(day, hour)
        assert result.mode == ("full" if last_full == at(day, hour) else "incremental")
        sweep_agrees(day, hour)
    assert {no: _open(session, no) for no in nos}[nos[3]]["overdue"] == "red"


# --- what the review of this feature asked for -----------------------------------------------------------------

@pytest.mark.db
def test_a_closed_card_is_not_raised_again(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    with clock.frozen(ACCEPT_AT):
        bare = cw.submit(session, w)
        cases.apply(session, w.handler, case_no=bare, action="reject", comment="无")
    _tick(session, D(2026, 9, 24))
    card = session.scalars(select(Alert).where(Alert.case_no == bare)).one()
    supervisor = f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    supervision.close_card(session, supervisor, card.id, result="已责令补充说明理由")
    with clock.frozen(dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.UTC)):
        assert supervision.tick(session, as_of=D(2026, 9, 25), full=True).raised == 0
    assert _open(session, bare) == {}


@pytest.mark.db
def test_an_incremental_tick_clears_a_light_when_the_clock_stops(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    with clock.frozen(ACCEPT_AT):
        supervision.set_rule(session, f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000"), code="step_overdue", enabled=False)
    no = _accepted(session, w)
    with clock.frozen(dt.datetime(2026, 9, 30, 1, 0, tzinfo=dt.UTC)):
        assert supervision.tick(session, as_of=D(2026, 9, 30)).mode == "full"
    assert _open(session, no) == {"approaching": "yellow"}
    with clock.frozen(dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)):
        cases.apply(session, w.handler, case_no=no, action="suspend", kind="expert_review", days=5, comment="评审")
    with clock.frozen(dt.datetime(2026, 9, 30, 3, 0, tzinfo=dt.UTC)):
        result = supervision.tick(session, as_of=D(2026, 9, 30))
    assert result.mode == "incremental" and result.cleared == 1 and _open(session, no) == {}
    assert result.open_by_level["yellow"] == 0


@pytest.mark.db
def test_a_scoped_rule_sets_its_own_level(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    admin = f.staff(session, "sysadmin", ["admin"], "省政务服务数据管理局", region_code="440000")
    supervision.set_rule(session, admin, code="step_overdue", enabled=False)
    supervision.set_rule(session, admin, code="approaching", scope="item_type", scope_value="01", level="red")
    no = _accepted(session, w)
    _tick(session, D(2026, 9, 30))
    assert _open(session, no) == {"approaching": "red"}


@pytest.mark.db
def test_lights_are_not_closed_by_hand_and_scores_stay_in_scope(session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.core.errors import Conflict

    w = cw.world(session)
    no = _accepted(session, w)
    _tick(session, D(2026, 10, 9))
    supervisor = f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    red = session.scalars(select(Alert).where(Alert.case_no == no, Alert.rule == "overdue")).one()
    with pytest.raises(Conflict):
        supervision.close_card(session, supervisor, red.id, result="已处理")
    elsewhere = f.staff(session, "haizhu", ["supervisor"], "海珠区纪委监委", region_code="440105")
    with clock.frozen(dt.datetime(2026, 10, 20, 2, 0, tzinfo=dt.UTC)):
        assert all(r["department"] != cw.DEPT for r in supervision.scores(session, elsewhere, month="2026-10"))
        assert any(r["department"] == cw.DEPT for r in supervision.scores(session, supervisor, month="2026-10"))


@pytest.mark.db
def test_odd_query_values_are_refused_cleanly(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "jiancha", ["supervisor"], "区纪委监委")
    session.commit()
    sup = f.api_login(client, "jiancha")
    for query in ("department=²", "min_age_days=²", "department=abc", "limit=100000"):
        assert client.get(f"/api/v1/supervision/alerts?{query}", headers=sup).status_code == 422, query
    for month in ("9999-12", "0001-01", "2026-1", "2026-13"):
        r = client.get(f"/api/v1/supervision/scores?month={month}", headers=sup)
        assert r.status_code == 422 and r.json()["error"]["field"] == "month", month
