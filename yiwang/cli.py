"""The ``yiwang`` command line."""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from yiwang.core.config import get_settings


@click.group()
def main() -> None:
    """一网政务服务平台 (Yiwang) command line."""
    import os

    os.umask(0o077)  # everything the platform writes (database, files, keys, exports) is its user's alone
    configure_logging()


# libraries whose INFO lines are progress chatter (font subsetting, each migration step), not news
QUIET_LOGGERS = ("fontTools", "alembic")


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


# --- database ------------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the schema to the newest version and load reference data."""
    from yiwang.core import migrate

    url = get_settings().database_url
    years = migrate.upgrade(url)
    click.echo(f"database at head ({_safe_url(url)})" + (f"; calendar years loaded: {years}" if years else ""))


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- demo ----------------------------------------------------------------------------------------

@main.group()
def demo() -> None:
    """Demonstration data."""


@demo.command("seed")
def demo_seed() -> None:
    """Create a realistic demo (regions, departments, staff, applicants, catalog) and print the accounts."""
    from yiwang import demo as demo_data

    accounts = demo_data.seed()
    click.echo(f"演示账号（密码均为 {demo_data.DEMO_PASSWORD}）：")
    for role, login, name, where in accounts:
        click.echo(f"  {role:<10} {login:<22} {name} {where}")
    from yiwang import demo_hall

    click.echo("服务大厅（越秀区政务服务中心 YX-ZWFWZX）：叫号屏 /hall/YX-ZWFWZX/screen，自助终端 /kiosk/YX-ZWFWZX；"
               "窗口评价器：")
    for code, url in demo_hall.tablet_urls()[:2]:
        click.echo(f"  {code:<10} {url}")


# --- server and worker ---------------------------------------------------------------------------

@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; '::' listens on IPv6 and IPv4.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--embedded-worker/--no-embedded-worker", default=None,
              help="Also deliver outbox events in this process (default: YIWANG_EMBEDDED_WORKER).")
def serve(host: str, port: int, workers: int, embedded_worker: bool | None) -> None:
    """Serve the web portal and the API."""
    import uvicorn

    with_worker = embedded_worker if embedded_worker is not None else get_settings().embedded_worker
    target = "yiwang.app:create_app"
    if workers > 1 and _fork_workers():
        # the app and the catalog index are made once here and the workers forked from this process, at start
        # and whenever uvicorn replaces one. So this process runs no other thread: a fork copies only the
        # forking thread, and a lock another thread held at that moment would stay held in the child. The
        # embedded worker gets a process of its own instead.
        from yiwang.app import preload

        preload()
        target = "yiwang.app:serving_app"
        if with_worker:
            _start_worker_process()
    elif with_worker:
        _start_worker_thread()
    # forwarded headers are believed only from YIWANG_TRUSTED_PROXIES, by the app itself (uvicorn would trust
    # any client on 127.0.0.1, which includes everything a local reverse proxy forwards)
    options = dict(factory=True, workers=workers, proxy_headers=False, log_level="info")
    if host == "::":
        # one dual-stack socket: IPv6 clients and IPv4 clients (as ::ffff:a.b.c.d) alike
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(("::", port))
        sock.set_inheritable(True)
        uvicorn.run(target, fd=sock.fileno(), **options)  # type: ignore[arg-type]
        return
    uvicorn.run(target, host=host, port=port, **options)  # type: ignore[arg-type]


