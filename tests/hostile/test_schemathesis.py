"""The JSON API fuzzed against its own OpenAPI document (schemathesis): for every operation, a bounded number of
generated requests — valid ones and deliberately invalid ones (wrong types, missing fields, out-of-range
values) — as an anonymous caller, as an applicant and as a staff member holding every role. No answer may be a
5xx; every answer's status must be one the document declares (success codes, 422 and the ``4XX`` range), with
the declared media type (downloads are PDF, PEM, CSV or Excel, not JSON) and body; and every 4xx must carry the
app's error body ``{"error": {"code", "message", "field"}}`` (documented as ``ErrorResponse``).

Checks left out, and why:
* ``positive_data_acceptance``: the services check more than the schema states (a status filter must name a
  known status, a page size is a string checked by ``page_params``) and answer schema-valid requests with 422.
* ``negative_data_rejection``: schemathesis's "invalid" does not always survive serialisation (a null multipart
  file arrives as an empty upload, which ``/licenses/verify`` answers with a 200 "not a valid license").
The examples are derandomised: CI runs the same requests every time, so a failure is reproducible, not flaky.
It runs on PostgreSQL only, to keep within the suite's time budget: PostgreSQL is the stricter of the two (NUL
characters, over-long text, integer ranges), which is where generated input turns into server errors; the
handlers and the permission checks are the same on SQLite (tests/hostile/test_permission_matrix.py runs there).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories as f
from tests.cases import factories as cw
from tests.licenses import factories as lf
from yiwang.core.permissions import Role

pytestmark = [pytest.mark.db, pytest.mark.parametrize("migrated_engine", ["postgresql"], indirect=True)]

EXAMPLES = 8  # per operation and caller: ~50 operations × 3 callers ≈ 1,200 requests
OPENAPI = "/api/v1/openapi.json"
# Logging out would revoke the token the rest of the run uses; it is fuzzed anonymously only.
AUTHENTICATED_SKIP = {"POST /api/v1/auth/logout"}


def _world(session, client) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """An item with a license, an approved case and a pending one; an applicant and an all-roles staff member,
    both logged in through the API."""
    w = lf.world(session)
    lf.issued(session, w)
    cw.submit(session, w)
    f.staff(session, "fuzzer", [r.value for r in Role], cw.DEPT)
    session.commit()
    return {"anonymous": {}, "applicant": f.api_login(client, w.applicant_id), "staff": f.api_login(client, "fuzzer")}


def error_envelope(ctx: Any, response: Any, case: Any) -> None:
    """Every refusal carries the app's error body, documented or not: {"error": {"code", "message", "field"}}."""
    if 400 <= response.status_code < 500 and response.headers.get("content-type", [""])[0].startswith(
            "application/json"):
        error = response.json().get("error")
        assert isinstance(error, dict) and isinstance(error.get("code"), str) and error.get("message") \
            and "field" in error, f"{response.status_code} without the error envelope: {response.text[:300]}"


def _fuzz(schema: Any, client: Any, headers: dict[str, str], skip: set[str]) -> list[str]:
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in skip:
            continue
        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, print_blob=False,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def check(case: Any) -> None:
            response = case.call(session=client, headers=headers)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                                     status_code_conformance, content_type_conformance,
                                                     error_envelope])

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {exc}")
    return failures


def test_api_answers_generated_requests_without_server_errors(app, client, session, api_docs) -> None:  # type: ignore[no-untyped-def]
    callers = _world(session, client)
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    assert len(list(schema.get_all_operations())) >= 40  # the whole API, not an empty document
    failures: list[str] = []
    with asgi.get_client(app) as fuzz_client:
        for name, headers in callers.items():
            skip = AUTHENTICATED_SKIP if headers else set()
            failures += [f"[{name}] {line}" for line in _fuzz(schema, fuzz_client, headers, skip)]
    assert not failures, "\n\n".join(failures)
