"""The catalog's search index in this process, kept in step with the database.

Each process holds one in-memory engine per database. Every publish and retire bumps a generation
counter and stamps the versions it touched; before answering, the index reads the counter (one
primary-key SELECT) and, when it moved, pulls only the items stamped with a newer generation. A new
epoch (a rebuilt or restored database) or the first query indexes the whole catalog.

Analysing 100,000 items takes about a minute, so the index is also kept on disk: a snapshot under
``<var_dir>/search/`` (one per database) holds the analysed index, the summaries and the (epoch,
generation) it reflects. Indexing from scratch loads it when it was written by the same code for the
same epoch and then pulls the changes made since, as above; a missing, damaged or foreign snapshot
means a full build, which writes a new one. Processes starting together take turns on a file lock,
so one builds and the others load its snapshot. The snapshot is rewritten once enough items changed.
The file holds numpy arrays and JSON only (loaded without pickle).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from yiwang.catalog import repository as repo
from yiwang.catalog.models import ItemMaterial, ItemVersion
from yiwang.catalog.schemas import ItemSummary
from yiwang.catalog.search import Filters, SearchDoc, SearchEngine, default_analyzer, snapshot
from yiwang.catalog.summaries import summary
from yiwang.core.config import get_settings
from yiwang.org import service as org_service

log = logging.getLogger(__name__)

# the snapshot is rewritten once this many items changed since it was written, at most this often
SNAPSHOT_CHANGES = 1000
SNAPSHOT_SECONDS = 60.0


class _Summaries:
    """What a hit shows, by item code. Those read from a snapshot stay JSON until first shown: parsing
    100,000 of them would add most of a second to a restart, and a search shows twenty."""

    def __init__(self, parsed: dict[str, ItemSummary] | None = None, codes: Iterable[str] = (), blob: bytes = b"",
                 ends: Sequence[int] = ()) -> None:
        self._parsed = dict(parsed or {})
        self._raw = dict(zip(codes, range(len(ends)), strict=False))  # code -> index into ends
        self._blob, self._ends = blob, list(ends)
        self._lock = threading.Lock()

    def _json(self, index: int) -> bytes:
        return self._blob[self._ends[index - 1] if index else 0 : self._ends[index]]

    def get(self, code: str) -> ItemSummary | None:
        with self._lock:
            found = self._parsed.get(code)
            if found is None and (index := self._raw.pop(code, None)) is not None:
                found = self._parsed[code] = ItemSummary.model_validate_json(self._json(index))
            return found

    def __setitem__(self, code: str, value: ItemSummary) -> None:
        with self._lock:
            self._raw.pop(code, None)
            self._parsed[code] = value

    def pop(self, code: str) -> None:
        with self._lock:
            self._raw.pop(code, None)
            self._parsed.pop(code, None)

    def __len__(self) -> int:
        return len(self._parsed) + len(self._raw)

    def consistent(self) -> bool:
        """One JSON slice per code, the slices in order within the blob."""
        ends = self._ends
        return (len(self._raw) == len(ends) and all(a <= b for a, b in itertools.pairwise([0, *ends]))
                and (not ends or ends[-1] == len(self._blob)))

    def dump(self) -> tuple[list[str], bytes, list[int]]:
        """(codes in order, the JSON of each one after the other, where each ends): what ``__init__`` takes."""
        with self._lock:
            parts = {code: self._json(index) for code, index in self._raw.items()}
            parts.update((code, s.model_dump_json().encode()) for code, s in self._parsed.items())
        codes = sorted(parts)
        ends = list(itertools.accumulate(len(parts[c]) for c in codes))
        return codes, b"".join(parts[c] for c in codes), ends


@dataclass
class _State:
    engine: SearchEngine
    key: str  # the database URL (password hidden)
    epoch: str | None = None
    generation: int = -1
    checked_at: float = -1e9
    # what a hit shows, kept beside the index so that a search needs no database round trip
    summaries: _Summaries = field(default_factory=_Summaries)
    # the snapshot on disk: items changed since it was written or read, and when that was
    unsaved: int = 0
    saved_at: float = -1e9
    saving: bool = False  # a background rewrite of the snapshot is under way


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
    epoch, generation = repo.index_stamp(session)
    if epoch == state.epoch and generation == state.generation:
        return
    if epoch != state.epoch or state.generation < 0:
        state.epoch, state.generation = _load_or_build(session, state)
    if epoch == state.epoch and generation > state.generation:
        state.unsaved += _apply_changes(session, state, state.generation)
        state.generation = generation
        _save_if_behind(state)


def _build(session: Session, state: _State) -> None:
    summaries: dict[str, ItemSummary] = {}

    def docs() -> Iterable[SearchDoc]:
        for doc, item_summary in _published(session):
            summaries[doc.code] = item_summary
            yield doc

    started = time.monotonic()
    state.engine.build(docs())
    state.summaries = _Summaries(summaries)
    log.info("search index built: %d items in %.1f s", len(summaries), time.monotonic() - started)


def _apply_changes(session: Session, state: _State, generation: int) -> int:
    """Pull the items stamped with a generation newer than ``generation``; returns how many."""
    changed = repo.items_by_ids(session, repo.item_ids_changed_since(session, generation))
    published = repo.versions_by_ids(session, [i.published_version_id for i in changed if i.published_version_id])
    depts = org_service.departments_by_ids(session, {v.department_id for v in published.values()})
    mats = repo.materials_for(session, list(published))
    for item in changed:
        v = published.get(item.published_version_id) if item.published_version_id else None
        if v is None:
            state.engine.remove(item.code)
            state.summaries.pop(item.code)
        else:
            dept = depts[v.department_id].name
            state.engine.upsert(_doc(item.code, v, dept, mats[v.id]))
            state.summaries[item.code] = summary(v, item.code, dept)
    return len(changed)


# -- the snapshot on disk ----------------------------------------------------------------------------

def snapshot_path(key: str) -> Path | None:
    """Where the snapshot of the index of the database ``key`` (its URL, password hidden) lives; None when
    snapshots are off (``YIWANG_SEARCH_SNAPSHOT=false``)."""
    settings = get_settings()
    if not settings.search_snapshot:
        return None
    return settings.var_dir / "search" / f"catalog-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"


@functools.cache
def _fingerprint() -> str:
    """The analysis code (the search package, this module, the summaries) and the summary schema."""
    here = Path(__file__).resolve().parent
    schema = json.dumps(ItemSummary.model_json_schema(), sort_keys=True).encode()
    return f"{snapshot.fingerprint([here / 'searching.py', here / 'summaries.py'])}-{hashlib.sha256(schema).hexdigest()[:8]}"


def _usable(meta: dict[str, Any], epoch: str, generation: int) -> bool:
    """Written by this code for this epoch, and not ahead of the database (a restored backup)."""
    return (meta.get("fingerprint") == _fingerprint() and meta.get("epoch") == epoch
            and isinstance(meta.get("generation"), int) and meta["generation"] <= generation)


def _load(path: Path, state: _State, epoch: str, generation: int) -> int | None:
    """Load the snapshot at ``path`` into ``state`` if it is usable; returns the generation it reflects, or
    None when there is nothing usable (missing, damaged, another version or epoch: never an error)."""
    try:
        with snapshot.opened(path) as found:
            if found is None or not _usable(found[0], epoch, generation):
                return None
            meta, arrays = found
            summaries = _Summaries(codes=json.loads(snapshot.array_text(arrays["summary_codes"])),
                                   blob=np.asarray(arrays["summaries"], dtype=np.uint8).tobytes(),
                                   ends=arrays["summary_ends"].tolist())
            engine = SearchEngine(state.engine.analyzer)
            engine.restore(arrays)
    except Exception:  # whatever numpy, zipfile, json or pydantic make of a damaged file: build instead
        log.warning("search index snapshot %s unreadable; building the index instead", path, exc_info=True)
        return None
    if len(engine) != len(summaries) or not summaries.consistent():
        log.warning("search index snapshot %s inconsistent; building the index instead", path)
        return None
    state.engine, state.summaries = engine, summaries
    state.unsaved, state.saved_at = 0, time.monotonic()
    log.info("search index loaded from %s: %d items at generation %d", path, len(engine), meta["generation"])
    return int(meta["generation"])


def _save(path: Path, state: _State, epoch: str, generation: int) -> None:
    """Write the index of ``state`` (as of ``generation``) to ``path``; the caller holds the lock. A failed
    write (full or read-only disk, item text the format cannot hold) costs the next restart a build, not
    this search."""
    try:
        meta, arrays = _export(state, epoch, generation)
    except ValueError:
        log.warning("could not write the search index snapshot %s", path, exc_info=True)
        return
    _write(path, state, meta, arrays)


def _export(state: _State, epoch: str, generation: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the snapshot holds, taken from the index (the caller holds ``_lock``: the index must not change)."""
    arrays = state.engine.export()
    codes, blob, ends = state.summaries.dump()
    arrays["summary_codes"] = snapshot.text_array(json.dumps(codes, ensure_ascii=False))
    arrays["summaries"] = np.frombuffer(blob, dtype=np.uint8)
    arrays["summary_ends"] = np.array(ends, dtype=np.int64)
    return {"fingerprint": _fingerprint(), "epoch": epoch, "generation": generation,
            "items": len(state.summaries)}, arrays


