"""Catalog search: an in-memory Chinese search engine over service items (no database access).

The catalog service builds a :class:`SearchEngine` from item rows, keeps it current with
``upsert``/``remove`` and calls ``search``. :mod:`.analyzer` owns segmentation, pinyin and query
plans; :mod:`.engine` owns the index and ranking; :mod:`.snapshot` stores an exported index on disk.
See docs/search.md.
"""

from yiwang.catalog.search.analyzer import Analyzer, QueryPlan, load_default_lexicon
from yiwang.catalog.search.engine import Filters, PlainBM25, SearchDoc, SearchEngine
from yiwang.catalog.search.intents import Intent, load_intents


def default_analyzer() -> Analyzer:
    """An analyzer with the lexicon and typo map shipped in the seed data, the intents of
    ``intents.tsv`` and the lookup prior."""
    lexicon, typos = load_default_lexicon()
    return Analyzer(lexicon=lexicon, typos=typos, intents=load_intents(), lookup_prior=True)


def previous_analyzer() -> Analyzer:
    """The analyzer as it was before the intent layer and the lookup prior: the baseline the quality
    benchmark reports beside the current engine."""
    lexicon, typos = load_default_lexicon()
    return Analyzer(lexicon=lexicon, typos=typos)


__all__ = [
    "Analyzer",
    "Filters",
    "Intent",
    "PlainBM25",
    "QueryPlan",
    "SearchDoc",
    "SearchEngine",
    "default_analyzer",
    "load_default_lexicon",
    "load_intents",
    "previous_analyzer",
]
