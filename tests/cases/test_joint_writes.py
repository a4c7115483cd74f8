"""并联审批: a joint acceptance is one action, one write of the case, like a plain one."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from tests.cases import factories as cw
from tests.cases.joint import joint_world
from tests.catalog import factories as cf
from yiwang.cases import service as cases
from yiwang.cases.models import CaseEvent


def test_joint_acceptance_moves_the_case_version_by_one(session) -> None:  # type: ignore[no-untyped-def]
    j = joint_world(session)
    plain = dataclasses.replace(j.w, code=cf.published(session, department=cw.DEPT))  # same staff, no branches
    for w in (plain, j.w):
        no = cw.submit(session, w)
        before = cases.get_case(session, w.handler, no).version
        case = cases.apply(session, w.handler, case_no=no, action="accept")
        session.flush()
        seqs = session.scalars(select(CaseEvent.seq).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.seq)).all()
        assert case.version == before + 1, (w.code, before, case.version)
        assert list(seqs) == list(range(1, len(seqs) + 1)), seqs
