"""Search index snapshots on disk: numpy arrays in one ``.npz`` file, written atomically, read without pickle.

A snapshot holds what :meth:`SearchEngine.export` returns plus whatever arrays the caller adds, and a small
JSON header (``meta``) that the caller checks before the large arrays are read. :func:`fingerprint` names
everything the stored analysis depends on (this package's code, jieba and pypinyin versions), so a snapshot
written by other code is never loaded. :func:`locked` serialises builders across processes (``fcntl``
advisory lock on a file beside the snapshot).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 1
_META = "meta"


def fingerprint(sources: Iterable[Path]) -> str:
    """A digest of the snapshot format, this package's analysis code, the given extra source files and
    the versions of the libraries that segment and transliterate."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    here = Path(__file__).resolve().parent
    for path in [here / "analyzer.py", here / "engine.py", here / "intents.py", *sources]:
        try:
            digest.update(path.read_bytes())
        except OSError:  # no source shipped: the installed package's version stands in for it
            digest.update(f"{path.name} {_version('yiwang')}\n".encode())
    for library in ("jieba", "pypinyin"):
        digest.update(f"{library} {_version(library)}\n".encode())
    return digest.hexdigest()[:32]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def text_array(text: str) -> np.ndarray:
    """A text as a uint8 array (UTF-8), to store beside the numeric arrays."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def array_text(array: np.ndarray) -> str:
    return np.asarray(array, dtype=np.uint8).tobytes().decode("utf-8")


def write(path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` and ``meta`` to ``path``: a temporary file in the same directory, flushed to disk,
    then renamed over the old snapshot, so a reader sees the old file or the new one, never half of one. The
    caller holds :func:`locked`, so temporary files left by a writer that was killed are removed here."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f"{path.name}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            members = {_META: text_array(json.dumps(meta, ensure_ascii=False)), **arrays}
            np.savez(fh, **members)  # type: ignore[arg-type]  # (mypy fears a member named allow_pickle)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_meta(path: Path) -> dict[str, Any] | None:
    """The header of the snapshot at ``path``; None when there is none or it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(array_text(npz[_META]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        return None
    return meta if isinstance(meta, dict) else None


@contextlib.contextmanager
def opened(path: Path) -> Iterator[tuple[dict[str, Any], Any] | None]:
    """(meta, arrays) of the snapshot at ``path``, arrays read lazily by name (``arrays["indptr"]``);
    None when the file is missing or not a snapshot. Errors while reading the arrays are the caller's."""
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        yield None
        return
    with npz:
        try:
            meta = json.loads(array_text(npz[_META]))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
            meta = None
        yield (meta, npz) if isinstance(meta, dict) else None


@contextlib.contextmanager
def locked(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock of the snapshot at ``path`` (a ``.lock`` file beside it) across processes; yields
    False instead of waiting when ``wait`` is false and another process holds it."""
    import fcntl  # POSIX only: imported here so that the engine and the file format load anywhere

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


__all__ = ["FORMAT", "array_text", "fingerprint", "locked", "opened", "read_meta", "text_array", "write"]
