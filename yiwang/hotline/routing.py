"""Routing a request to the unit that handles it, explainably (no I/O: the service hands in rules, units and
the catalog's and knowledge base's evidence).

Each function a unit of the request's region serves (生态环境, 公安, 街道 …) collects evidence from four sources:

- **rules** kept as data: a rule whose words, kinds and region match adds its weight (each rule once);
- **duties**: the unit's dispatch responsibilities (派单职责清单) as a search document, scored with the catalog's
  search engine against the request (BM25 over jieba words), the best function scoring 1;
- **catalog items**: the catalog already knows which department handles which item — the items the request
  finds, mapped to the function of their department (a provincial 生态环境厅 item speaks for the district's
  生态环境 unit);
- **knowledge base** answers the request finds, by the function of the department that keeps them.

The function with the highest total wins and the unit serving it in the most specific region covering the
request gets the order. The decision names the strongest evidence as its rule and explains every part; the next
functions are the alternatives an operator is offered. :func:`keyword_route` is the keyword-only baseline the
benchmark reports beside it: the function whose responsibility words occur most often in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yiwang.catalog.search import SearchDoc, SearchEngine, default_analyzer

# the names a function's departments go by elsewhere (a provincial department's name for the same function)
FUNCTION_ALIASES: dict[str, tuple[str, ...]] = {
    "水务": ("水利", "水务"),
    "文化广电旅游体育": ("文化和旅游", "文化广电旅游", "体育", "文化广电"),
    "规划和自然资源": ("自然资源", "规划"),
    "供电": ("电网", "供电"),
    "供水": ("自来水", "供水"),
    "卫生健康": ("卫生健康",),
    "城市管理和综合执法": ("城市管理", "综合执法", "城管"),
    "发展和改革": ("发展和改革", "发展改革"),
    "残疾人联合会": ("残疾人联合会", "残联"),
    "纪委监委": ("纪委", "监委", "纪律检查"),
    "街道": ("街道办事处", "镇人民政府"),
}

# weights of the sources: a rule counts its own weight; the other sources give a share (0–1] of their evidence,
# multiplied by these (set by cross-validation on the tuning part of the labelled set: bench/hotline_routing.py)
WEIGHTS: dict[str, float] = {"rule": 1.0, "duty": 1.0, "catalog": 0.5, "knowledge": 0.5, "history": 2.0}
HISTORY_NEIGHBOURS = 8
ALTERNATIVES = 3


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, no whitespace: the form rules are matched against."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").lower())


@dataclass(frozen=True)
class Rule:
    code: str
    function: str | None
    any_of: tuple[str, ...]
    all_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    region_code: str | None = None  # a region prefix (already reduced), or None for everywhere
    item_codes: tuple[str, ...] = ()
    weight: float = 1.0
    note: str = ""
    department_id: int | None = None  # a rule for one department rather than a function

    def matches(self, text: str, kind: str | None, region: str,
                items: frozenset[str] = frozenset()) -> tuple[str, ...] | None:
        """The words (or the catalog items: ``items`` are those the request found) it matched on, or None."""
        if self.kinds and kind not in self.kinds:
            return None
        if self.region_code and not region.startswith(self.region_code):
            return None
        hits = tuple(w for w in self.any_of if w and w in text)
        hits += tuple(f"事项 {code}" for code in self.item_codes if code in items)
        if (self.any_of or self.item_codes) and not hits:
            return None
        if any(w not in text for w in self.all_of):
            return None
        if any(w and w in text for w in self.none_of):
            return None
        return hits + self.all_of


@dataclass(frozen=True)
class Unit:
    department_id: int
    name: str
    function: str
    region_code: str
    region_prefix: str
    duties: str = ""


@dataclass
class Evidence:
    source: str  # rule | duty | catalog | knowledge | history
    share: float  # a rule's weight, or the source's share (0–1] for this function
    label: str  # what matched, short ("ECO-FUMES 餐饮油烟")
    detail: str  # the sentence shown in the explanation
    score: float = 0.0  # share × the source's weight, set by the router


@dataclass
class Candidate:
    function: str
    unit: Unit
    score: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def best(self) -> Evidence | None:
        return max(self.evidence, key=lambda e: e.score, default=None)


@dataclass
class Decision:
    unit: Unit | None
    function: str | None
    rule: str
    explanation: str
    score: float
    alternatives: list[Candidate]
    candidates: list[Candidate]

    def as_dict(self) -> dict[str, object]:
        return {
            "department": self.unit.name if self.unit else None,
            "department_id": self.unit.department_id if self.unit else None,
            "function": self.function,
            "rule": self.rule,
            "explanation": self.explanation,
            "score": round(self.score, 3),
            "alternatives": [{"department": c.unit.name, "department_id": c.unit.department_id,
                              "function": c.function, "score": round(c.score, 3),
                              "rule": c.best.label if c.best else ""} for c in self.alternatives],
        }


def function_of_department(name: str, functions: Iterable[str]) -> str | None:
    """The function a department's name says it serves (the longest match), or None."""
    best: tuple[int, str] | None = None
    for function in functions:
        for alias in (function, *FUNCTION_ALIASES.get(function, ())):
            if alias in name and (best is None or len(alias) > best[0]):
                best = (len(alias), function)
    return best[1] if best else None


