"""The catalog's search index in this process, kept in step with the database.

Each process holds one in-memory engine per database. Every publish and retire bumps a generation
counter and stamps the versions it touched; before answering, the index reads the counter (one
primary-key SELECT) and, when it moved, pulls only the items stamped with a newer generation. A new
epoch (a rebuilt or restored database) or the first query triggers a full build.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from yiwang.catalog import repository as repo
from yiwang.catalog.models import ItemMaterial, ItemVersion
from yiwang.catalog.search import Filters, SearchDoc, SearchEngine, default_analyzer
from yiwang.org import service as org_service


@dataclass
class _State:
    engine: SearchEngine
    epoch: str | None = None
    generation: int = -1


_lock = threading.Lock()
_states: dict[str, _State] = {}


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


def _published_docs(session: Session) -> Iterable[SearchDoc]:
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
            yield _doc(items[v.item_id], v, dept_names[v.department_id], mats[v.id])
        after = batch[-1].id


def _refresh(session: Session, state: _State) -> None:
    row = repo.index_state(session)
    epoch, generation = (row.epoch, row.generation) if row else (None, 0)
    if epoch == state.epoch and generation == state.generation:
        return
    if epoch != state.epoch or state.generation < 0:
        state.engine.build(_published_docs(session))
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
            else:
                state.engine.upsert(_doc(item.code, v, depts[v.department_id].name, mats[v.id]))
    state.epoch, state.generation = epoch, generation


def _state_for(session: Session) -> _State:
    key = str(session.get_bind().engine.url)
    state = _states.get(key)
    if state is None:
        state = _states[key] = _State(SearchEngine(default_analyzer()))
    _refresh(session, state)
    return state


def search(session: Session, q: str, filters: Filters | None, limit: int,
           offset: int) -> tuple[int, list[tuple[str, float]]]:
    """Search the published catalog. The engine is not safe for concurrent updates, so refresh and
    search run under one lock per process; a query takes milliseconds."""
    with _lock:
        return _state_for(session).engine.search(q, filters, limit=limit, offset=offset)


def warm(session: Session) -> int:
    """Build the index now (at start-up) rather than on the first query; returns its size."""
    with _lock:
        return len(_state_for(session).engine)


def reset() -> None:
    """Forget every index (tests)."""
    with _lock:
        _states.clear()
