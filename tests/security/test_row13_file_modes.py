"""Row 13: uploaded files, generated PDFs and the SQLite database (with its -wal and -shm) were world-readable,
and the secret key file was briefly 0644 before a chmod. Now every file is created 0600 and every directory
0700, whatever the process umask, and the CLI (so `yiwang serve` and its workers) runs with umask 077."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests import factories as f
from tests.hostile import login_token
from yiwang.core import config, storage
from yiwang.core.config import Settings, get_settings
from yiwang.core.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 20 + b"%%EOF\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def loose_umask() -> Iterator[None]:
    """The usual default umask: anything not made private explicitly would come out 0644 / 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_uploaded_files_and_their_directories_are_private(client, session, loose_umask) -> None:  # type: ignore[no-untyped-def]
    actor, _ = f.person(session)
    raw = login_token(session, actor, "api")
    session.commit()
    body = PDF + os.urandom(16)  # a new digest: new directories too
    r = client.post("/api/v1/files", files={"file": ("a.pdf", io.BytesIO(body), "application/pdf")},
                    headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 201, r.text
    import hashlib

    digest = hashlib.sha256(body).hexdigest()
    root = get_settings().data_dir
    path = root / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == body
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700


def test_storage_creates_missing_parents_private(tmp_path: Path, loose_umask) -> None:  # type: ignore[no-untyped-def]
    store = storage.LocalStorage(tmp_path / "a" / "b" / "files")
    digest = "ab" * 32
    store.put(digest, b"data")
    for directory in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "files",
                      tmp_path / "a" / "b" / "files" / "ab", tmp_path / "a" / "b" / "files" / "ab" / "ab"):
        assert mode(directory) == 0o700, directory
    assert mode(tmp_path / "a" / "b" / "files" / "ab" / "ab" / digest) == 0o600


def test_the_sqlite_database_and_its_wal_and_shm_are_private(tmp_path: Path, loose_umask) -> None:  # type: ignore[no-untyped-def]
    name = tmp_path / "db" / "yiwang.db"
    engine = make_engine(f"sqlite:///{name}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:  # an open connection keeps -wal and -shm in place
        assert conn.execute(text("SELECT x FROM t")).scalar() == 1
        for part in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
            assert part.exists() and mode(part) == 0o600, (part, oct(mode(part)))
    assert mode(name.parent) == 0o700
    engine.dispose()


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    name = tmp_path / "old.db"
    name.touch()
    os.chmod(name, 0o644)
    make_engine(f"sqlite:///{name}").dispose()
    assert mode(name) == 0o600


def test_the_key_file_is_never_readable_by_others_not_even_briefly(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    real_link = os.link

    def watching_link(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(mode(Path(src)))  # the key is complete here: it must already be private
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", watching_link)
    old = os.umask(0)  # the most permissive umask: the mode must come from the open call itself
    try:
        settings = Settings(var_dir=tmp_path / "var", secret_key="")
        key = settings.resolved_secret_key()
        audit_key = settings.resolved_audit_key()
    finally:
        os.umask(old)
    assert seen == [0o600, 0o600]
    assert mode(tmp_path / "var" / "secret_key") == 0o600 and mode(tmp_path / "var" / "audit_key") == 0o600
    assert (tmp_path / "var" / "secret_key").read_text() == key and len(key) > 40
    assert audit_key and audit_key != key.encode()
    # no temporary file is left behind, and the key is stable
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["audit_key", "secret_key"]
    assert Settings(var_dir=tmp_path / "var", secret_key="").resolved_secret_key() == key


def test_two_processes_generating_the_key_at_once_agree(tmp_path: Path) -> None:
    path = tmp_path / "k"
    first = config.key_file(path)
    assert config.key_file(path) == first


def test_the_cli_runs_with_a_private_umask(tmp_path: Path) -> None:
    env = dict(os.environ, YIWANG_DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'yiwang.db'}",
               YIWANG_VAR_DIR=str(tmp_path / "var"), YIWANG_DATA_DIR=str(tmp_path / "files"))
    env.pop("YIWANG_SECRET_KEY", None)
    subprocess.run([sys.executable, "-m", "yiwang.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
    subprocess.run([sys.executable, "-m", "yiwang.cli", "audit", "checkpoint"], env=env, cwd=ROOT, check=True, capture_output=True,
                   timeout=300, preexec_fn=lambda: os.umask(0o022))
    db = tmp_path / "var" / "yiwang.db"
    assert mode(db) == 0o600
    assert mode(tmp_path / "var" / "audit_key") == 0o600
    checkpoints = list((tmp_path / "var" / "audit-checkpoints").iterdir())
    assert checkpoints and all(mode(p) == 0o600 for p in checkpoints)
    assert mode(tmp_path / "var" / "audit-checkpoints") == 0o700
    # and what the umask alone decides (a file the code does not open itself) is private too
    out = subprocess.run([sys.executable, "-m", "yiwang.cli", "catalog", "export", str(tmp_path / "export.jsonl")],
                         env=env, cwd=ROOT, capture_output=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
    assert out.returncode == 0, out.stderr
    assert mode(tmp_path / "export.jsonl") == 0o600
