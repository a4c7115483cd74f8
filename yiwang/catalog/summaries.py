"""The short public description of a published item (search results, lists)."""

from __future__ import annotations

from typing import Any

from yiwang.catalog.models import ItemVersion
from yiwang.catalog.schemas import ItemSummary
from yiwang.catalog.standards import item_type_name


def _limit_out(value: int | None, unit: str | None) -> dict[str, Any] | str | None:
    if unit is None:
        return None
    if unit == "immediate":
        return "immediate"
    return {"value": value, "unit": unit}


def case_type(v: ItemVersion) -> str:
    """即办件 when the promised limit is immediate, otherwise 承诺件."""
    return "immediate" if v.promised_limit_unit == "immediate" else "promised"


def summary(v: ItemVersion, code: str, department_name: str, score: float | None = None) -> ItemSummary:
    return ItemSummary(
        code=code, name=v.name, department=department_name, department_id=v.department_id,
        region_code=v.region_code, item_type=v.item_type, item_type_name=item_type_name(v.item_type),
        promised_limit=_limit_out(v.promised_limit_value, v.promised_limit_unit),
        legal_limit=_limit_out(v.legal_limit_value, v.legal_limit_unit), case_type=case_type(v), online=v.online,
        visits=v.visits, version=v.version_no, score=score)
