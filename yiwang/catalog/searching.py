"""The catalog's search index in this process, kept in step with the database.

Each process holds one in-memory engine per database. Every publish and retire bumps a generation
counter and stamps the versions it touched; before answering, the index reads the counter (one
primary-key SELECT) and, when it moved, pulls only the items stamped with a newer generation. A new
epoch (a rebuilt or restored database) or the first query triggers a full build.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from yiwang.catalog import repository as repo
from yiwang.catalog.models import ItemMaterial, ItemVersion
from yiwang.catalog.schemas import ItemSummary
from yiwang.catalog.search import Filters, SearchDoc, SearchEngine, default_analyzer
from yiwang.catalog.summaries import summary
from yiwang.core.config import get_settings
from yiwang.org import service as org_service


@dataclass
class _State:
    engine: SearchEngine
    epoch: str | None = None
    generation: int = -1
    checked_at: float = -1e9
    # what a hit shows, kept beside the index so that a search needs no database round trip
    summaries: dict[str, ItemSummary] = field(default_factory=dict)


_lock = threading.Lock()
_states: dict[str, _State] = {}
_eager_until = 0.0  # after a publish in this process, check freshness on every search for a moment


def search_doc(*, code: str, name: str, department: str, region_code: str, item_type: str,
               audience: Iterable[str], themes: Iterable[str], conditions: str | None,
               material_names: Iterable[str], result_name: str | None, extra: dict[str, Any],
               department_id: int | None = None) -> SearchDoc:
    """How an item is indexed: the name is the main field; the result, material names, the start of the
    conditions and any short or common name from the source catalog are lower-weight keywords."""
    keywords = [result_name or "", " ".join(material_names), (conditions or "")[:300]]
    keywords += [str(extra.get(k) or "") for k in ("short_name", "common_name") if extra.get(k) not in (None, "无")]
    return SearchDoc(code=code, name=name, department=department, department_id=department_id,
                     region_code=region_code, item_type=item_type, audience=tuple(audience), themes=tuple(themes),
                     keywords=" ".join(k for k in keywords if k))


def _doc(code: str, v: ItemVersion, department: str, materials: Iterable[ItemMaterial]) -> SearchDoc:
    return search_doc(code=code, name=v.name, department=department, department_id=v.department_id,
                      region_code=v.region_code, item_type=v.item_type, audience=v.audience, themes=v.themes,
                      conditions=v.conditions, material_names=[m.name for m in materials],
                      result_name=v.result_name, extra=v.extra)


def _published(session: Session) -> Iterable[tuple[SearchDoc, ItemSummary]]:
    after = 0
    dept_names: dict[int, str] = {}
    while True:
        batch = repo.published_versions(session, after_id=after)
        if not batch:
            return
        missing = {v.department_id for v in batch} - set(dept_names)
        dept_names.update({d.id: d.name for d in org_service.departments_by_ids(session, missing).values()})
        items = {i.id: i.code for i in repo.items_by_ids(session, {v.item_id for v in batch})}
        mats = repo.materials_for(session, [v.id for v in batch])
        for v in batch:
            code, dept = items[v.item_id], dept_names[v.department_id]
            yield _doc(code, v, dept, mats[v.id]), summary(v, code, dept)
        after = batch[-1].id


def _refresh(session: Session, state: _State) -> None:
    now = time.monotonic()
    if now - state.checked_at < get_settings().search_refresh_seconds and now > _eager_until:
        return
    state.checked_at = now
    row = repo.index_state(session)
    epoch, generation = (row.epoch, row.generation) if row else (None, 0)
    if epoch == state.epoch and generation == state.generation:
        return
    if epoch != state.epoch or state.generation < 0:
        summaries: dict[str, ItemSummary] = {}

        def docs() -> Iterable[SearchDoc]:
            for doc, item_summary in _published(session):
                summaries[doc.code] = item_summary
                yield doc

        state.engine.build(docs())
        state.summaries = summaries
    else:
        changed = repo.items_by_ids(session, repo.item_ids_changed_since(session, state.generation))
        published = repo.versions_by_ids(session, [i.published_version_id for i in changed
                                                    if i.published_version_id])
        depts = org_service.departments_by_ids(session, {v.department_id for v in published.values()})
        mats = repo.materials_for(session, list(published))
        for item in changed:
            v = published.get(item.published_version_id) if item.published_version_id else None
            if v is None:
                state.engine.remove(item.code)
                state.summaries.pop(item.code, None)
            else:
                dept = depts[v.department_id].name
                state.engine.upsert(_doc(item.code, v, dept, mats[v.id]))
                state.summaries[item.code] = summary(v, item.code, dept)
    state.epoch, state.generation = epoch, generation


def _state_for(session: Session) -> _State:
    key = str(session.get_bind().engine.url)
    state = _states.get(key)
    if state is None:
        state = _states[key] = _State(SearchEngine(default_analyzer()))
    _refresh(session, state)
    return state


def search(session: Session, q: str, filters: Filters | None, limit: int,
           offset: int) -> tuple[int, list[ItemSummary]]:
    """Search the published catalog: the total and one page of summaries, best first. The database is
    asked only whether the catalog changed, at most every ``search_refresh_seconds``."""
    with _lock:
        state = _state_for(session)
    total, hits = state.engine.search(q, filters, limit=limit, offset=offset)
    page = []
    for code, score in hits:
        item_summary = state.summaries.get(code)
        if item_summary is not None:
            page.append(item_summary.model_copy(update={"score": round(score, 4)}))
    return total, page


def mark_changed() -> None:
    """Called when this process publishes or retires: the next searches look for the change at once."""
    global _eager_until
    _eager_until = time.monotonic() + 3.0


def warm(session: Session) -> int:
    """Build the index now (at start-up) rather than on the first query; returns its size."""
    with _lock:
        return len(_state_for(session).engine)


def reset() -> None:
    """Forget every index (tests)."""
    with _lock:
        _states.clear()
