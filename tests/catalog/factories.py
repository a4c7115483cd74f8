"""Catalog test records: a complete, publishable item and variations of it."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from tests import factories as f
from yiwang.catalog import service
from yiwang.catalog.schemas import ItemIn
from yiwang.core.permissions import SYSTEM

_seq = itertools.count(1)


def record(**over: Any) -> dict[str, Any]:
    n = next(_seq)
    rec: dict[str, Any] = {
        "code": f"11440104MB2C12345X4440100{n:03d}000"[:31],
        "name": f"测试许可事项{n}",
        "department": "区市场监督管理局",
        "item_type": "01",
        "region_code": "440104",
        "level": 4,
        "audience": ["1", "2"],
        "legal_limit": {"value": 20, "unit": "working_day"},
        "promised_limit": {"value": 5, "unit": "working_day"},
        "conditions": "符合条件的申请人",
        "legal_basis": "《中华人民共和国行政许可法》",
        "materials": [{"name": "申请书", "required": True, "deficiency_allowed": False},
                      {"name": "身份证明", "required": True, "deficiency_allowed": False, "source": "government"}],
        "consult_phone": "020-83001201",
        "complaint_phone": "020-12345",
        "visits": 0,
        "online": True,
        "themes": ["开办企业"],
    }
    rec.update(over)
    return rec


def published(session: Session, **over: Any) -> str:
    f.region(session, "440104")
    rec = record(**over)
    outcome = service.import_record(session, SYSTEM, ItemIn.model_validate(rec), publish=True)
    assert outcome.published, outcome.problems
    return rec["code"]
