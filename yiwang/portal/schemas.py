"""What the portal's pages and services exchange."""

from __future__ import annotations

from pydantic import BaseModel

from yiwang.catalog.schemas import ItemSummary


class ThemeCount(BaseModel):
    slug: str
    name: str
    audience: str
    summary: str
    count: int


class PopularItem(BaseModel):
    item: ItemSummary
    applications: int  # submitted in the last 30 days
    searches: int  # searches in the last 30 days whose best answers include the item


class ItemPage(BaseModel):
    total: int
    items: list[ItemSummary]
    facets: dict[str, int] = {}  # theme slug → items among those passing the other filters


class RegionDepartments(BaseModel):
    code: str
    name: str
    level: int
    departments: list[tuple[int, str, int]]  # (id, name, published items)
