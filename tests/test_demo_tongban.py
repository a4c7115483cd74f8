"""The demo deployment shows 跨域通办 and 转报: a 荔湾 window that took in a 越秀 item with its papers on the way, and a
city bureau with staff to forward to. Seeding again makes nothing twice."""

from __future__ import annotations

from yiwang import demo
from yiwang.cases import service as cases
from yiwang.catalog import service as catalog
from yiwang.catalog.schemas import ItemIn
from yiwang.core.permissions import SYSTEM
from yiwang.identity import repository as identity_repo
from yiwang.identity import service as identity


def test_demo_seeds_a_tongban_case_and_the_accounts_to_try_it(session) -> None:  # type: ignore[no-untyped-def]
    depts = demo.seed_departments(session)
    for record in demo.local_items(depts):
        assert catalog.import_record(session, SYSTEM, ItemIn.model_validate(record), publish=True).published
    for _, login, name, idx, roles in demo.STAFF:
        identity.add_staff(session, SYSTEM, login=login, password=demo.DEMO_PASSWORD, name=name,
                           department_id=depts[idx].id, roles=roles)
    pname, pid, pphone = demo.PERSON
    identity.register_person(session, name=pname, id_number=pid, phone=pphone, password=demo.DEMO_PASSWORD)
    session.commit()
    spec = catalog.application_spec(session, f"{depts[1].uscc}{demo.TONGBAN_ITEM}")
    assert spec.name == "个体工商户设立登记" and spec.cross_region == "省内通办"

    assert demo.seed_tongban(session) == 1
    assert demo.seed_tongban(session) == 0  # idempotent
    session.commit()
    clerk = identity.actor_for_staff(session, identity_repo.staff_by_login(session, "clerk_lw"))
    total, found = cases.intake_cases(session, clerk, limit=10, offset=0)
    assert total == 1
    case = found[0]
    assert (case.department_id, case.intake_region_code, case.deliver_at_intake) == (depts[1].id, "440103", True)
    view = cases.view(session, clerk, case)
    assert view.paper_transfers[0]["status"] == "sent" and view.intake["region_name"] == "荔湾区"
    # 越秀's handler may sign for the papers; the city bureau has a handler and an approver to forward to
    handler = identity.actor_for_staff(session, identity_repo.staff_by_login(session, "handler"))
    assert cases.view(session, handler, cases.get_case(session, handler, case.case_no)).paper_transfers[0]["can_receive"]
    city = [(login, roles) for _, login, _, idx, roles in demo.STAFF if demo.DEPARTMENTS[idx][1] == "440100"]
    assert {r for _, roles in city for r in roles} >= {"handler", "approver"}
    assert {d.name for d in cases.upper_departments(session, case)} >= {"广州市市场监督管理局"}
