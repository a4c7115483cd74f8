"""The portal's business: theme entrances over the published catalog, 个人/法人 browsing in the portal's
order (the deployment's own region first, then real demand, look-ups last), popular items and searches,
departments by region, and announcements (create, publish, withdraw — scoped and audited).

The published catalog is read once into an in-process listing and rebuilt only when the catalog's
publish counter moves; demand figures are cached for ``cache_seconds``. So the home page costs one
primary-key SELECT plus the latest announcements in the steady state.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pypinyin import lazy_pinyin
from sqlalchemy.orm import Session

from yiwang.cases import service as cases_service
from yiwang.catalog import service as catalog_service
from yiwang.catalog.schemas import ItemListing, ItemSummary
from yiwang.core import audit, clock, lifecycle
from yiwang.core.config import get_settings
from yiwang.core.errors import TooManyRequests, ValidationFailed
from yiwang.core.permissions import Actor, ActorKind, Perm, region_prefix
from yiwang.core.ratelimit import SlidingWindow
from yiwang.org import service as org_service
from yiwang.portal import repository as repo
from yiwang.portal import themes as theme_rules
from yiwang.portal.errors import AnnouncementNotFound, ThemeNotFound
from yiwang.portal.models import Announcement
from yiwang.portal.schemas import ItemPage, PopularItem, RegionDepartments, ThemeCount
from yiwang.portal.states import STATUS_NAMES, TRANSITIONS, AnnouncementStatus
from yiwang.portal.themes import ENTERPRISE, PERSON, Theme

DEMAND_DAYS = 30
ENTERPRISE_AUDIENCES = frozenset({"2", "3", "4", "5", "6"})


# --- the in-process listing of the published catalog ---------------------------------------------------

@dataclass
class _Entry:
    item: ItemListing
    themes: frozenset[str]
    lookup: bool
    person: bool
    enterprise: bool
    sort_name: str


@dataclass
class _Listing:
    stamp: tuple[str | None, int]
    entries: list[_Entry]
    by_code: dict[str, _Entry]
    theme_counts: Counter[str]
    department_counts: Counter[int]


@dataclass
class _Demand:
    at: float
    applications: dict[str, int] = field(default_factory=dict)
    searches: dict[str, int] = field(default_factory=dict)
    queries: list[tuple[str, int]] = field(default_factory=list)


_lock = threading.Lock()
_listings: dict[str, _Listing] = {}
_demand: dict[str, _Demand] = {}


def _key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _entry(item: ItemListing) -> _Entry:
    slugs = frozenset(t.slug for t in theme_rules.THEMES
                      if theme_rules.matches(t, name=item.name, keywords=item.keywords, catalog_themes=item.themes))
    audience = set(item.audience)
    # the source catalogs mark most items "自然人" whatever they are about: an item only in 法人 themes
    # is browsed under 法人, one only in 个人 themes under 个人
    kinds = {theme_rules.BY_SLUG[s].audience for s in slugs}
    person = ("1" in audience or not audience) and kinds != {ENTERPRISE}
    enterprise = bool(audience & ENTERPRISE_AUDIENCES) and kinds != {PERSON} or ENTERPRISE in kinds
    return _Entry(item=item, themes=slugs, lookup=theme_rules.is_lookup(name=item.name, flags=item.flags),
                  person=person, enterprise=enterprise,
                  # the first characters' pinyin is enough to order names; a full run costs ~0.5 s per catalog
                  sort_name="".join(lazy_pinyin(item.name[:4])) + item.name)


def _listing(session: Session) -> _Listing:
    stamp = catalog_service.catalog_stamp(session)
    key = _key(session)
    current = _listings.get(key)
    if current is not None and current.stamp == stamp:
        return current
    with _lock:
        current = _listings.get(key)
        if current is not None and current.stamp == stamp:
            return current
        entries = [_entry(i) for i in catalog_service.published_listing(session)]
        counts: Counter[str] = Counter(s for e in entries for s in e.themes)
        current = _Listing(stamp=stamp, entries=entries, by_code={e.item.code: e for e in entries},
                           theme_counts=counts, department_counts=Counter(e.item.department_id for e in entries))
        _listings[key] = current
        return current


def reset() -> None:
    """Forget cached listings and demand (tests; each test wipes the database)."""
    with _lock:
        _listings.clear()
        _demand.clear()
    SEARCH_COUNTS._hits.clear()


# --- themes -------------------------------------------------------------------------------------------

def get_theme(slug: str) -> Theme:
    theme = theme_rules.BY_SLUG.get(slug)
    if theme is None:
        raise ThemeNotFound("没有这个主题", field="theme")
    return theme


def theme_counts(session: Session, audience: str | None = None) -> list[ThemeCount]:
    """Every theme (of one audience, or all) with the number of published items it holds."""
    counts = _listing(session).theme_counts
    return [ThemeCount(slug=t.slug, name=t.name, audience=t.audience, summary=t.summary, count=counts[t.slug])
            for t in theme_rules.THEMES if audience in (None, t.audience)]


# --- demand: searches and applications -------------------------------------------------------------------

SEARCH_COUNTS = SlidingWindow(limit=30, seconds=60)


def normalise_query(q: str) -> str:
    """The form a query is counted under: NFKC, lower case, inner spaces collapsed, at most 30 characters."""
    text = unicodedata.normalize("NFKC", q or "").lower()
    return " ".join(text.split())[:30]


def record_search(session: Session, q: str, *, client: str = "") -> bool:
    """Count one portal search of ``q`` for today (local date). One client counts at most 30 searches a
    minute, so a script cannot make its query popular; queries of one character are not counted."""
    query = normalise_query(q)
    if len(query) < 2:
        return False
    try:
        SEARCH_COUNTS.check(client or "unknown")
    except TooManyRequests:  # over the limit: the search still works, it just does not count
        return False
    repo.add_search(session, clock.today(), query)
    return True


def seed_searches(session: Session, q: str, *, day: dt.date, n: int) -> None:
    """Add ``n`` searches of ``q`` on ``day`` (demo data and imports of figures from another portal)."""
    query = normalise_query(q)
    if len(query) >= 2 and n > 0:
        repo.add_search(session, day, query, n)
        _demand.clear()


def _load_demand(session: Session) -> _Demand:
    since = clock.now() - dt.timedelta(days=DEMAND_DAYS)
    applications = cases_service.application_counts(session, since=since)
    queries = repo.top_queries(session, clock.today() - dt.timedelta(days=DEMAND_DAYS), limit=40)
    searches: Counter[str] = Counter()
    by_code = _listing(session).by_code
    for query, n in queries:
        # a query's demand goes to its best answers that one applies for (not look-ups): the first in
        # full, the next two in half
        _, hits = catalog_service.search_items(session, q=query, limit=10)
        wanted = [h for h in hits if (e := by_code.get(h.code)) is not None and not e.lookup][:3]
        for rank, hit in enumerate(wanted):
            searches[hit.code] += n if rank == 0 else n // 2
    return _Demand(at=time.monotonic(), applications=applications, searches=dict(searches), queries=queries)


def _current_demand(session: Session) -> _Demand:
    key = _key(session)
    demand = _demand.get(key)
    if demand is None or time.monotonic() - demand.at >= get_settings().cache_seconds:
        demand = _demand[key] = _load_demand(session)
    return demand


def _score(demand: _Demand, code: str) -> int:
    return 3 * demand.applications.get(code, 0) + demand.searches.get(code, 0)


def popular_items(session: Session, limit: int = 8) -> list[PopularItem]:
    """The items most in demand over the last 30 days (applications weigh three searches)."""
    listing, demand = _listing(session), _current_demand(session)
    codes = set(demand.applications) | set(demand.searches)
    ranked = sorted((c for c in codes if c in listing.by_code), key=lambda c: (-_score(demand, c), c))
    return [PopularItem(item=listing.by_code[c].item, applications=demand.applications.get(c, 0),
                        searches=demand.searches.get(c, 0)) for c in ranked[:limit]]


def popular_queries(session: Session, limit: int = 8) -> list[str]:
    return [q for q, _ in _current_demand(session).queries[:limit]]


# --- browsing ----------------------------------------------------------------------------------------

def audience_kind(value: str) -> str | None:
    """'person' / 'enterprise' from the directory's audience parameter ('1' and '2' are kept working)."""
    return {"1": PERSON, "person": PERSON, "2": ENTERPRISE, "enterprise": ENTERPRISE}.get(value)