def _write(path: Path, state: _State, meta: dict[str, Any], arrays: dict[str, Any]) -> None:
    """Write an exported index to ``path`` (the caller holds the snapshot's file lock, not ``_lock``)."""
    try:
        snapshot.write(path, meta, arrays)
    except (OSError, ValueError):
        log.warning("could not write the search index snapshot %s", path, exc_info=True)
        return
    state.unsaved, state.saved_at = 0, time.monotonic()
    log.info("search index snapshot written to %s: %d items at generation %d", path, meta["items"],
             meta["generation"])


def _load_or_build(session: Session, state: _State, *, rebuild: bool = False) -> tuple[str | None, int]:
    """Index the catalog from scratch: from the snapshot when there is a usable one (unless ``rebuild``),
    else by a full build that is then saved. Processes starting together take turns on the snapshot's
    lock, so one builds and the others load what it wrote. Returns the (epoch, generation) indexed."""
    epoch, generation = repo.index_stamp(session)
    path = snapshot_path(state.key)
    if path is None or epoch is None:  # snapshots off, or an empty catalog
        _build(session, state)
        return epoch, generation
    if not rebuild and (loaded := _load(path, state, epoch, generation)) is not None:
        return epoch, loaded
    with snapshot.locked(path):
        epoch, generation = repo.index_stamp(session)  # another process may have built while this one waited
        if not rebuild and epoch is not None and (loaded := _load(path, state, epoch, generation)) is not None:
            return epoch, loaded
        _build(session, state)
        if epoch is not None:
            _save(path, state, epoch, generation)
    return epoch, generation


