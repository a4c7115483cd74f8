"""The foundation's API contracts, exactly as outside checks use them."""

from __future__ import annotations

from tests import factories as f


def test_register_person_and_enterprise(client) -> None:  # type: ignore[no-untyped-def]
    number = f.id_number()
    r = client.post("/api/v1/auth/register", json={"kind": "person", "name": "张三", "id_number": number,
                                                   "phone": "13800138000", "password": f.PASSWORD})
    assert r.status_code == 201 and isinstance(r.json()["id"], int)
    r = client.post("/api/v1/auth/register", json={"kind": "enterprise", "name": "示范公司", "uscc": f.uscc_code(),
                                                   "legal_person": "李四", "phone": "13900139000",
                                                   "password": f.PASSWORD})
    assert r.status_code == 201
    dup = client.post("/api/v1/auth/register", json={"kind": "person", "name": "张三", "id_number": number,
                                                     "phone": "13800138000", "password": f.PASSWORD})
    assert dup.status_code == 409 and dup.json()["error"]["field"] == "id_number"


def test_bad_codes_name_the_field(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/register", json={"kind": "person", "name": "张三", "id_number": "110105194912310021",
                                                   "phone": "13800138000", "password": f.PASSWORD})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["field"] == "id_number" and err["code"] == "invalid_id_number" and err["message"]
    r = client.post("/api/v1/auth/register", json={"kind": "enterprise", "name": "X", "uscc": "91110000600037341X",
                                                   "legal_person": "李四", "phone": "13900139000",
                                                   "password": f.PASSWORD})
    assert r.status_code == 422 and r.json()["error"]["field"] == "uscc"


def test_malformed_bodies_get_structured_errors(client) -> None:  # type: ignore[no-untyped-def]
    for body in ({"kind": "alien"}, {"kind": "person"}, [], "x", {"kind": "person", "name": 5}):
        r = client.post("/api/v1/auth/register", json=body)
        assert r.status_code == 422, body
        err = r.json()["error"]
        assert set(err) >= {"code", "message", "field"}
    r = client.post("/api/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_login_and_me_for_each_kind(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "handler1", ["handler", "checker"], "越秀区市场监督管理局")
    actor, number = f.person(session)
    session.commit()
    r = client.post("/api/v1/auth/login", json={"username": "handler1", "password": f.PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert me["kind"] == "staff" and me["department"] == "越秀区市场监督管理局"
    assert sorted(me["roles"]) == ["checker", "handler"]
    me = client.get("/api/v1/me", headers=f.api_login(client, number)).json()
    assert me["kind"] == "person" and me["id_number_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in str(me)


def test_login_failures(client, session) -> None:  # type: ignore[no-untyped-def]
    f.staff(session, "clerk2", ["window_clerk"])
    session.commit()
    for _ in range(5):
        r = client.post("/api/v1/auth/login", json={"username": "clerk2", "password": "Wrong12345"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"username": "clerk2", "password": f.PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["code"] == "login_locked"
    assert int(r.headers["Retry-After"]) > 0


def test_me_needs_a_valid_token(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/me").status_code == 401
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"


def test_logout_revokes_the_token(client, session) -> None:  # type: ignore[no-untyped-def]
    _, number = f.person(session)
    session.commit()
    headers = f.api_login(client, number)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_workday_deadline(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/workdays/deadline?start=2026-09-30&days=1").json() == {"deadline": "2026-10-08"}
    assert client.get("/api/v1/workdays/deadline?start=2026-02-10&days=20").json() == {"deadline": "2026-03-16"}
    r = client.get("/api/v1/workdays/deadline?start=2026-12-30&days=5")
    assert r.status_code == 422 and r.json()["error"]["code"] == "calendar_year_missing"
    for bad in ("start=2026-02-30&days=1", "start=2026-01-01&days=-1", "start=2026-01-01&days=x", "days=1"):
        r = client.get(f"/api/v1/workdays/deadline?{bad}")
        assert r.status_code == 422, bad
        assert r.json()["error"]["field"] in ("start", "days")


def test_nul_and_overlong_input_are_client_errors(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/register", json={"kind": "person", "name": "张\u0000三", "id_number": f.id_number(),
                                                   "phone": "13800138000", "password": f.PASSWORD})
    assert r.status_code in (201, 422) and r.status_code != 500
    r = client.post("/api/v1/auth/login", json={"username": "a\u0000b", "password": "x1234567"})
    assert r.status_code in (401, 422)
    assert client.get("/api/v1/items/%00").status_code in (404, 422)


def test_full_width_digits_are_the_same_id_number(client) -> None:  # type: ignore[no-untyped-def]
    number = f.id_number()
    body = {"kind": "person", "name": "张三", "phone": "13800138000", "password": f.PASSWORD}
    assert client.post("/api/v1/auth/register", json=body | {"id_number": number}).status_code == 201
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    r = client.post("/api/v1/auth/register", json=body | {"id_number": wide})
    assert r.status_code == 409 and r.json()["error"]["field"] == "id_number"
