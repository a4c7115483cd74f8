#!/usr/bin/env python3
"""Convert public service-item catalogs into Yiwang's catalog import format.

Usage:
    python scripts/convert_catalogs.py --guangdong PATH/items.jsonl \\
        --sichuan PATH/items.csv --out-dir yiwang/catalog/seed_data

Inputs (public data, see CONVERSION_REPORT.md for origin and licences):
  * Guangdong provincial portal export (JSON lines, one item per line).
  * Guang'an district (Sichuan) item list (CSV: department, main_item, name,
    item_code, area_code, task_type_code, task_type, dept_code, link).

Outputs, all deterministic (sorted by code, gzip header without timestamp):
  * guangdong.jsonl.gz, sichuan-guangan.jsonl.gz - one JSON object per line;
  * CONVERSION_REPORT.md - counts and the oddities found in the sources.

Standard library only; Python 3.11+.
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import io
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# GB/T 39046-2020 A.1 item type codes, keyed by the Chinese type name used in the sources.
ITEM_TYPE_BY_TEXT = {
    "行政许可": "01",
    "行政处罚": "02",
    "行政强制": "03",
    "行政征收": "04",
    "行政给付": "05",
    "行政检查": "06",
    "行政确认": "07",
    "行政奖励": "08",
    "行政裁决": "09",
    "其他行政权力": "10",
    "其他类别": "10",
    "其他": "10",
    "公共服务": "20",
}
ITEM_TYPE_NAMES = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他",
    "20": "公共服务",
}

# GB/T 39046-2020 A.2 level codes.
LEVEL_BY_TEXT = {
    "国家级": 1,
    "省级": 2,
    "市级": 3,
    "县级": 4,
    "区级": 4,
    "乡镇级": 5,
    "街道": 5,
    "乡镇（街道）级": 5,
    "村级": 6,
    "社区": 6,
    "村（社区）级": 6,
}

# GB/T 39046-2020 A.4 audience codes. "非法人企业" (unincorporated businesses such as
# partnerships and sole proprietorships) has no code of its own and is filed under 其他组织.
AUDIENCE_BY_TEXT = {
    "自然人": "1",
    "企业法人": "2",
    "事业法人": "3",
    "社会组织法人": "4",
    "行政机关": "5",
    "其他组织": "6",
    "非法人企业": "6",
}

NONE_VALUES = {"", "无", "无。", "暂无", "-", "--", "/", "null", "None"}

# Name patterns used to flag information-only public services (look-ups, guides, notices,
# downloads, publicity). Only applied to public services that ask for no material.
INFO_ONLY_RE = re.compile(
    r"(查询|查阅|指引|指南|下载|公示|公布|公告|公报|咨询|宣传|名单|名录|目录|清单|一览|介绍|须知|"
    r"规程|发布|资讯|解读|概况|月报|周报|预报|年鉴|期刊|讲座|展览|导览|信息$|展$)"
)
# News headlines published as if they were service items ("... 在 ... 举行", "荣获 ...").
EVENT_RE = re.compile(
    r"(举办|举行|召开|开幕|闭幕|开班|圆满|荣获|结课|启用仪式|闪亮登场|精彩不断|持续助热|强调：|魅力呈献|被评为|"
    r"被认定为|入选|取得佳|——记|导赏会|赴.{1,12}开展)"
)
LIMIT_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[（(]?\s*(个)?\s*(工作日|自然日)\s*[)）]?\s*$")
IMMEDIATE_WORDS = {"即办", "即时办结", "即来即办", "立即办结", "当场办结", "即办件"}
LOCATION_PREFIX_RE = re.compile(r"^\s*办理地点\s*[：:]\s*")
MATERIAL_TRIM = " \t\r\n\u3000；;。，,、"
# "X(（Y）)" produced by concatenating a main item and a bracketed sub-item name.
DOUBLE_BRACKET_RE = re.compile(r"\(（(.*)）\)$")


# Everyday services checked in the coverage table of the report.
COVERAGE_TERMS = (
    "营业执照", "设立登记", "食品经营许可", "药品经营许可", "住房公积金", "生育保险", "医疗保险", "失业保险",
    "养老金", "驾驶证", "护照", "港澳通行证", "结婚登记", "户口", "居住证", "残疾人证", "最低生活保障",
    "不动产", "建设工程规划", "施工许可", "环境影响", "取水许可", "发票", "个人所得税", "教师资格", "医师",
)


def is_none(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in NONE_VALUES)


def clean_text(value: Any) -> str | None:
    if is_none(value):
        return None
    text = str(value).replace("\u3000", " ").strip()
    return text or None


def parse_limit(value: Any) -> tuple[dict[str, Any] | str | None, str | None]:
    """Parse a time-limit string.

    Returns (parsed, problem). parsed is {"value": n, "unit": ...}, "immediate" or None;
    problem is a short text when the value was present but could not be understood.
    """
    text = clean_text(value)
    if text is None:
        return None, None
    if text in IMMEDIATE_WORDS:
        return "immediate", None
    match = LIMIT_RE.match(text)
    if not match:
        return None, text
    number = float(match.group(1))
    unit = "working_day" if match.group(3) == "工作日" else "natural_day"
    if number == 0:
        return "immediate", None
    if number != int(number):
        return None, text
    return {"value": int(number), "unit": unit}, None


def limit_in_days(limit: Any) -> float | None:
    """Rough comparable size of a limit, for the promised-versus-legal sanity check only."""
    if limit == "immediate":
        return 0.0
    if isinstance(limit, dict):
        # 5 working days per 7 calendar days.
        return limit["value"] * (1.0 if limit["unit"] == "working_day" else 5.0 / 7.0)
    return None


def phone_key(value: str | None) -> str | None:
    if value is None:
        return None
    return re.sub(r"[\s\-–—]", "", value)


@dataclass
class Oddities:
    """Collects counts and examples of unusual source data for the report."""

    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    titles: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, title: str, example: str, limit: int = 5) -> None:
        self.counts[key] += 1
        self.titles.setdefault(key, title)
        if len(self.examples[key]) < limit:
            self.examples[key].append(example)


# --------------------------------------------------------------------------- Guangdong


def convert_guangdong_row(row: dict[str, Any], odd: Oddities) -> dict[str, Any]:
    code = str(row.get("TASK_CODE") or "").strip()
    raw_name = clean_text(row.get("TASK_NAME")) or ""
    name = DOUBLE_BRACKET_RE.sub(r"（\1）", raw_name)
    label = f"{code} {name}"
    flags: list[str] = []

    type_text = clean_text(row.get("TASK_TYPE_TEXT")) or clean_text(row.get("matter_type")) or ""
    item_type = ITEM_TYPE_BY_TEXT.get(type_text)
    source_type = clean_text(row.get("TASK_TYPE"))
    if item_type is None:
        item_type = source_type.zfill(2) if source_type else "10"
        odd.add("gd_unknown_type", "Unknown item type text (source code kept)", f"{label}: {type_text!r}")
    if source_type and source_type != item_type:
        odd.counts["gd_type_recoded"] += 1
        odd.titles.setdefault(
            "gd_type_recoded", "Source TASK_TYPE differs from GB/T 39046 A.1 (recoded from the type text)"
        )
        mapping = f"{type_text}: source {source_type} -> {item_type}"
        if mapping not in odd.examples["gd_type_recoded"]:
            odd.examples["gd_type_recoded"].append(mapping)

    item: dict[str, Any] = {
        "code": code,
        "name": name,
        "department": clean_text(row.get("DEPT_NAME")) or "",
        "item_type": item_type,
    }
    extra: dict[str, Any] = {"source": "guangdong"}

    # Codes: 实施编码 (31) = USCC(18) + level(1) + basic(12); 业务办理项编码 (33) = 实施编码 + 2 digits.
    if len(code) == 31:
        item["basic_code"] = code[19:31]
    elif len(code) == 33:
        item["basic_code"] = code[19:31]
        extra["implementation_code"] = code[:31]
        flags.append("handling_item_code")
        odd.add(
            "gd_code_33",
            "33-char codes (业务办理项编码 = 实施编码 + 2-digit handling item); kept as code, "
            "implementation code in extra",
            label,
        )
    else:
        flags.append("code_length")
        odd.add("gd_code_len", "Codes of unexpected length", f"{label} (len {len(code)})")
    cataid = clean_text(row.get("CATAID"))
    if cataid and item.get("basic_code") and cataid != item["basic_code"]:
        odd.add("gd_cataid_mismatch", "CATAID differs from the basic code inside TASK_CODE", label)

    area = clean_text(row.get("AREACODE"))
    if area:
        item["region_code"] = area[:6]

    level_text = clean_text(row.get("matter_level")) or clean_text(row.get("district"))
    level = LEVEL_BY_TEXT.get(level_text or "")
    if level is not None:
        item["level"] = level
        if len(code) >= 19 and code[18].isdigit() and int(code[18]) != level:
            odd.add("gd_level_mismatch", "Level text differs from the level digit in the code", label)
    elif level_text:
        odd.add("gd_unknown_level", "Unknown level text", f"{label}: {level_text}")

    audience: list[str] = []
    for obj in row.get("service_object_name") or []:
        code_ = AUDIENCE_BY_TEXT.get(str(obj).strip())
        if code_ is None:
            odd.add("gd_unknown_audience", "Unknown audience text", f"{label}: {obj}")
        elif code_ not in audience:
            audience.append(code_)
    if audience:
        item["audience"] = sorted(audience)
    if "非法人企业" in (row.get("service_object_name") or []):
        odd.counts["gd_audience_unincorporated"] += 1

    for src_key, dst_key, label_text in (
        ("handle_time", "legal_limit", "法定办结时限"),
        ("handle_time_limit", "promised_limit", "承诺办结时限"),
    ):
        parsed, problem = parse_limit(row.get(src_key))
        if parsed is not None:
            item[dst_key] = parsed
            if isinstance(parsed, dict) and parsed["unit"] == "natural_day":
                odd.add(
                    "gd_natural_day",
                    "Limits given in natural days (自然日) rather than working days",
                    f"{label}: {label_text} {row.get(src_key)}",
                )
                if "natural_day_limit" not in flags:
                    flags.append("natural_day_limit")
        elif problem is not None:
            odd.add("gd_limit_unparsed", "Time limits that could not be parsed (omitted)", f"{label}: {problem}")
        else:
            odd.counts[f"gd_no_{dst_key}"] += 1
    legal_days = limit_in_days(item.get("legal_limit"))
    promised_days = limit_in_days(item.get("promised_limit"))
    if legal_days is not None and promised_days is not None and promised_days > legal_days:
        flags.append("promised_exceeds_legal")
        odd.add(
            "gd_promised_gt_legal",
            "Promised limit longer than the legal limit",
            f"{label}: legal {row.get('handle_time')}, promised {row.get('handle_time_limit')}",
        )
    if item.get("promised_limit") is not None and item.get("legal_limit") is None:
        odd.add(
            "gd_promised_without_legal",
            "Promised limit present but no legal limit",
            f"{label}: promised {row.get('handle_time_limit')}",
            limit=3,
        )

    conditions = clean_text(row.get("accept_standard"))
    if conditions:
        item["conditions"] = conditions

    materials: list[dict[str, Any]] = []
    raw_materials = row.get("material_intro")
    if isinstance(raw_materials, list):
        seen: set[str] = set()
        for raw in raw_materials:
            mname = str(raw).strip(MATERIAL_TRIM)
            if is_none(mname) or mname in seen:
                continue
            seen.add(mname)
            lenient = "容缺" in mname
            materials.append({"name": mname, "required": not lenient, "deficiency_allowed": lenient})
            if lenient:
                odd.add("gd_deficiency", "Materials marked 容缺 (may follow later)", f"{label}: {mname}")
    elif not is_none(raw_materials):
        mname = str(raw_materials).strip(MATERIAL_TRIM)
        materials.append({"name": mname, "required": True, "deficiency_allowed": False})
    item["materials"] = materials
    item["fees"] = []

    location_raw = clean_text(row.get("handle_location"))
    if location_raw == "无线下办理窗口":
        extra["offline_window"] = False
        odd.counts["gd_no_offline_window"] += 1
    elif location_raw:
        location = LOCATION_PREFIX_RE.sub("", location_raw).strip()
        if location:
            item["location"] = location

    consult = clean_text(row.get("consult_phone"))
    complaint = clean_text(row.get("complain_phone"))
    if consult:
        item["consult_phone"] = consult
    else:
        odd.add("gd_no_consult_phone", "Missing consult phone", label, limit=3)
    if complaint:
        item["complaint_phone"] = complaint
    else:
        odd.add("gd_no_complaint_phone", "Missing complaint phone", label, limit=3)
    if consult and complaint and phone_key(consult) == phone_key(complaint):
        flags.append("same_phones")
        odd.add(
            "gd_same_phones",
            "Consult and complaint phone identical (the guide rules require them to differ)",
            f"{label}: {consult}",
        )
    for value in (consult, complaint):
        if value and not re.fullmatch(r"(0\d{2,3}-)?\d{5,8}", value):
            odd.add(
                "gd_phone_text",
                "Phone fields that are not a single plain number (several numbers, extensions, prose)",
                f"{label}: {value[:80]}",
            )

    visits = clean_text(row.get("visit_number"))
    if visits is not None and visits.isdigit():
        item["visits"] = int(visits)
        if int(visits) > 0:
            odd.add("gd_visits", "Items requiring on-site visits (> 0; no reason given in the source)",
                    f"{label}: {visits}", limit=3)
    item["online"] = str(row.get("ONLINECHECK") or "").strip() == "1"

    themes = [str(t).strip() for t in row.get("theme_category") or [] if str(t).strip()]
    themes = [t for t in themes if t != "其他"]
    if themes:
        item["themes"] = themes

    # Classification flags (heuristics, for ranking and review; see the report).
    if item_type == "20" and not materials:
        if EVENT_RE.search(name):
            flags.append("event")
            odd.add("gd_event", "News or event announcements published as service items", label, limit=8)
        elif INFO_ONLY_RE.search(name):
            flags.append("information_only")
            odd.add("gd_info_only", "Information-only services (look-ups, guides, notices, downloads)",
                    label, limit=8)
    sub_item = clean_text(row.get("subTaskName"))
    if sub_item:
        flags.append("sub_item")
        extra["sub_item"] = sub_item.strip("()（）")
        odd.add("gd_sub_item", "Sub-items: name = main item + parenthesised sub-item", label)
    if raw_name != name:
        extra["source_name"] = raw_name
        odd.add("gd_double_brackets", "Doubled brackets '(（...）)' in names, normalised to '（...）'",
                f"{raw_name} -> {name}")

    # Extra source fields kept for display and search.
    for src_key, dst_key in (
        ("URL", "url"),
        ("co_department", "co_department"),
        ("CATANAME", "catalog_name"),
        ("parentCatalogId", "catalog_id"),
        ("matter_short", "short_name"),
        ("matter_daily", "common_name"),
        ("matter_code", "national_code"),
        ("bear_paltform", "platform"),
        ("online_book_addr", "booking_url"),
    ):
        value = clean_text(row.get(src_key))
        redundant = (dst_key == "catalog_name" and value == name) or (
            dst_key == "catalog_id" and value == item.get("basic_code")
        )
        if value is not None and not redundant:
            extra[dst_key] = value
    courier = clean_text(row.get("courier_service"))
    if courier is not None:
        extra["postal_delivery"] = courier == "是"
    if source_type:
        extra["source_type"] = source_type
    if flags:
        extra["flags"] = sorted(set(flags))
    item["extra"] = extra
    return item


def convert_guangdong(path: Path, odd: Oddities) -> list[dict[str, Any]]:
    items = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                odd.add("gd_bad_json", "Lines that are not valid JSON (skipped)", f"line {lineno}: {exc}")
                continue
            items.append(convert_guangdong_row(row, odd))
    return items


# --------------------------------------------------------------------------- Sichuan

SC_CODE_RE = re.compile(
    r"^(?P<basic>.+?)-(?P<area>\d{12})-(?P<seq>\d{3})-(?P<org>.+)-(?P<level>\d)-(?P<suffix>\d{2})$"
)


def convert_sichuan_row(row: dict[str, str], odd: Oddities) -> dict[str, Any]:
    code = (row.get("item_code") or "").strip()
    name = clean_text(row.get("name")) or ""
    label = f"{code} {name}"
    flags: list[str] = []
    raw_type = (row.get("task_type_code") or "").strip()
    item_type = raw_type.zfill(2) if raw_type.isdigit() else ITEM_TYPE_BY_TEXT.get(row.get("task_type", ""), "10")
    if item_type not in ITEM_TYPE_NAMES:
        odd.add("sc_unknown_type", "Unknown item type code", f"{label}: {raw_type}")
    area = (row.get("area_code") or "").strip()
    item: dict[str, Any] = {
        "code": code,
        "name": name,
        "department": clean_text(row.get("department")) or "",
        "item_type": item_type,
        "region_code": area[:6] if len(area) >= 6 else "511602",
        "level": 4,
        "materials": [],
        "fees": [],
    }
    extra: dict[str, Any] = {"source": "sichuan-guangan"}
    main_item = clean_text(row.get("main_item"))
    if main_item and main_item != "未分类":
        extra["main_item"] = main_item
    dept_code = clean_text(row.get("dept_code"))
    if dept_code:
        extra["dept_code"] = dept_code
    link = clean_text(row.get("link"))
    if link:
        extra["url"] = link
    type_text = clean_text(row.get("task_type"))
    if type_text:
        extra["source_type_text"] = type_text

    odd.counts[f"sc_code_len_{len(code)}"] += 1
    match = SC_CODE_RE.match(code)
    if not match:
        flags.append("code_format")
        odd.add("sc_code_unparsed", "Codes without the usual basic-area-000-org-level-00 structure", label)
    else:
        org = match.group("org")
        if match.group("area") != area:
            flags.append("code_area")
            odd.add("sc_code_area", "Area inside the code differs from area_code", f"{label} (area {area})")
        if re.fullmatch(r"(\d)\1{5,}", org):
            flags.append("placeholder_org")
            odd.add("sc_placeholder_org", "Placeholder organisation codes inside the item code", label)
        elif len(org) != 18:
            odd.add("sc_org_len", "Organisation part of the code is not an 18-char USCC", f"{label} (org {org})")
    if item_type == "20" and EVENT_RE.search(name):
        flags.append("event")
    elif item_type == "20" and INFO_ONLY_RE.search(name):
        flags.append("information_only")
        odd.add("sc_info_only", "Information-only services by name (consultations, look-ups, guides)", label)
    if flags:
        extra["flags"] = sorted(set(flags))
    item["extra"] = extra
    return item


def convert_sichuan(path: Path, odd: Oddities) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [convert_sichuan_row(row, odd) for row in csv.DictReader(fh)]


# --------------------------------------------------------------------------- output


def write_jsonl_gz(path: Path, items: Iterable[dict[str, Any]]) -> int:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        for item in items:
            line = json.dumps(item, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
            gz.write(line.encode("utf-8") + b"\n")
    data = buf.getvalue()
    path.write_bytes(data)
    return len(data)


def check_duplicates(items: list[dict[str, Any]], prefix: str, odd: Oddities) -> None:
    codes = collections.Counter(item["code"] for item in items)
    for code, count in sorted(codes.items()):
        if count > 1:
            odd.add(f"{prefix}_dup_code", "Duplicate codes", f"{code} x{count}")
    names = collections.defaultdict(list)
    for item in items:
        names[item["name"]].append(item)
    for name, group in sorted(names.items()):
        if len(group) > 1:
            depts = "; ".join(sorted({g["department"] for g in group}))
            odd.add(f"{prefix}_dup_name", "Same name on several items (different departments or levels)",
                    f"{name} x{len(group)} ({depts})")


def sort_key(item: dict[str, Any]) -> tuple[str, str]:
    return (item["code"], item["name"])


def fmt_examples(odd: Oddities, key: str) -> list[str]:
    return [f"  - `{ex}`" for ex in odd.examples.get(key, [])]


HYGIENE = """## Search evaluation hygiene

