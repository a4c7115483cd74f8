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
    # credit records sit below cases, so that a submission can be refused while a false pledge stands, and the
    # pledges domain (publication, post-checks) above cases and licences, whose decisions a false pledge revokes
    "credit": {"core", "org", "identity"},
    "cases": {"core", "org", "identity", "catalog", "licenses", "credit"},
    "supervision": {"core", "org", "identity", "catalog", "cases", "hotline"},
    "evaluation": {"core", "org", "identity", "catalog", "cases"},
    "portal": {"core", "org", "identity", "catalog", "cases"},
    "bundles": {"core", "org", "identity", "catalog", "cases", "licenses"},
    "pledges": {"core", "org", "identity", "catalog", "licenses", "cases", "credit"},
    # the hall sits above evaluation: a window-side rating of a visit is a 好差评 rating with its rectification
    "hall": {"core", "org", "identity", "catalog", "licenses", "cases", "evaluation"},
    # the hotline routes with what the catalog knows; supervision lights its work orders like cases
    "hotline": {"core", "org", "identity", "catalog"},
    # the indicators read every domain's counters (its ``figures`` module) and sit above them all
    "metrics": {"core", "org", "identity", "catalog", "cases", "evaluation", "licenses", "seals", "hall", "hotline",
                "bundles", "supervision"},
}
# Domains that react to others' events import only their ``events`` (topic constants and payloads): notify tells
# people what happened in the domains below it without depending on how those domains work.
# "picture" is the seal picture: pure drawing, no tables, shared by every document that bears a seal
# "figures" is a domain's counters for the indicators: aggregate counts of its records, no rows handed out
PUBLIC_MODULES = {"service", "schemas", "errors", "events", "states", "picture", "search", "figures"}
# Composition roots may import anything.
TOP_LEVEL = {"api", "web", "app", "cli", "demo", "demo_bundles", "demo_hall", "demo_hotline", "jobs", "models", "migrations"}


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
            if len(parts) > 2 and parts[2] == "events" and target in ALLOWED:
                continue  # a listener imports the publisher's events module (pure declarations), whatever the layer
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




def test_web_never_imports_the_api() -> None:
    """Pages and the JSON API are siblings: what both need (the session dependency, the client address) lives in
    core, never in api."""
    offenders = []
    for path in (ROOT / "web").rglob("*.py"):
        rel = str(path.relative_to(ROOT))
        if any(m == "yiwang.api" or m.startswith("yiwang.api.") for m in _imports(path)):
            offenders.append(rel)
    assert offenders == []


# Where a status may be assigned in the domains whose things have a lifecycle (cases and their branches,
# licences, rectifications, supervision orders): the engine, and the owning domain's service and effect modules.
LIFECYCLE_DOMAINS = {"cases", "licenses", "evaluation", "supervision", "portal", "pledges", "hall", "hotline"}
STATUS_WRITERS = {
    "core/lifecycle.py",  # the engine: the one writer of every lifecycle's status
    "core/outbox.py",  # outbox events (delivery state, not a lifecycle)
    "cases/service.py", "cases/actions.py", "cases/branches.py",
    "licenses/service.py", "evaluation/service.py", "supervision/service.py", "supervision/orders.py",
    "supervision/alerts.py", "supervision/tick.py", "supervision/branches.py",  # alerts (not a lifecycle)
    "supervision/hotline.py",
    "portal/service.py", "pledges/service.py", "hall/service.py", "hotline/service.py",
    "hotline/knowledge.py", "hotline/board.py",  # an answer's and a post's publication state (not lifecycles)
}
# these changed every status they own through lifecycle.apply: not even they assign one directly
ENGINE_ONLY = {"licenses/service.py", "evaluation/service.py", "supervision/orders.py", "portal/service.py",
               "pledges/service.py", "hall/service.py", "hotline/service.py"}


def _status_writes(source: str) -> list[int]:
    """Lines that assign a ``status`` attribute: ``x.status = …``, ``a.status, b.c = …``, ``x.status += …``,
    ``setattr(x, "status", …)``, and bulk ``….values(status=…)``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(sub, ast.Attribute) and sub.attr == "status"
                   for target in targets for sub in ast.walk(target)):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status"):
                lines.append(node.lineno)
            elif (isinstance(func, ast.Attribute) and func.attr == "values"
                  and any(k.arg == "status" for k in node.keywords)):
                lines.append(node.lineno)
    return lines


def test_the_status_scan_sees_every_form_of_writing_one() -> None:
    for source in ('task.status = "closed"', 'order.reply, order.status = "x", "replied"',
                   '(a, (b.status, c)) = 1, (2, 3)', 'lic.status: str = "revoked"', 'row.status += "x"',
                   'setattr(case, "status", "concluded")',
                   'session.execute(update(License).values(status="revoked"))'):
        assert _status_writes(source) == [1], source
    assert _status_writes('x = task.status\nif task.status == "open": pass\nf(status="open")') == []


def test_only_the_owner_writes_a_status() -> None:
    """One writer per lifecycle: pages and routers never set a status; in the domains with a lifecycle only
    the engine and the owning service (and the effect modules it calls) do."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = str(path.relative_to(ROOT))
        area = rel.split("/")[0].removesuffix(".py")
        lines = _status_writes(path.read_text(encoding="utf-8"))
        if not lines:
            continue
        if area in ("api", "web") or (area in LIFECYCLE_DOMAINS | {"core"} and rel not in STATUS_WRITERS) \
                or rel in ENGINE_ONLY:
            offenders.append(f"{rel}:{lines}")
    assert offenders == []


def test_events_modules_depend_only_on_core() -> None:
    """Any domain may import another's events module, so an events module must not pull its domain's layer in."""
    problems = []
    for path in ROOT.rglob("events.py"):
        for name in _imports(path):
            if name.split(".")[1] != "core":
                problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert problems == []
