"""Who hears what on a joint case (并联审批): branch departments when an opinion is due, the lead when a branch
objects, the branch department and its supervisors when a branch times out."""

from __future__ import annotations

import datetime as dt

from tests import factories as f
from tests.cases.joint import accepted, joint_world
from tests.notify import factories as nf
from yiwang.cases import branches
from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.calendar import get_calendar


def test_branch_departments_lead_and_supervisors_are_told(session, engine) -> None:  # type: ignore[no-untyped-def]
    j = joint_world(session)
    supervisor = f.staff(session, "sup", ["supervisor"], "区政务服务数据管理局")
    monday = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    with clock.frozen(monday):
        no = accepted(session, j)
    session.commit()
    nf.drain(engine, monday)
    asked = [m for m in nf.messages(session, j.fire.label) if no in m.body]
    assert len(asked) == 1 and "出具并联审批意见" in asked[0].body
    assert [m for m in nf.messages(session, j.env.label) if no in m.body]
    assert not [m for m in nf.messages(session, j.stranger.label)]

    cases.apply(session, j.fire, case_no=no, action="branch_object", comment="疏散通道宽度不足")
    session.commit()
    nf.drain(engine)
    told = [m for m in nf.messages(session, j.w.handler.label) if "不同意" in m.title]
    assert len(told) == 1 and "疏散通道宽度不足" in told[0].body

    late = get_calendar(session).add_working_days(monday.date(), 3) + dt.timedelta(days=1)
    [done] = branches.time_out(session, late)  # the environment branch: silence is consent
    session.commit()
    nf.drain(engine)
    deemed = [m for m in nf.messages(session, j.env.label) if "超时" in m.title]
    assert len(deemed) == 1 and "视为同意" in deemed[0].body
    assert [m for m in nf.messages(session, supervisor.label) if "超时" in m.title]
    nf.drain(engine)  # a redelivery tells nobody twice
    assert len([m for m in nf.messages(session, j.env.label) if "超时" in m.title]) == 1
    assert done.status == "deemed_consent"