def _passes(entry: _Entry, *, audience: str | None, department_id: int | None, prefix: str | None,
            item_type: str | None) -> bool:
    item = entry.item
    if audience == PERSON and not entry.person or audience == ENTERPRISE and not entry.enterprise:
        return False
    if department_id is not None and item.department_id != department_id:
        return False
    if prefix and not item.region_code.startswith(prefix):
        return False
    return not (item_type and item.item_type != item_type)


def _in_theme(entry: _Entry | None, theme: str | None) -> bool:
    # a portal theme by its slug, or (as before) a theme the source catalog gave the item
    return not theme or entry is None or theme in entry.themes or theme in entry.item.themes


def browse(session: Session, *, q: str = "", audience: str | None = None, theme: str | None = None,
           department_id: int | None = None, region: str | None = None, item_type: str | None = None,
           limit: int = 20, offset: int = 0) -> ItemPage:
    """One page of published items and, as facets, how many of them each theme holds. With a query: the
    search's relevance order. Without: the deployment's own region first, then items people apply for
    before look-ups and consultations, then demand, then the more local level, then name."""
    listing = _listing(session)
    prefix = region_prefix(region) if region else None
    kind = audience_kind(audience or "")
    facets: Counter[str] = Counter()
    if q:
        _, hits = catalog_service.search_items(session, q=q, department=str(department_id) if department_id else None,
                                               item_type=item_type, region=region, limit=5000)
        found: list[ItemSummary] = []
        for hit in hits:
            entry = listing.by_code.get(hit.code)
            if entry is not None and not _passes(entry, audience=kind, department_id=department_id, prefix=prefix,
                                                 item_type=item_type):
                continue
            if entry is not None:
                facets.update(entry.themes)
            if _in_theme(entry, theme):
                found.append(hit)
        return ItemPage(total=len(found), items=found[offset:offset + limit], facets=dict(facets))
    demand = _current_demand(session)
    home = region_prefix(get_settings().home_region_code)
    base = [e for e in listing.entries
            if _passes(e, audience=kind, department_id=department_id, prefix=prefix, item_type=item_type)]
    for e in base:
        facets.update(e.themes)
    chosen = [e for e in base if _in_theme(e, theme)]
    chosen.sort(key=lambda e: (not e.item.region_code.startswith(home), e.lookup, -_score(demand, e.item.code),
                               -(e.item.level or 0), e.sort_name, e.item.code))
    return ItemPage(total=len(chosen), items=[e.item for e in chosen[offset:offset + limit]], facets=dict(facets))


