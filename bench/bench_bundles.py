"""The cost of a 一件事 application on PostgreSQL: one bundle application of 5 items (5 departments, one case
each, filed in one transaction) against one ordinary case submission of one of those items, measured in the
same run.

Each filing runs in-process through its service (``bundles.submit`` / ``cases.submit``) in a session of its own
that commits, as a request does. The uploads are made beforehand and not timed. The five items share two
materials (the bundle asks for each once) and two form fields. Single and bundle filings alternate (ABBA), so
drift on this shared machine hits both alike.

Usage: python -m bench.bench_bundles [--filings 150]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench.common import result, scratch_database

os.environ.setdefault("YIWANG_PASSWORD_TIME_COST", "1")
os.environ.setdefault("YIWANG_PASSWORD_MEMORY_KIB", "1024")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REGION = "440104"
ITEMS = 5
BUNDLE = "BENCH-YJS"
SHARED = ["申请人身份证明", "经营场所使用证明"]
FORM = {"enterprise_name": "基准测试有限公司", "contact_phone": "13800138000", "premises": "中山五路 1 号",
        "note0": "说明", "note1": "说明", "note2": "说明", "note3": "说明", "note4": "说明"}
WARMUP = 6


@dataclass
class World:
    applicant: Any
    codes: list[str]


def _item(k: int, dept: str) -> dict[str, Any]:
    return {"code": f"BENCH-YJS-ITEM-{k}", "name": f"基准事项{k}", "department": dept, "region_code": REGION,
            "item_type": "01", "promised_limit": {"value": 10, "unit": "working_day"}, "consult_phone": "020-1",
            "complaint_phone": "020-2",
            "materials": [{"name": f"申请书{k}", "required": True}] + [{"name": n, "required": True} for n in SHARED],
            "form_schema": {"type": "object", "title": "申请表", "required": ["enterprise_name"], "properties": {
                "enterprise_name": {"type": "string", "title": "企业名称", "maxLength": 100},
                "contact_phone": {"type": "string", "title": "联系电话", "maxLength": 20},
                "premises": {"type": "string", "title": "经营场所", "maxLength": 200},
                f"note{k}": {"type": "string", "title": f"事项{k}说明", "maxLength": 200}}}}


def seed(engine: Any) -> World:
    from stdnum.cn import ric

    from yiwang.catalog import bundles as bundle_catalog
    from yiwang.catalog import service as catalog
    from yiwang.catalog.schemas import ItemIn
    from yiwang.core.db import session_scope
    from yiwang.core.permissions import SYSTEM
    from yiwang.identity import service as identity
    from yiwang.org import service as org_service

    with session_scope(engine) as s:
        org_service.ensure_region(s, SYSTEM, code="440000", name="广东省")
        org_service.ensure_region(s, SYSTEM, code="440100", name="广州市", parent_code="440000")
        org_service.ensure_region(s, SYSTEM, code=REGION, name="越秀区", parent_code="440100")
        codes = []
        for k in range(ITEMS):
            dept = org_service.ensure_department(s, SYSTEM, name=f"第{k}局", region_code=REGION)
            outcome = catalog.import_record(s, SYSTEM, ItemIn.model_validate(_item(k, dept.name)), publish=True)
            assert outcome.published, outcome.problems
            codes.append(f"BENCH-YJS-ITEM-{k}")
        bundle_catalog.import_bundle(s, SYSTEM, bundle_catalog.BundleIn.model_validate(
            {"kind": "bundle", "code": BUNDLE, "name": "基准一件事", "items": codes, "audience": "person"}))
        body = "44010419900101123"
        person = identity.register_person(s, name="申请人", id_number=body + ric.calc_check_digit(body + "0"),
                                          phone="13800000001", password="Bench2026x")
        return World(applicant=identity.actor_for_person(person), codes=codes)


def _uploads(engine: Any, w: World, names: list[str], tag: str) -> list[tuple[str, str]]:
    from yiwang.core import storage
    from yiwang.core.db import session_scope

    with session_scope(engine) as s:
        return [(n, storage.store(s, data=PDF + f"{tag}-{n}".encode(), filename="m.pdf",
                                  declared_type="application/pdf", owner=w.applicant.label).id) for n in names]


def single(engine: Any, w: World, k: int) -> float:
    from yiwang.cases import service as cases
    from yiwang.core.db import session_scope

    files = _uploads(engine, w, ["申请书0", *SHARED], f"single-{k}")
    form = {key: FORM[key] for key in ("enterprise_name", "contact_phone", "premises", "note0")}
    t0 = time.perf_counter()
    with session_scope(engine) as s:
        cases.submit(s, w.applicant, item_code=w.codes[0], form=form,
                     materials=[cases.MaterialIn(n, f) for n, f in files])
    return (time.perf_counter() - t0) * 1000


def bundle(engine: Any, w: World, k: int) -> float:
    from yiwang.bundles import service as bundles
    from yiwang.core.db import session_scope

    files = _uploads(engine, w, [f"申请书{i}" for i in range(ITEMS)] + SHARED, f"bundle-{k}")
    t0 = time.perf_counter()
    with session_scope(engine) as s:
        bundles.submit(s, w.applicant, bundle_code=BUNDLE, form=FORM,
                       materials=[bundles.MaterialGiven(n, f) for n, f in files])
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=150, help="filings of each kind")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from yiwang.bundles.models import BundleApplication
    from yiwang.cases.models import Case
    from yiwang.core.db import get_engine, session_scope

    samples: dict[bool, list[float]] = {False: [], True: []}
    with scratch_database("yiwang_bench_bundles") as url:
        engine = get_engine(url)
        w = seed(engine)
        for k in range(WARMUP):
            (bundle if k % 2 else single)(engine, w, -1 - k)
        for k in range(2 * args.filings):
            is_bundle = (k % 2 == 1) if (k // 2) % 2 == 0 else (k % 2 == 0)  # ABBA
            samples[is_bundle].append((bundle if is_bundle else single)(engine, w, k))
        with session_scope(engine) as s:
            filed = s.scalar(select(func.count()).select_from(Case))
            apps = s.scalar(select(func.count()).select_from(BundleApplication))

    one, five = statistics.median(samples[False]), statistics.median(samples[True])
    ratio = five / one
    print(f"{args.filings} single submissions and {args.filings} bundle applications of {ITEMS} items, interleaved "
          f"ABBA after {WARMUP} warm-up filings; {filed} cases, {apps} bundle applications in the database")
    print(f"{'median per filing, ms':<32}{'single':>10}{'bundle':>10}{'ratio':>8}")
    print(f"{'submit + commit':<32}{one:>10.1f}{five:>10.1f}{ratio:>8.2f}")
    print(f"ratio bundle of {ITEMS} / one submission: {ratio:.2f} (target <= 3)")
    result(f"一件事 application of {ITEMS} items (5 cases, one transaction), median", five, "ms",
           "one case submission of one of the items", one, target="ratio <= 3", met=ratio <= 3,
           higher_is_better=False)


if __name__ == "__main__":
    main()
