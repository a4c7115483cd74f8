"""In-memory search engine over the service catalog.

Scoring is a multi-field BM25 (Lucene variant, as in bm25s: idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
tf part = tf / (tf + k1 * (1 - b + b * dl / avgdl)), each field with its own k1, b and weight, see
``FIELDS``): the item name as words and characters (n), pinyin syllable bigrams (p), fuzzy pinyin
bigrams (f) and initials n-grams (a); keywords (k), department (d) and themes (t).

The weights are computed with numpy into one term-major sparse matrix (CSR arrays built with scipy;
one row per field-qualified term), so a query is one pass over the rows of its terms, each scaled by
the query-side weight of the term (lexicon expansions and pinyin keys count less than typed words).
bm25s, which :class:`PlainBM25` uses, has the same formula but scores unweighted queries over one
field per index and keeps only the final weights; this engine needs per-term query weights,
per-field parameters, and the raw term frequencies to score new items with the main segment's
statistics and to re-derive the weights when it compacts. A test checks the single-field weights
against bm25s.

The top of the BM25 ranking is re-ranked by name similarity (exact name, name containing the
query, character / syllable / initials coverage), so that the item name dominates.

Changes go to a delta segment: ``upsert`` analyses one item and stores its postings, and the small
delta matrix is rebuilt (with the main segment's statistics) by the next search; replaced and
removed main items are hidden by a tombstone. ``compact()`` (automatic past ``DELTA_LIMIT``
pending changes) merges everything into a new main segment equal to a full build of the same items.

``export()`` turns the compacted index into plain arrays (vocabulary, CSR arrays, weights, per-item
text columns) and ``restore()`` takes them back without analysing any text: the snapshot a restarted
process loads (:mod:`.snapshot` stores it, ``catalog/searching.py`` decides when).
"""

from __future__ import annotations

import bisect
import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from yiwang.catalog.search.analyzer import Analyzer, QueryPlan, compact
from yiwang.catalog.search.intents import (
    LOOKUP_PENALTY,
    LOOKUP_WANTED_PENALTY,
    VARIANT_PENALTY,
    is_lookup_name,
    is_variant_name,
)
from yiwang.catalog.search.snapshot import array_text, text_array


@dataclass(frozen=True)
class SearchDoc:
    code: str  # item implementation code (unique key)
    name: str  # item name (most important field)
    department: str = ""
    department_id: int | None = None
    region_code: str = ""
    item_type: str = ""  # "01", "05", "20" ...
    audience: tuple[str, ...] = ()  # "1" person, "2" enterprise ...
    themes: tuple[str, ...] = ()
    keywords: str = ""  # other text: conditions, material names, result name, synonyms (lower weight)


@dataclass(frozen=True)
class Filters:
    department_id: int | None = None
    department: str | None = None  # exact department name
    region_prefix: str | None = None  # region_code startswith
    item_type: str | None = None
    audience: str | None = None
    theme: str | None = None


@dataclass(frozen=True)
class FieldParams:
    weight: float
    k1: float = 1.2
    b: float = 0.75


FIELDS: dict[str, FieldParams] = {
    "n": FieldParams(3.0),
    "p": FieldParams(1.5),
    "f": FieldParams(1.5),
    "a": FieldParams(2.0),
    "k": FieldParams(0.4),
    "d": FieldParams(0.4, b=0.5),
    "t": FieldParams(0.6, b=0.5),
}
_FIELD_KEYS = tuple(FIELDS)
_FIELD_INDEX = {key: i for i, key in enumerate(_FIELD_KEYS)}
_N_FIELDS = len(_FIELD_KEYS)
_TEXT_FIELDS = ("n", "k", "d", "t")
_KEY_FIELDS = {"py": "p", "fz": "f", "ac": "a"}

DELTA_LIMIT = 2000
_RECORD_COLUMNS = 10  # text columns per item in an export
RERANK_WINDOW = 200  # top items re-ranked by name similarity (QueryPlan.name_similarity)


