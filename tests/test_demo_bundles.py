"""The demo's 13 一件事 bundles: the seed's names, real and new items that resolve, several departments
each, and materials and form fields that repeat across a bundle's items (so merging them saves something)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from importlib import resources
from typing import Any

import pytest

from yiwang import demo
from yiwang import demo_bundles as bundles
from yiwang.catalog import eforms
from yiwang.catalog.schemas import ItemIn

ENTERPRISE = ["企业开办", "企业信息变更", "水电气网联合报装", "信用修复", "企业上市合法合规信息核查", "企业破产信息核查",
              "企业注销登记", "员工录用"]
PERSON = ["新生儿出生", "教育入学", "社保卡居民服务", "残疾人服务", "退休"]


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    depts = bundles.fake_departments()
    path = resources.files("yiwang.catalog") / "seed_data" / "guangdong.jsonl.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        real = {r["code"]: r for r in (json.loads(line) for line in fh if line.strip())}
    local = {r["code"]: r for r in demo.local_items([depts[name] for name, _r, _o in demo.DEPARTMENTS])}
    new = {r["code"]: r for r in bundles.bundle_items(depts)}
    return {"depts": depts, "real": real, "local": local, "new": new,
            "records": bundles.bundle_records(depts)}


def _resolve(world: dict[str, Any], code: str) -> dict[str, Any]:
    for source in ("new", "local", "real"):
        if code in world[source]:
            return world[source][code]  # type: ignore[no-any-return]
    raise AssertionError(f"item {code} resolves nowhere")


def test_the_seed_names_thirteen_bundles(world: dict[str, Any]) -> None:
    records = world["records"]
    assert [r["name"] for r in records] == ENTERPRISE + PERSON
    assert Counter(r["audience"] for r in records) == {"enterprise": 8, "person": 5}
    assert all(r["kind"] == "bundle" and r["code"].startswith("YJS-440104-") and r["code"].isascii()
               for r in records)
    assert len({r["code"] for r in records}) == 13
    assert all("一表申请" in r["description"] and r["themes"] for r in records)


def test_every_item_resolves_and_bundles_span_departments(world: dict[str, Any]) -> None:
    used_real = set()
    for record in world["records"]:
        assert 2 <= len(record["items"]) <= 6 and len(set(record["items"])) == len(record["items"]), record["name"]
        items = [_resolve(world, code) for code in record["items"]]
        assert len({i["department"] for i in items}) >= 2, record["name"]
        used_real |= {code for code in record["items"] if code in world["real"]}
    # real provincial items are used where they fit, and each of them has a time limit and materials
    assert {world["real"][c]["name"] for c in used_real} == set(bundles.REAL_ITEMS)
    assert all(world["real"][c].get("legal_limit") and world["real"][c].get("materials") for c in used_real)


def test_new_items_are_valid_import_records(world: dict[str, Any]) -> None:
    new = world["new"]
    known = {d.name for d in world["depts"].values()}
    assert len({r["name"] for r in new.values()}) == len(new)
    for code, record in new.items():
        item = ItemIn.model_validate(record)
        assert item.code == code and len(code) == 31 and code.startswith(world["depts"][item.department].uscc)
        dept = world["depts"][item.department]
        assert item.department in known and item.region_code == dept.region_code
        assert item.level == (4 if dept.region_code == "440104" else 5)
        assert item.online and item.in_hall and item.legal_limit is not None and item.materials
        assert item.audience in (["1"], ["2"])
        if item.form_schema is not None:
            eforms.check_schema(item.form_schema)
    assert not set(new) & set(world["local"]) and not set(new) & set(world["real"])


def test_each_bundle_shares_materials_and_form_fields(world: dict[str, Any]) -> None:
    for record in world["records"]:
        items = [_resolve(world, code) for code in record["items"]]
        audience = "2" if record["audience"] == "enterprise" else "1"
        assert all(audience in i["audience"] for i in items if i["code"] in world["new"]), record["name"]
        materials = Counter(m["name"] for i in items for m in {m["name"]: m for m in i["materials"]}.values())
        assert max(materials.values()) >= 2, record["name"]
        assert len(materials) < sum(len(i["materials"]) for i in items), record["name"]
        fields: dict[str, set[str]] = {}
        for i in items:
            for key, prop in ((i.get("form_schema") or {}).get("properties") or {}).items():
                fields.setdefault(key, set()).add(prop.get("title", key))
        shared = [k for k in fields if sum(k in ((i.get("form_schema") or {}).get("properties") or {})
                                           for i in items) >= 2]
        assert shared, record["name"]
        # a field shared by a bundle's items is asked the same way in each (one title), so the merged form
        # asks it once
        assert all(len(titles) == 1 for titles in fields.values()), (record["name"], fields)


def test_a_shared_material_is_the_same_material_everywhere(world: dict[str, Any]) -> None:
    seen: dict[str, tuple[Any, Any]] = {}
    for record in world["new"].values():
        for m in record["materials"]:
            shape = (m.get("source", "applicant"), m.get("license_type"))
            assert seen.setdefault(m["name"], shape) == shape, m["name"]
    assert seen["营业执照"] == ("government", "营业执照")
    assert seen["申请人身份证明"] == ("government", "居民身份证")
    assert seen["出生医学证明"] == ("government", "出生医学证明")


def test_the_new_items_import_and_publish(session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.catalog import service as catalog
    from yiwang.core.permissions import SYSTEM

    depts = bundles.seed_departments(session)
    assert set(depts) == {name for name, _r, _o in [*demo.DEPARTMENTS, *bundles.BUNDLE_DEPARTMENTS]}
    assert {n: d.uscc for n, d in depts.items()} == {n: d.uscc for n, d in bundles.fake_departments().items()}
    for record in bundles.bundle_items(depts):
        outcome = catalog.import_record(session, SYSTEM, ItemIn.model_validate(record), publish=True)
        assert outcome.published, (record["name"], outcome.problems)
    session.commit()
    spec = catalog.application_spec(session, f"{depts[bundles.POLICE].uscc}4442010401000")
    assert spec.name == "公章刻制备案" and spec.department_id == depts[bundles.POLICE].id
    assert spec.form_schema and spec.form_schema["properties"]["uscc"]["title"] == "统一社会信用代码"
