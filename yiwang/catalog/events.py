"""Events the catalog publishes: topic constants and their typed payloads."""

from __future__ import annotations

from pydantic import BaseModel

ITEM_PUBLISHED = "catalog.item_published"  # a version of an item went live (the search index refreshes)
ITEM_RETIRED = "catalog.item_retired"


class ItemPublished(BaseModel):
    code: str
    version_id: int


class ItemRetired(BaseModel):
    code: str
