"""Catalog import and export: JSON lines (optionally gzip) and the Excel template for catalog staff.

Import is idempotent by code: an unchanged record changes nothing, a changed one creates a new
version. Every bad line is reported with its number and reason; the good ones are imported. Records
are committed in batches, each in its own savepoint, so one bad record never loses the others.
"""

from __future__ import annotations

import gzip
import json
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from yiwang.catalog import bundles as bundle_catalog
from yiwang.catalog import joint as joint_config
from yiwang.catalog import repository as repo
from yiwang.catalog import service
from yiwang.catalog.schemas import ItemIn
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor, Perm
from yiwang.org import service as org_service

MAX_UPLOAD = 50 * 1024 * 1024  # one import file
MAX_INFLATED = 200 * 1024 * 1024
Progress = Callable[[int, int | None], None]


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    new_version: int = 0
    unchanged: int = 0
    published: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (line, reason)
    drafts: list[tuple[str, str, list[dict[str, str]]]] = field(default_factory=list)  # (line, code, problems)
    warnings: Counter[str] = field(default_factory=Counter)
    committed: int = 0  # records read up to the last commit (with a commit callback)
    quality_warnings: Counter[str] = field(default_factory=Counter)  # rule message → items (published anyway)
    bundles: int = 0  # 一件事 lines imported (created, changed or unchanged; counted in the totals too)

    def summary_lines(self, limit: int = 50) -> list[str]:
        out = [f"共 {self.total} 行：新增 {self.created}，新版本 {self.new_version}，未变化 {self.unchanged}，"
               f"已发布 {self.published}，草稿 {len(self.drafts)}，错误 {len(self.errors)}"
               + (f"（其中“一件事” {self.bundles} 个）" if self.bundles else "")]
        for line, reason in self.errors[:limit]:
            out.append(f"  错误 {line}：{reason}")
        if len(self.errors) > limit:
            out.append(f"  ……另有 {len(self.errors) - limit} 个错误")
        problem_counts = Counter(p["message"].split("（")[0] for _, _, ps in self.drafts for p in ps)
        if self.drafts:
            out.append("  有阻止发布的问题、保留为草稿的事项（按问题统计）：")
            out += [f"    {msg}：{n}" for msg, n in problem_counts.most_common(20)]
        if self.quality_warnings:
            out.append("  质量警告（已发布，列入质量报告，`yiwang catalog quality` 查看明细）：")
            out += [f"    {msg}：{n}" for msg, n in self.quality_warnings.most_common(20)]
        if self.warnings:
            out.append("  提示（已导入，但值得检查）：")
            out += [f"    {msg}：{n}" for msg, n in self.warnings.most_common(20)]
        return out