def _params() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-field weight, k1 and b, in field-index order."""
    fields = [FIELDS[k] for k in _FIELD_KEYS]
    return tuple(np.array([getattr(f, a) for f in fields], dtype=np.float32) for a in ("weight", "k1", "b"))  # type: ignore[return-value]


@dataclass(slots=True)
class _Record:
    """What the engine keeps per item besides its postings."""

    doc: SearchDoc
    name_compact: str
    name_syllables: str  # " ying ye zhi zhao " (spaces around, for containment tests)
    name_initials: str
    lookup: bool = False  # the name says lookup / progress enquiry / consultation (demoted by the lookup prior)
    variant: bool = False  # the name says change / renewal / replacement … (demoted unless the query says so)

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.name_syllables, self.doc.name, self.doc.code)


@dataclass(slots=True)
class _Postings:
    """One analysed item: term ids (int32), their frequencies (uint16), field lengths (float32)."""

    record: _Record
    term_ids: np.ndarray
    tfs: np.ndarray
    lengths: np.ndarray


@dataclass(frozen=True)
class _Stats:
    """Collection statistics that the BM25 weights depend on."""

    n_docs: int
    df: np.ndarray  # per term id (terms past its end have df 0)
    avgdl: np.ndarray  # per field

    def idf(self, term_ids: np.ndarray) -> np.ndarray:
        df = np.zeros(len(term_ids))
        known = term_ids < len(self.df)
        df[known] = self.df[term_ids[known]]
        return np.log1p((self.n_docs - df + 0.5) / (df + 0.5))


_CHUNK = 1 << 20


def _bm25_weights(
    indptr: np.ndarray, indices: np.ndarray, tfs: np.ndarray, lengths: np.ndarray, term_fields: np.ndarray, stats: _Stats
) -> np.ndarray:
    """Field weight x BM25 weight of every posting, in float32, a million postings at a time."""
    n_terms = len(indptr) - 1
    weight, k1, b = _params()
    avgdl = stats.avgdl.astype(np.float32)
    idf = stats.idf(np.arange(n_terms)).astype(np.float32)
    out = np.empty(len(indices), dtype=np.float32)
    first = 0
    while first < n_terms:
        last = int(np.searchsorted(indptr, indptr[first] + _CHUNK, side="left"))
        last = min(max(last, first + 1), n_terms)
        start, end = indptr[first], indptr[last]
        rows = np.repeat(np.arange(first, last), np.diff(indptr[first : last + 1]))
        fields = term_fields[rows]
        tf = tfs[start:end].astype(np.float32)
        dl = lengths[fields, indices[start:end]]
        norm = k1[fields] * (1.0 - b[fields] + b[fields] * dl / avgdl[fields])
        out[start:end] = weight[fields] * idf[rows] * tf / (tf + norm)
        first = last
    return out


class _Segment:
    """Immutable postings of a set of items ordered by code, plus filter columns; only the tombstone
    array ``alive`` is ever replaced."""

    def __init__(
        self, records: list[_Record], rows: np.ndarray, cols: np.ndarray, tfs: np.ndarray, lengths: np.ndarray,
        n_terms: int, term_fields: np.ndarray, stats: _Stats | None = None,
    ) -> None:
        # (term, doc) pairs are unique; a build lists them in doc order, so the CSR conversion (a
        # counting sort) leaves them sorted; after a compaction sum_duplicates sorts each row
        matrix = sparse.csr_array((tfs, (rows, cols)), shape=(n_terms, len(records)))
        matrix.sum_duplicates()
        self._setup(records, matrix.indptr, matrix.indices, matrix.data, lengths, term_fields, stats)

    @classmethod
    def from_csr(
        cls, records: list[_Record], indptr: np.ndarray, indices: np.ndarray, tfs: np.ndarray, lengths: np.ndarray,
        term_fields: np.ndarray, weights: np.ndarray,
    ) -> _Segment:
        """A segment from the arrays of an exported one (rows sorted, no tombstones, its own statistics)."""
        segment = cls.__new__(cls)
        segment._setup(records, indptr, indices, tfs, lengths, term_fields, None, weights)
        return segment

    def _setup(
        self, records: list[_Record], indptr: np.ndarray, indices: np.ndarray, tfs: np.ndarray, lengths: np.ndarray,
        term_fields: np.ndarray, stats: _Stats | None, weights: np.ndarray | None = None,
    ) -> None:
        n_docs, n_terms = len(records), len(indptr) - 1
        self.records = records
        self.codes = [r.doc.code for r in records]
        self.position = {code: i for i, code in enumerate(self.codes)}
        self.alive = np.ones(n_docs, dtype=bool)
        self.n_docs, self.n_terms = n_docs, n_terms
        self.indptr = indptr.astype(np.int64, copy=False)
        self.indices = indices.astype(np.int32, copy=False)
        self.tfs = tfs.astype(np.uint16, copy=False)
        self.lengths = lengths.astype(np.float32, copy=False)
        if stats is None:
            avgdl = np.ones(_N_FIELDS)
            for f in range(_N_FIELDS):
                present = self.lengths[f][self.lengths[f] > 0]
                if present.size:
                    avgdl[f] = float(present.mean(dtype=np.float64))
            stats = _Stats(n_docs, np.diff(self.indptr), avgdl)
        self.stats = stats
        self.weights = (_bm25_weights(self.indptr, self.indices, self.tfs, self.lengths, term_fields, stats)
                        if weights is None else weights.astype(np.float32, copy=False))
        docs = [r.doc for r in records]
        self.department_id = np.array([-1 if d.department_id is None else d.department_id for d in docs], np.int64)
        self.department_values, self.department = _categorical([d.department for d in docs])
        self.type_values, self.item_type = _categorical([d.item_type for d in docs])
        self.region_values, self.region = _categorical([d.region_code for d in docs])
        self.audience = _multi_valued([d.audience for d in docs])
        self.themes = _multi_valued([d.themes for d in docs])
        self.name_order = sorted(range(n_docs), key=lambda i: records[i].sort_key)
        self.name_order_array = np.array(self.name_order, dtype=np.int64)

    def term_rows(self) -> np.ndarray:
        """The term id of every posting (the CSR rows, expanded)."""
        return np.repeat(np.arange(self.n_terms, dtype=np.int32), np.diff(self.indptr))

    def scores(self, terms: list[tuple[int, float]]) -> np.ndarray:
        scores = np.zeros(self.n_docs, dtype=np.float32)
        for term_id, weight in terms:
            if term_id >= self.n_terms:
                continue
            start, end = self.indptr[term_id], self.indptr[term_id + 1]
            if start != end:
                scores[self.indices[start:end]] += np.float32(weight) * self.weights[start:end]
        return scores

    def mask(self, filters: Filters | None) -> np.ndarray:
        mask = self.alive.copy()
        if filters is None:
            return mask
        if filters.department_id is not None:
            mask &= self.department_id == filters.department_id
        if filters.department is not None:
            mask &= _value_mask(self.department_values, self.department, filters.department)
        if filters.item_type is not None:
            mask &= _value_mask(self.type_values, self.item_type, filters.item_type)
        if filters.region_prefix:
            prefix = filters.region_prefix
            lut = np.array([v.startswith(prefix) for v in self.region_values] + [False])
            mask &= lut[self.region]
        for index, value in ((self.audience, filters.audience), (self.themes, filters.theme)):
            if value is not None:
                selected = np.zeros(self.n_docs, dtype=bool)
                selected[index.get(value, np.empty(0, dtype=np.int64))] = True
                mask &= selected
        return mask


def _categorical(values: list[str]) -> tuple[dict[str, int], np.ndarray]:
    lookup: dict[str, int] = {}
    codes = np.array([lookup.setdefault(v, len(lookup)) for v in values], dtype=np.int32)
    return lookup, codes


def _value_mask(lookup: dict[str, int], codes: np.ndarray, value: str) -> np.ndarray:
    code = lookup.get(value)
    return codes == code if code is not None else np.zeros(len(codes), dtype=bool)


def _multi_valued(values: list[tuple[str, ...]]) -> dict[str, np.ndarray]:
    lists: dict[str, list[int]] = {}
    for i, vs in enumerate(values):
        for v in set(vs):
            lists.setdefault(v, []).append(i)
    return {v: np.array(ids, dtype=np.int64) for v, ids in lists.items()}


class _Vocabulary:
    """Field-qualified term ("n|营业", "p|ying_ye" …) -> row id. Append-only: an id never changes
    meaning, so segments built earlier stay valid (they ignore ids past their last row)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.fields: list[int] = []

    def add(self, term: str) -> int:
        self.fields.append(_FIELD_INDEX[term[0]])  # before the id, so fields[id] always exists
        self.ids[term] = len(self.ids)
        return self.ids[term]


