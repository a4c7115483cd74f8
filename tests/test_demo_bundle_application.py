"""The demo's 一件事 application: 张三 files 新生儿出生 with one form and each material once; four departments each
get their case; seeding again files nothing more."""

from __future__ import annotations

from yiwang import demo, demo_bundles
from yiwang.bundles import service as bundles
from yiwang.catalog import bundles as bundle_catalog
from yiwang.catalog import service as catalog
from yiwang.catalog.schemas import ItemIn
from yiwang.core.permissions import SYSTEM
from yiwang.identity import service as identity


def test_the_demo_files_the_newborn_bundle_once(session) -> None:  # type: ignore[no-untyped-def]
    by_name = demo_bundles.seed_departments(session)
    for record in demo_bundles.bundle_items(by_name):
        catalog.import_record(session, SYSTEM, ItemIn.model_validate(record), publish=True)
    newborn = next(r for r in demo_bundles.bundle_records(by_name) if r["code"] == demo.NEWBORN_BUNDLE)
    bundle_catalog.import_bundle(session, SYSTEM, bundle_catalog.BundleIn.model_validate(newborn))
    name, id_number, phone = demo.PERSON
    person = identity.register_person(session, name=name, id_number=id_number, phone=phone,
                                      password=demo.DEMO_PASSWORD)
    number = demo.seed_bundle(session)
    assert number is not None and number.startswith("YJS")
    actor = identity.actor_for_person(person)
    view = bundles.view(session, actor, bundles.get(session, actor, number))
    assert view["status"] == "in_progress" and view["total"] == len(newborn["items"]) == 4
    assert len({c["department"] for c in view["cases"]}) == 4
    assert demo.seed_bundle(session) is None
    assert bundles.list_for(session, actor)[0] == 1
