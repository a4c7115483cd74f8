"""Queries on catalog tables. Staff lists are narrowed by the actor's scope; the public sees
published versions only."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yiwang.catalog.models import CatalogIndexState, ItemMaterial, ItemVersion, ServiceItem
from yiwang.core.permissions import Actor, scope_clause


def item_by_code(session: Session, code: str) -> ServiceItem | None:
    return session.scalars(select(ServiceItem).where(ServiceItem.code == code)).first()


def items_by_codes(session: Session, codes: Collection[str]) -> dict[str, ServiceItem]:
    if not codes:
        return {}
    rows = session.scalars(select(ServiceItem).where(ServiceItem.code.in_(list(codes))))
    return {r.code: r for r in rows}


def version(session: Session, version_id: int) -> ItemVersion | None:
    return session.get(ItemVersion, version_id)


def versions_by_ids(session: Session, ids: Collection[int]) -> dict[int, ItemVersion]:
    if not ids:
        return {}
    return {v.id: v for v in session.scalars(select(ItemVersion).where(ItemVersion.id.in_(list(ids))))}


def latest_version(session: Session, item_id: int) -> ItemVersion | None:
    stmt = select(ItemVersion).where(ItemVersion.item_id == item_id).order_by(ItemVersion.version_no.desc()).limit(1)
    return session.scalars(stmt).first()


def versions_of(session: Session, item_id: int) -> Sequence[ItemVersion]:
    stmt = select(ItemVersion).where(ItemVersion.item_id == item_id).order_by(ItemVersion.version_no.desc())
    return session.scalars(stmt).all()


def materials(session: Session, version_id: int) -> Sequence[ItemMaterial]:
    stmt = select(ItemMaterial).where(ItemMaterial.version_id == version_id).order_by(ItemMaterial.seq)
    return session.scalars(stmt).all()


def materials_for(session: Session, version_ids: Collection[int]) -> dict[int, list[ItemMaterial]]:
    out: dict[int, list[ItemMaterial]] = {vid: [] for vid in version_ids}
    if not version_ids:
        return out
    stmt = select(ItemMaterial).where(ItemMaterial.version_id.in_(list(version_ids))).order_by(
        ItemMaterial.version_id, ItemMaterial.seq)
    for m in session.scalars(stmt):
        out[m.version_id].append(m)
    return out


def published_versions(session: Session, *, after_id: int = 0, batch: int = 5000) -> Sequence[ItemVersion]:
    stmt = (select(ItemVersion).where(ItemVersion.status == "published", ItemVersion.id > after_id)
            .order_by(ItemVersion.id).limit(batch))
    return session.scalars(stmt).all()


def item_ids_changed_since(session: Session, generation: int) -> list[int]:
    stmt = select(ItemVersion.item_id).where(ItemVersion.index_generation > generation).distinct()
    return list(session.scalars(stmt))


def items_by_ids(session: Session, ids: Collection[int]) -> Sequence[ServiceItem]:
    if not ids:
        return []
    return session.scalars(select(ServiceItem).where(ServiceItem.id.in_(list(ids)))).all()


def index_state(session: Session) -> CatalogIndexState | None:
    return session.get(CatalogIndexState, 1)


def index_stamp(session: Session) -> tuple[str | None, int]:
    """(epoch, generation) as the database has them now (a query, never the session's cached row)."""
    row = session.execute(select(CatalogIndexState.epoch, CatalogIndexState.generation)
                          .where(CatalogIndexState.id == 1)).first()
    return (row[0], int(row[1])) if row else (None, 0)


def staff_items(session: Session, actor: Actor, *, q: str | None, status: str | None, limit: int,
                offset: int) -> tuple[int, Sequence[tuple[ServiceItem, ItemVersion]]]:
    """Items in the actor's scope with their newest version (for catalog staff)."""
    newest = (select(ItemVersion.item_id, func.max(ItemVersion.version_no).label("v"))
              .group_by(ItemVersion.item_id).subquery())
    stmt = (select(ServiceItem, ItemVersion)
            .join(newest, newest.c.item_id == ServiceItem.id)
            .join(ItemVersion, (ItemVersion.item_id == ServiceItem.id) & (ItemVersion.version_no == newest.c.v))
            .where(scope_clause(actor, department_col=ServiceItem.department_id,
                                region_col=ServiceItem.region_code)))
    if q:
        stmt = stmt.where(ItemVersion.name.contains(q, autoescape=True) | ServiceItem.code.contains(q, autoescape=True))
    if status:
        stmt = stmt.where(ItemVersion.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(ServiceItem.code).limit(limit).offset(offset)).all()
    return total, [(i, v) for i, v in rows]


def count_published(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ItemVersion).where(ItemVersion.status == "published")) or 0


def newest_versions(session: Session, *, after_item_id: int, batch: int,
                    department_ids: Collection[int] | None = None) -> list[tuple[ServiceItem, ItemVersion]]:
    """Items with id > after_item_id and their newest version, in item order (for export)."""
    stmt = select(ServiceItem).where(ServiceItem.id > after_item_id)
    if department_ids is not None:
        stmt = stmt.where(ServiceItem.department_id.in_(list(department_ids)))
    items = session.scalars(stmt.order_by(ServiceItem.id).limit(batch)).all()
    if not items:
        return []
    newest = (select(ItemVersion.item_id, func.max(ItemVersion.version_no).label("v"))
              .where(ItemVersion.item_id.in_([i.id for i in items])).group_by(ItemVersion.item_id).subquery())
    versions = session.scalars(select(ItemVersion).join(newest, (newest.c.item_id == ItemVersion.item_id)
                                                        & (newest.c.v == ItemVersion.version_no))).all()
    by_item = {v.item_id: v for v in versions}
    return [(i, by_item[i.id]) for i in items if i.id in by_item]


def file_is_published(session: Session, file_id: str) -> bool:
    """Whether a material of a published version refers to this file (blank form or sample)."""
    stmt = (select(ItemMaterial.id).join(ItemVersion, ItemVersion.id == ItemMaterial.version_id)
            .where(ItemVersion.status == "published",
                   or_(ItemMaterial.blank_form_file_id == file_id, ItemMaterial.sample_file_id == file_id))
            .limit(1))
    return session.scalar(stmt) is not None


def published_with_codes(session: Session) -> Sequence[tuple[str, ItemVersion]]:
    """Every published version with its item code (the portal's listing; ~2,000 rows)."""
    stmt = (select(ServiceItem.code, ItemVersion).join(ItemVersion, ItemVersion.id == ServiceItem.published_version_id)
            .order_by(ServiceItem.id))
    return [(c, v) for c, v in session.execute(stmt).all()]
