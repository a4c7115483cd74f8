"""The knowledge base (知识库): answers (答复口径) per topic kept by the units, linked to catalog items and policies,
each with a date by which it must be reviewed again (stale once passed: seed 003 task 40 asks that answers be
kept current, adjusted and taken down as policies change).

Operators and the public search it with the catalog's search engine (the same analyzer: jieba words, the
colloquial lexicon, pinyin); routing reads it too — an answer a unit keeps is evidence that a request like it is
theirs.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yiwang.catalog.search import SearchDoc, SearchEngine, default_analyzer
from yiwang.core import audit, clock
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, Perm, region_prefix
from yiwang.hotline.errors import KnowledgeNotFound
from yiwang.hotline.models import KnowledgeEntry
from yiwang.hotline.routing import Evidence, Unit, function_of_department
from yiwang.hotline.schemas import KnowledgeIn
from yiwang.org import service as org

REVIEW_DAYS = 180  # an answer is reviewed at least every half year


@dataclass
class _Index:
    stamp: Any
    engine: SearchEngine
    entries: dict[str, tuple[int, int, bool, str]]  # code → (id, department id, public, title)


_indexes: dict[str, _Index] = {}
_lock = threading.Lock()
_analyzer = None


def _stamp(session: Session) -> Any:
    return tuple(session.execute(select(func.count(), func.max(KnowledgeEntry.updated_at))
                                 .where(KnowledgeEntry.status == "active")).one())


def _index(session: Session) -> _Index:
    global _analyzer
    key = str(session.get_bind().engine.url)
    stamp = _stamp(session)
    with _lock:
        current = _indexes.get(key)
        if current is not None and current.stamp == stamp:
            return current
        if _analyzer is None:
            _analyzer = default_analyzer()
        rows = list(session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.status == "active")))
        names = org.departments_by_ids(session, {r.department_id for r in rows})
        engine = SearchEngine(_analyzer)
        engine.build(SearchDoc(code=r.code, name=r.title, department=names[r.department_id].name
                               if r.department_id in names else "", department_id=r.department_id,
                               region_code=r.region_code,
                               keywords=" ".join([r.topic, r.keywords, r.answer[:300]])) for r in rows)
        built = _Index(stamp, engine, {r.code: (r.id, r.department_id, r.public, r.title) for r in rows})
        _indexes[key] = built
        return built


def search(session: Session, q: str, *, public_only: bool, limit: int = 20,
           department_id: int | None = None) -> list[tuple[KnowledgeEntry, float]]:
    """Active answers matching ``q``, best first (an empty query: every answer, by title)."""
    index = _index(session)
    _, hits = index.engine.search(q or "", limit=limit * 3 if public_only else limit)
    wanted = [(code, score) for code, score in hits if code in index.entries
              and (not public_only or index.entries[code][2])
              and (department_id is None or index.entries[code][1] == department_id)][:limit]
    if not wanted:
        return []
    rows = {r.code: r for r in session.scalars(select(KnowledgeEntry).where(
        KnowledgeEntry.code.in_([c for c, _ in wanted])))}
    return [(rows[c], s) for c, s in wanted if c in rows]


def evidence(session: Session, content: str, units: Sequence[Unit]) -> list[tuple[str, Evidence]]:
    """Routing evidence: the functions of the units that keep the answers the request finds."""
    index = _index(session)
    if not index.entries:
        return []
    _, hits = index.engine.search(content[:120], limit=3)
    if not hits:
        return []
    by_dept = {u.department_id: u.function for u in units}
    functions = {u.function for u in units}
    names = org.departments_by_ids(session, {index.entries[c][1] for c, _ in hits if c in index.entries})
    top = hits[0][1] or 1.0
    out = []
    for rank, (code, score) in enumerate(hits):
        entry = index.entries.get(code)
        if entry is None:
            continue
        dept_id = entry[1]
        function = by_dept.get(dept_id) or (function_of_department(names[dept_id].name, functions)
                                            if dept_id in names else None)
        if function is None:
            continue
        share = score / top / (rank + 1)
        if share < 0.3:
            continue
        out.append((function, Evidence("knowledge", share, f"知识库：{entry[3]}",
                                       f"知识库答复口径“{entry[3]}”由{names[dept_id].name if dept_id in names else ''}维护")))
    return out


def reset() -> None:
    with _lock:
        _indexes.clear()


# --- keeping answers ------------------------------------------------------------------------------------------

def _may_edit(actor: Actor, entry_department: int, entry_region: str) -> bool:
    if actor is SYSTEM:
        return True
    if not (actor.is_staff and actor.can(Perm.HOTLINE_KNOWLEDGE)):
        return False
    if actor.department_id == entry_department:
        return True
    # the centre's operators keep answers for every unit of their region
    return bool(actor.can(Perm.HOTLINE_TICKET) and actor.region_code
                and entry_region.startswith(region_prefix(actor.region_code)))


def staff_scope(actor: Actor) -> Any:
    if actor is SYSTEM:
        return KnowledgeEntry.id.is_not(None)
    clauses = []
    if actor.department_id is not None:
        clauses.append(KnowledgeEntry.department_id == actor.department_id)
    if actor.region_scoped and actor.region_code:
        clauses.append(KnowledgeEntry.region_code.startswith(region_prefix(actor.region_code)))
    return or_(*clauses) if clauses else KnowledgeEntry.id.is_(None)


def list_entries(session: Session, actor: Actor, *, stale_only: bool = False, q: str | None = None,
                 include_retired: bool = False) -> list[KnowledgeEntry]:
    actor.require(Perm.HOTLINE_KNOWLEDGE)
    stmt = select(KnowledgeEntry).where(staff_scope(actor))
    if not include_retired:
        stmt = stmt.where(KnowledgeEntry.status == "active")
    if stale_only:
        stmt = stmt.where(KnowledgeEntry.review_due < clock.today())
    if q:
        like = f"%{q.strip()[:50]}%"
        stmt = stmt.where(KnowledgeEntry.title.like(like) | KnowledgeEntry.answer.like(like)
                          | KnowledgeEntry.topic.like(like))
    return list(session.scalars(stmt.order_by(KnowledgeEntry.review_due, KnowledgeEntry.id).limit(500)))


def is_stale(entry: KnowledgeEntry, today: dt.date | None = None) -> bool:
    return entry.status == "active" and entry.review_due < (today or clock.today())


def get_entry(session: Session, code: str, *, actor: Actor | None = None) -> KnowledgeEntry:
    """An answer by its code: the public sees public active answers; staff what their scope covers."""
    stmt = select(KnowledgeEntry).where(KnowledgeEntry.code == code)
    if actor is None or not (actor.is_staff or actor is SYSTEM):
        stmt = stmt.where(KnowledgeEntry.public.is_(True), KnowledgeEntry.status == "active")
    else:
        stmt = stmt.where(staff_scope(actor))
    entry = session.scalars(stmt).first()
    if entry is None:
        raise KnowledgeNotFound("知识条目不存在", field="code")
    return entry


def _check_items(session: Session, codes: Sequence[str]) -> list[str]:
    from yiwang.catalog import service as catalog

    out = []
    for code in dict.fromkeys(c.strip() for c in codes if c and c.strip()):
        try:
            catalog.get_published_version(session, code)
        except Exception:  # noqa: BLE001 - any failure means the item cannot be linked
            raise ValidationFailed(f"事项 {code} 不存在或未发布", field="item_codes", code="unknown_item") from None
        out.append(code)
    return out


def save(session: Session, actor: Actor, data: KnowledgeIn, *, code: str | None = None,
         expected_version: int | None = None) -> KnowledgeEntry:
    """Add an answer (``code`` None) or change one. A liaison writes for their own unit; an operator for any unit
    of their region. Saving counts as a review: the next review is due in half a year unless a date is given."""
    actor.require(Perm.HOTLINE_KNOWLEDGE)
    now = clock.now()
    today = clock.to_local(now).date()
    department_id = data.department_id if data.department_id is not None else actor.department_id
    if department_id is None:
        raise ValidationFailed("请选择维护单位", field="department_id", code="department_required")
    dept = org.get_department(session, department_id)
    if not _may_edit(actor, dept.id, dept.region_code):
        raise PermissionDenied("只能维护本单位（或本辖区）的答复口径", field="department_id", code="forbidden")
    review_due = data.review_due or today + dt.timedelta(days=REVIEW_DAYS)
    if review_due < today:
        raise ValidationFailed("复核日期不能早于今天", field="review_due", code="review_due_past")
    items = _check_items(session, data.item_codes)
    values = dict(title=data.title, topic=data.topic, answer=data.answer, keywords=data.keywords,
                  department_id=dept.id, region_code=dept.region_code, item_codes=items, policies=data.policies,
                  public=data.public, review_due=review_due, reviewed_at=now, updated_by=actor.label,
                  updated_at=now)
    if code is None:
        entry = KnowledgeEntry(code=f"KB{today:%y%m}{secrets.token_hex(3).upper()}", status="active",
                               created_at=now, **values)
        session.add(entry)
        action = "hotline.knowledge_added"
    else:
        entry = get_entry(session, code, actor=actor)
        if not _may_edit(actor, entry.department_id, entry.region_code):
            raise PermissionDenied("只能维护本单位（或本辖区）的答复口径", code="forbidden")
        if expected_version is not None and expected_version != entry.version:
            from yiwang.core.lifecycle import StaleVersion

            raise StaleVersion("该条目刚被其他人修改过，请刷新后再改", field="expected_version")
        for k, v in values.items():
            setattr(entry, k, v)
        action = "hotline.knowledge_changed"
    session.flush()
    audit.record(session, actor, action, "hotline_knowledge", entry.code,
                 {"title": entry.title, "department_id": entry.department_id, "review_due": review_due.isoformat()})
    return entry


def confirm(session: Session, actor: Actor, code: str) -> KnowledgeEntry:
    """Reviewed and still right: the next review is due in half a year."""
    entry = get_entry(session, code, actor=actor)
    if not _may_edit(actor, entry.department_id, entry.region_code):
        raise PermissionDenied("只能复核本单位（或本辖区）的答复口径", code="forbidden")
    now = clock.now()
    entry.reviewed_at, entry.updated_at = now, now
    entry.review_due = clock.to_local(now).date() + dt.timedelta(days=REVIEW_DAYS)
    session.flush()
    audit.record(session, actor, "hotline.knowledge_confirmed", "hotline_knowledge", entry.code,
                 {"review_due": entry.review_due.isoformat()})
    return entry


def retire(session: Session, actor: Actor, code: str, reason: str) -> KnowledgeEntry:
    """Taken down (下架): the policy changed or the answer no longer applies."""
    if not (reason or "").strip():
        raise ValidationFailed("请填写下架理由", field="reason", code="reason_required")
    entry = get_entry(session, code, actor=actor)
    if not _may_edit(actor, entry.department_id, entry.region_code):
        raise PermissionDenied("只能下架本单位（或本辖区）的答复口径", code="forbidden")
    entry.status = "retired"
    entry.updated_at = clock.now()
    session.flush()
    audit.record(session, actor, "hotline.knowledge_retired", "hotline_knowledge", entry.code,
                 {"reason": reason.strip()[:500]})
    return entry


def figures(session: Session, actor: Actor) -> dict[str, int]:
    """Active answers and those past their review date, in the actor's scope (seed 003 task 40)."""
    today = clock.today()
    base = select(func.count()).select_from(KnowledgeEntry).where(staff_scope(actor),
                                                                   KnowledgeEntry.status == "active")
    total = session.scalar(base) or 0
    stale = session.scalar(base.where(KnowledgeEntry.review_due < today)) or 0
    return {"total": total, "stale": stale, "current": total - stale}
