"""Synthesise a large published catalog (default 100,000 items) from the real Guangdong items, inserted
straight into the catalog tables in batches (COPY-speed is not needed: executemany of 5,000 rows).

Variants carry the real item names under the names of Guangdong's 21 cities and their departments,
so the vocabulary and the name-length distribution are those of a real provincial catalog.
"""

from __future__ import annotations

import argparse
import gzip
import json
import secrets
import time
from importlib import resources
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from yiwang.catalog.models import CatalogIndexState, ItemMaterial, ItemVersion, ServiceItem
from yiwang.core import clock
from yiwang.core.db import get_engine, session_scope
from yiwang.core.permissions import SYSTEM
from yiwang.org import service as org_service

CITIES = [("440100", "广州市"), ("440300", "深圳市"), ("440400", "珠海市"), ("440500", "汕头市"), ("440600", "佛山市"),
          ("440700", "江门市"), ("440800", "湛江市"), ("440900", "茂名市"), ("441200", "肇庆市"), ("441300", "惠州市"),
          ("441400", "梅州市"), ("441500", "汕尾市"), ("441600", "河源市"), ("441700", "阳江市"), ("441800", "清远市"),
          ("441900", "东莞市"), ("442000", "中山市"), ("445100", "潮州市"), ("445200", "揭阳市"), ("445300", "云浮市"),
          ("440200", "韶关市")]


def real_items() -> list[dict[str, Any]]:
    path = resources.files("yiwang.catalog") / "seed_data" / "guangdong.jsonl.gz"
    with gzip.open(str(path), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def generate(engine: Engine, n: int = 100_000, batch: int = 5000) -> float:
    """Insert ``n`` published items; returns seconds taken."""
    started = time.perf_counter()
    base = real_items()
    now = clock.now()
    with session_scope(engine) as session:
        org_service.ensure_region(session, SYSTEM, code="440000", name="广东省")
        dept_ids: dict[tuple[str, str], int] = {}
        for code, city in CITIES:
            org_service.ensure_region(session, SYSTEM, code=code, name=city, parent_code="440000")
        session.flush()
        for city_code, city in CITIES:
            for name in sorted({r["department"].replace("广东省", "").replace("广州市", "") for r in base}):
                dept = org_service.ensure_department(session, SYSTEM, name=f"{city}{name}", region_code=city_code)
                dept_ids[(city_code, name)] = dept.id
    item_id = version_id = material_id = 0
    with engine.begin() as conn:
        item_id = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM catalog_item")).scalar_one()
        version_id = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM catalog_item_version")).scalar_one()
        material_id = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM catalog_material")).scalar_one()
    items, versions, materials = [], [], []

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(ServiceItem), items)
            conn.execute(insert(ItemVersion), versions)
            if materials:
                conn.execute(insert(ItemMaterial), materials)
        items.clear(), versions.clear(), materials.clear()

    for i in range(n):
        src = base[i % len(base)]
        city_code, city = CITIES[(i // len(base)) % len(CITIES)]
        dept_name = src["department"].replace("广东省", "").replace("广州市", "")
        item_id += 1
        version_id += 1
        code = f"SYN{i:08d}{src['code'][-20:]}"[:40]
        items.append(dict(id=item_id, code=code, published_version_id=version_id,
                          department_id=dept_ids[(city_code, dept_name)], region_code=city_code, created_at=now))
        limit = src.get("promised_limit")
        versions.append(dict(
            id=version_id, item_id=item_id, version_no=1, status="published",
            name=src["name"] if i < len(base) else f"{src['name']}（{city}）", basic_code=src.get("basic_code"),
            item_type=src["item_type"], level=3, audience=src.get("audience", []),
            department_id=dept_ids[(city_code, dept_name)], region_code=city_code, co_departments=[],
            legal_limit_value=None, legal_limit_unit=None,
            promised_limit_value=None if not isinstance(limit, dict) else limit["value"],
            promised_limit_unit="immediate" if limit == "immediate" else (limit or {}).get("unit"),
            limit_note=None, conditions=src.get("conditions"), legal_basis=None, process=None, fees=[],
            result_name=None, result_license_type=None, location=src.get("location"), office_hours=None,
            consult_phone=src.get("consult_phone"), complaint_phone=src.get("complaint_phone"),
            visits=src.get("visits", 0), visit_reason=None, online_depth=3, online=bool(src.get("online")),
            in_hall=True, appointment=False, postal_delivery=False, online_payment=False, pledge_allowed=False,
            cross_region=None, faq=[], themes=src.get("themes", []), form_schema=None, extra={},
            content_hash=secrets.token_hex(8), index_generation=1, created_at=now, created_by="bench",
            published_at=now, retired_at=None))
        for seq, m in enumerate(src.get("materials", [])[:8], start=1):
            material_id += 1
            materials.append(dict(id=material_id, version_id=version_id, seq=seq, name=m["name"][:500],
                                  required=True, deficiency_allowed=False, form="any", originals=0, copies=0,
                                  source="applicant"))
        if len(items) >= batch:
            flush()
    if items:
        flush()
    with session_scope(engine) as session:
        state = session.get(CatalogIndexState, 1)
        if state is None:
            session.add(CatalogIndexState(id=1, generation=1, epoch=secrets.token_hex(16)))
        else:
            state.generation, state.epoch = state.generation + 1, secrets.token_hex(16)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="database URL (already migrated)")
    parser.add_argument("-n", type=int, default=100_000)
    args = parser.parse_args()
    print(f"generated {args.n} items in {generate(get_engine(args.url), args.n):.1f} s")


if __name__ == "__main__":
    main()
