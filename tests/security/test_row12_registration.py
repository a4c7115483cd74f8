"""Row 12: registration cannot be used to enumerate registered ID numbers / USCCs at speed: attempts are limited per
client (in the database, forwarded headers believed only from trusted proxies), and a taken code gets one answer
that does not spell out "already registered" but says what to do."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.notify import factories as nf
from tests.web.helpers import csrf
from yiwang.app import create_app
from yiwang.identity import service as identity

pytestmark = pytest.mark.db


def person(number: str) -> dict[str, str]:
    return {"kind": "person", "name": "王五", "id_number": number, "phone": f.phone(), "password": f.PASSWORD}


def test_registration_attempts_are_limited_per_client(engine) -> None:  # type: ignore[no-untyped-def]
    with nf.settings(register_per_client_hour="3"):
        with TestClient(create_app(engine)) as client:
            answers = [client.post("/api/v1/auth/register", json=person(f.id_number()),
                                   headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(5)]
            assert answers == [201] * 3 + [429] * 2
            r = client.post("/register", data={"kind": "person", "name": "王五", "id_number": f.id_number(),
                                               "phone": f.phone(), "password": f.PASSWORD, "password2": f.PASSWORD,
                                               "csrf_token": csrf(client, "/register")}, follow_redirects=False)
            assert r.status_code == 429 and "注册尝试过于频繁" in r.text


def test_probing_taken_numbers_is_limited_too(engine, session) -> None:  # type: ignore[no-untyped-def]
    taken = [f.person(session)[1] for _ in range(4)]
    session.commit()
    with nf.settings(register_per_client_hour="2"):
        with TestClient(create_app(engine)) as client:
            answers = [client.post("/api/v1/auth/register", json=person(n)).status_code for n in taken]
    assert answers == [409, 409, 429, 429]


def test_a_taken_code_gets_one_answer_with_advice(client, session) -> None:  # type: ignore[no-untyped-def]
    _, number = f.person(session)
    ent = identity.register_enterprise(session, name="示范公司", uscc=f.uscc_code(), legal_person="李四",
                                       phone=f.phone(), password=f.PASSWORD)
    session.commit()
    by_id = client.post("/api/v1/auth/register", json=person(number)).json()["error"]
    by_uscc = client.post("/api/v1/auth/register", json={"kind": "enterprise", "name": "X", "uscc": ent.uscc,
                                                         "legal_person": "Y", "phone": f.phone(),
                                                         "password": f.PASSWORD}).json()["error"]
    assert by_id["message"] == by_uscc["message"] == identity.REGISTER_REFUSED
    assert "已注册，" not in by_id["message"] and "请直接登录" in by_id["message"] and "大厅" in by_id["message"]
    assert (by_id["field"], by_uscc["field"]) == ("id_number", "uscc")  # the contract's fields are kept
    page = client.post("/register", data={"kind": "person", "name": "王五", "id_number": number, "phone": f.phone(),
                                          "password": f.PASSWORD, "password2": f.PASSWORD,
                                          "csrf_token": csrf(client, "/register")})
    assert page.status_code == 409 and "政务服务大厅" in page.text