def _fork_workers() -> bool:
    """Have uvicorn fork its workers from this process rather than start fresh interpreters (its default),
    where the platform can fork; False (fresh interpreters, as before) where it cannot."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or not get_settings().fork_workers:
        return False
    import uvicorn._subprocess as uvicorn_subprocess

    uvicorn_subprocess.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]
    return True


def _start_worker_process() -> None:
    """The embedded outbox worker in a forked process of its own (ended with the server)."""
    import multiprocessing

    from yiwang.core import outbox
    from yiwang.jobs import register_all

    def run() -> None:
        register_all()
        outbox.run_forever()

    multiprocessing.get_context("fork").Process(target=run, name="outbox-worker", daemon=True).start()


def _start_worker_thread() -> None:
    from yiwang.core import outbox
    from yiwang.jobs import register_all

    register_all()
    threading.Thread(target=outbox.run_forever, name="outbox-worker", daemon=True).start()


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def worker(once: bool) -> None:
    """Deliver outbox events (notifications, issuance, index updates, supervision ticks)."""
    from yiwang.core import outbox
    from yiwang.jobs import register_all

    register_all()
    if once:
        n = outbox.run_once()
        click.echo(f"processed {n} event(s)")
        return
    outbox.run_forever()


# --- audit ---------------------------------------------------------------------------------------

@main.group()
def audit() -> None:
    """The hash-chained audit trail."""


@audit.command("verify")
@click.option("--checkpoints", "checkpoint_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also prove that no record at or before any checkpoint in this directory changed.")
def audit_verify(checkpoint_dir: Path | None) -> None:
    """Recompute the audit chain (keyed hashes, signed heads); exit 1 and name the first broken record if it is
    not intact. With --checkpoints, every record up to each signed checkpoint must still match it."""
    from yiwang.core import audit as audit_core
    from yiwang.core.db import session_scope

    try:
        checkpoints = audit_core.load_checkpoints(checkpoint_dir) if checkpoint_dir is not None else []
    except audit_core.CheckpointInvalid as exc:
        click.echo(f"audit checkpoints INVALID: {exc}", err=True)
        sys.exit(1)
    if checkpoint_dir is not None and not checkpoints:
        click.echo(f"audit checkpoints INVALID: no checkpoint file in {checkpoint_dir}", err=True)
        sys.exit(1)
    with session_scope() as session:
        result = audit_core.verify(session, checkpoints)
    if result.ok:
        against = f", consistent with {result.checkpoints} checkpoint(s)" if checkpoints else ""
        click.echo(f"audit chain intact: {result.checked} record(s) verified{against}")
        return
    click.echo(f"audit chain BROKEN at record id={result.broken_id} (chain {result.broken_chain}, "
               f"seq {result.broken_seq}): {result.reason}", err=True)
    sys.exit(1)


# --- staff ---------------------------------------------------------------------------------------

@main.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("add")
@click.option("--login", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--department", required=True, help="Department name; created in the home region if unknown.")
@click.option("--roles", required=True, help="Comma-separated: window_clerk,proxy,handler,checker,approver,"
              "supervisor,hotline_operator,data_officer,admin")
@click.option("--region", default=None, help="Region code of the department (default: home region).")
def staff_add(login: str, password: str, name: str, department: str, roles: str, region: str | None) -> None:
    """Create a staff account (bootstrapping)."""
    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.core.permissions import SYSTEM
    from yiwang.identity import service as identity
    from yiwang.org import service as org_service

    try:
        with session_scope() as session:
            dept = org_service.ensure_department(session, SYSTEM, name=department, region_code=region)
            s = identity.add_staff(session, SYSTEM, login=login, password=password, name=name,
                                   department_id=dept.id, roles=roles.split(","))
            click.echo(f"staff {s.login} ({s.name}) added to {dept.name}")
    except DomainError as exc:
        click.echo(f"错误：{exc.message}" + (f"（{exc.field}）" if exc.field else ""), err=True)
        sys.exit(2)


# --- calendar ------------------------------------------------------------------------------------

@main.group("calendar")
def calendar_group() -> None:
    """The official working-day calendar."""


@calendar_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="import a year that looks implausible (unusually many days off)")
def calendar_import(file: Path, force: bool) -> None:
    """Import one year of holidays and make-up working days (holiday-cn JSON layout)."""
    from yiwang.core import calendar
    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.core.permissions import SYSTEM

    try:
        with session_scope() as session:
            year, entries, source = calendar.parse_holiday_file(file.read_bytes())
            n = calendar.import_year(session, SYSTEM, year, entries, source, force=force)
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    click.echo(f"imported {year}: {n} adjusted day(s)")


# --- catalog -------------------------------------------------------------------------------------

@main.group()
def catalog() -> None:
    """The service catalog (事项库)."""


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Import as drafts; do not publish.")
def catalog_import(file: Path, draft: bool) -> None:
    """Import items from JSON lines (.jsonl, .jsonl.gz) or the Excel template (.xlsx)."""
    from yiwang.catalog import transfer
    from yiwang.catalog.excel import CellError, read_workbook
    from yiwang.core.db import session_factory
    from yiwang.core.permissions import SYSTEM

    records: Iterable[tuple[str, dict[str, Any] | str]]
    expected: int | None
    if file.suffix == ".xlsx":
        try:
            records = list(read_workbook(file.read_bytes()))
        except CellError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)
        expected = len(records)
    else:
        records, expected = transfer.read_jsonl(file), transfer.count_lines(file)

    def progress(done: int, total: int | None) -> None:
        click.echo(f"  已处理 {done}/{total or '?'}", err=True)

    from sqlalchemy.exc import OperationalError

    from yiwang.core.db import is_lock_timeout
    from yiwang.core.errors import DomainError

    try:
        with session_factory()() as session:
            report = transfer.import_records(session, SYSTEM, records, publish=not draft, progress=progress,
                                             expected=expected, commit=session.commit,
                                             commit_seconds=get_settings().import_commit_seconds)
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        click.echo("错误：数据库正忙（另一个进程长时间占用写锁），导入已暂停。已提交的记录已保存；稍后重新运行同一命令"
                   "即可继续，已导入的记录会被跳过。\n"
                   "error: the database stayed locked by another process; the import stopped. What was committed is "
                   "kept; run the same command again to resume (imported records are skipped).", err=True)
        sys.exit(3)
    for line in report.summary_lines():
        click.echo(line)
    if report.total and len(report.errors) == report.total:
        sys.exit(1)


# --- the service hall ------------------------------------------------------------------------------------------

@main.group()
def hall() -> None:
    """Service halls, windows and their staff (政务服务大厅)."""


@hall.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def hall_import(file: Path) -> None:
    """Import halls from JSON lines: {"code", "name", "region_code", "windows": [{"code", "type", "item_codes"?,
    "staff"?}]} — idempotent; a line's windows replace the hall's (windows no longer listed are closed)."""
    from yiwang.catalog import transfer
    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.core.permissions import SYSTEM
    from yiwang.hall import service as hall_service

    try:
        with session_scope() as session:
            report = hall_service.import_halls(session, SYSTEM, transfer.read_jsonl(file))
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    for line in report.summary_lines():
        click.echo(line)
    if report.total and len(report.errors) == report.total:
        sys.exit(1)


@hall.command("list")
def hall_list() -> None:
    """Every hall with its windows and who is on duty."""
    from yiwang.core.db import session_scope
    from yiwang.hall import service as hall_service

    with session_scope() as session:
        for h in hall_service.public_halls(session):
            click.echo(f"{h.code}\t{h.name}\t{h.region_code}\t{h.level}\t{h.opens}–{h.closes}")
            for w in h.windows:
                click.echo(f"  {w['code']}\t{w['name']}\t{w['type']}\t{','.join(w['item_codes']) or '-'}\t"
                           f"{','.join(w['staff_logins']) or '-'}")


@hall.command("terminal-key")
@click.argument("window_code")
def hall_terminal_key(window_code: str) -> None:
    """Issue a new key for a window's rating tablet and print the tablet's address (the old key stops working)."""
    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.core.permissions import SYSTEM
    from yiwang.hall import service as hall_service

    try:
        with session_scope() as session:
            key = hall_service.new_terminal_key(session, SYSTEM, window_code)
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    click.echo(f"/hall/rate/{window_code}?key={key}")


# --- the 12345 hotline ----------------------------------------------------------------------------------------

@main.group()
def hotline() -> None:
    """The 12345 hotline: units, routing rules, a routing dry run."""


@hotline.command("units")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def hotline_units(file: Path) -> None:
    """Set the units that take work orders from a tab-separated file: function, department name, region code,
    duties (the dispatch list; lines starting with # are comments). The departments must exist."""
    from yiwang.core.db import session_scope
    from yiwang.core.permissions import SYSTEM
    from yiwang.hotline import service as hotline_service

    rows = []
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            click.echo(f"第 {n} 行：应为 4 列（职能、部门名称、区划代码、职责），以制表符分隔", err=True)
            sys.exit(2)
        rows.append((parts[0].strip(), parts[1].strip(), parts[2].strip(), parts[3].strip()))
    with session_scope() as session:
        problems = hotline_service.import_units(session, SYSTEM, rows)
    for problem in problems:
        click.echo(f"未设置：{problem}", err=True)
    click.echo(f"承办单位：{len(rows) - len(problems)} 个已设置，{len(problems)} 个未设置")
    if problems and len(problems) == len(rows):
        sys.exit(1)


@hotline.command("route")
@click.argument("content")
@click.option("--region", default=None, help="行政区划代码（默认热线中心所在区划）")
@click.option("--kind", default=None, help="诉求类型：咨询、建议、求助、投诉、举报、表扬")
def hotline_route(content: str, region: str | None, kind: str | None) -> None:
    """Where a request would be dispatched, and why (nothing is stored)."""
    from yiwang.core.db import session_scope
    from yiwang.hotline import service as hotline_service
    from yiwang.hotline.states import KIND_ALIASES

    with session_scope() as session:
        decision = hotline_service.route(session, content=content, region_code=region,
                                         kind=KIND_ALIASES.get(kind or "", kind) if kind else None)
    click.echo(json.dumps(decision.as_dict(), ensure_ascii=False, indent=2))


@hotline.command("rules")
def hotline_rules() -> None:
    """The routing rules in force (shipped and the centre's own), one per line."""
    from yiwang.core.db import session_scope
    from yiwang.hotline import service as hotline_service

    with session_scope() as session:
        for r in hotline_service.rules_view(session):
            click.echo(f"{r.code}\t{r.function or r.department_id}\t{r.weight:g}\t{'、'.join(r.any_of)}\t{r.note}")


# --- indicators ------------------------------------------------------------------------------------------------

@main.group()
def indicators() -> None:
    """Indicators (seed 003): compute a month's aggregates, show them, enter population figures."""


@indicators.command("compute")
@click.option("--period", default="", help="月份 YYYY-MM（默认本月）")
def indicators_compute(period: str) -> None:
    """Recompute a month's daily and monthly counters (idempotent: the same rows each time). The worker does this
    hourly for the current month and nightly for yesterday's."""
    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.core.permissions import SYSTEM
    from yiwang.metrics import service as metrics

    try:
        with session_scope() as session:
            report = metrics.compute(session, SYSTEM, period)
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False))


