"""Electronic supervision (电子监察): rules as data, the supervision tick, alerts and cards, supervision orders
(督办) and department scores.

This module is the domain's one door: other domains, the API and the pages import it
(``from yiwang.supervision import service as supervision``). The work lives by sub-concept:

- :mod:`yiwang.supervision.rules` — levels, the default rules, stored rules and the rule in force for an item;
- :mod:`yiwang.supervision.lights` — the case lights (yellow, red, step limits), derived from the clock when read;
- :mod:`yiwang.supervision.tick` — the set-based tick (cards, branch and hotline alerts, announcing newly lit
  lights, counts), and cards raised as soon as an event shows them;
- :mod:`yiwang.supervision.alerts` — reading alerts (stored and derived) and closing cards;
- :mod:`yiwang.supervision.orders` — supervision orders (督办);
- :mod:`yiwang.supervision.scores` — department scores and their exports;
- :mod:`yiwang.supervision.repository` — the reads of supervision's tables;
- :mod:`yiwang.supervision.states`, :mod:`yiwang.supervision.events`, :mod:`yiwang.supervision.errors` — the
  order's transition table, the events published, the domain's errors (imported directly, as other domains do).
"""

from __future__ import annotations

from yiwang.supervision.alerts import alert_out, close_card, list_alerts, open_by_department, open_counts
from yiwang.supervision.orders import (
    close_order,
    get_order,
    issue_order,
    list_orders,
    order_out,
    reply_order,
)
from yiwang.supervision.rules import (
    CARD_RULES,
    CONTENT,
    LEVEL_LABELS,
    LIGHT_RULES,
    STEP_NAMES,
    EffectiveRule,
    Level,
    RuleDef,
    default_rules,
    rule_for,
    rules,
    set_rule,
)
from yiwang.supervision.scores import SCORE_COLUMNS, month_bounds, scores, scores_csv, scores_xlsx
from yiwang.supervision.tick import (
    BIG_CHANGE,
    CHANGE_MARGIN,
    FULL_EVERY,
    MAX_ANNOUNCED,
    TickResult,
    raise_card,
    tick,
)

__all__ = [
    "BIG_CHANGE", "CARD_RULES", "CHANGE_MARGIN", "CONTENT", "FULL_EVERY", "LEVEL_LABELS", "LIGHT_RULES",
    "MAX_ANNOUNCED", "SCORE_COLUMNS", "STEP_NAMES", "EffectiveRule", "Level", "RuleDef", "TickResult", "alert_out",
    "close_card", "close_order", "default_rules", "get_order", "issue_order", "list_alerts", "list_orders",
    "month_bounds", "open_by_department", "open_counts", "order_out", "raise_card", "reply_order", "rule_for",
    "rules", "scores", "scores_csv", "scores_xlsx", "set_rule", "tick",
]