# --- departments by region -------------------------------------------------------------------------------

def departments_by_region(session: Session) -> list[RegionDepartments]:
    """Regions in tree order (province → city → district …), each with its departments and their item
    counts; regions without departments are left out."""
    counts = _listing(session).department_counts
    by_region: dict[str, list[tuple[int, str, int]]] = {}
    for d in org_service.all_departments(session):
        by_region.setdefault(d.region_code, []).append((d.id, d.name, counts[d.id]))
    regions = sorted(org_service.list_regions(session), key=lambda r: r.code)
    known = {r.code for r in regions}
    children: dict[str | None, list[Any]] = {}
    for r in regions:
        children.setdefault(r.parent_code if r.parent_code in known else None, []).append(r)
    out: list[RegionDepartments] = []

    def walk(parent: str | None) -> None:
        for r in children.get(parent, []):
            depts = sorted(by_region.get(r.code, []), key=lambda d: (-d[2], d[1]))
            if depts:
                out.append(RegionDepartments(code=r.code, name=r.name, level=r.level, departments=depts))
            walk(r.code)

    walk(None)
    return out


# --- announcements ----------------------------------------------------------------------------------------

def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ValidationFailed("请填写公告标题", field="title", code="required")
    if len(title) > 200:
        raise ValidationFailed("公告标题不能超过 200 个字", field="title", code="too_long")
    if not body:
        raise ValidationFailed("请填写公告正文", field="body", code="required")
    if len(body) > 20_000:
        raise ValidationFailed("公告正文不能超过 20000 个字", field="body", code="too_long")
    return title, body


