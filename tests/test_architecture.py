"""Import contracts: lower layers never import higher ones, and a domain reaches another domain
only through its public modules (service, schemas, errors, events, states) — never its tables."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "yiwang"

# Which domains each domain may import (core is below everything).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "org": {"core"},
    "identity": {"core", "org"},
    "catalog": {"core", "org", "identity"},
    "seals": {"core", "org"},
    "licenses": {"core", "org", "identity", "catalog", "seals"},
    "notify": {"core", "org", "identity"},
    "cases": {"core", "org", "identity", "catalog", "licenses"},
    "supervision": {"core", "org", "identity", "catalog", "cases"},
    "evaluation": {"core", "org", "identity", "catalog", "cases"},
    "portal": {"core", "org", "identity", "catalog", "cases"},
}
# Domains that react to others' events import only their ``events`` (topic constants and payloads): notify tells
# people what happened in the domains below it without depending on how those domains work.
EVENTS_ONLY: dict[str, set[str]] = {"notify": {"cases", "licenses", "evaluation", "supervision"}}
# "picture" is the seal picture: pure drawing, no tables, shared by every document that bears a seal
PUBLIC_MODULES = {"service", "schemas", "errors", "events", "states", "picture"}
# Composition roots may import anything.
TOP_LEVEL = {"api", "web", "app", "cli", "demo", "jobs", "models", "migrations"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [f"{node.module}.{a.name}" for a in node.names]
    return [m for m in out if m.startswith("yiwang.")]


def _domain_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def test_every_domain_is_known() -> None:
    domains = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert domains - set(ALLOWED) - TOP_LEVEL == set(), "add new domains to ALLOWED"


def test_import_directions() -> None:
    problems = []
    for path in ROOT.rglob("*.py"):
        domain = _domain_of(path)
        if domain in TOP_LEVEL or domain == "__init__":
            continue
        for name in _imports(path):
            parts = name.split(".")
            target = parts[1]
            if target == domain or target == "__init__":
                continue
            if target in EVENTS_ONLY.get(domain, set()):
                if parts[2:3] != ["events"]:
                    problems.append(f"{path.relative_to(ROOT)} imports {name}: {domain} uses only {target}.events")
                continue
            if target not in ALLOWED.get(domain, set()):
                problems.append(f"{path.relative_to(ROOT)} imports {name} ({domain} may not use {target})")
            elif target != "core" and len(parts) > 2 and parts[2] not in PUBLIC_MODULES:
                problems.append(f"{path.relative_to(ROOT)} imports {name}: only public modules of {target}")
    assert problems == []


def test_services_do_not_commit() -> None:
    offenders = []
    for path in ROOT.rglob("service.py"):
        if ".commit()" in path.read_text(encoding="utf-8"):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_only_services_write_a_status() -> None:
    """One writer per lifecycle: pages and routers never set a status; in the case domain only the service
    (and the action handlers it calls) does."""
    import re

    writes = re.compile(r"\.status\s*=[^=]|\bstatus\s*=\s*(Status|\"(submitted|accepted|concluded)\")")
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        allowed = rel.parts[0] not in ("api", "web", "cases") or str(rel) in ("cases/service.py", "cases/actions.py")
        if not allowed and writes.search(path.read_text(encoding="utf-8")):
            offenders.append(str(rel))
    assert offenders == []
