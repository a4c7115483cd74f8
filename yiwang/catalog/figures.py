"""The catalog's counters for the indicators (:mod:`yiwang.metrics`): the items in use at an instant, per the
item's region and department — how far each can be done online, whether it is in the hall, has an e-form, a
guide detailed enough and a sample for every blank form, how much its promised time limit cuts the legal one and
whether the guide passes every quality rule."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from yiwang.catalog import quality
from yiwang.catalog.models import ItemMaterial, ItemVersion, ServiceItem

Row = tuple[str, str, int, int]  # (counter key, region code, department id, value)
DETAILED_PROCESS_CHARS = 20  # a process description shorter than this is a heading, not a description
BATCH = 1000


@dataclass(frozen=True)
class InUse:
    code: str
    region_code: str
    department_id: int
    result_license_type: str | None


def _in_use(session: Session, at: dt.datetime) -> Iterator[list[tuple[ServiceItem, ItemVersion]]]:
    """The version of each item that was published at ``at``, in batches by item id."""
    live = and_(ItemVersion.published_at.is_not(None), ItemVersion.published_at <= at,
                or_(ItemVersion.retired_at.is_(None), ItemVersion.retired_at > at))
    after = 0
    while True:
        batch: list[Any] = list(session.execute(
            select(ServiceItem, ItemVersion).join(ItemVersion, ItemVersion.item_id == ServiceItem.id)
            .where(live, ServiceItem.id > after).order_by(ServiceItem.id).limit(BATCH)))
        if not batch:
            return
        yield batch
        after = batch[-1][0].id


def _materials(session: Session, version_ids: list[int]) -> dict[int, list[ItemMaterial]]:
    out: dict[int, list[ItemMaterial]] = defaultdict(list)
    for m in session.scalars(select(ItemMaterial).where(ItemMaterial.version_id.in_(version_ids))
                             .order_by(ItemMaterial.version_id, ItemMaterial.seq)):
        out[m.version_id].append(m)
    return out


def _limit_cut(v: ItemVersion) -> tuple[int, int] | None:
    """(legal limit, legal − promised) when both limits are set in the same unit and the legal one is positive."""
    legal, promised = v.legal_limit_value, v.promised_limit_value
    if not legal or legal <= 0 or promised is None or v.legal_limit_unit != v.promised_limit_unit:
        return None
    return legal, max(legal - promised, 0)


def snapshot(session: Session, at: dt.datetime) -> tuple[list[Row], list[InUse]]:
    """The counters of the items in use at ``at`` (``items.total``, ``items.online3``, ``items.online4``,
    ``items.in_hall``, ``items.eform``, ``items.limit_legal``, ``items.limit_cut``, ``items.quality_ok``,
    ``items.detailed``, ``items.with_forms``, ``items.samples_complete``), and the items themselves."""
    counts: dict[tuple[str, str, int], int] = defaultdict(int)
    items: list[InUse] = []
    for batch in _in_use(session, at):
        mats = _materials(session, [v.id for _, v in batch])
        for item, v in batch:
            where = (v.region_code, v.department_id)
            items.append(InUse(item.code, v.region_code, v.department_id, v.result_license_type))
            materials = mats.get(v.id, [])
            forms = [m for m in materials if m.blank_form_file_id]
            flags = {
                "items.total": True,
                "items.online3": (v.online_depth or 0) >= 3,
                "items.online4": (v.online_depth or 0) >= 4,
                "items.in_hall": bool(v.in_hall),
                "items.eform": bool(v.form_schema),
                "items.quality_ok": not quality.check(v, materials),
                "items.detailed": bool((v.conditions or "").strip() and (v.legal_basis or "").strip()
                                       and len((v.process or "").strip()) >= DETAILED_PROCESS_CHARS),
                "items.with_forms": bool(forms),
                "items.samples_complete": bool(forms) and all(m.sample_file_id for m in forms),
            }
            for key, on in flags.items():
                if on:
                    counts[(key, *where)] += 1
            cut = _limit_cut(v)
            if cut is not None:
                counts[("items.limit_legal", *where)] += cut[0]
                counts[("items.limit_cut", *where)] += cut[1]
    return [(key, region, dept, n) for (key, region, dept), n in counts.items()], items


def license_version_ids(session: Session) -> set[int]:
    """The item versions (published, retired or draft) whose result is an electronic licence: a case is judged by
    the version it was filed under, so editing or retiring an item later does not change a past month."""
    return set(session.scalars(select(ItemVersion.id).where(ItemVersion.result_license_type.is_not(None))))
