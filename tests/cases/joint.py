"""Joint-case test setup (并联审批): an item whose lead is cw.DEPT with two branch departments, each with a
handler and an approver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests import factories as f
from tests.cases import factories as cw
from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.core.permissions import Actor

FIRE = "区消防救援大队"
ENV = "区生态环境分局"


@dataclass
class Joint:
    w: cw.World
    fire: Actor  # 消防 handler
    fire2: Actor  # a second 消防 officer (approver)
    env: Actor  # 环保 handler
    stranger: Actor  # staff of an uninvolved department


def joint_world(session: Session, *, fire_timeout: str = "escalate", env_timeout: str = "consent",
                fire_days: int = 5, env_days: int = 3, env_materials: list[str] | None = None) -> Joint:
    """A joint item imported through the catalog contract: lead cw.DEPT, branches 消防 and 环保."""
    fire = f.staff(session, "fire", ["handler"], FIRE)
    fire2 = f.staff(session, "fire2", ["approver"], FIRE)
    env = f.staff(session, "env", ["handler"], ENV)
    stranger = f.staff(session, "stranger", ["handler", "approver"], "区教育局")
    branches: list[dict[str, Any]] = [
        {"department": FIRE, "limit": {"value": fire_days, "unit": "working_day"}, "on_timeout": fire_timeout},
        {"department": ENV, "limit": {"value": env_days, "unit": "working_day"}, "on_timeout": env_timeout}]
    if env_materials is not None:
        branches[1]["materials"] = env_materials
    w = cw.world(session, joint={"lead": cw.DEPT, "branches": branches})
    assert catalog.application_spec(session, w.code).joint is not None
    return Joint(w=w, fire=fire, fire2=fire2, env=env, stranger=stranger)


def accepted(session: Session, j: Joint) -> str:
    no = cw.submit(session, j.w)
    cases.apply(session, j.w.handler, case_no=no, action="accept")
    return no


def to_approval_step(session: Session, j: Joint, no: str) -> None:
    """Through the lead's own steps (承办 → 审核), to the approver's."""
    cases.apply(session, j.w.handler, case_no=no, action="review")
    cases.apply(session, j.w.checker, case_no=no, action="review")
