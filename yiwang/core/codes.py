"""National identifier codes: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100), with masking.

Check characters are computed by python-stdnum; we add the birth-date check for ID numbers and keep
unknown address codes acceptable (行政区划 codes change; IDs issued under old codes stay valid).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric, uscc

from yiwang.core.errors import ValidationFailed


def _ascii_code(value: str) -> str:
    """NFKC folds full-width letters and digits to ASCII; white space is dropped; letters upper-cased."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def normalize_id_number(value: str) -> str:
    return _ascii_code(value)


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-digit ID number, or None when it is."""
    number = normalize_id_number(value)
    if len(number) != 18:
        return "身份证号码应为 18 位"
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        return "身份证号码只能由数字和末位 X 组成"
    if ric.calc_check_digit(number) != number[17]:
        return "身份证号码校验位不正确"
    try:
        birth = ric.get_birth_date(number)
    except stdnum_exc.ValidationError:
        return "身份证号码中的出生日期无效"
    if birth > dt.date.today() or birth.year < 1880:  # noqa: DTZ011 - a calendar date, not a timestamp
        return "身份证号码中的出生日期无效"
    return None


def validate_id_number(value: str, field: str = "id_number") -> str:
    problem = id_number_problem(value)
    if problem:
        raise ValidationFailed(problem, field=field, code="invalid_id_number")
    return normalize_id_number(value)


def normalize_uscc(value: str) -> str:
    return _ascii_code(value)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body: str) -> str:
    """Check character of the 9-character organisation code (GB 11714) embedded at positions 9–17."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_problem(value: str) -> str | None:
    code = normalize_uscc(value)
    if len(code) != 18:
        return "统一社会信用代码应为 18 位"
    if any(ch not in USCC_ALPHABET for ch in code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）"
    if not re.fullmatch(r"[0-9]{6}", code[2:8]):
        return "统一社会信用代码第 3–8 位应为行政区划代码"
    if uscc.calc_check_digit(code) != code[17]:
        return "统一社会信用代码校验位不正确"
    org = code[8:17]
    if org_code_check(org[:8]) != org[8]:
        return "统一社会信用代码中的组织机构代码校验位不正确"
    return None


def validate_uscc(value: str, field: str = "uscc") -> str:
    problem = uscc_problem(value)
    if problem:
        raise ValidationFailed(problem, field=field, code="invalid_uscc")
    return normalize_uscc(value)


def mask_id_number(value: str | None) -> str:
    """1101**********002X: keep the first and last four characters."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else "*" * len(value)


def mask_name(value: str | None) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else value


PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def validate_mobile(value: str, field: str = "phone") -> str:
    number = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value or ""))
    if not PHONE_RE.match(number):
        raise ValidationFailed("请填写 11 位手机号码", field=field, code="invalid_phone")
    return number


REGION_CODE_RE = re.compile(r"^[0-9]{6}([0-9]{6})?$")


def validate_region_code(value: str, field: str = "code") -> str:
    code = (value or "").strip()
    if not REGION_CODE_RE.match(code):
        raise ValidationFailed("行政区划代码应为 6 位或 12 位数字", field=field, code="invalid_region_code")
    return code
