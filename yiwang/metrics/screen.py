"""The operations screen (一屏感知): how a region is doing now and this month, on one 1920×1080 page.

Live figures come from indexed counts over today only (cases submitted, accepted and concluded today; hotline
orders today and open; ratings today; hall queues; lights on running cases) — a day's rows, never a full scan.
Everything spanning days comes from the aggregates: the 30-day trend from ``metric_daily``, the indicator board and
the sub-regions' figures from ``metric_monthly``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases import figures as case_figures
from yiwang.catalog import service as catalog
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.evaluation import figures as rating_figures
from yiwang.hall import figures as hall_figures
from yiwang.hotline import figures as hotline_figures
from yiwang.metrics import repository as repo
from yiwang.metrics import service as metrics
from yiwang.metrics.compute import midnight
from yiwang.metrics.indicators import SCREEN_BOARD
from yiwang.metrics.periods import Month
from yiwang.metrics.service import Scope, Value
from yiwang.org import service as org
from yiwang.supervision import figures as supervision_figures

TREND_DAYS = 30
TOP_ITEM_DAYS = 7


@dataclass
class SubRegion:
    code: str
    name: str
    submitted: int
    concluded: int
    on_time: int

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time * 100 / self.concluded, 1) if self.concluded else None


@dataclass
class Screen:
    scope: Scope
    now: dt.datetime  # local
    month: Month
    today: dict[str, int]
    lights: dict[str, int]
    halls: list[dict[str, Any]]
    hotline: dict[str, int]
    ratings: dict[str, int]
    top_items: list[tuple[str, str, int]]
    trend_days: list[dt.date]
    trend: dict[str, list[int]]
    board: list[Value]
    regions: list[SubRegion]
    parent_code: str | None
    computed_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"region_code": self.scope.region_code, "region": self.scope.region_name,
                "now": self.now.isoformat(), "period": self.month.key, "today": self.today, "lights": self.lights,
                "halls": self.halls, "hotline": self.hotline, "ratings": self.ratings,
                "top_items": [{"code": c, "name": n, "cases": k} for c, n, k in self.top_items],
                "trend": {"days": [d.isoformat() for d in self.trend_days], **self.trend},
                "board": [v.as_dict() for v in self.board],
                "regions": [{"code": r.code, "name": r.name, "submitted": r.submitted, "concluded": r.concluded,
                             "on_time_rate": r.on_time_rate} for r in self.regions]}


def _sub_regions(session: Session, month: Month, scope: Scope) -> list[SubRegion]:
    regions = org.list_regions(session)
    children = [r for r in regions if r.parent_code == scope.region_code] if scope.region_code else \
        [r for r in regions if r.parent_code is None or r.parent_code not in {x.code for x in regions}]
    if not children:
        return []
    keys = ("cases.submitted", "cases.concluded", "cases.on_time")
    by_region: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = repo.region_sums(session, month.key, keys, scope.prefix)
    out = []
    for child in sorted(children, key=lambda r: r.code):
        prefix = region_prefix(child.code)
        sums = by_region[child.code]
        for region, key, v in rows:
            if region_prefix(region).startswith(prefix):
                sums[key] += int(v)
        out.append(SubRegion(child.code, child.name, sums["cases.submitted"], sums["cases.concluded"],
                             sums["cases.on_time"]))
    out.sort(key=lambda r: (-r.submitted, r.code))  # the busiest first: the panel shows the first few
    return out


def _named(session: Session, rows: list[tuple[str, int]]) -> list[tuple[str, str, int]]:
    """(code, the item's name in the catalog, cases); an item no longer in the catalog keeps its code."""
    names = catalog.bundle_item_names(session, [code for code, _ in rows])
    return [(code, names[code][0] if code in names else code, n) for code, n in rows]


def screen(session: Session, actor: Actor, region_code: str | None) -> Screen:
    """The screen for a region in the actor's subtree (default: the actor's region)."""
    actor.require(Perm.METRICS_READ)
    if actor.is_staff and not actor.can(Perm.METRICS_REGION):
        raise PermissionDenied("运行大屏面向本辖区的监察员和管理员，部门人员请查看本部门指标", code="region_only")
    scope = metrics.resolve_scope(session, actor, region_code, None)
    today = clock.today()
    month = Month.of(today)
    start, end = midnight(today), midnight(today + dt.timedelta(days=1))
    prefix = scope.prefix
    lit = supervision_figures.lights(session, region_prefix=prefix)
    running = case_figures.running(session, region_prefix=prefix)
    lights = {"red": lit["red"], "yellow": lit["yellow"], "green": max(running - lit["red"] - lit["yellow"], 0)}
    live = case_figures.today(session, start, end, region_prefix=prefix)
    first = today - dt.timedelta(days=TREND_DAYS - 1)
    series = metrics.daily_series(session, ("cases.submitted", "cases.concluded"), first,
                                  today - dt.timedelta(days=1), prefix)
    trend = {"submitted": series["cases.submitted"] + [live["submitted"]],
             "concluded": series["cases.concluded"] + [live["concluded"]]}
    board = metrics.values(session, month, scope, SCREEN_BOARD)
    region_obj = next((r for r in org.list_regions(session) if r.code == scope.region_code), None)
    return Screen(
        scope=scope, now=clock.local_now(), month=month, today=live, lights=lights,
        halls=hall_figures.queues(session, today, region_prefix=prefix),
        hotline=hotline_figures.today(session, start, end, region_code=scope.region_code),
        ratings=rating_figures.today(session, start, end, region_prefix=prefix),
        top_items=_named(session, case_figures.top_items(
            session, midnight(today - dt.timedelta(days=TOP_ITEM_DAYS - 1)), end, region_prefix=prefix)),
        trend_days=[first + dt.timedelta(days=i) for i in range(TREND_DAYS)], trend=trend, board=board,
        regions=_sub_regions(session, month, scope),
        parent_code=region_obj.parent_code if region_obj is not None else None,
        computed_at=metrics.computed_at(session, month))