class SearchEngine:
    """Catalog search: build from item rows, then ``search``; ``upsert``/``remove`` keep it current.

    Searches may run in several threads at once; writers (build, upsert, remove, compact) take a
    lock and swap in new segments, so a search always sees a consistent state.
    """

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._lock = threading.RLock()
        self._vocab = _Vocabulary()
        self._main = self._segment([], self._vocab)
        self._delta: dict[str, _Postings] = {}
        self._removed = 0
        # what searches read, swapped as a whole: main segment, delta segment (or None), vocabulary
        self._view: tuple[_Segment, _Segment | None, _Vocabulary] = (self._main, None, self._vocab)
        self._stale = False  # the delta changed since the view's delta segment was built
        self._cache: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None

    # -- analysis -------------------------------------------------------------------------------

    def _terms(self, kind: str, text: str, vocab: _Vocabulary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Term ids, frequencies and field lengths of one text; ``kind`` is "name" or a text field."""
        cache = self._cache
        if cache is not None:
            hit = cache.get((kind, text))
            if hit is not None:
                return hit
        a = self.analyzer
        fields: dict[str, list[str]] = {}
        if kind == "name":
            fields["n"] = a.index_tokens(text)
            for key in a.pinyin_key(text):
                prefix, _, token = key.partition(":")
                fields.setdefault(_KEY_FIELDS[prefix], []).append(token)
        elif kind == "t":
            fields["t"] = [t for theme in text.split("\x1f") for t in a.index_tokens(theme)]
        else:
            fields[kind] = a.index_tokens(text)
        ids: list[int] = []
        tfs: list[int] = []
        lengths = np.zeros(_N_FIELDS, dtype=np.float32)
        known, add = vocab.ids, vocab.add
        for field, tokens in fields.items():
            lengths[_FIELD_INDEX[field]] = len(tokens)
            counts = Counter(tokens)
            for token in counts:
                term = field + "|" + token
                term_id = known.get(term)
                ids.append(add(term) if term_id is None else term_id)
            tfs += counts.values()
        out = (
            np.array(ids, dtype=np.int32),
            np.minimum(np.array(tfs, dtype=np.int64), 65535).astype(np.uint16),
            lengths,
        )
        if cache is not None:
            cache[(kind, text)] = out
        return out

    def _analyze(self, doc: SearchDoc, vocab: _Vocabulary) -> _Postings:
        parts = [self._terms("name", doc.name, vocab)]
        if doc.keywords:
            parts.append(self._terms("k", doc.keywords, vocab))
        if doc.department:
            parts.append(self._terms("d", doc.department, vocab))
        if doc.themes:
            parts.append(self._terms("t", "\x1f".join(doc.themes), vocab))
        syllables = self.analyzer.syllables(doc.name)
        name_compact = compact(doc.name)
        record = _Record(
            doc=doc,
            name_compact=name_compact,
            lookup=is_lookup_name(name_compact),
            variant=is_variant_name(name_compact),
            name_syllables=" " + " ".join(syllables) + " ",
            name_initials="".join(s[0] for s in syllables),
        )
        return _Postings(
            record,
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.asarray(np.sum([p[2] for p in parts], axis=0), dtype=np.float32),
        )

    def _segment(
        self, items: list[_Postings], vocab: _Vocabulary, old: _Segment | None = None,
        keep: np.ndarray | None = None, stats: _Stats | None = None,
    ) -> _Segment:
        """A segment of ``items`` plus the items ``keep`` of an ``old`` segment, in code order."""
        records = [p.record for p in items]
        kept = keep if old is not None and keep is not None else np.empty(0, dtype=np.int64)
        if old is not None:
            records += [old.records[i] for i in kept.tolist()]
        order = sorted(range(len(records)), key=lambda i: records[i].doc.code)
        position = np.empty(len(records), dtype=np.int32)
        position[order] = np.arange(len(records), dtype=np.int32)
        sizes = np.array([len(p.term_ids) for p in items], dtype=np.int64)
        rows = [np.concatenate([p.term_ids for p in items]) if items else np.empty(0, np.int32)]
        cols = [np.repeat(position[: len(items)], sizes)]
        tfs = [np.concatenate([p.tfs for p in items]) if items else np.empty(0, np.uint16)]
        lengths = [np.stack([p.lengths for p in items], axis=1) if items else np.zeros((_N_FIELDS, 0))]
        if old is not None:
            moved = np.full(old.n_docs, -1, dtype=np.int32)
            moved[kept] = position[len(items) :]
            alive = moved[old.indices] >= 0
            rows.append(old.term_rows()[alive])
            cols.append(moved[old.indices[alive]])
            tfs.append(old.tfs[alive])
            lengths.append(old.lengths[:, kept])
        return _Segment(
            [records[i] for i in order],
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(tfs),
            np.concatenate(lengths, axis=1)[:, order],
            len(vocab.ids),
            np.array(vocab.fields[: len(vocab.ids)], dtype=np.int8),
            stats,
        )

    # -- writing --------------------------------------------------------------------------------

    def build(self, docs: Iterable[SearchDoc]) -> None:
        """Index ``docs`` from scratch (a later duplicate code replaces an earlier one)."""
        unique = {d.code: d for d in docs}
        with self._lock:
            vocab = _Vocabulary()  # searches keep using the old one until the swap below
            self._cache = {}  # texts repeated across items (departments, themes …) are analysed once
            try:
                items = [self._analyze(unique[code], vocab) for code in sorted(unique)]
            finally:
                self._cache = None
            self._vocab, self._main = vocab, self._segment(items, vocab)
            self._delta, self._removed, self._stale = {}, 0, False
            self._view = (self._main, None, vocab)

    def upsert(self, doc: SearchDoc) -> None:
        """Add or replace one item; the next search sees it (through the delta segment)."""
        with self._lock:
            item = self._analyze(doc, self._vocab)
            self._drop(doc.code)
            self._delta[doc.code] = item
            if len(self._delta) > DELTA_LIMIT:
                self.compact()
            else:
                self._stale = True

    def remove(self, code: str) -> None:
        """Hide a retired item (compacting once tombstones pass a tenth of the main segment)."""
        with self._lock:
            self._drop(code)
            if self._removed > max(DELTA_LIMIT, self._main.n_docs // 10):
                self.compact()

    def _drop(self, code: str) -> None:
        if self._delta.pop(code, None) is not None:
            self._stale = True
        main = self._main
        position = main.position.get(code)
        if position is not None and main.alive[position]:
            alive = main.alive.copy()  # a running search keeps the array it read
            alive[position] = False
            main.alive = alive
            self._removed += 1

    def compact(self) -> None:
        """Merge the delta segment and drop tombstones; the result equals a full build."""
        with self._lock:
            main = self._main
            if not self._delta and main.alive.all():
                return
            items = [self._delta[code] for code in sorted(self._delta)]
            self._main = self._segment(items, self._vocab, main, np.flatnonzero(main.alive))
            self._delta, self._removed, self._stale = {}, 0, False
            self._view = (self._main, None, self._vocab)

    # -- export and restore (the snapshot a restart loads instead of re-analysing every item) ---------

    def export(self) -> dict[str, np.ndarray]:
        """The index as plain arrays (compacted first, so one segment without tombstones): the
        vocabulary, the term frequencies and field lengths, and per item what ranking and filters
        read. Item keywords are not kept: they matter only when an item is analysed."""
        with self._lock:
            self.compact()
            main, vocab = self._main, self._vocab
            terms = list(vocab.ids)  # ids are handed out in insertion order
            term_fields = np.array(vocab.fields[: len(terms)], dtype=np.int8)
        docs = [r.doc for r in main.records]
        columns = [
            [d.code for d in docs], [d.name for d in docs], [d.department for d in docs],
            [d.region_code for d in docs], [d.item_type for d in docs],
            ["\x1f".join(d.audience) for d in docs], ["\x1f".join(d.themes) for d in docs],
            [r.name_compact for r in main.records], [r.name_syllables for r in main.records],
            [r.name_initials for r in main.records],
        ]
        text = "\x00".join("\x00".join(column) for column in columns) if docs else ""
        if docs and (text.count("\x00") != len(columns) * len(docs) - 1
                     or any("\x1f" in v for d in docs for v in (*d.audience, *d.themes))):
            raise ValueError("item text with control characters cannot be exported")
        return {
            "terms": text_array(json.dumps(terms, ensure_ascii=False)),
            "term_fields": term_fields,
            "record_text": text_array(text),
            "department_id": np.array([-1 if d.department_id is None else d.department_id for d in docs], np.int64),
            "flags": np.array([r.lookup | r.variant << 1 for r in main.records], dtype=np.uint8),
            "indptr": main.indptr,
            "indices": main.indices,
            "tfs": main.tfs,
            "lengths": main.lengths,
            "weights": main.weights,
        }

    def restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Replace the index with one exported by :meth:`export` (by an engine with the same analyzer).
        Raises ``ValueError`` when the arrays do not fit together."""
        terms = json.loads(array_text(arrays["terms"]))
        term_fields = np.asarray(arrays["term_fields"], dtype=np.int8)
        indptr, indices, tfs = arrays["indptr"], arrays["indices"], arrays["tfs"]
        lengths, weights = arrays["lengths"], arrays["weights"]
        department_ids, flags = arrays["department_id"].tolist(), arrays["flags"].tolist()
        n = len(flags)
        text = array_text(arrays["record_text"])
        fields = text.split("\x00") if n else []
        if len(fields) != _RECORD_COLUMNS * n or len(department_ids) != n:
            raise ValueError("inconsistent search index records")
        codes, names, departments, regions, types, audiences, themes, compacts, syllables, initials = (
            fields[i * n : (i + 1) * n] for i in range(_RECORD_COLUMNS))
        records = [
            _Record(doc=SearchDoc(code=c, name=nm, department=d, department_id=None if di < 0 else di,
                                  region_code=rc, item_type=t, audience=tuple(a.split("\x1f")) if a else (),
                                  themes=tuple(th.split("\x1f")) if th else ()),
                    name_compact=nc, name_syllables=ns, name_initials=ni, lookup=bool(fl & 1), variant=bool(fl & 2))
            for c, nm, d, di, rc, t, a, th, nc, ns, ni, fl in zip(
                codes, names, departments, department_ids, regions, types, audiences, themes, compacts, syllables,
                initials, flags, strict=True)
        ]
        n_terms = len(indptr) - 1
        if (len(term_fields) != len(terms) or n_terms > len(terms) or lengths.shape != (_N_FIELDS, len(records))
                or not len(indices) == len(tfs) == len(weights) or int(indptr[-1]) != len(indices)
                or (len(indices) and int(indices.max()) >= len(records))
                or [r.doc.code for r in records] != sorted(r.doc.code for r in records)):
            raise ValueError("inconsistent search index arrays")
        vocab = _Vocabulary()
        vocab.ids = {term: i for i, term in enumerate(terms)}
        vocab.fields = term_fields.tolist()
        main = _Segment.from_csr(records, indptr, indices, tfs, lengths, term_fields[:n_terms], weights)
        with self._lock:
            self._vocab, self._main = vocab, main
            self._delta, self._removed, self._stale = {}, 0, False
            self._view = (main, None, vocab)

    def _current_view(self) -> tuple[_Segment, _Segment | None, _Vocabulary]:
        """The segments to search; rebuilds the (small) delta segment after changes."""
        if not self._stale:
            return self._view
        with self._lock:
            if self._stale:
                items = [self._delta[code] for code in sorted(self._delta)]
                delta = self._segment(items, self._vocab, stats=self._main.stats) if items else None
                self._view = (self._main, delta, self._vocab)
                self._stale = False
            return self._view

    def __len__(self) -> int:
        return int(self._main.alive.sum()) + len(self._delta)

    # -- searching ------------------------------------------------------------------------------

    @staticmethod
    def _query_terms(plan: QueryPlan, vocab: _Vocabulary) -> list[tuple[int, float]]:
        terms: dict[str, float] = {}
        for token, weight in plan.words:
            for field in _TEXT_FIELDS:
                terms[field + "|" + token] = weight
        for key, weight in plan.keys:
            prefix, _, token = key.partition(":")
            terms[_KEY_FIELDS[prefix] + "|" + token] = weight
        ids = vocab.ids
        return [(ids[t], w) for t, w in terms.items() if t in ids]

    def search(
        self, q: str, filters: Filters | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[int, list[tuple[str, float]]]:
        """(number of matching items, one page of (code, score)), best first, ties by code.

        An empty query lists every item that passes the filters in name order (by pinyin).
        """
        limit, offset = max(0, int(limit)), max(0, int(offset))
        plan = self.analyzer.analyze_query(q or "")
        main, delta, vocab = self._current_view()
        segments = [main] if delta is None else [main, delta]
        masks = [s.mask(filters) for s in segments]
        if plan.is_empty:
            return self._browse(segments, masks, limit, offset)
        terms = self._query_terms(plan, vocab)
        window = max(RERANK_WINDOW, offset + limit)
        entries: list[tuple[float, str, _Record]] = []
        total = 0
        for segment, mask in zip(segments, masks, strict=True):
            scores = segment.scores(terms)
            scores[~mask] = 0.0
            hits = np.flatnonzero(scores > 0)
            total += len(hits)
            if len(hits) > window:  # keep every item tied with the last one so ties break by code
                cut = np.partition(scores[hits], len(hits) - window)[len(hits) - window]
                hits = hits[scores[hits] >= cut]
            entries += [(float(scores[i]), segment.codes[i], segment.records[i]) for i in hits.tolist()]
        if not entries:
            return total, []
        entries.sort(key=lambda e: (-e[0], e[1]))
        entries = entries[:window]
        top = entries[0][0]
        lookup_penalty = LOOKUP_PENALTY if plan.demote_lookup else 0.0
        service_penalty = LOOKUP_WANTED_PENALTY if plan.demote_service else 0.0
        variant_penalty = VARIANT_PENALTY if plan.demote_variant else 0.0
        # a demoted item never falls below the items outside the window, so pages stay consistent
        floor = entries[:RERANK_WINDOW][-1][0] / top
        similarity = plan.similarity()
        head = [
            (max(floor, s / top + similarity(r.name_compact, r.name_syllables, r.name_initials)
                 - (lookup_penalty if r.lookup else service_penalty) - (variant_penalty if r.variant else 0.0)), code)
            for s, code, r in entries[:RERANK_WINDOW]
        ]
        head.sort(key=lambda e: (-e[0], e[1]))
        ranked = head + [(s / top, code) for s, code, _ in entries[RERANK_WINDOW:]]
        return total, [(code, round(score, 6)) for score, code in ranked[offset : offset + limit]]

    @staticmethod
    def _browse(segments: list[_Segment], masks: list[np.ndarray], limit: int, offset: int) -> tuple[int, list[tuple[str, float]]]:
        """Items passing the filters in name order; delta items are slotted in by binary search."""
        need = offset + limit
        main, main_mask = segments[0], masks[0]
        ranks = np.flatnonzero(main_mask[main.name_order_array])
        total = len(ranks)
        merged: list[tuple[float, str]] = [(float(r), main.codes[main.name_order[r]]) for r in ranks[:need].tolist()]
        if len(segments) > 1:
            delta, delta_mask = segments[1], masks[1]
            extra = [i for i in delta.name_order if delta_mask[i]]
            total += len(extra)
            for i in extra[:need]:
                key = delta.records[i].sort_key
                at = bisect.bisect_left(main.name_order, key, key=lambda j: main.records[j].sort_key)
                merged.append((at - 0.5, key[2]))
            merged.sort()
        return total, [(code, 0.0) for _, code in merged[offset:need]]


class PlainBM25:
    """Baseline for evaluation: one bm25s index over jieba tokens of name + keywords, nothing else."""

    def __init__(self) -> None:
        self._codes: list[str] = []
        self._retriever: object | None = None

    @staticmethod
    def _tokens(text: str) -> list[str]:
        from yiwang.catalog.search.analyzer import _base_tokenizer

        words = _base_tokenizer().cut_for_search(text.lower())
        return [w for w in (x.strip() for x in words) if w and any(ch.isalnum() for ch in w)]

    def build(self, docs: Iterable[SearchDoc]) -> None:
        import bm25s

        items = list(docs)
        self._codes = [d.code for d in items]
        corpus = [self._tokens(d.name + " " + d.keywords) or [""] for d in items]
        retriever = bm25s.BM25(method="lucene")
        retriever.index(corpus, show_progress=False)
        self._retriever = retriever

    def search(self, q: str, limit: int = 20) -> list[str]:
        retriever = self._retriever
        if retriever is None or not self._codes or limit <= 0:
            return []
        tokens = [t for t in self._tokens(q) if t in retriever.vocab_dict]  # type: ignore[attr-defined]
        if not tokens:
            return []
        scores = retriever.get_scores(tokens)  # type: ignore[attr-defined]
        hits = np.flatnonzero(scores > 0)
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit - 1)[:limit]]
        ranked = sorted(hits.tolist(), key=lambda i: (-scores[i], self._codes[i]))
        return [self._codes[i] for i in ranked]


__all__ = ["DELTA_LIMIT", "FIELDS", "FieldParams", "Filters", "PlainBM25", "SearchDoc", "SearchEngine"]
