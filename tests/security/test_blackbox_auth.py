"""Black-box replay of the authentication findings (rows 1, 2, 8 and 12) through real HTTP against a served demo
deployment (``yiwang serve``, SQLite, demo data): none of them reproduces.

Each test starts and ends with the deployment's rate counters cleared, so the limits these replays run into do
not leak into other black-box tests that share the server.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests import factories as f
from tests.security.conftest import DemoServer
from yiwang import demo

pytestmark = pytest.mark.slow

LIMIT = 5  # YIWANG_LOGIN_MAX_FAILURES default
WIDE = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


@pytest.fixture()
def live(demo_server: DemoServer) -> Iterator[DemoServer]:
    def clear() -> None:
        with sqlite3.connect(demo_server.home / "yiwang.db", timeout=30) as db:
            db.execute("DELETE FROM rate_counter")

    clear()
    yield demo_server
    clear()


def register(http: httpx.Client, phone: str | None = None, password: str = f.PASSWORD) -> tuple[str, str]:
    number, phone = f.id_number(), phone or f.phone()
    r = http.post("/api/v1/auth/register", json={"kind": "person", "name": "测试", "id_number": number,
                                                 "phone": phone, "password": password})
    assert r.status_code == 201, r.text
    return number, phone


def login(http: httpx.Client, username: str, password: str) -> int:
    return http.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def test_row01_spellings_get_no_extra_guesses(live: DemoServer) -> None:
    with live.client() as http:
        number, _ = register(http)
        spellings = [number, f"{number[:6]} {number[6:]}", f"{number[:6]}\t{number[6:]}", number.lower(),
                     f"{number[:9]}\u3000{number[9:]}", number.translate(WIDE), f" {number[:3]}\n{number[3:]} "]
        answers = [login(http, spellings[i % len(spellings)], "Wrong2026guess") for i in range(4 * len(spellings))]
        assert answers.count(401) == LIMIT and answers.count(429) == len(answers) - LIMIT
        # the real key is locked, and so is every spelling — also with the right password
        assert {login(http, s, f.PASSWORD) for s in spellings} == {429}


def test_row02_phone_login_needs_a_verified_phone(live: DemoServer) -> None:
    person_phone = demo.PERSON[2]
    with live.client() as http:
        # the demo person's phone is verified: nobody else can register it, and it still logs in
        r = http.post("/api/v1/auth/register", json={"kind": "person", "name": "冒名", "id_number": f.id_number(),
                                                     "phone": person_phone, "password": "Attacker2026x"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "phone_taken"
        assert login(http, person_phone, demo.DEMO_PASSWORD) == 200
        # a victim and an attacker on one unverified phone: the attacker's own password opens nothing by phone,
        # so it cannot clear the count between wrong guesses at the victim's
        _, phone = register(http)
        register(http, phone, password="Attacker2026x")
        answers = []
        for _ in range(4):
            answers += [login(http, phone, "Victim2026guess") for _ in range(LIMIT - 1)]
            assert login(http, phone, "Attacker2026x") in (401, 429)
        assert answers.count(401) <= LIMIT


def test_row02_parallel_guesses_get_at_most_the_limit(live: DemoServer) -> None:
    with live.client() as http:
        number, _ = register(http)

    def guess(_: int) -> int:
        with live.client() as c:
            return login(c, number, "Wrong2026guess")

    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(guess, range(30)))
    assert set(answers) <= {401, 429}
    assert answers.count(401) <= LIMIT  # 22 password checks got through before
    with live.client() as http:
        assert login(http, number, f.PASSWORD) == 429


def test_row08_forwarded_for_does_not_reset_the_progress_limit(live: DemoServer) -> None:
    with live.client() as http:
        answers = [http.get("/progress", params={"case_no": f"440104{random.randrange(10**14):014d}", "tail": "1234"},
                            headers={"X-Forwarded-For": f"198.51.100.{i % 250}"}).status_code for i in range(65)]
        assert answers.count(429) >= 5  # 60 an hour per client (the default), whatever the header says
        # guessing the tail of one case number stops after a few tries, whichever client asks
        http.cookies.clear()
    with sqlite3.connect(live.home / "yiwang.db", timeout=30) as db:
        db.execute("DELETE FROM rate_counter")
    with live.client() as http:
        case_no = "44010420991231000001"
        tails = [http.get("/api/v1/progress", params={"case_no": case_no, "tail": f"{i:04d}"},
                          headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(14)]
        assert tails[:10] == [404] * 10 and set(tails[10:]) == {429}


def test_row12_registration_cannot_enumerate_at_speed(live: DemoServer) -> None:
    with live.client() as http:
        taken = http.post("/api/v1/auth/register", json={"kind": "person", "name": "张三", "id_number": demo.PERSON[1],
                                                         "phone": f.phone(), "password": f.PASSWORD})
        assert taken.status_code == 409 and "已注册，" not in taken.json()["error"]["message"]
        answers = [http.post("/api/v1/auth/register", json={"kind": "person", "name": "测试", "id_number": f.id_number(),
                                                            "phone": f.phone(), "password": f.PASSWORD},
                             headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(15)]
        assert answers.count(429) >= 5  # 10 attempts an hour per client, however the header is rotated


def test_row02_a_phone_verified_by_the_code_in_the_demo_log(live: DemoServer) -> None:
    """The whole path a person takes: register, ask for a code at /my/phone, read it from the console SMS line
    in the server log (the demo's SMS backend), enter it, then log in by phone."""
    import re
    import time

    with live.client() as http:
        number, phone = register(http)
        assert login(http, phone, f.PASSWORD) == 401  # not verified yet
        page = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        r = http.post("/login", data={"username": number, "password": f.PASSWORD, "csrf_token": token.group(1)})
        assert r.status_code == 303
        page = http.get("/my/phone")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert page.status_code == 200 and token
        assert http.post("/my/phone/code", data={"csrf_token": token.group(1)}).status_code == 303
        masked = f"{phone[:3]}****{phone[-4:]}"
        code = None
        deadline = time.monotonic() + 30
        while code is None and time.monotonic() < deadline:
            found = re.findall(rf"notify sms to {re.escape(masked)}: .*?验证码为 (\d{{6}})",
                               (live.home / "serve.log").read_text(encoding="utf-8", errors="replace"))
            code = found[-1] if found else None
            time.sleep(0.5)
        assert code, "no SMS line with the code in the server log"
        page = http.get("/my/phone")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        assert http.post("/my/phone", data={"code": code, "csrf_token": token.group(1)}).status_code == 303
        assert login(http, phone, f.PASSWORD) == 200