@indicators.command("show")
@click.option("--period", default="", help="月份 YYYY-MM（默认本月）")
@click.option("--region", default=None, help="行政区划代码（默认全部）")
@click.option("--department", default=None, help="部门编号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（与 GET /api/v1/indicators 相同）")
def indicators_show(period: str, region: str | None, department: str | None, as_json: bool) -> None:
    """The indicator table of a month, as the API gives it."""
    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.core.permissions import SYSTEM
    from yiwang.metrics import service as metrics

    try:
        with session_scope() as session:
            table = metrics.indicator_table(session, SYSTEM, period=period, region_code=region, department=department)
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(table, ensure_ascii=False, indent=2))
        return
    click.echo(f"{table['period']} {table['region']}" + (f" {table['department_name']}" if table["department"] else ""))
    for item in table["items"]:
        value = "—" if item["value"] is None else f"{item['value']:g}{item['unit']}"
        met = {True: "达标", False: "未达标", None: ""}[item["met"]]
        note = item["reason"] or ""
        click.echo(f"{item['code']}\t{item['name']}\t{value}\t{met}\t{note}")


@indicators.command("baseline")
@click.option("--region", required=True, help="行政区划代码")
@click.option("--population", type=int, default=None, help="常住人口")
@click.option("--enterprises", type=int, default=None, help="市场主体数")
def indicators_baseline(region: str, population: int | None, enterprises: int | None) -> None:
    """Enter a region's resident population and enterprise count (per-capita indicators divide by them)."""
    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.core.permissions import SYSTEM
    from yiwang.metrics import service as metrics

    if population is None and enterprises is None:
        click.echo("错误：请给出 --population 或 --enterprises", err=True)
        sys.exit(2)
    try:
        with session_scope() as session:
            for key, value in (("population", population), ("enterprises", enterprises)):
                if value is not None:
                    metrics.set_baseline(session, SYSTEM, region_code=region, key=key, value=value)
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    click.echo(f"{region}：已录入")


