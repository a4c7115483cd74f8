"""The demo deployment has a real joint item (并联审批) with staff in every branch department."""

from __future__ import annotations

from yiwang import demo
from yiwang.catalog import service as catalog
from yiwang.catalog.schemas import ItemIn
from yiwang.core.permissions import SYSTEM
from yiwang.identity import repository as identity_repo
from yiwang.identity import service as identity


def test_demo_seeds_a_published_joint_item_with_branch_staff(session) -> None:  # type: ignore[no-untyped-def]
    depts = demo.seed_departments(session)
    market = depts[1]
    for record in demo.local_items(depts):
        outcome = catalog.import_record(session, SYSTEM, ItemIn.model_validate(record), publish=True)
        assert outcome.published, (record["name"], outcome.problems)
    session.commit()
    spec = catalog.application_spec(session, f"{market.uscc}{demo.JOINT_ITEM}")
    assert spec.name == "开办餐饮店（食品经营许可并联审批）" and spec.result_license_type == "食品经营许可证"
    assert spec.joint is not None and spec.joint.lead_department_id == market.id
    fire, eco = spec.joint.branches
    assert (fire.department, fire.limit_value, fire.on_timeout) == ("广州市越秀区消防救援大队", 5, "escalate")
    assert (eco.department, eco.limit_value, eco.on_timeout) == ("广州市生态环境局越秀分局", 3, "consent")
    names = {m.name for m in spec.materials}
    assert fire.materials and eco.materials and set(fire.materials) | set(eco.materials) <= names
    assert "公众聚集场所投入使用、营业前消防安全检查申请表" in fire.materials
    assert "建设项目环境影响登记表" in eco.materials
    assert spec.form_schema and "business_items" in spec.form_schema["required"]
    # the other items are ordinary
    others = [r["code"] for r in demo.local_items(depts) if not r["code"].endswith(demo.JOINT_ITEM)]
    assert all(catalog.application_spec(session, code).joint is None for code in others)

    # a 承办 handler and an approver in each branch department, with the demo password
    for dept in (depts[7], depts[8]):
        staff = [(login, roles) for _, login, _, idx, roles in demo.STAFF if demo.DEPARTMENTS[idx][0] == dept.name]
        assert {r for _, roles in staff for r in roles} >= {"handler", "approver"}
        for login, roles in staff:
            identity.add_staff(session, SYSTEM, login=login, password=demo.DEMO_PASSWORD, name=login,
                               department_id=dept.id, roles=roles)
    session.commit()
    for login in ("fire_handler", "fire_approver", "eco_handler", "eco_approver"):
        s = identity_repo.staff_by_login(session, login)
        assert s is not None
        assert identity.authenticate(session, login, demo.DEMO_PASSWORD, staff=True).department_id == s.department_id