The labelled query set `bench/data/search_queries.tsv` measures search quality; the lexicon
`lexicon.tsv` (colloquial phrase -> formal terms) and `typos.tsv` (wrong -> right) are inputs to
search. To keep the evaluation honest:

- The lexicon must be general: it covers life events and business events as a whole (birth, school,
  marriage, housing, social security, pension, medical insurance, employment, starting a business,
  tax, construction, food, drugs, transport, vehicles, ...), not the query set.
- At most about one third of the colloquial queries of the evaluation set may appear verbatim as a
  lexicon phrase; the rest must be reached through general terms (shorter phrases, formal words,
  typo rules). `scripts/check_queries.py` counts the overlap and fails above one third.
- Typo rules fix character-level mistakes (`执找 -> 执照`), never whole evaluation queries; at most
  half of the typo queries may be repaired by `typos.tsv` alone (the rest test fuzzy and pinyin matching).
- Expansions never repeat the phrase itself; each lexicon row adds formal terms only.
- Expected codes in the query set are the `code` values of `guangdong.jsonl.gz`; the check script
  fails on any code that is not in the converted file. When the catalog is re-converted, run it again.
- Do not tune the lexicon against failures of the evaluation set; add general entries instead, and
  add new evaluation queries written before looking at the lexicon.