@catalog.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def catalog_export(file: Path) -> None:
    """Export every item's newest version as JSON lines (.jsonl, .jsonl.gz) or the Excel template (.xlsx)."""
    from yiwang.catalog import transfer
    from yiwang.catalog.excel import write_workbook
    from yiwang.core.db import session_scope

    with session_scope() as session:
        if file.suffix == ".xlsx":
            records = list(transfer.export_records(session))
            file.write_bytes(write_workbook(records))
            n = len(records)
        else:
            n = transfer.write_jsonl(transfer.export_records(session), file)
    click.echo(f"exported {n} item(s) to {file}")


@catalog.command("reindex")
def catalog_reindex() -> None:
    """Analyse the published catalog again and write the search index snapshot that web workers load on
    start (run it before starting a new release against a large catalog, or after restoring the database)."""
    import time

    from yiwang.catalog import searching
    from yiwang.core.db import session_factory

    started = time.perf_counter()
    with session_factory()() as session:
        n = searching.rebuild(session)
        path = searching.snapshot_path(str(session.get_bind().engine.url))
    where = f"snapshot {path}" if path is not None and path.is_file() else "no snapshot written (empty catalog or " \
        "YIWANG_SEARCH_SNAPSHOT=false)"
    click.echo(f"indexed {n} item(s) in {time.perf_counter() - started:.1f} s; {where}")


