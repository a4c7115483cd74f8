"""The cost of joint approval (并联审批) on PostgreSQL: accept + approve of a joint case (two branch departments)
against the same two actions on a plain case of the same item, measured in the same run.

Two items of one department, identical but for the catalog "joint" key: acceptance of a joint case forks its
branches, approval joins them (checks every branch agreed). Each action runs in-process through
``cases.apply`` in a session of its own that commits, as a request does. For joint cases both branches consent
between acceptance and approval; those opinions are not timed — only the fork and the join are the cost under
test. Plain and joint cases alternate, so drift on this shared machine hits both alike.

Usage: python -m bench.bench_joint [--cases 200]
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
LEAD, FIRE, ECO = "区市场监督管理局", "区消防救援大队", "区生态环境分局"
PLAIN_CODE, JOINT_CODE = "BENCH-PLAIN-0001", "BENCH-JOINT-0001"
STEPS = ["approve"]  # the same short chain for both items: accept, then the approver decides
WARMUP = 10


@dataclass
class World:
    applicant: Any
    handler: Any
    approver: Any
    fire: Any
    eco: Any


def _item(code: str, name: str, joint: dict[str, Any] | None) -> dict[str, Any]:
    return {"code": code, "name": name, "department": LEAD, "region_code": REGION, "item_type": "01",
            "promised_limit": {"value": 10, "unit": "working_day"}, "consult_phone": "020-1",
            "complaint_phone": "020-2", "extra": {"review_steps": STEPS}, "joint": joint,
            "materials": [{"name": "申请书", "required": True}, {"name": "身份证明", "required": True}]}


def seed(engine: Any) -> World:
    """The district, the lead and two branch departments with their staff, an applicant, and the two items."""
    from stdnum.cn import ric

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
        depts = {name: org_service.ensure_department(s, SYSTEM, name=name, region_code=REGION)
                 for name in (LEAD, FIRE, ECO)}

        def staff(login: str, dept: str, roles: list[str]) -> Any:
            row = identity.add_staff(s, SYSTEM, login=login, password="Bench2026x", name=login,
                                     department_id=depts[dept].id, roles=roles)
            return identity.actor_for_staff(s, row)

        joint = {"lead": LEAD, "branches": [
            {"department": FIRE, "limit": {"value": 5, "unit": "working_day"}, "on_timeout": "escalate"},
            {"department": ECO, "limit": {"value": 3, "unit": "working_day"}, "on_timeout": "consent"}]}
        for code, name, j in ((PLAIN_CODE, "基准许可（单独审批）", None), (JOINT_CODE, "基准许可（并联审批）", joint)):
            outcome = catalog.import_record(s, SYSTEM, ItemIn.model_validate(_item(code, name, j)), publish=True)
            assert outcome.published, outcome.problems
        assert catalog.application_spec(s, PLAIN_CODE).joint is None
        assert catalog.application_spec(s, JOINT_CODE).joint is not None
        body = "44010419900101123"
        person = identity.register_person(s, name="申请人", id_number=body + ric.calc_check_digit(body + "0"),
                                          phone="13800000001", password="Bench2026x")
        return World(applicant=identity.actor_for_person(person), handler=staff("bench_handler", LEAD, ["handler"]),
                     approver=staff("bench_approver", LEAD, ["approver"]),
                     fire=staff("bench_fire", FIRE, ["handler"]), eco=staff("bench_eco", ECO, ["handler"]))


def submitted(engine: Any, w: World, code: str, k: int) -> str:
    """A submitted case of ``code`` with its two materials (not timed)."""
    from yiwang.cases import service as cases
    from yiwang.core import storage
    from yiwang.core.db import session_scope

    with session_scope(engine) as s:
        files = [storage.store(s, data=PDF + f"{code}-{k}-{m}".encode(), filename=f"{m}.pdf",
                               declared_type="application/pdf", owner=w.applicant.label).id for m in range(2)]
        form = {"contact_name": "张三", "contact_phone": "13800138000", "description": "申请办理"}
        case = cases.submit(s, w.applicant, item_code=code, form=form,
                            materials=[cases.MaterialIn("申请书", files[0]), cases.MaterialIn("身份证明", files[1])])
        return case.case_no


def act(engine: Any, actor: Any, case_no: str, action: str) -> float:
    """One action in a session of its own that commits; milliseconds."""
    from yiwang.cases import service as cases
    from yiwang.core.db import session_scope

    t0 = time.perf_counter()
    with session_scope(engine) as s:
        cases.apply(s, actor, case_no=case_no, action=action, comment="同意")
    return (time.perf_counter() - t0) * 1000


def one_case(engine: Any, w: World, joint: bool, k: int) -> tuple[float, float]:
    """Accept and approve one case; the milliseconds of each (branch opinions in between are not timed)."""
    no = submitted(engine, w, JOINT_CODE if joint else PLAIN_CODE, k)
    accept_ms = act(engine, w.handler, no, "accept")
    if joint:
        act(engine, w.fire, no, "branch_consent")
        act(engine, w.eco, no, "branch_consent")
    approve_ms = act(engine, w.approver, no, "approve")
    return accept_ms, approve_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="cases of each kind")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from yiwang.cases.models import Case, CaseBranch
    from yiwang.core.db import get_engine, session_scope

    samples: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    with scratch_database("yiwang_bench_joint") as url:
        engine = get_engine(url)
        w = seed(engine)
        for k in range(WARMUP):  # caches, plans, the first connections
            one_case(engine, w, k % 2 == 1, -1 - k)
        for k in range(2 * args.cases):
            joint = (k % 2 == 1) if (k // 2) % 2 == 0 else (k % 2 == 0)  # ABBA: neither kind always goes first
            samples[joint].append(one_case(engine, w, joint, k))
        with session_scope(engine) as s:
            concluded = s.scalar(select(func.count()).select_from(Case).where(Case.outcome == "approved"))
            branches = s.scalar(select(func.count()).select_from(CaseBranch))

    def med(kind: bool, i: int | None) -> float:
        return statistics.median(a + b if i is None else (a, b)[i] for a, b in samples[kind])

    print(f"{args.cases} plain and {args.cases} joint cases (2 branches each), interleaved ABBA after {WARMUP} "
          f"warm-up cases; {concluded} approved, {branches} branch rows")
    print(f"{'median per case, ms':<28}{'plain':>10}{'joint':>10}{'ratio':>8}")
    for label, i in (("accept (fork)", 0), ("approve (join)", 1), ("accept + approve", None)):
        print(f"{label:<28}{med(False, i):>10.1f}{med(True, i):>10.1f}{med(True, i) / med(False, i):>8.2f}")
    plain, joint_ms = med(False, None), med(True, None)
    ratio = joint_ms / plain
    print(f"ratio joint / plain (accept + approve): {ratio:.2f} (target < 1.20)")
    result("joint case accept + approve (fork + join, 2 branches), median per case", joint_ms, "ms",
           "plain case accept + approve, same item", plain, target="ratio < 1.20", met=ratio < 1.20,
           higher_is_better=False)


if __name__ == "__main__":
    main()