"""


def write_report(
    path: Path,
    gd_items: list[dict[str, Any]],
    sc_items: list[dict[str, Any]],
    gd_size: int,
    sc_size: int,
    odd: Oddities,
    gd_src: Path,
    sc_src: Path,
) -> None:
    c = odd.counts
    lines: list[str] = ["# Catalog conversion report", ""]
    lines.append(
        "Generated by `scripts/convert_catalogs.py` from public data (see Sources). "
        "Re-run the script to regenerate this file and the seed files."
    )
    lines += ["", HYGIENE, "## Sources", ""]
    lines.append(
        "- `guangdong.jsonl.gz`: Guangdong provincial government-service portal, items scraped in spring 2021 "
        "(province and Guangzhou), published in GitHub `Clarence-Kong/QABasedOnPolicyKnowledgeGraph` "
        "(`data/policy.json`), MIT licence."
    )
    lines.append(
        "- `sichuan-guangan.jsonl.gz`: item list of 广安市广安区 (Sichuan) from GitHub `v-luobo/zwfw` "
        "(`bszl-data.js`), Apache-2.0 licence."
    )
    lines.append(f"- Input files converted: `{gd_src.name}` and `{sc_src.name}`.")
    lines += ["", "## Counts", ""]
    lines.append("| file | items | gzip size |")
    lines.append("|---|---:|---:|")
    lines.append(f"| guangdong.jsonl.gz | {len(gd_items)} | {gd_size:,} bytes |")
    lines.append(f"| sichuan-guangan.jsonl.gz | {len(sc_items)} | {sc_size:,} bytes |")
    lines.append("")

    def type_table(items: list[dict[str, Any]]) -> list[str]:
        counts = collections.Counter(i["item_type"] for i in items)
        out = ["| item_type | name | items |", "|---|---|---:|"]
        for t, n in sorted(counts.items()):
            out.append(f"| {t} | {ITEM_TYPE_NAMES.get(t, '?')} | {n} |")
        return out

    lines += ["### Guangdong by item type", ""] + type_table(gd_items) + [""]
    regions = collections.Counter((i.get("region_code"), i.get("level")) for i in gd_items)
    lines += ["### Guangdong by region and level", "", "| region_code | level | items |", "|---|---:|---:|"]
    for (region, level), n in sorted(regions.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        lines.append(f"| {region} | {level} | {n} |")
    lines += ["", "### Sichuan (广安区) by item type", ""] + type_table(sc_items) + [""]

    with_materials = sum(1 for i in gd_items if i["materials"])
    n_materials = sum(len(i["materials"]) for i in gd_items)
    lines += ["### Guangdong field coverage", "", "| field | items |", "|---|---:|"]
    for fld in ("basic_code", "legal_limit", "promised_limit", "conditions", "location", "consult_phone",
                "complaint_phone", "visits", "themes", "audience"):
        lines.append(f"| {fld} | {sum(1 for i in gd_items if fld in i)} |")
    lines.append(f"| materials (non-empty) | {with_materials} ({n_materials} materials) |")
    lines.append(f"| online = true | {sum(1 for i in gd_items if i.get('online'))} |")
    lines.append("| legal_basis | 0 (not in the source) |")
    lines.append("| fees | 0 (not in the source; written as an empty list) |")
    lines.append("")

    lines += ["## Oddities", "", "### Guangdong", ""]
    flags = collections.Counter(f for i in gd_items for f in i["extra"].get("flags", []))
    lines.append("Flags written to `extra.flags` (heuristics for ranking and review, not source facts):")
    lines.append("")
    for flag, n in sorted(flags.items()):
        lines.append(f"- `{flag}`: {n}")
    lines.append("")
    order = [
        "gd_info_only", "gd_event", "gd_sub_item", "gd_double_brackets", "gd_code_33", "gd_code_len",
        "gd_dup_code", "gd_dup_name", "gd_natural_day", "gd_limit_unparsed", "gd_promised_gt_legal",
        "gd_promised_without_legal", "gd_no_consult_phone", "gd_no_complaint_phone", "gd_same_phones",
        "gd_phone_text", "gd_visits", "gd_deficiency", "gd_type_recoded", "gd_unknown_type",
        "gd_level_mismatch", "gd_unknown_level", "gd_unknown_audience", "gd_cataid_mismatch", "gd_bad_json",
    ]
    always = {
        "gd_dup_code": "Duplicate codes",
        "gd_code_len": "Codes of unexpected length (not 31 or 33)",
        "gd_deficiency": "Materials marked 容缺",
        "gd_promised_gt_legal": "Promised limit longer than the legal limit",
        "gd_limit_unparsed": "Time limits that could not be parsed (omitted)",
    }
    natural_rows = sum(1 for i in gd_items if "natural_day_limit" in i["extra"].get("flags", []))
    for key in order:
        if key in odd.counts or key in always:
            title = odd.titles.get(key, always.get(key, key))
            lines.append(f"- **{title}**: {c.get(key, 0)}")
            if key == "gd_natural_day":
                lines.append(f"  - {c.get(key, 0)} values on {natural_rows} items (legal and promised counted apart)")
            if key == "gd_dup_name":
                lines.append("  - mostly the same item published by the province and by Guangzhou; codes differ")
            lines += fmt_examples(odd, key)
    lines.append(f"- **Items without a legal limit (无)**: {c.get('gd_no_legal_limit', 0)}; "
                 f"without a promised limit: {c.get('gd_no_promised_limit', 0)}")
    lines.append(f"- **No offline window** (`无线下办理窗口`, location omitted, `extra.offline_window=false`): "
                 f"{c.get('gd_no_offline_window', 0)}")
    lines.append(f"- **Audience 非法人企业** (no GB/T 39046 A.4 code, mapped to `6` 其他组织): "
                 f"{c.get('gd_audience_unincorporated', 0)}")
    lines.append("- **Theme `其他`** dropped from `themes` (no information): "
                 f"{sum(1 for i in gd_items if 'themes' not in i)} items are left without a theme")
    lines.append(
        "- **No legal basis, fees, result or process** in the source: `legal_basis` and `result` are omitted, "
        "`fees` is empty. The `conditions` text sometimes quotes the legal basis instead of conditions."
    )
    lines.append("")

    lines += ["### Sichuan (广安区)", ""]
    lengths = sorted((int(k.rsplit("_", 1)[1]), n) for k, n in c.items() if k.startswith("sc_code_len_"))
    lines.append(
        "- **Code lengths** (Sichuan long codes, not GB/T 31-char 实施编码; kept as given, the importer validates): "
        + ", ".join(f"{length} chars x{n}" for length, n in lengths)
    )
    for key in ("sc_code_unparsed", "sc_code_area", "sc_placeholder_org", "sc_org_len", "sc_dup_code",
                "sc_dup_name", "sc_info_only", "sc_unknown_type"):
        title = odd.titles.get(key, {"sc_dup_code": "Duplicate codes"}.get(key, key))
        if key in c or key == "sc_dup_code":
            lines.append(f"- **{title}**: {c.get(key, 0)}")
            lines += fmt_examples(odd, key)
    lines.append(
        "- Only department, name, code, type, department code and link are available: no limits, materials, "
        "phones or audience. `region_code` 511602 and `level` 4 are set for all rows."
    )
    lines.append("")
    lines += ["## Coverage of common services in the Guangdong set", ""]
    lines.append(
        "The Guangdong set holds province-level and Guangzhou items only; many everyday county-level services are "
        "absent. Whether any item name contains the term (applicable items, then look-ups/guides):"
    )
    lines.append("")
    lines.append("| term | applicable items | information-only items |")
    lines.append("|---|---:|---:|")
    for term in COVERAGE_TERMS:
        hits = [i for i in gd_items if term in i["name"]]
        info = sum(1 for i in hits if set(i["extra"].get("flags", [])) & {"information_only", "event"})
        lines.append(f"| {term} | {len(hits) - info} | {info} |")
    lines.append("")
    lines += [
        "## Mapping notes",
        "",
        "- `item_type`: from the type text (GB/T 39046 A.1). The Guangdong export codes 公共服务 as `21` and "
        "其他行政权力 as `20`; both are recoded (`20` and `10`), the source code is kept in `extra.source_type`. "
        "Sichuan `task_type_code` is zero-padded.",
        "- `code`: Guangdong TASK_CODE as given (31-char 实施编码, or 33-char 业务办理项编码 for sub-items, whose "
        "first 31 chars go to `extra.implementation_code`); `basic_code` = code[19:31]. Sichuan item_code as given.",
        "- `level`: 省级 2, 市级 3 (cross-checked with the level digit of the code); Sichuan 4.",
        "- Limits: `N(工作日)` -> working_day, `N(自然日)` -> natural_day, 即办 or 0 -> `immediate`, 无 -> omitted.",
        "- `materials`: names trimmed of trailing punctuation, duplicates removed, `无` dropped; required unless the "
        "name says 容缺.",
        "- `location`: leading `办理地点：` removed.",
        "- `extra`: url, co_department, catalog_name/catalog_id (main catalog item), short_name, common_name "
        "(俗称, useful for search), national_code, platform, booking_url, postal_delivery, sub_item, source_type, "
        "flags. Dropped as redundant: database ids, ORGCODE (inside the code), level/type texts, "
        "LIMIT_SCENE_NUM (= visits), online_book (= online).",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guangdong", type=Path, required=True, help="Guangdong items.jsonl")
    parser.add_argument("--sichuan", type=Path, required=True, help="Sichuan Guang'an items.csv")
    parser.add_argument("--out-dir", type=Path, required=True, help="output directory (seed_data)")
    parser.add_argument("--max-size", type=int, default=2_000_000, help="fail if an output exceeds this size")
    args = parser.parse_args(argv)

    odd = Oddities()
    gd_items = sorted(convert_guangdong(args.guangdong, odd), key=sort_key)
    sc_items = sorted(convert_sichuan(args.sichuan, odd), key=sort_key)
    check_duplicates(gd_items, "gd", odd)
    check_duplicates(sc_items, "sc", odd)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    gd_size = write_jsonl_gz(args.out_dir / "guangdong.jsonl.gz", gd_items)
    sc_size = write_jsonl_gz(args.out_dir / "sichuan-guangan.jsonl.gz", sc_items)
    write_report(args.out_dir / "CONVERSION_REPORT.md", gd_items, sc_items, gd_size, sc_size, odd,
                 args.guangdong, args.sichuan)

    print(f"guangdong: {len(gd_items)} items, {gd_size:,} bytes")
    print(f"sichuan-guangan: {len(sc_items)} items, {sc_size:,} bytes")
    too_big = [n for n, s in (("guangdong", gd_size), ("sichuan-guangan", sc_size)) if s > args.max_size]
    if too_big:
        print(f"error: output larger than {args.max_size:,} bytes: {', '.join(too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