# --- supervision ---------------------------------------------------------------------------------------

@main.command()
@click.option("--as-of", "as_of", default=None, help="Evaluate as if this day (YYYY-MM-DD) were today.")
@click.option("--full", is_flag=True, help="Look at every case rather than only what changed since the last tick.")
def supervise(as_of: str | None, full: bool) -> None:
    """Run one supervision tick: raise cards and branch/hotline alerts, announce newly lit case lights (derived from
    the clock, not stored); print open counts by level."""
    import datetime as dt

    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.supervision import service as supervision

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        click.echo("错误：--as-of 应为 YYYY-MM-DD 格式的日期", err=True)
        sys.exit(2)
    try:
        with session_scope() as session:
            result = supervision.tick(session, as_of=day, full=full)
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    counts = result.open_by_level
    click.echo(f"as of {result.as_of} ({result.mode}): raised {result.raised}, cleared {result.cleared}")
    click.echo(f"open: red {counts['red']}, yellow {counts['yellow']}, "
               f"red_card {counts['red_card']}, yellow_card {counts['yellow_card']}")


# --- licenses ----------------------------------------------------------------------------------------

@main.group("license")
def license_group() -> None:
    """Electronic licenses."""


@license_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def license_verify(file: Path, as_json: bool) -> None:
    """Verify a license PDF offline against this deployment's seal authority and license registry.
    Exit 0 when valid, 1 when not; the check is logged like any other verification."""
    import json as json_lib

    from yiwang.core.db import session_scope
    from yiwang.licenses import service as licenses

    with session_scope() as session:
        result = licenses.verify_pdf(session, file.read_bytes(), method="cli", client="cli")
    if as_json:
        click.echo(json_lib.dumps(result.as_json(), ensure_ascii=False, indent=2))
    elif result.valid:
        lic = result.license
        click.echo(f"有效：{lic.type if lic else ''} {lic.identifier if lic else ''}（{file.name}）")
    else:
        click.echo(f"无效：{file.name}")
        for reason in result.reasons:
            click.echo(f"  - {reason}")
    sys.exit(0 if result.valid else 1)


