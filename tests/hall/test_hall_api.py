"""The hall API contracts: tickets, calling, the board, slots and appointments, with structured errors."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hall import factories as hf
from yiwang.core import clock


def _setup(session: Session) -> hf.Hall:
    h = hf.build(session)
    session.commit()
    return h


def test_ticket_contract_and_calling(session: Session, client: TestClient) -> None:
    h = _setup(session)
    clerk = f.api_login(client, "clerk")
    with clock.frozen(hf.MONDAY):
        r = client.post("/api/v1/halls/H1/tickets", json={})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["ticket_no"] == "A001" and body["position"] == 0
        assert isinstance(body["estimated_wait_minutes"], int)
        second = client.post("/api/v1/halls/H1/tickets", json={"window_type": "综合", "priority": "elderly"}).json()
        assert second["position"] == 0  # the elderly go first
        assert client.get("/api/v1/halls/H1/tickets/A001").json()["position"] == 1
        special = client.post("/api/v1/halls/H1/tickets", json={"item_code": h.w.code}).json()
        assert special["window_type"] == "专项"
        called = client.post("/api/v1/windows/H1-01/call", headers=clerk)
        assert called.status_code == 200, called.text
        assert called.json()["ticket_no"] == second["ticket_no"] and called.json()["window_code"] == "H1-01"
        board = client.get("/api/v1/halls/H1/board").json()
        assert board["calling"][0]["ticket_no"] == second["ticket_no"]
        assert {q["window_type"]: q["waiting"] for q in board["queues"]}["综合"] == 1
        again = client.post("/api/v1/windows/H1-01/call", headers=clerk).json()
        assert again["ticket_no"] == "A001" and again["skipped"] == second["ticket_no"]
        none = client.post("/api/v1/windows/H1-01/call", headers=clerk)
        assert none.status_code == 404 and none.json()["error"]["code"] == "no_ticket_waiting"
    assert special["ticket_no"].startswith("C")


def test_window_actions_through_the_api(session: Session, client: TestClient) -> None:
    _setup(session)
    clerk = f.api_login(client, "clerk")
    with clock.frozen(hf.MONDAY):
        client.post("/api/v1/halls/H1/tickets", json={})
        client.post("/api/v1/windows/H1-01/call", headers=clerk)
        visit = client.post("/api/v1/windows/H1-01/serve", headers=clerk)
        assert visit.status_code == 200 and visit.json()["first_staff"] == "clerk员"
        busy = client.post("/api/v1/windows/H1-01/call", headers=clerk)
        assert busy.status_code == 409 and busy.json()["error"]["code"] == "window_busy"
        bad = client.post("/api/v1/windows/H1-01/finish", headers=clerk, json={"outcome": "whatever"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "outcome"
        done = client.post("/api/v1/windows/H1-01/finish", headers=clerk, json={"outcome": "consult"})
        assert done.status_code == 200 and done.json()["outcome_label"] == "咨询"


def test_errors_are_structured(session: Session, client: TestClient) -> None:
    _setup(session)
    with clock.frozen(hf.MONDAY):
        r = client.post("/api/v1/halls/NOPE/tickets", json={})
        assert r.status_code == 404 and r.json()["error"]["code"] == "hall_not_found"
        r = client.post("/api/v1/halls/H1/tickets", json={"priority": "vip"})
        assert r.status_code == 422 and r.json()["error"]["field"]
        r = client.post("/api/v1/halls/H1/tickets", json={"priority": "appointment"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "priority_by_check_in"
        r = client.post("/api/v1/windows/H1-01/call")
        assert r.status_code == 401
        r = client.get("/api/v1/halls/H1/slots", params={"date": "not-a-date"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "date"


def test_a_clerk_of_another_district_neither_calls_nor_reads_the_queue(session: Session, client: TestClient) -> None:
    _setup(session)
    other = f.api_login(client, "tianhe_clerk")
    with clock.frozen(hf.MONDAY):
        client.post("/api/v1/halls/H1/tickets", json={})
        assert client.post("/api/v1/windows/H1-01/call", headers=other).status_code == 404
        assert client.get("/api/v1/halls/H1/queue", headers=other).status_code == 404
        mine = client.get("/api/v1/halls/H1/queue", headers=f.api_login(client, "clerk"))
        assert mine.status_code == 200 and mine.json()["total"] == 1
        assert client.get("/api/v1/halls/H1/queue").status_code == 401


def test_slots_and_an_appointment_booked_changed_and_checked_in(session: Session, client: TestClient) -> None:
    h = hf.build(session)
    other_id = f.person(session, "李四")[1]
    session.commit()
    applicant = f.api_login(client, h.w.applicant_id)
    stranger = f.api_login(client, other_id)
    with clock.frozen(hf.MONDAY):  # Monday 2 March 2026, 09:30
        slots = client.get("/api/v1/halls/H1/slots", params={"date": "2026-03-03", "window_type": "综合"}).json()
        first = slots["items"][0]
        assert (first["start"], first["end"], first["capacity"], first["available"]) == ("09:00", "09:30", 4, 4)
        today = client.get("/api/v1/halls/H1/slots", params={"date": "2026-03-02"}).json()["items"]
        assert all(s["start"] > "09:30" for s in today)  # what has begun is not offered
        saturday = client.get("/api/v1/halls/H1/slots", params={"date": "2026-03-07"})
        assert saturday.status_code == 422 and saturday.json()["error"]["code"] == "not_a_working_day"
        booked = client.post("/api/v1/appointments", headers=applicant,
                             json={"hall_code": "H1", "date": "2026-03-03", "start": "10:00"})
        assert booked.status_code == 201, booked.text
        no = booked.json()["appointment_no"]
        twice = client.post("/api/v1/appointments", headers=applicant,
                            json={"hall_code": "H1", "date": "2026-03-03", "start": "11:00"})
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_booked"
        moved = client.post(f"/api/v1/appointments/{no}/actions", headers=applicant,
                            json={"action": "change", "date": "2026-03-03", "start": "14:00"})
        assert moved.status_code == 200 and moved.json()["start"] == "14:00"
        after = client.get("/api/v1/halls/H1/slots", params={"date": "2026-03-03", "window_type": "综合"}).json()
        by_start = {s["start"]: s["booked"] for s in after["items"]}
        assert by_start["10:00"] == 0 and by_start["14:00"] == 1
        early = client.post(f"/api/v1/appointments/{no}/actions", headers=applicant, json={"action": "check_in"})
        assert early.status_code == 409 and early.json()["error"]["code"] == "check_in_closed"
    with clock.frozen(dt.datetime(2026, 3, 3, 5, 50, tzinfo=dt.UTC)):  # 13:50 local
        ticket = client.post("/api/v1/halls/H1/tickets", json={}).json()
        checked = client.post(f"/api/v1/appointments/{no}/actions", headers=applicant, json={"action": "check_in"})
        assert checked.status_code == 200, checked.text
        t = checked.json()["ticket"]
        assert t["priority"] == "appointment" and t["position"] == 0  # ahead of the ticket taken before
        assert client.get(f"/api/v1/halls/H1/tickets/{ticket['ticket_no']}").json()["position"] == 1
        assert client.get(f"/api/v1/appointments/{no}", headers=applicant).json()["status"] == "checked_in"
        assert client.get(f"/api/v1/appointments/{no}", headers=stranger).status_code == 404
        assert client.post(f"/api/v1/appointments/{no}/actions", headers=stranger,
                           json={"action": "cancel"}).status_code == 404