def _check_region(session: Session, actor: Actor, region_code: str) -> str:
    code = (region_code or actor.region_code or "").strip()
    known = {r.code for r in org_service.list_regions(session)}
    if code not in known:
        raise ValidationFailed("请选择发布地区", field="region_code", code="unknown_region")
    if actor.region_code and not code.startswith(region_prefix(actor.region_code)):
        raise ValidationFailed("只能为本地区及下辖地区发布公告", field="region_code", code="out_of_scope")
    return code


def regions_for(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """Regions the actor may publish for: its own region and everything below it."""
    prefix = region_prefix(actor.region_code) if actor.region_code else None
    return [(r.code, r.name) for r in org_service.list_regions(session) if prefix and r.code.startswith(prefix)]


def create_announcement(session: Session, actor: Actor, *, title: str, body: str, region_code: str = "",
                        publish: bool = False) -> Announcement:
    actor.require(Perm.PORTAL_ANNOUNCE)
    title, body = _check_text(title, body)
    code = _check_region(session, actor, region_code)
    now = clock.now()
    row = Announcement(title=title, body=body, region_code=code, author=actor.label, author_name=actor.name,
                       status=AnnouncementStatus.DRAFT.value, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "portal.announcement.create", "announcement", row.id,
                 {"title": title, "region": code})
    if publish:
        _transition(session, actor, row, "publish")
    return row


def _scoped(session: Session, actor: Actor, announcement_id: int) -> Announcement:
    actor.require(Perm.PORTAL_ANNOUNCE)
    row = repo.announcement(session, announcement_id)
    prefix = "" if actor.kind is ActorKind.SYSTEM else region_prefix(actor.region_code) if actor.region_code else None
    if row is None or prefix is None or not row.region_code.startswith(prefix):
        raise AnnouncementNotFound("公告不存在", field="announcement_id")
    return row


def _stamp(session: Session, ctx: lifecycle.Context, row: Announcement) -> None:
    if row.status == AnnouncementStatus.PUBLISHED:
        row.published_at, row.withdrawn_at = ctx.now, None
    else:
        row.withdrawn_at = ctx.now


ANNOUNCEMENT: lifecycle.Machine[Announcement] = lifecycle.Machine(
    name="announcement", transitions=TRANSITIONS, subject=lambda row: str(row.id), topic=lambda action: None,
    version_attr=None, audit_action=lambda action: f"portal.announcement.{action}",
    labels={s.value: label for s, label in STATUS_NAMES.items()})


def _transition(session: Session, actor: Actor, row: Announcement, action: str) -> None:
    """Publish or withdraw through the lifecycle engine: the status, the timeline and the audit record."""
    lifecycle.apply(session, ANNOUNCEMENT, row, lifecycle.Context(
        actor=actor, action=action, data={"title": row.title, "region": row.region_code}), after=_stamp)


def publish_announcement(session: Session, actor: Actor, *, announcement_id: int) -> Announcement:
    row = _scoped(session, actor, announcement_id)
    _transition(session, actor, row, "publish")
    return row


def withdraw_announcement(session: Session, actor: Actor, *, announcement_id: int) -> Announcement:
    row = _scoped(session, actor, announcement_id)
    _transition(session, actor, row, "withdraw")
    return row


def staff_announcements(session: Session, actor: Actor) -> Sequence[Announcement]:
    actor.require(Perm.PORTAL_ANNOUNCE)
    return repo.staff_announcements(session, actor)


def latest_announcements(session: Session, *, limit: int = 5, offset: int = 0) -> tuple[int, Sequence[Announcement]]:
    return repo.published_announcements(session, limit=limit, offset=offset)


def public_announcement(session: Session, announcement_id: int) -> Announcement:
    row = repo.announcement(session, announcement_id)
    if row is None or row.status != AnnouncementStatus.PUBLISHED.value:
        raise AnnouncementNotFound("公告不存在或已撤回", field="announcement_id")
    return row


def region_names(session: Session) -> dict[str, str]:
    return {r.code: r.name for r in org_service.list_regions(session)}