def units_for(units: Sequence[Unit], region: str) -> dict[str, Unit]:
    """For each function, the unit serving it in the most specific region that covers ``region``."""
    out: dict[str, Unit] = {}
    for unit in units:
        if not region.startswith(unit.region_prefix):
            continue
        current = out.get(unit.function)
        if current is None or len(unit.region_prefix) > len(current.region_prefix):
            out[unit.function] = unit
    return out


class DutyIndex:
    """The units' responsibilities as search documents, one per function, scored with the catalog's engine."""

    def __init__(self, duties: Mapping[str, str]) -> None:
        self.engine = SearchEngine(default_analyzer())
        self.engine.build(SearchDoc(code=function, name=function, keywords=text) for function, text in duties.items())
        self.duties = dict(duties)

    def scores(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        _, hits = self.engine.search(text[:300], limit=limit)
        return hits

    def shared_words(self, text: str, function: str) -> list[str]:
        analyzer = self.engine.analyzer
        mine = {t for t in analyzer.index_tokens(self.duties.get(function, "")) if len(t) > 1}
        return [t for t in dict.fromkeys(analyzer.index_tokens(text)) if t in mine][:4]


class HistoryIndex:
    """Requests dispatched before and the function that handled them (the shipped dispatch samples and the centre's
    own answered orders), as search documents: a new request's nearest neighbours vote for their functions."""

    def __init__(self, samples: Sequence[tuple[str, str, str]]) -> None:
        """``samples``: (key, text, function)."""
        self.engine = SearchEngine(default_analyzer())
        self.engine.build(SearchDoc(code=key, name="", keywords=text) for key, text, _ in samples)
        self.functions = {key: function for key, _, function in samples}
        self.size = len(samples)
        self.learned: deque[str] = deque()  # the orders taken in, oldest first
        self.seen: Any = None  # how far the owner has read its orders (the last answer time taken in)

    def add(self, key: str, text: str, function: str, *, keep: int = 20_000) -> None:
        """Take in an answered order; beyond ``keep`` learned orders the oldest is forgotten (the samples stay)."""
        self.engine.upsert(SearchDoc(code=key, name="", keywords=text))
        if key not in self.functions:
            self.size += 1
            self.learned.append(key)
        self.functions[key] = function
        while len(self.learned) > keep:
            old = self.learned.popleft()
            self.engine.remove(old)
            self.functions.pop(old, None)
            self.size -= 1

    def votes(self, text: str) -> list[tuple[str, float, int]]:
        """(function, share of the neighbours' weight, neighbours) best first."""
        _, hits = self.engine.search(text[:300], limit=HISTORY_NEIGHBOURS)
        if not hits:
            return []
        top = hits[0][1] or 1.0
        weight: dict[str, float] = {}
        count: dict[str, int] = {}
        for key, score in hits:
            function = self.functions.get(key)
            if function is None:
                continue
            weight[function] = weight.get(function, 0.0) + score / top
            count[function] = count.get(function, 0) + 1
        total = sum(weight.values()) or 1.0
        return sorted(((f, w / total, count[f]) for f, w in weight.items()), key=lambda x: -x[1])


class Router:
    def __init__(self, rules: Sequence[Rule], units: Sequence[Unit], duties: DutyIndex | None = None,
                 history: HistoryIndex | None = None, weights: dict[str, float] | None = None) -> None:
        self.rules = list(rules)
        self.units = list(units)
        self.duties = duties
        self.history = history
        self.weights = dict(weights or WEIGHTS)

    def decide(self, content: str, *, kind: str | None, region: str,
               extra: Sequence[tuple[str, Evidence]] = (), use: frozenset[str] | None = None,
               items: frozenset[str] = frozenset()) -> Decision:
        """Route ``content`` (a request of ``kind`` in ``region``). ``extra`` is (function, evidence) found
        elsewhere (catalog items, knowledge answers); ``items`` the catalog items the request found (a rule may
        stand for items); ``use`` limits the sources (the benchmark's ablations)."""
        available = units_for(self.units, region)
        by_id = {u.department_id: u for u in self.units}
        candidates: dict[str, Candidate] = {}

        def add(function: str, evidence: Evidence, unit: Unit | None = None) -> None:
            target = unit or available.get(function)
            if target is None:
                return
            evidence.score = evidence.share * self.weights.get(evidence.source, 1.0)
            # a rule for one department that is not the function's usual unit competes as a candidate of its own
            usual = available.get(target.function)
            key = target.function if usual is not None and usual.department_id == target.department_id \
                else f"{target.function}#{target.department_id}"
            cand = candidates.setdefault(key, Candidate(target.function, target))
            cand.score += evidence.score
            cand.evidence.append(evidence)

        text = normalise(content)
        if use is None or "rule" in use:
            for rule in self.rules:
                matched = rule.matches(text, kind, region, items)
                if matched is None:
                    continue
                shown = "、".join(dict.fromkeys(matched))
                evidence = Evidence("rule", rule.weight, f"{rule.code} {rule.note}".strip(),
                                    f"规则 {rule.code}「{rule.note}」命中“{shown}”" if rule.note
                                    else f"规则 {rule.code} 命中“{shown}”")
                if rule.department_id is not None:
                    unit = by_id.get(rule.department_id)
                    if unit is not None and region.startswith(unit.region_prefix):
                        add(unit.function, evidence, unit)
                elif rule.function:
                    add(rule.function, evidence)
        if self.duties is not None and (use is None or "duty" in use):
            hits = [(f, s) for f, s in self.duties.scores(content) if f in available]
            if hits:
                best_score = hits[0][1] or 1.0
                for function, score in hits[:3]:
                    share = score / best_score
                    if share < 0.5:
                        continue
                    shared = "、".join(self.duties.shared_words(content, function))
                    add(function, Evidence("duty", share, f"职责清单：{function}",
                                           f"与{function}的派单职责相符" + (f"（“{shared}”）" if shared else "")))
        if self.history is not None and self.history.size and (use is None or "history" in use):
            for function, share, n in self.history.votes(content)[:3]:
                if function in available and share >= 0.2:
                    add(function, Evidence("history", share, f"相似工单：{function}",
                                           f"相似的历史工单中有 {n} 件由{function}办理"))
        for function, evidence in extra:
            if use is None or evidence.source in use:
                add(function, evidence)
        ranked = sorted(candidates.values(), key=lambda c: (-c.score, c.unit.department_id))
        if not ranked:
            return Decision(None, None, "", "没有规则或职责与诉求内容相符，请话务员人工派单。", 0.0, [], [])
        top = ranked[0]
        parts = sorted(top.evidence, key=lambda e: -e.score)
        best = parts[0]
        reasons = "；".join(dict.fromkeys(e.detail for e in parts[:4]))
        explanation = f"派往{top.unit.name}（{top.function}）：{reasons}。"
        if len(ranked) > 1:
            second = ranked[1]
            explanation += f"其次是{second.unit.name}（得分 {second.score:.1f}，本单位 {top.score:.1f}）。"
        return Decision(top.unit, top.function, best.label, explanation, top.score, ranked[1:1 + ALTERNATIVES],
                        ranked)


# --- the keyword-only baseline -------------------------------------------------------------------------

def duty_keywords(duties: str) -> list[str]:
    """The responsibility phrases of a unit split into keywords (食品安全（餐馆卫生…）→ 食品安全, 餐馆卫生 …)."""
    parts = re.split(r"[、，,；;（）()和及与]", duties)
    return [p.strip() for p in parts if len(p.strip()) >= 2]


def keyword_route(content: str, units: Mapping[str, str]) -> str | None:
    """The function whose responsibility keywords occur most often in the text (ties: the first listed)."""
    text = normalise(content)
    best: tuple[int, str] | None = None
    for function, duties in units.items():
        hits = sum(1 for word in duty_keywords(duties) + [function] if normalise(word) in text)
        if hits and (best is None or hits > best[0]):
            best = (hits, function)
    return best[1] if best else None
