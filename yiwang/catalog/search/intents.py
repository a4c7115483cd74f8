"""Intent layer of catalog search: what a person wants, said in their own words, mapped to services.

People describe a goal ("下个月打算去领证", "店里想暂时歇业") or a situation in plain words
("被猫抓伤了", "两份社保记录合成一份") rather than the item's formal name. ``intents.tsv`` (next
to this module) lists such phrasings as *cues* and the formal *targets* they mean:

* ``cues``: groups separated by ``+``, each group a ``|``-separated list of alternatives; an intent
  fires when every group has an alternative inside the query (so "被 … 抓伤" and "看守所 … 看望" can
  be far apart in the sentence);
* ``targets``: formal phrases, space-separated, as they appear in item names (婚姻登记, 结婚登记 …).

A fired intent adds its targets to the query plan (their words are searched like lexicon expansions,
at ``INTENT_WEIGHT``) and the re-ranking gives ``INTENT_BONUS`` to an item whose name contains a
target. Cues and names are compared in their compact form (see :func:`compact`).

The module also holds the *lookup prior*: most people searching "港澳通行证" want to apply, not to
follow an application's progress, so items whose names say they are a lookup, progress enquiry or
consultation (查询, 进度, 咨询 …) are demoted unless the query itself asks for one (查, 进度, 办好了吗 …).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

INTENT_WEIGHT = 0.8  # query weight of a target's words (typed words weigh 1.0, lexicon expansions 0.5)
INTENT_BONUS = 0.6  # re-ranking bonus of an item whose name contains a target
LOOKUP_PENALTY = 0.5  # re-ranking penalty of a lookup / consultation item when the query wants a service
LOOKUP_WANTED_PENALTY = 0.2  # penalty of the other items when the query does ask for a lookup or progress
VARIANT_PENALTY = 0.15  # re-ranking penalty of a change / renewal / replacement item when the query names none
SINGLE_CUE_FACTOR = 0.7  # an intent with one cue group is less specific than one whose cues must co-occur

_NON_CONTENT = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff0-9a-z]+")

# Words of an item name that make it a lookup, progress enquiry or consultation rather than a service.
LOOKUP_NAME_MARKERS = ("查询", "进度", "咨询", "查看", "查阅", "查找", "检索", "公示", "公布", "下载", "名录", "名单")

# Words of a query asking for such an item.
LOOKUP_QUERY_CUES = (
    "查", "进度", "到哪", "到了哪", "好了没", "好了吗", "好没好", "办好", "做好", "出来没", "结果", "名单", "名录",
    "信息", "咨询", "问问", "真假", "真伪", "下载", "公示", "公布", "分数", "成绩", "号码", "多少分", "地址", "在哪里办",
    "chaxun", "jindu",
)


# Words of an item name that make it a variant of a service (change, renewal, cancellation, replacement …)
# rather than the first application; without a word of the same kind in the query, the first
# application is what people mean ("海域使用权申请" → 初始审批, not 转让 or 收回).
VARIANT_NAME_MARKERS = (
    "变更", "延期", "延续", "续期", "注销", "撤销", "转让", "收回", "补发", "补办", "补领", "换发", "换领", "换证",
    "遗失", "损毁", "重新", "再次", "增项", "恢复", "暂停", "作废", "迁出", "迁入", "挂失", "重核", "减容", "暂拆",
    "签注",  # an endorsement is an add-on to a travel pass: "港澳通行证" means the pass itself
)
VARIANT_QUERY_CUES = (
    "变", "改", "延", "续", "注销", "销", "撤", "转", "收回", "补", "换", "丢", "掉", "遗失", "损", "坏", "重新", "重",
    "再", "增", "恢复", "停", "作废", "迁", "挂失", "到期", "过期", "不见", "找不到", "没了", "减", "拆", "签",
    "旅游", "探亲", "出差", "商务", "逗留", "读书", "学习", "定居",  # what endorsements are for
)
# The same cues as pinyin syllables, for latin queries ("baoanyuanzheng buban").
VARIANT_QUERY_SYLLABLES = frozenset(
    "bian gai yan xu xiao che zhuan bu huan diu sun huai chong zai zeng hui ting fei qian gua qi qian".split()
)


def compact(text: str) -> str:
    """Lower-case CJK characters, digits and latin letters only (callers normalise first)."""
    return _NON_CONTENT.sub("", text.lower())


@dataclass(frozen=True)
class Intent:
    """One phrasing of a need: every cue group must be present; targets name the service."""

    cues: tuple[tuple[str, ...], ...]
    targets: tuple[str, ...]

    @property
    def weight(self) -> float:
        """Bonus factor: intents whose cues must co-occur are more specific than one-cue intents."""
        return 1.0 if len(self.cues) > 1 else SINGLE_CUE_FACTOR

    def matches(self, text: str) -> bool:
        return all(any(alt in text for alt in group) for group in self.cues)


def parse_intent(cues: str, targets: str) -> Intent | None:
    groups = tuple(
        tuple(dict.fromkeys(compact(alt) for alt in group.split("|") if compact(alt)))
        for group in cues.split("+")
    )
    names = tuple(dict.fromkeys(compact(t) for t in targets.split() if compact(t)))
    if not names or not groups or not all(groups):
        return None
    return Intent(groups, names)


def load_intents(text: str | None = None) -> list[Intent]:
    """Intents of ``text`` (TSV with columns cues, targets, note), by default the shipped intents.tsv."""
    if text is None:
        path = resources.files("yiwang.catalog.search").joinpath("intents.tsv")
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    out: list[Intent] = []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE):
        intent = parse_intent(row.get("cues") or "", row.get("targets") or "")
        if intent is not None:
            out.append(intent)
    return out


class IntentIndex:
    """Intents prepared for matching: every distinct cue is looked for once per query text, then an
    intent fires when each of its groups shares a cue with the ones found (a few µs per intent
    instead of a substring scan per alternative)."""

    def __init__(self, intents: Iterable[Intent]) -> None:
        self.intents = list(intents)
        self._groups = [[frozenset(group) for group in i.cues] for i in self.intents]
        self._by_cue: dict[str, list[int]] = {}
        for n, intent in enumerate(self.intents):
            for alt in dict.fromkeys(alt for group in intent.cues for alt in group):
                self._by_cue.setdefault(alt, []).append(n)
        self._cues = tuple(sorted(self._by_cue))

    def __len__(self) -> int:
        return len(self.intents)

    def match(self, *texts: str) -> list[Intent]:
        """Intents that fire on any of ``texts`` (compact forms of the query), in file order."""
        fired: dict[int, Intent] = {}
        for text in dict.fromkeys(t for t in texts if t):
            found = {cue for cue in self._cues if cue in text}
            candidates = {n for cue in found for n in self._by_cue[cue]}
            for n in candidates:
                if n not in fired and all(not g.isdisjoint(found) for g in self._groups[n]):
                    fired[n] = self.intents[n]
        return [fired[n] for n in sorted(fired)]


def match_intents(intents: Iterable[Intent], *texts: str) -> list[Intent]:
    """Intents that fire on any of ``texts`` (compact forms of the query), in file order."""
    return IntentIndex(intents).match(*texts)


def wants_lookup(text: str) -> bool:
    """Does the query (compact form) ask for a lookup, a progress enquiry or a consultation?"""
    return any(cue in text for cue in LOOKUP_QUERY_CUES)


def names_variant(text: str) -> bool:
    """Does the query (compact form) speak of a change, renewal, replacement … of something?"""
    return any(cue in text for cue in VARIANT_QUERY_CUES)


def syllables_name_variant(syllables: Iterable[str]) -> bool:
    """Does a latin query (its pinyin syllables) speak of a change, renewal, replacement …?"""
    return any(s in VARIANT_QUERY_SYLLABLES for s in syllables)


def is_variant_name(name: str) -> bool:
    """Is an item (by its compact name) a change / renewal / replacement variant of a service?"""
    return any(marker in name for marker in VARIANT_NAME_MARKERS)


def is_lookup_name(name: str) -> bool:
    """Is an item (by its compact name) a lookup, progress enquiry or consultation?"""
    return any(marker in name for marker in LOOKUP_NAME_MARKERS)


__all__ = [
    "INTENT_BONUS", "INTENT_WEIGHT", "LOOKUP_PENALTY", "LOOKUP_WANTED_PENALTY", "VARIANT_PENALTY", "Intent", "IntentIndex", "is_lookup_name",
    "is_variant_name", "load_intents", "match_intents", "names_variant", "parse_intent", "wants_lookup",
]
