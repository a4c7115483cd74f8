"""Black-box replay of rows 6, 7, 9 and 13 against a served demo deployment (`yiwang serve` over real HTTP, the
CLI against the same database and files), exactly as the outside tester attacked it."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests import factories as f
from tests.security.conftest import DemoServer
from yiwang.demo import DEMO_PASSWORD, PERSON

pytestmark = pytest.mark.slow

MB = 1024 * 1024
PDF = b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 20 + b"%%EOF\n"


def _raw(server: DemoServer, head: str, body: Any = (), *, read_timeout: float = 20.0) -> tuple[int, dict[str, str],
                                                                                                 bytes, int]:
    """Send a request head, then body chunks for as long as the server keeps reading; return the answer and how
    many body bytes went out before it came."""
    url = urlsplit(server.base)
    sock = socket.create_connection((url.hostname, url.port), timeout=read_timeout)
    sent = 0
    try:
        sock.sendall(head.encode())
        sock.setblocking(False)
        for chunk in body:
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    break  # the answer is already there
            except BlockingIOError:
                pass
            try:
                sock.setblocking(True)
                sock.settimeout(5)
                sock.sendall(chunk)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            finally:
                sock.setblocking(False)
        sock.setblocking(True)
        sock.settimeout(read_timeout)
        data = b""
        deadline = time.monotonic() + read_timeout
        while b"\r\n\r\n" not in data and time.monotonic() < deadline:
            part = sock.recv(65536)
            if not part:
                break
            data += part
        head_bytes, _, rest = data.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            part = sock.recv(65536)
            if not part:
                break
            rest += part
        return status, headers, rest, sent
    finally:
        sock.close()


def _head(path: str, headers: dict[str, str]) -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


def _chunked(total: int, size: int = 256 * 1024) -> Any:
    sent = 0
    while sent < total:
        yield f"{size:x}\r\n".encode() + b"0" * size + b"\r\n"
        sent += size


def _token(server: DemoServer) -> str:
    with server.client() as c:
        number = f.id_number(birth="19850505")
        r = c.post("/api/v1/auth/register", json={"kind": "person", "name": "黑盒测试", "id_number": number,
                                                  "phone": f.phone(), "password": f.PASSWORD})
        login = ({"username": number, "password": f.PASSWORD} if r.status_code == 201 else
                 {"username": PERSON[1], "password": DEMO_PASSWORD})
        r = c.post("/api/v1/auth/login", json=login)
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])


# --- row 7 ---------------------------------------------------------------------------------------------------

def test_row07_oversized_bodies_are_refused_before_they_are_read(demo_server: DemoServer) -> None:
    # a 300 MB JSON login, declared: answered at once, nothing sent
    status, headers, body, sent = _raw(demo_server, _head("/api/v1/auth/login", {
        "Content-Type": "application/json", "Content-Length": str(300 * MB)}))
    assert status == 413 and sent == 0
    assert json.loads(body)["error"]["code"] == "too_large"
    # a 400 MB anonymous verification upload, declared
    status, _, body, _ = _raw(demo_server, _head("/api/v1/licenses/verify", {
        "Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(400 * MB)}))
    assert status == 413 and json.loads(body)["error"]["field"] == "file"
    # chunked, no length: cut off once past the 1 MB JSON limit, long before 300 MB
    status, _, body, sent = _raw(demo_server, _head("/api/v1/auth/login", {
        "Content-Type": "application/json", "Transfer-Encoding": "chunked"}), _chunked(300 * MB))
    assert status == 413 and sent < 20 * MB, sent


def test_row07_an_anonymous_upload_is_refused_before_its_body(demo_server: DemoServer) -> None:
    for auth in ({}, {"Authorization": "Bearer forged-token"}):
        status, headers, body, sent = _raw(demo_server, _head("/api/v1/files", {
            "Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(400 * MB)} | auth))
        assert status == 401 and sent == 0 and json.loads(body)["error"]["code"] == "unauthenticated"
        status, _, _, sent = _raw(demo_server, _head("/api/v1/files", {
            "Content-Type": "multipart/form-data; boundary=x", "Transfer-Encoding": "chunked"} | auth),
            _chunked(50 * MB))
        assert status == 401 and sent < 5 * MB
    status, headers, _, sent = _raw(demo_server, _head("/apply/X", {
        "Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(50 * MB)}))
    assert status == 303 and headers["location"].startswith("/login") and sent == 0


def test_row07_a_signed_in_upload_within_the_limit_still_works(demo_server: DemoServer) -> None:
    token = _token(demo_server)
    with demo_server.client() as c:
        r = c.post("/api/v1/files", files={"file": ("a.pdf", io.BytesIO(PDF), "application/pdf")},
                   headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.text


# --- row 9 ---------------------------------------------------------------------------------------------------

def test_row09_every_response_carries_the_security_headers(demo_server: DemoServer) -> None:
    token = _token(demo_server)
    with demo_server.client() as c:
        for path in ("/", "/items", "/verify", "/static/yiwang.css", "/api/v1/health", "/no-such-page",
                     "/api/v1/cases"):
            r = c.get(path)
            csp = r.headers.get("content-security-policy", "")
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
            assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "same-origin" and "camera=()" in r.headers["permissions-policy"]
            assert "strict-transport-security" not in r.headers  # plain HTTP demo: HSTS off by default
        assert c.get("/api/docs").status_code == 404 and c.get("/api/v1/openapi.json").status_code == 404
        r = c.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        assert "no-store" not in c.get("/items").headers.get("cache-control", "")


# --- row 13 --------------------------------------------------------------------------------------------------

def test_row13_the_deployment_files_are_private(demo_server: DemoServer) -> None:
    token = _token(demo_server)
    body = PDF + b"%" + str(time.time_ns()).encode() + b"\n"
    with demo_server.client() as c:
        r = c.post("/api/v1/files", files={"file": ("b.pdf", io.BytesIO(body), "application/pdf")},
                   headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.text
    home = demo_server.home
    digest = hashlib.sha256(body).hexdigest()
    upload = home / "files" / digest[:2] / digest[2:4] / digest
    private = [home / "yiwang.db", home / "var" / "audit_key", upload]
    # the secret key file exists when YIWANG_SECRET_KEY is not given (the test run gives one)
    private += [p for p in (home / "yiwang.db-wal", home / "yiwang.db-shm", home / "var" / "secret_key")
                if p.exists()]
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
    assert stat.S_IMODE((home / "var").stat().st_mode) == 0o700
    every_file = [p for p in (home / "files").rglob("*") if p.is_file()]
    assert every_file and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in every_file)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in (home / "files").rglob("*") if p.is_dir())


# --- row 6 ---------------------------------------------------------------------------------------------------

def _copy_database(server: DemoServer, target: Path) -> dict[str, str]:
    """A consistent copy of the served database (the attack runs on the copy; the shared server stays intact);
    the same var dir, so the same audit key and checkpoints."""
    src = sqlite3.connect(server.home / "yiwang.db")
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return dict(server.env, YIWANG_DATABASE_URL=f"sqlite:///{target}")


def test_row06_the_reported_audit_rewrite_is_detected(demo_server: DemoServer, tmp_path: Path) -> None:
    checkpoints = tmp_path / "checkpoints"
    made = demo_server.cli("audit", "checkpoint", "--dir", str(checkpoints))
    assert "audit checkpoint written" in made.stdout
    assert "intact" in demo_server.cli("audit", "verify", "--checkpoints", str(checkpoints)).stdout
    copy = tmp_path / "attacked.db"
    env = _copy_database(demo_server, copy)
    # the attack as reported: delete rows, recompute plain SHA-256 hashes, update the stored head
    db = sqlite3.connect(copy)
    rows = db.execute("SELECT id, chain, seq, at, actor, action, object_type, object_id, detail FROM audit_record "
                      "WHERE chain = 0 ORDER BY seq").fetchall()
    assert len(rows) > 10
    victims = {rows[3][0], rows[4][0]}
    db.execute(f"DELETE FROM audit_record WHERE id IN ({','.join(str(v) for v in victims)})")
    from yiwang.core import audit

    prev, seq = audit.GENESIS, 0
    for row_id, chain, _, at, actor, action, otype, oid, detail in rows:
        if row_id in victims:
            continue
        seq += 1
        from datetime import datetime

        digest = audit.compute_hash(prev, chain, seq, datetime.fromisoformat(at), actor, action, otype, oid,
                                    json.loads(detail), scheme=audit.LEGACY)
        db.execute("UPDATE audit_record SET seq = :s, prev_hash = :p, hash = :h, hash_scheme = 'sha256' "
                   "WHERE id = :id", {"s": -seq, "p": prev, "h": digest, "id": row_id})
        prev = digest
    db.execute("UPDATE audit_record SET seq = -seq WHERE seq < 0")
    db.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE chain = 0", (seq, prev))
    db.commit()
    db.close()
    import subprocess
    import sys

    from bench.common import ROOT

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "yiwang.cli", *args], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=300)

    plain = cli("audit", "verify")
    assert plain.returncode == 1 and "BROKEN" in plain.stderr, plain.stdout + plain.stderr
    anchored = cli("audit", "verify", "--checkpoints", str(checkpoints))
    assert anchored.returncode == 1 and "BROKEN" in anchored.stderr
    # and the served deployment itself is untouched
    assert demo_server.cli("audit", "verify").returncode == 0