# --- audit checkpoints ---------------------------------------------------------------------------

@audit.command("checkpoint")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write it (default YIWANG_AUDIT_CHECKPOINT_DIR, var/audit-checkpoints).")
def audit_checkpoint(directory: Path | None) -> None:
    """Write a signed checkpoint of the audit chain heads to a file (0600) and the outbox. Copy the files
    somewhere the database's administrators cannot write: `audit verify --checkpoints DIR` checks against them."""
    from yiwang.core import audit as audit_core
    from yiwang.core.db import session_scope

    target = directory or get_settings().resolved_checkpoint_dir()
    try:
        with session_scope() as session:
            path, body = audit_core.checkpoint(session, target)
    except audit_core.CheckpointInvalid as exc:
        click.echo(f"audit checkpoint REFUSED: {exc}", err=True)
        sys.exit(1)
    heads = ", ".join(f"chain {c['chain']} seq {c['seq']}" for c in body["chains"])
    click.echo(f"audit checkpoint written: {path} ({heads})")


# --- catalog quality report ------------------------------------------------------------------------------

@catalog.command("quality")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx"]), default="table", show_default=True)
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (required for xlsx; default: standard output).")
@click.option("--severity", type=click.Choice(["blocking", "warning"]), default=None,
              help="Only blocking problems (drafts that cannot be published) or only warnings.")
def catalog_quality(fmt: str, output: Path | None, severity: str | None) -> None:
    """The quality report: every problem of every item's newest version, blocking ones first."""
    from yiwang.catalog import quality_report
    from yiwang.catalog import service as catalog_service
    from yiwang.core.db import session_scope
    from yiwang.core.permissions import SYSTEM

    if fmt == "xlsx" and output is None:
        click.echo("错误：xlsx 格式须用 --output 指定输出文件 / error: --output is required for xlsx", err=True)
        sys.exit(1)
    with session_scope() as session:
        rows = catalog_service.quality_report(session, SYSTEM, severity=severity)
    if fmt == "xlsx":
        data = quality_report.to_xlsx(rows)
    elif fmt == "csv":
        data = quality_report.to_csv(rows)
    else:
        data = (quality_report.to_table(rows) + "\n").encode("utf-8")
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"{len(rows)} problem(s) written to {output}", err=True)


# --- departments -----------------------------------------------------------------------------------------

@main.group("department")
def department_group() -> None:
    """Departments (implementing bodies) and their USCC."""


@department_group.command("add")
@click.option("--name", required=True, help="Department name (部门名称).")
@click.option("--uscc", required=True, help="Unified social credit code (统一社会信用代码, GB 32100).")
@click.option("--region", default=None, help="Region code (行政区划代码; default: the home region).")
@click.option("--phone", default=None, help="Office phone.")
def department_add(name: str, uscc: str, region: str | None, phone: str | None) -> None:
    """Create a department, or update the one with this name in the region (its USCC and phone)."""
    from yiwang.core.db import session_scope
    from yiwang.core.errors import DomainError
    from yiwang.core.permissions import SYSTEM
    from yiwang.org import service as org_service

    try:
        with session_scope() as session:
            dept, created = org_service.register_department(session, SYSTEM, name=name, uscc=uscc,
                                                            region_code=region, phone=phone)
            click.echo(f"department {'created' if created else 'updated'}: {dept.name} "
                       f"(region {dept.region_code}, USCC {dept.uscc})")
    except DomainError as exc:
        click.echo(f"错误：{exc.message}" + (f"（{exc.field}）" if exc.field else ""), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