def _pydantic_reason(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors()[:3]:
        loc = ".".join(str(p) for p in e.get("loc", ()))
        kind = e.get("type", "")
        if kind == "missing":
            parts.append(f"缺少必填字段 {loc}")
        else:
            parts.append(f"字段 {loc} 不正确（{e.get('msg', '')}）")
    return "；".join(parts)


def import_records(session: Session, actor: Actor, records: Iterable[tuple[str, dict[str, Any] | str]], *,
                   publish: bool = True, batch: int = 200, progress: Progress | None = None,
                   expected: int | None = None, commit: Callable[[], None] | None = None,
                   commit_seconds: float | None = None) -> ImportReport:
    """Import (line label, record or parse error) pairs. ``commit`` (the command line passes
    session.commit) is called every ``batch`` records, and at the latest ``commit_seconds`` after the
    previous commit, so a long import keeps what it has done and never holds the database's write lock
    for long (people using the site meanwhile wait at most that long); without it everything stays in
    the caller's transaction. Import is idempotent, so an interrupted import resumes by running it again:
    what was committed is recognised as unchanged and skipped."""
    report = ImportReport()
    seen_codes: dict[str, str] = {}
    bundle_lines: list[tuple[str, dict[str, Any]]] = []
    last_commit = time.monotonic()
    for n, (line, raw) in enumerate(records, start=1):
        report.total += 1
        if isinstance(raw, str):
            report.errors.append((line, raw))
        elif raw.get("kind") == "bundle":
            bundle_lines.append((line, raw))  # after the items: a bundle may name items later in the file
        else:
            _import_one(session, actor, line, raw, publish, report, seen_codes)
        if commit and (n % batch == 0 or (commit_seconds is not None
                                         and time.monotonic() - last_commit >= commit_seconds)):
            commit()
            report.committed = report.total
            last_commit = time.monotonic()
        if n % batch == 0 and progress:
            progress(n, expected)
    seen_bundles: dict[str, str] = {}
    for line, raw in bundle_lines:
        _import_bundle(session, actor, line, raw, report, seen_bundles)
    if commit:
        commit()
        report.committed = report.total
    if progress:
        progress(report.total, expected)
    return report


def _one_line(session: Session, line: str, raw: dict[str, Any], report: ImportReport, seen: dict[str, str],
              schema: Any, what: str, run: Callable[[Any], Any]) -> tuple[Any, Any] | None:
    """One line of a catalog file: validated, not a second line with its code, imported in a savepoint of its own;
    a refusal is reported with the line and its reason. Returns (record, outcome), or None when refused."""
    try:
        record = schema.model_validate(raw)
    except ValidationError as exc:
        report.errors.append((line, _pydantic_reason(exc)))
        return None
    if record.code in seen:
        report.errors.append((line, f"{what} {record.code} 与{seen[record.code]}重复"))
        return None
    seen[record.code] = line
    try:
        with session.begin_nested():
            return record, run(record)
    except DomainError as exc:
        report.errors.append((line, exc.message))
    except (DataError, IntegrityError) as exc:  # e.g. text PostgreSQL will not store (NUL, over-long)
        report.errors.append((line, f"数据库拒绝了该记录（{type(exc.orig).__name__}）"))
    return None


def _import_one(session: Session, actor: Actor, line: str, raw: dict[str, Any], publish: bool,
                report: ImportReport, seen_codes: dict[str, str]) -> None:
    done = _one_line(session, line, raw, report, seen_codes, ItemIn, "实施编码",
                     lambda record: service.import_record(session, actor, record, publish=publish))
    if done is None:
        return
    record, outcome = done
    setattr(report, outcome.action, getattr(report, outcome.action) + 1)
    report.published += outcome.published and outcome.action != "unchanged"
    if outcome.problems:
        report.drafts.append((line, record.code, outcome.problems))
    for w in outcome.warnings:
        report.warnings[w.split("，实际")[0]] += 1
    if outcome.action != "unchanged":
        for q in outcome.quality_warnings:
            report.quality_warnings[re.sub(r"\d+", "N", q["message"])] += 1


def _import_bundle(session: Session, actor: Actor, line: str, raw: dict[str, Any], report: ImportReport,
                   seen: dict[str, str]) -> None:
    """A ``{"kind": "bundle", ...}`` line (一件事): counted with the items, reported the same way."""
    done = _one_line(session, line, raw, report, seen, bundle_catalog.BundleIn, "一件事编码",
                     lambda record: bundle_catalog.import_bundle(session, actor, record))
    if done is not None:
        setattr(report, done[1], getattr(report, done[1]) + 1)
        report.bundles += 1


# --- JSON lines --------------------------------------------------------------------------------

def read_jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """Records of a JSON-lines file (.jsonl or .jsonl.gz); a line that cannot be read yields its reason."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            yield from _parse_lines(fh)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValidationFailed(f"无法读取文件：{exc}", field="file", code="unreadable_file") from exc


def _parse_lines(lines: Iterable[bytes]) -> Iterator[tuple[str, dict[str, Any] | str]]:
    for i, raw in enumerate(lines, start=1):
        label = f"第 {i} 行"
        try:
            text = raw.decode("utf-8-sig" if i == 1 else "utf-8")
        except UnicodeDecodeError:
            yield label, "不是 UTF-8 编码的文本"
            continue
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield label, f"不是有效的 JSON（第 {exc.colno} 列）"
            continue
        yield label, obj if isinstance(obj, dict) else "每行应为一个 JSON 对象"


def read_jsonl_bytes(data: bytes) -> Iterator[tuple[str, dict[str, Any] | str]]:
    if data[:2] == b"\x1f\x8b":
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = inflater.decompress(data, MAX_INFLATED)
        except zlib.error:
            yield "第 1 行", "压缩文件已损坏"
            return
        if inflater.unconsumed_tail:
            yield "第 1 行", f"解压后超过 {MAX_INFLATED // (1024 * 1024)} MB"
            return
    yield from _parse_lines(data.splitlines())


def records_from_upload(filename: str, data: bytes) -> list[tuple[str, dict[str, Any] | str]]:
    """Records of an uploaded catalog file: the Excel template (.xlsx) or JSON lines (optionally gzip)."""
    from yiwang.catalog.excel import CellError, read_workbook

    if data.startswith(b"PK"):
        try:
            return list(read_workbook(data))
        except CellError as exc:
            raise ValidationFailed(str(exc), field="file") from exc
    return list(read_jsonl_bytes(data))


def count_lines(path: Path) -> int | None:
    try:
        with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as fh:
            return sum(1 for t in fh if t.strip())
    except (OSError, EOFError, zlib.error):
        return None


def _limit(value: int | None, unit: str | None) -> Any:
    if unit is None:
        return None
    return "immediate" if unit == "immediate" else {"value": value, "unit": unit}


def export_records(session: Session, actor: Actor | None = None) -> Iterator[dict[str, Any]]:
    """Every item's newest version in the import format (re-importing it changes nothing); with an
    actor, only the items of departments in the actor's scope."""
    departments = None
    if actor is not None and actor.is_staff:
        departments = [d.id for d in org_service.list_departments(session, actor)]
    after = 0
    while True:
        batch = repo.newest_versions(session, after_item_id=after, batch=1000, department_ids=departments)
        if not batch:
            break
        depts = org_service.departments_by_ids(session, {v.department_id for _, v in batch})
        mats = repo.materials_for(session, [v.id for _, v in batch])
        for item, v in batch:
            yield record_of(item.code, v, depts[v.department_id].name, mats[v.id],
                            joint=joint_config.record_of(session, v.joint))
        after = batch[-1][0].id
    # bundles span departments: a full export carries them after the items they name, as does the export of
    # whoever may import them
    if departments is None or (actor is not None and actor.can(Perm.CATALOG_ITEM_PUBLISH)):
        yield from bundle_catalog.export_records(session)


def record_of(code: str, v: Any, department: str, materials: list[Any], *,
              joint: dict[str, Any] | None = None) -> dict[str, Any]:
    """A version in the import format; ``joint`` is its 并联审批 configuration already in that format."""
    rec: dict[str, Any] = {
        "code": code, "name": v.name, "department": department, "item_type": v.item_type,
        "basic_code": v.basic_code, "region_code": v.region_code, "level": v.level, "audience": list(v.audience),
        "legal_limit": _limit(v.legal_limit_value, v.legal_limit_unit),
        "promised_limit": _limit(v.promised_limit_value, v.promised_limit_unit), "limit_note": v.limit_note,
        "conditions": v.conditions, "legal_basis": v.legal_basis, "process": v.process,
        "materials": [{k: getattr(m, k) for k in ("name", "required", "deficiency_allowed", "form", "originals",
                                                  "copies", "source", "issuer", "license_type", "notes", "basis")}
                      for m in materials],
        "fees": list(v.fees), "result": {"name": v.result_name, "license_type": v.result_license_type}
        if (v.result_name or v.result_license_type) else None,
        "location": v.location, "office_hours": v.office_hours, "consult_phone": v.consult_phone,
        "complaint_phone": v.complaint_phone, "visits": v.visits, "visit_reason": v.visit_reason,
        "online": v.online, "online_depth": v.online_depth, "in_hall": v.in_hall, "appointment": v.appointment,
        "postal_delivery": v.postal_delivery, "online_payment": v.online_payment,
        "pledge_allowed": v.pledge_allowed, "cross_region": v.cross_region, "co_departments": list(v.co_departments),
        "faq": list(v.faq), "themes": list(v.themes), "form_schema": v.form_schema, "extra": dict(v.extra),
        "joint": joint,
    }
    return {k: val for k, val in rec.items() if val is not None}


def write_jsonl(records: Iterable[dict[str, Any]], path: Path) -> int:
    n = 0
    opener = gzip.open(path, "wt", encoding="utf-8") if path.suffix == ".gz" else open(path, "w", encoding="utf-8")
    with opener as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    return n
