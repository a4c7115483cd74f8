"""Text analysis for catalog search: segmentation, pinyin keys and query plans.

The analyzer turns item text into index tokens and a user's query into a weighted plan. It owns:

* normalisation (NFKC folds full-width letters, digits and punctuation; lower case);
* segmentation with jieba in search mode, without the HMM so that unknown strings (typos, rare
  words) split into single characters the same way on both sides;
* pinyin keys with pypinyin: tone-less syllable bigrams, "fuzzy" syllable bigrams (zh/z, ch/c, sh/s,
  n/l, -ng/-n, ü/u merged, as Chinese input methods do) and initial-letter n-grams;
* query plans: typo repair, colloquial expansion through the lexicon, detection of latin pinyin
  (full, spaced or initials) and per-token weights.

Tokens for the pinyin fields carry a kind prefix (``py:``, ``fz:``, ``ac:``); the engine routes
each kind to its own field. jieba's dictionary is loaded once per process, lazily and under a lock;
an analyzer with extra user words works on its own copy of the dictionary so that analyzers never
change each other's segmentation.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from yiwang.catalog.search import intents as _intents
from yiwang.catalog.search.intents import Intent

MAX_QUERY_CHARS = 100
EXPANSION_WEIGHT = 0.5
TYPO_ORIGINAL_WEIGHT = 0.3
CJK_PINYIN_WEIGHT = 0.5
LATIN_PINYIN_WEIGHT = 1.0
FUZZY_FACTOR = 0.5
INITIALS_WEIGHT = 1.0
PINYIN_EXPANSION_FACTOR = 0.6
UNIGRAM_FACTOR = 0.3
EXACT_BONUS = 1.0
CONTAIN_BONUS = 0.5
COVERAGE_BONUS = 0.5
_CACHE_SIZE = 4096  # per analyzer cache: repeated texts (departments, themes, a name analysed twice)
_WORD_CACHE_SIZE = 100_000

_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_CJK_CHAR = re.compile(f"[{_CJK_CLASS}]")
_WORD_CHAR = re.compile(f"[{_CJK_CLASS}0-9a-z]")
_NON_CONTENT = re.compile(f"[^{_CJK_CLASS}0-9a-z]+")
_LATIN_QUERY = re.compile(r"[a-z' ]+")
_SPACES = re.compile(r"\s+")

# Function words dropped from item text. Kept short on purpose: most short words carry meaning in
# item names (e.g. 证, 费, 户).
INDEX_STOPWORDS = frozenset("的 了 和 与 及 或 等 之 其 以及 或者 并 对 由".split())

# Extra words dropped from queries: question words and fillers of spoken requests.
QUERY_STOPWORDS = INDEX_STOPWORDS | frozenset(
    """
    怎么 怎么样 怎样 如何 哪里 哪儿 哪 在哪 在哪里 去哪 去哪里 哪个 哪些 什么 啥 要 需要 想 想要 我 我的 我们
    你 你们 他 她 它 吗 呢 吧 啊 呀 嘛 个 一个 一下 能 能不能 可以 可不可以 去 是 是不是 不是 有 有没有 没有
    还 也 就 都 又 该 应该 得 办 要办 办理 手续 流程 请问 咨询 一些 这个 那个 多少 几 几个 给 让 把 被 自己
    在 当 怎么办 咋 咋办 咋样 啥样 办法 时候 之后 以后 现在 已经 了吗 么
    """.split()
)


# -- jieba: one dictionary per process, loaded lazily

_JIEBA_LOCK = threading.Lock()
_BASE_TOKENIZER: Any = None


def _base_tokenizer() -> Any:
    global _BASE_TOKENIZER
    if _BASE_TOKENIZER is None:
        with _JIEBA_LOCK:
            if _BASE_TOKENIZER is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _BASE_TOKENIZER = tokenizer
    return _BASE_TOKENIZER


def _tokenizer_with_words(words: list[str]) -> Any:
    """A tokenizer sharing nothing mutable with the base one, with ``words`` added."""
    import jieba

    base = _base_tokenizer()
    tokenizer = jieba.Tokenizer()
    with _JIEBA_LOCK:
        tokenizer.FREQ = dict(base.FREQ)
        tokenizer.total = base.total
    tokenizer.initialized = True
    for word in words:
        tokenizer.add_word(word)
    return tokenizer


# -- pinyin helpers

_SYLLABLES: frozenset[str] | None = None
_MAX_SYLLABLE = 6


def _syllable_set() -> frozenset[str]:
    """All tone-less pinyin syllables known to pypinyin (interjections without vowels left out)."""
    global _SYLLABLES
    if _SYLLABLES is None:
        from pypinyin import pinyin_dict
        from pypinyin.contrib.tone_convert import to_normal

        found: set[str] = set()
        for readings in pinyin_dict.pinyin_dict.values():
            for reading in readings.split(","):
                syllable = to_normal(reading).replace("ü", "v")
                if syllable.isascii() and syllable.isalpha() and re.search("[aeiouv]", syllable):
                    found.add(syllable)
        _SYLLABLES = frozenset(found)
    return _SYLLABLES


_WORD_PINYIN: dict[str, list[str]] = {}


def _word_syllables(word: str) -> list[str]:
    cached = _WORD_PINYIN.get(word)
    if cached is None:
        from pypinyin import lazy_pinyin

        cached = [
            s.replace("ü", "v")
            for s in lazy_pinyin(word, errors="ignore")
            if s.replace("ü", "v").isascii() and s.isalpha()
        ]
        if len(_WORD_PINYIN) >= _WORD_CACHE_SIZE:
            _WORD_PINYIN.clear()
        _WORD_PINYIN[word] = cached
    return cached


def fuzzy_syllable(syllable: str) -> str:
    """Fold the sounds that speakers of many dialects (and input methods) do not distinguish."""
    s = syllable.replace("v", "u")
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    if s.startswith("n"):
        s = "l" + s[1:]
    if s.endswith("ng") and not s.endswith("ong") and len(s) > 2:
        s = s[:-1]
    return s


def segment_pinyin(letters: str, max_results: int = 4) -> list[list[str]]:
    """Split a run of latin letters into pinyin syllables.

    Returns every split with the fewest syllables (at most ``max_results``; "gangao" gives both
    gang+ao and gan+gao), or an empty list when the run is not pinyin.
    """
    syllables = _syllable_set()
    n = len(letters)
    if n == 0 or n > 60:
        return []
    unreachable = n + 1
    # best[i]: fewest syllables that spell letters[i:]
    best = [unreachable] * (n + 1)
    best[n] = 0
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
            if best[j] + 1 < best[i] and letters[i:j] in syllables:
                best[i] = best[j] + 1
    if best[0] >= unreachable:
        return []
    results: list[list[str]] = []

    def walk(i: int, acc: list[str]) -> None:
        if len(results) >= max_results:
            return
        if i == n:
            results.append(list(acc))
            return
        for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
            if best[j] + 1 == best[i] and letters[i:j] in syllables:
                acc.append(letters[i:j])
                walk(j, acc)
                acc.pop()

    walk(0, [])
    return results


def _bigrams(items: list[str]) -> list[str]:
    if len(items) == 1:
        return list(items)
    return [a + "_" + b for a, b in zip(items, items[1:], strict=False)]


def _letter_grams(letters: str) -> list[str]:
    """Initials key of a text: its letter bigrams and trigrams."""
    grams = [letters[i : i + 2] for i in range(len(letters) - 1)]
    grams += [letters[i : i + 3] for i in range(len(letters) - 2)]
    return grams


# -- Lexicon files


def _read_tsv(name: str) -> list[dict[str, str]]:
    package = resources.files("yiwang.catalog").joinpath("seed_data", name)
    if not package.is_file():
        return []
    text = package.read_text(encoding="utf-8")
    return [dict(row) for row in csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)]


def load_default_lexicon() -> tuple[dict[str, list[str]], dict[str, str]]:
    """The colloquial lexicon (phrase -> formal terms) and the typo map (wrong -> right) of the seed data."""
    lexicon: dict[str, list[str]] = {}
    for row in _read_tsv("lexicon.tsv"):
        phrase = (row.get("phrase") or "").strip()
        terms = (row.get("expansion") or "").split()
        if phrase and terms:
            lexicon.setdefault(phrase, [])
            lexicon[phrase] += [t for t in terms if t not in lexicon[phrase]]
    typos: dict[str, str] = {}
    for row in _read_tsv("typos.tsv"):
        wrong = (row.get("wrong") or "").strip()
        right = (row.get("right") or "").strip()
        if wrong and right and wrong != right:
            typos[wrong] = right
    return lexicon, typos


# -- Query plan


@dataclass(frozen=True)
class QueryPlan:
    """What the engine needs to score one query.

    ``words`` are word tokens searched in the text fields; ``keys`` are kind-prefixed pinyin tokens
    (``py:``/``fz:``/``ac:``). ``content`` (query without fillers, typo-repaired), ``syllables``
    and ``initials`` feed the name-similarity re-ranking; ``mode`` is ``text``, ``pinyin``,
    ``initials`` or ``empty``.
    """

    query: str
    normalized: str
    corrected: str
    content: str
    mode: str
    words: tuple[tuple[str, float], ...] = ()
    keys: tuple[tuple[str, float], ...] = ()
    syllables: tuple[str, ...] = ()
    initials: str = ""
    expansions: tuple[str, ...] = field(default=())
    targets: tuple[tuple[str, float], ...] = ()  # formal phrases of the intents fired (compact) and their weight
    demote_lookup: bool = False  # demote lookup / consultation items (the query does not ask for one)
    demote_service: bool = False  # demote the other items (the query asks for a lookup or progress)
    demote_variant: bool = False  # demote change / renewal / replacement items (the query names none)

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.keys

    def name_similarity(self, name: str, name_syllables: str, name_initials: str) -> float:
        """Bonus for a name (compact form, " syl syl " pinyin, initials) resembling the query: equal,
        containing it, or sharing its character / syllable / initials n-grams. Added to the
        normalised BM25 score of the top items so that the name dominates."""
        return self.similarity()(name, name_syllables, name_initials)

    def similarity(self) -> Callable[[str, str, str], float]:
        """:meth:`name_similarity` with the query's side prepared once (the engine scores a few hundred
        names per query with it)."""
        text = self.mode == "text" and bool(self.content)
        wholes = tuple(dict.fromkeys((compact(self.corrected), self.content))) if text else ()
        content = self.content
        char_grams = ([content[i : i + 2] for i in range(len(content) - 1)] or [content]) if text else []
        syllables = list(self.syllables)
        scale = 0.9 if self.mode == "text" else 1.0
        joined = " " + " ".join(syllables) + " "
        syllable_grams = [" " + a + " " + b + " " for a, b in zip(syllables, syllables[1:], strict=False)]
        letters = self.initials if self.mode == "initials" else ""
        letter_grams = ([letters[i : i + 3] for i in range(len(letters) - 2)] or [letters]) if letters else []
        targets = self.targets

        def score(name: str, name_syllables: str, name_initials: str) -> float:
            if not name:
                return 0.0
            exact = contain = coverage = 0.0
            if text:
                # the whole query first (fillers such as 有, 的, 办理 can be part of a name), then its content
                for q in wholes:
                    exact = max(exact, float(q == name))
                    if len(q) >= 2 and q in name:
                        contain = max(contain, 0.5 + 0.5 * len(q) / len(name))
                coverage = _coverage(char_grams, name)
            if syllables:
                # pinyin input, or a typed query that sounds like the name (homophone typos)
                if joined == name_syllables:
                    exact = max(exact, scale)
                elif len(syllables) >= 2 and joined in name_syllables:
                    contain = max(contain, scale * (0.5 + 0.5 * len(syllables) / max(1, len(name_initials))))
                coverage = max(coverage, 0.9 * _coverage(syllable_grams, name_syllables))
            if letters and name_initials:
                exact = float(letters == name_initials)
                if len(letters) >= 2 and letters in name_initials:
                    contain = 0.5 + 0.5 * len(letters) / len(name_initials)
                coverage = _coverage(letter_grams, name_initials)
            # an item named by a target, more so when the target is most of the name (法律援助 before
            # 法律援助律师执业许可)
            intent = max((w * (0.75 + 0.25 * len(t) / len(name)) for t, w in targets if t in name), default=0.0)
            return (EXACT_BONUS * exact + CONTAIN_BONUS * contain + COVERAGE_BONUS * coverage
                    + _intents.INTENT_BONUS * intent)

        return score


def _coverage(grams: list[str], haystack: str) -> float:
    return sum(g in haystack for g in grams) / len(grams) if grams else 0.0


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def compact(text: str) -> str:
    """Only CJK characters, digits and latin letters: the form used to compare names."""
    return _NON_CONTENT.sub("", normalize(text))


class Analyzer:
    """Segmentation, pinyin keys and query planning for the catalog search engine.

    ``lexicon`` maps colloquial phrases to formal terms (searched at a lower weight), ``typos`` maps
    wrong character sequences to right ones (applied to queries), ``user_words`` are added to the
    jieba dictionary of this analyzer only. ``intents`` map goals and plain wording to formal targets
    (see :mod:`.intents`); ``lookup_prior`` makes plans demote lookup and consultation items unless
    the query asks for one.
    """

    def __init__(
        self, lexicon: dict[str, list[str]] | None = None, typos: dict[str, str] | None = None,
        user_words: Iterable[str] = (), intents: Iterable[Intent] = (), lookup_prior: bool = False,
    ) -> None:
        self.intents = list(intents)
        self._intent_index = _intents.IntentIndex(self.intents)
        self.lookup_prior = lookup_prior
        self.lexicon = {normalize(k): [normalize(t) for t in v] for k, v in (lexicon or {}).items() if k.strip()}
        self.typos = {normalize(k): normalize(v) for k, v in (typos or {}).items() if k.strip()}
        self._user_words = [w.strip() for w in user_words if w.strip()]
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._token_cache: dict[str, list[str]] = {}
        self._syllable_cache: dict[str, list[str]] = {}
        self._word_cache: dict[str, list[str]] = {}
        self._phrase_tokens: dict[str, list[str]] = {}
        self._typo_re = self._alternation(self.typos)
        self._lexicon_phrases = sorted(self.lexicon, key=lambda p: (-len(p), p))
        self._lexicon_syllables: list[tuple[str, str]] | None = None

    @staticmethod
    def _alternation(words: Iterable[str]) -> re.Pattern[str] | None:
        ordered = sorted(set(words), key=lambda w: (-len(w), w))
        return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None

    # -- segmentation ---------------------------------------------------------------------------

    def _jieba(self) -> Any:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = (
                        _tokenizer_with_words(self._user_words) if self._user_words else _base_tokenizer()
                    )
        return self._tokenizer

    def _words(self, normalized: str) -> list[str]:
        """jieba accurate-mode pieces of a normalised text (cached: a name is segmented once for its
        words and its pinyin)."""
        cached = self._word_cache.get(normalized)
        if cached is None:
            cached = list(self._jieba().cut(normalized, HMM=False))
            self._remember(self._word_cache, normalized, cached)
        return cached

    def _segment(self, normalized: str, search_mode: bool = True) -> list[str]:
        """Words of a normalised text; search mode adds the dictionary 2- and 3-grams inside longer
        words, as jieba's ``cut_for_search`` does."""
        words = self._words(normalized)
        if search_mode:
            freq = self._jieba().FREQ
            expanded: list[str] = []
            for w in words:
                if len(w) > 2:
                    expanded += [w[i : i + 2] for i in range(len(w) - 1) if freq.get(w[i : i + 2])]
                if len(w) > 3:
                    expanded += [w[i : i + 3] for i in range(len(w) - 2) if freq.get(w[i : i + 3])]
                expanded.append(w)
            words = expanded
        return [p for p in (piece.strip() for piece in words) if p and _WORD_CHAR.search(p)]

    def index_tokens(self, text: str) -> list[str]:
        """Word tokens of item text: jieba search-mode words, then every CJK character not already a
        one-character word (lower case, no punctuation or function words).

        The single characters let a query's leftover characters (税, 转, 证 …, which jieba keeps
        apart when it finds no word) meet the words that contain them; on the labelled query set
        they add about one point of hit@1 overall and three on colloquial queries (docs/search.md).
        """
        cached = self._token_cache.get(text)
        if cached is not None:
            return cached
        normalized = normalize(text)
        tokens = [t for t in self._segment(normalized) if t not in INDEX_STOPWORDS]
        singles = set(tokens)
        for char in _CJK_CHAR.findall(normalized):
            if char not in singles and char not in INDEX_STOPWORDS:
                tokens.append(char)
        self._remember(self._token_cache, text, tokens)
        return tokens

    @staticmethod
    def _remember(cache: dict[str, list[str]], key: str, value: list[str]) -> None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = value

    # -- pinyin ---------------------------------------------------------------------------------

    def syllables(self, text: str) -> list[str]:
        """Tone-less pinyin of the CJK characters of ``text`` (ü written as v), in order.

        Converted word by word (jieba words, each cached process-wide): a polyphonic character
        takes the reading of the word it is in (银行 → yin hang), and names, which share most of
        their words, cost a few dictionary look-ups instead of a pypinyin run each.
        """
        cached = self._syllable_cache.get(text)
        if cached is not None:
            return cached
        out: list[str] = []
        for word in self._words(normalize(text)):
            for run in _CJK_RUN.findall(word):
                out += _word_syllables(run)
        self._remember(self._syllable_cache, text, out)
        return out

    def pinyin_key(self, text: str) -> list[str]:
        """Pinyin tokens of item text: ``py:`` syllable bigrams, ``fz:`` fuzzy syllable bigrams and
        ``ac:`` initial-letter bigrams and trigrams (e.g. 营业执照 → py:ying_ye …, ac:yy, ac:yyz …)."""
        syllables = self.syllables(text)
        keys: list[str] = []
        if syllables:
            keys += ["py:" + g for g in _bigrams(syllables)]
            keys += ["fz:" + g for g in _bigrams([fuzzy_syllable(s) for s in syllables])]
            keys += ["ac:" + g for g in _letter_grams("".join(s[0] for s in syllables))]
        return keys

    # -- queries --------------------------------------------------------------------------------

    def correct(self, normalized: str) -> str:
        """Apply the typo map (longest wrong form first, one pass)."""
        if self._typo_re is None:
            return normalized
        return self._typo_re.sub(lambda m: self.typos[m.group(0)], normalized)

    def expansions(self, *texts: str) -> list[str]:
        """Lexicon phrases found in any of ``texts``, longest first."""
        # one substring test per phrase over the variants joined by a character no phrase contains
        joined = "\x00".join({t for text in texts for t in (text, compact(text)) if t})
        return [p for p in self._lexicon_phrases if p in joined]

    def _lexicon_pinyin(self) -> list[tuple[str, str]]:
        """(" syl syl ", phrase) for lexicon phrases of two syllables or more, built on first use."""
        if self._lexicon_syllables is None:
            pairs = []
            for phrase in self._lexicon_phrases:
                syllables = self.syllables(phrase)
                if len(syllables) >= 2 and len(syllables) == len(compact(phrase)):
                    pairs.append((" " + " ".join(syllables) + " ", phrase))
            self._lexicon_syllables = pairs
        return self._lexicon_syllables

    def pinyin_expansions(self, syllables: list[str]) -> list[str]:
        """Lexicon phrases whose pinyin occurs in ``syllables`` (pinyin input, homophone typos)."""
        if len(syllables) < 2:
            return []
        joined = " " + " ".join(syllables) + " "
        return [phrase for key, phrase in self._lexicon_pinyin() if key in joined]

    def _term_tokens(self, term: str, weight: float) -> list[tuple[str, float]]:
        """Tokens of a phrase added to a query; its lone characters count little next to its words."""
        tokens = self._phrase_tokens.get(term)
        if tokens is None:
            # lexicon and intent phrases are few: kept apart from the item-text cache, which a build
            # of a large catalog clears many times over
            tokens = self.index_tokens(term)
            if len(self._phrase_tokens) < _CACHE_SIZE:
                self._phrase_tokens[term] = tokens
        has_words = any(len(t) > 1 for t in tokens)
        return [(t, weight * UNIGRAM_FACTOR if has_words and len(t) == 1 else weight) for t in tokens]

    def _expand(self, add: Callable[[str, float], None], phrases: Iterable[str], factor: float) -> None:
        for phrase in phrases:
            for term in self.lexicon[phrase]:
                for token, weight in self._term_tokens(term, EXPANSION_WEIGHT * factor):
                    add(token, weight)

    def analyze_query(self, q: str) -> QueryPlan:
        """Turn a raw query into weighted word tokens and pinyin keys."""
        raw = (q or "")[:MAX_QUERY_CHARS]
        normalized = normalize(raw)
        if not _WORD_CHAR.search(normalized):
            return QueryPlan(query=raw, normalized=normalized, corrected=normalized, content="", mode="empty")
        if _LATIN_QUERY.fullmatch(normalized):
            return self._latin_plan(raw, normalized)
        corrected = self.correct(normalized)
        weights: dict[str, float] = {}

        def add(token: str, weight: float) -> None:
            if weights.get(token, 0.0) < weight:
                weights[token] = weight

        content_words = [t for t in self._segment(corrected, search_mode=False) if t not in QUERY_STOPWORDS]
        content = "".join(content_words) or compact(corrected)
        for token in self._segment(corrected):
            if token not in QUERY_STOPWORDS:
                add(token, 1.0)
        if corrected != normalized:
            for token in self._segment(normalized):
                if token not in QUERY_STOPWORDS:
                    add(token, TYPO_ORIGINAL_WEIGHT)
        phrases = self.expansions(corrected, content)
        self._expand(add, phrases, 1.0)
        targets: dict[str, float] = {}
        for intent in self._intent_index.match(compact(corrected), compact(normalized)):
            for target in intent.targets:
                if target not in targets:
                    # the target's words, not its lone characters: the re-ranking bonus finds the name,
                    # and single characters would make the query scan most of the index
                    for token, weight in self._term_tokens(target, _intents.INTENT_WEIGHT):
                        if len(token) > 1:
                            add(token, weight)
                targets[target] = max(targets.get(target, 0.0), intent.weight)
        syllables = self.syllables(content)
        # a lexicon phrase typed with a homophone (退修金) still expands, at a lower weight
        sounds_like = [p for p in self.pinyin_expansions(syllables) if p not in phrases]
        self._expand(add, sounds_like, PINYIN_EXPANSION_FACTOR)
        phrases += sounds_like
        keys: dict[str, float] = {}
        self._add_pinyin(keys, [syllables], CJK_PINYIN_WEIGHT)
        # latin words inside a mixed query (e.g. "ETC办理", "yingye执照") may be pinyin too
        for run in re.findall("[a-z]{2,}", corrected):
            splits = segment_pinyin(run)
            if splits:
                self._add_pinyin(keys, splits, CJK_PINYIN_WEIGHT)
        return QueryPlan(
            query=raw, normalized=normalized, corrected=corrected, content=compact(content), mode="text",
            words=tuple(weights.items()), keys=tuple(keys.items()), syllables=tuple(syllables),
            expansions=tuple(phrases), targets=tuple(targets.items()),
            demote_lookup=self.lookup_prior and not _intents.wants_lookup(compact(normalized)),
            demote_service=self.lookup_prior and _intents.wants_lookup(compact(normalized)),
            demote_variant=self.lookup_prior and not _intents.names_variant(compact(normalized)),
        )

    @staticmethod
    def _add_pinyin(keys: dict[str, float], splits: list[list[str]], weight: float) -> None:
        for split in splits:
            if not split:
                continue
            for g in _bigrams(split):
                keys["py:" + g] = max(keys.get("py:" + g, 0.0), weight)
            for g in _bigrams([fuzzy_syllable(s) for s in split]):
                keys["fz:" + g] = max(keys.get("fz:" + g, 0.0), weight * FUZZY_FACTOR)

    def _latin_plan(self, raw: str, normalized: str) -> QueryPlan:
        """Queries in latin letters: full pinyin (joined or spaced) or initials ("yyzz")."""
        chunks = [c for c in re.split(r"[ ']+", normalized) if c]
        letters = "".join(chunks)
        words = {c: 1.0 for c in chunks}
        keys: dict[str, float] = {}
        per_chunk = [segment_pinyin(c) for c in chunks]
        if all(per_chunk):
            # one split per combination of chunk splits, capped
            splits: list[list[str]] = [[]]
            for options in per_chunk:
                splits = [s + o for s in splits for o in options][:4]
            self._add_pinyin(keys, splits, LATIN_PINYIN_WEIGHT)
            syllables = splits[0]
            # "tuixiujin" -> 退休金: the phrase's own words, then its expansions
            phrases = sorted({p for split in splits for p in self.pinyin_expansions(split)}, key=lambda p: (-len(p), p))

            def add(token: str, weight: float) -> None:
                if words.get(token, 0.0) < weight:
                    words[token] = weight

            for phrase in phrases:
                for token, weight in self._term_tokens(phrase, PINYIN_EXPANSION_FACTOR):
                    add(token, weight)
            self._expand(add, phrases, 1.0)
            return QueryPlan(
                query=raw, normalized=normalized, corrected=normalized, content=letters, mode="pinyin",
                words=tuple(words.items()), keys=tuple(keys.items()), syllables=tuple(syllables),
                initials="".join(s[0] for s in syllables), expansions=tuple(phrases),
                demote_lookup=self.lookup_prior and not _intents.wants_lookup(letters),
                demote_service=self.lookup_prior and _intents.wants_lookup(letters),
                demote_variant=self.lookup_prior and not _intents.syllables_name_variant(syllables),
            )
        if 2 <= len(letters) <= 3:
            grams = [letters] if len(letters) == 2 else [letters[:2], letters[1:], letters]
        else:
            grams = [letters[i : i + 3] for i in range(len(letters) - 2)]
        for g in grams:
            keys["ac:" + g] = INITIALS_WEIGHT
        return QueryPlan(
            query=raw, normalized=normalized, corrected=normalized, content=letters, mode="initials",
            words=tuple(words.items()), keys=tuple(keys.items()), initials=letters,
            demote_lookup=self.lookup_prior,
        )


__all__ = ["Analyzer", "QueryPlan", "compact", "fuzzy_syllable", "load_default_lexicon", "normalize", "segment_pinyin"]
