"""Row 8: forwarded headers count only from trusted proxies (``yiwang serve`` no longer lets uvicorn trust
127.0.0.1), the progress limits live in the database (they hold across workers), per client and per case number,
and a guessed case number tells nothing without the applicant's phone or ID tail."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.cases import factories as cw
from tests.notify import factories as nf
from yiwang.app import create_app

pytestmark = pytest.mark.db


def lookups(client: TestClient, case_no: str, tails: list[str], forwarded: bool = True) -> list[int]:
    return [client.get("/progress", params={"case_no": case_no, "tail": tail},
                       headers={"X-Forwarded-For": f"203.0.113.{i}"} if forwarded else None).status_code
            for i, tail in enumerate(tails)]


def test_rotating_forwarded_for_does_not_reset_the_client_limit(engine, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    with nf.settings(progress_per_client_hour="4", progress_per_case_hour="100"):
        with TestClient(create_app(engine), client=("127.0.0.1", 4000)) as client:
            assert lookups(client, no, [w.applicant_id[-4:]] * 6) == [200] * 4 + [429] * 2


def test_a_trusted_proxy_names_the_client(engine, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    with nf.settings(progress_per_client_hour="4", progress_per_case_hour="100", trusted_proxies="127.0.0.1"):
        with TestClient(create_app(engine), client=("127.0.0.1", 4000)) as client:
            assert lookups(client, no, [w.applicant_id[-4:]] * 6) == [200] * 6  # six different clients
            same = [client.get("/progress", params={"case_no": no, "tail": w.applicant_id[-4:]},
                               headers={"X-Forwarded-For": "198.51.100.7"}).status_code for _ in range(5)]
            assert same == [200] * 4 + [429]


def test_the_limit_holds_across_workers(engine, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    with nf.settings(progress_per_client_hour="4", progress_per_case_hour="100"):
        with TestClient(create_app(engine)) as one, TestClient(create_app(engine)) as two:
            answers = [(one if i % 2 else two).get("/progress", params={"case_no": no, "tail": w.applicant_id[-4:]})
                       .status_code for i in range(6)]
    assert answers == [200] * 4 + [429] * 2


def test_failed_guesses_on_one_case_stop_from_every_client(engine, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    with nf.settings(progress_per_client_hour="1000", progress_per_case_hour="5", trusted_proxies="testclient"):
        with TestClient(create_app(engine)) as client:
            guesses = lookups(client, no, [f"{i:04d}" for i in range(8)])  # a different client each time
            assert guesses == [404] * 5 + [429] * 3
            r = client.get("/api/v1/progress", params={"case_no": no, "tail": w.applicant_id[-4:]},
                           headers={"X-Forwarded-For": "198.51.100.99"})
            assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_requests"


def test_a_guessed_number_without_the_tail_tells_nothing(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    unknown = no[:-6] + ("999999" if not no.endswith("999999") else "999998")
    wrong = client.get("/api/v1/progress", params={"case_no": no, "tail": "0000"})
    missing = client.get("/api/v1/progress", params={"case_no": unknown, "tail": "0000"})
    assert wrong.status_code == missing.status_code == 404 and wrong.json() == missing.json()
    assert client.get("/api/v1/progress", params={"case_no": no}).status_code == 422  # the tail is required
    assert client.get("/progress", params={"case_no": no, "tail": ""}).status_code == 422
    wrong_page = client.get("/progress", params={"case_no": no, "tail": "0000"})
    missing_page = client.get("/progress", params={"case_no": unknown, "tail": "0000"})
    assert wrong_page.status_code == missing_page.status_code == 404
    assert wrong_page.text.replace(no, "N") == missing_page.text.replace(unknown, "N")


def test_serve_does_not_let_uvicorn_trust_forwarded_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from yiwang import cli

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    result = CliRunner().invoke(cli.main, ["serve", "--port", "8999", "--no-embedded-worker"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False


def test_an_ipv6_client_counts_as_its_prefix(engine, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    no = cw.submit(session, w)
    session.commit()
    answers = []
    with nf.settings(progress_per_client_hour="3", progress_per_case_hour="100"):
        app = create_app(engine)
        for i in range(4):  # four addresses of one /64
            with TestClient(app, client=(f"2001:db8:1:2::{i + 1:x}", 4000)) as client:
                answers.append(client.get("/progress", params={"case_no": no, "tail": w.applicant_id[-4:]}).status_code)
        with TestClient(app, client=("2001:db8:1:3::1", 4000)) as client:  # another prefix
            answers.append(client.get("/progress", params={"case_no": no, "tail": w.applicant_id[-4:]}).status_code)
    assert answers == [200, 200, 200, 429, 200]
