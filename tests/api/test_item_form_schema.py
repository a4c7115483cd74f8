"""Issue 13, point 5: GET /api/v1/items/{code} returns the form submission enforces — the item's own e-form,
or the generic applicant form when it has none (never null)."""

from __future__ import annotations

import jsonschema

from tests import factories as f
from tests.cases import factories as cw
from tests.catalog import factories as cf
from yiwang.catalog import eforms


def test_an_item_without_its_own_form_returns_the_generic_one(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)  # the item has no form_schema of its own
    session.commit()
    r = client.get(f"/api/v1/items/{w.code}")
    assert r.status_code == 200
    body = r.json()
    assert body["form_schema"] == eforms.GENERIC_FORM and body["form_is_generic"] is True
    required = set(body["form_schema"]["required"])
    # what the document says is what submission enforces: a form missing a required field is refused…
    headers = f.api_login(client, w.applicant_id)
    file_ids = []
    for name in ("申请书.pdf", "id.pdf"):
        up = client.post("/api/v1/files", files={"file": (name, cw.PDF + name.encode(), "application/pdf")},
                         headers=headers)
        file_ids.append(up.json()["file_id"])
    materials = [{"name": "申请书", "file_id": file_ids[0]}, {"name": "身份证明", "file_id": file_ids[1]}]
    missing = {"item_code": w.code, "form": {}, "materials": materials}
    r = client.post("/api/v1/cases", json=missing, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["field"].removeprefix("form.") in required
    # …and a form valid against the returned schema is accepted
    form = {"contact_name": "张三", "contact_phone": "13800138000", "description": "申请办理"}
    jsonschema.validate(form, body["form_schema"])
    r = client.post("/api/v1/cases", json={"item_code": w.code, "form": form, "materials": materials},
                    headers=headers)
    assert r.status_code == 201, r.text


def test_an_item_with_its_own_form_returns_it(client, session) -> None:  # type: ignore[no-untyped-def]
    schema = {"type": "object", "required": ["shop"], "properties": {"shop": {"type": "string", "title": "店名"}}}
    code = cf.published(session, form_schema=schema)
    session.commit()
    body = client.get(f"/api/v1/items/{code}").json()
    assert body["form_schema"] == schema and body["form_is_generic"] is False
