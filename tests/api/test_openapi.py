"""Issue 13, point 6: the OpenAPI document tells the truth — refusals are documented with the app's error body
(``ErrorResponse``: ``{"error": {"code", "message", "field"}}``) rather than FastAPI's ``HTTPValidationError``,
and downloads with their real media types rather than JSON."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

pytestmark = pytest.mark.usefixtures("api_docs")  # the document is served only when the docs are on

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_REF = "#/components/schemas/ErrorResponse"


def _doc(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def _operations(doc: dict[str, Any]):  # type: ignore[no-untyped-def]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def test_refusals_are_documented_with_the_error_body(client) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(client)
    text = str(doc)
    assert "HTTPValidationError" not in text and "'detail'" not in text
    schemas = doc["components"]["schemas"]
    error = schemas["ErrorResponse"]
    assert error["required"] == ["error"]
    body = schemas[error["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    assert set(body["required"]) == {"code", "message", "field"}
    ops = list(_operations(doc))
    assert len(ops) >= 40
    for label, op in ops:
        responses = op["responses"]
        assert responses["4XX"]["content"]["application/json"]["schema"]["$ref"] == ERROR_REF, label
        if "422" in responses:
            assert responses["422"]["content"]["application/json"]["schema"]["$ref"] == ERROR_REF, label


def test_an_actual_refusal_matches_the_documented_schema(client) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(client)
    schema = {"$ref": ERROR_REF, "components": doc["components"]}
    for r in (client.post("/api/v1/auth/login", json={"username": 5}),   # 422 from validation
              client.get("/api/v1/items/NO-SUCH-ITEM"),                  # 404 from the service
              client.get("/api/v1/me")):                                 # 401
        assert 400 <= r.status_code < 500
        jsonschema.validate(r.json(), schema)


def test_downloads_declare_their_media_types(client) -> None:  # type: ignore[no-untyped-def]
    paths = _doc(client)["paths"]

    def content(path: str) -> dict[str, Any]:
        return paths[path]["get"]["responses"]["200"]["content"]

    assert set(content("/api/v1/licenses/{license_id}/pdf")) == {"application/pdf"}
    assert content("/api/v1/licenses/{license_id}/pdf")["application/pdf"]["schema"]["format"] == "binary"
    assert set(content("/api/v1/seals/authority.pem")) == {"application/x-pem-file"}
    files = content("/api/v1/cases/{case_no}/files/{file_id}")
    assert "application/json" not in files and {"application/pdf", "image/png", "image/jpeg"} <= set(files)
    scores = content("/api/v1/supervision/scores")
    assert {"application/json", "text/csv", XLSX} <= set(scores)


def test_a_download_answers_with_its_declared_type(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/seals/authority.pem")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-pem-file")