def _save_if_behind(state: _State) -> None:
    """Rewrite the snapshot once ``SNAPSHOT_CHANGES`` items changed since it was written (so that a restart
    re-analyses no more than about that many), at most every ``SNAPSHOT_SECONDS``, and not when another
    process is writing it or already wrote one as new."""
    path = snapshot_path(state.key)
    if (path is None or state.epoch is None or state.unsaved < SNAPSHOT_CHANGES or state.saving
            or time.monotonic() - state.saved_at < SNAPSHOT_SECONDS):
        return
    # the search that noticed goes on; a thread takes the index's lock only to export it (searches wait for
    # that moment, not for the file to be written and synced)
    state.saving = True
    threading.Thread(target=_rewrite, args=(path, state), name="search-snapshot", daemon=True).start()


def _rewrite(path: Path, state: _State) -> None:
    try:
        with snapshot.locked(path, wait=False) as acquired:
            if not acquired:
                return
            with _lock:
                epoch, generation = state.epoch, state.generation
                if epoch is None:
                    return
                meta = snapshot.read_meta(path)
                if meta and _usable(meta, epoch, generation) and meta["generation"] == generation:
                    state.unsaved, state.saved_at = 0, time.monotonic()
                    return
                try:
                    found, arrays = _export(state, epoch, generation)
                except ValueError:
                    log.warning("could not write the search index snapshot %s", path, exc_info=True)
                    state.saved_at = time.monotonic()
                    return
            _write(path, state, found, arrays)
    finally:
        state.saving = False


def _state_for(session: Session) -> _State:
    key = str(session.get_bind().engine.url)
    state = _states.get(key)
    if state is None:
        state = _states[key] = _State(SearchEngine(default_analyzer()), key)
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
    """Index the catalog now (at start-up: from the snapshot when there is one) rather than on the first
    query; returns the number of items indexed."""
    with _lock:
        state = _state_for(session)
    state.engine.analyzer.analyze_query("营业执照")  # loads the segmentation dictionary queries need
    return len(state.engine)


def rebuild(session: Session) -> int:
    """Analyse the whole catalog again and rewrite the snapshot (``yiwang catalog reindex``); returns the
    number of items indexed."""
    with _lock:
        key = str(session.get_bind().engine.url)
        state = _states[key] = _State(SearchEngine(default_analyzer()), key)
        state.epoch, state.generation = _load_or_build(session, state, rebuild=True)
        state.checked_at = time.monotonic()
        return len(state.engine)


def reset() -> None:
    """Forget every index (tests)."""
    with _lock:
        _states.clear()
