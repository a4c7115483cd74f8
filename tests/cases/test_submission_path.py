"""The filing path: one transaction, numbers from a sequence (PostgreSQL), every row written together, and the
answer built from what was written rather than read back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from tests.api.test_cases_api import _setup, _submit, _upload
from tests.cases import factories as cw
from yiwang.cases import repository as repo
from yiwang.cases import service as cases
from yiwang.cases.models import ApplicationDraft, Case, CaseEvent, CaseMaterial, SubmissionKey
from yiwang.core import audit, clock
from yiwang.core.config import reset_settings
from yiwang.core.db import session_factory
from yiwang.core.outbox import OutboxEvent

MONDAY_MORNING = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def test_the_answer_to_a_filing_is_what_reading_it_back_gives(client, session) -> None:  # type: ignore[no-untyped-def]
    w, applicant, _ = _setup(client, session)
    r = _submit(client, w, applicant, key="k-1")
    assert r.status_code == 201, r.text
    filed = r.json()
    again = client.get(f"/api/v1/cases/{filed['case_no']}", headers=applicant).json()
    assert filed == again
    assert [m["name"] for m in filed["materials"]] == ["申请书", "身份证明"]
    assert [e["action"] for e in filed["timeline"]] == ["submit"]
    # the same key answers with the same case, read back this time
    assert _submit(client, w, applicant, key="k-1").json()["case_no"] == filed["case_no"]


def test_every_row_of_a_filing_is_written(session, engine) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    cases.save_draft(session, w.applicant, item_code=w.code, form={"contact_name": "张三"}, materials=[], pledge=False)
    session.commit()
    with clock.frozen(MONDAY_MORNING):
        no = cw.submit(session, w, idempotency_key="abc")
    session.commit()
    with session_factory(engine)() as s:
        case = s.scalars(select(Case).where(Case.case_no == no)).one()
        assert case.status == "submitted" and case.version == 1 and case.submitted_at == MONDAY_MORNING
        assert case.answer_due == dt.date(2026, 3, 9) and case.deliver_at_intake is False
        assert [(e.seq, e.action, e.to_status) for e in s.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id))] == [(1, "submit", "submitted")]
        materials = s.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id)
                              .order_by(CaseMaterial.id)).all()
        assert [(m.name, m.round) for m in materials] == [("申请书", 1), ("身份证明", 1)]
        assert s.get(SubmissionKey, (w.applicant.label, "abc")).case_id == case.id  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(ApplicationDraft)) == 0  # the draft is discarded
        assert s.scalars(select(OutboxEvent.topic).where(OutboxEvent.subject == f"case:{no}")).all() == [
            "case.submitted"]
        assert audit.verify(s).ok
        assert s.scalar(select(func.count()).select_from(audit.AuditRecord).where(
            audit.AuditRecord.action == "case.submit", audit.AuditRecord.object_id == no)) == 1


def test_numbers_are_unique_and_rise_within_a_day(session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    with clock.frozen(MONDAY_MORNING):
        numbers = [cw.submit(session, w) for _ in range(3)] + cases.reserve_numbers(session, "440104", 3)
    assert len(set(numbers)) == 6
    assert all(n.startswith("44010420260302") and len(n) >= 20 for n in numbers)
    serials = [int(n[14:]) for n in numbers]
    assert serials == sorted(serials)


@pytest.fixture()
def cached(monkeypatch):  # type: ignore[no-untyped-def]
    """Reference data cached, as when served."""
    monkeypatch.setenv("YIWANG_CACHE_SECONDS", "60")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def test_a_filing_is_a_few_statements_on_postgresql(client, session, engine, cached) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name != "postgresql":
        pytest.skip("round trips are what PostgreSQL filings save; SQLite has none")
    w, applicant, _ = _setup(client, session)
    assert _submit(client, w, applicant).status_code == 201  # the caches warm up
    body = {"item_code": w.code, "form": {"contact_name": "张三", "contact_phone": "13800138000", "description": "申请"},
            "materials": [{"name": "申请书", "file_id": _upload(client, applicant)},
                          {"name": "身份证明", "file_id": _upload(client, applicant, "id.pdf", cw.PDF + b"y")}]}
    seen: list[str] = []

    def log(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()[:2]))

    event.listen(engine, "before_cursor_execute", log)
    try:
        r = client.post("/api/v1/cases", json=body, headers=applicant)
    finally:
        event.remove(engine, "before_cursor_execute", log)
    assert r.status_code == 201, r.text
    # the materials' owners, the case's two keys, the audit head; the rows themselves go out in two pipelines
    # the ORM does not see (the filing's, then the audit records' with the head's one update)
    assert len(seen) <= 3, seen
    assert not any(s.startswith(("INSERT", "UPDATE")) for s in seen), seen


def test_a_refused_row_writes_nothing(session, engine) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name != "postgresql":
        pytest.skip("the pipelined writer is PostgreSQL's")
    w = cw.world(session)
    first = cw.submit(session, w)
    session.commit()
    before = session.scalar(select(func.count()).select_from(Case))
    case_id = repo.new_case_id(session)
    original = session.scalars(select(Case).where(Case.case_no == first)).one()
    copy = Case(**{c.key: getattr(original, c.key) for c in Case.__table__.columns if c.key != "id"})
    copy.id = case_id  # the same number again: the unique constraint refuses the whole pipeline
    with pytest.raises(IntegrityError):
        repo.write_filing(session, copy, [CaseEvent(case_id=case_id, seq=1, at=clock.now(), action="submit",
                                                    actor="x", actor_name="x", to_status="submitted", data={})],
                          draft_of=None)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == before
    assert session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)) == 0
