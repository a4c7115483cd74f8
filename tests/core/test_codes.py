"""ID number (GB 11643) and USCC (GB 32100) validation, checked against an independent implementation
of the algorithms as the standards state them."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from yiwang.core.codes import (
    id_number_problem,
    mask_id_number,
    mask_name,
    mask_phone,
    uscc_problem,
)

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
USCC_ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def oracle_id_check(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def oracle_uscc_check(first17: str) -> str:
    v = 31 - sum(USCC_ALPHA.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True)) % 31
    return USCC_ALPHA[0 if v == 31 else v]


def oracle_org_check(body8: str) -> str:
    v = 11 - sum(int(c, 36) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True)) % 11
    return "X" if v == 10 else "0" if v == 11 else str(v)


births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))


@given(area=st.from_regex(r"[1-6][0-9]{5}", fullmatch=True), birth=births,
       seq=st.integers(min_value=0, max_value=999))
def test_generated_id_numbers_are_valid(area: str, birth: dt.date, seq: int) -> None:
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    assert id_number_problem(first17 + oracle_id_check(first17)) is None


@given(area=st.from_regex(r"[1-6][0-9]{5}", fullmatch=True), birth=births,
       seq=st.integers(min_value=0, max_value=999), wrong=st.sampled_from("0123456789X"))
def test_any_other_check_digit_is_rejected(area: str, birth: dt.date, seq: int, wrong: str) -> None:
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    if wrong != oracle_id_check(first17):
        assert id_number_problem(first17 + wrong) == "身份证号码校验位不正确"


def test_known_id_numbers() -> None:
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("11010519491231002x") is None  # lower-case x is accepted and normalised
    assert id_number_problem("110105194912310021") == "身份证号码校验位不正确"
    assert id_number_problem("1101051949123100") == "身份证号码应为 18 位"
    assert id_number_problem("11010519491331002X") is not None  # month 13
    assert id_number_problem("A1010519491231002X") is not None


org_bodies = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)


@given(reg=st.sampled_from(["11", "12", "13", "19", "51", "52", "53", "59", "91", "92", "93"]),
       area=st.from_regex(r"[1-6][0-9]{5}", fullmatch=True), org=org_bodies)
def test_generated_uscc_are_valid(reg: str, area: str, org: str) -> None:
    first17 = reg + area + org + oracle_org_check(org)
    assert uscc_problem(first17 + oracle_uscc_check(first17)) is None


@given(area=st.from_regex(r"[1-6][0-9]{5}", fullmatch=True), org=org_bodies,
       wrong=st.sampled_from(USCC_ALPHA))
def test_uscc_wrong_check_is_rejected(area: str, org: str, wrong: str) -> None:
    first17 = "91" + area + org + oracle_org_check(org)
    if wrong != oracle_uscc_check(first17):
        assert uscc_problem(first17 + wrong) == "统一社会信用代码校验位不正确"


def test_known_uscc() -> None:
    assert uscc_problem("91110000600037341L") is None
    assert uscc_problem("91110000600037341l") is None
    assert uscc_problem("91110000600037341X") == "统一社会信用代码校验位不正确"
    assert uscc_problem("9111000060003734") == "统一社会信用代码应为 18 位"
    assert uscc_problem("9111000060003734IO") is not None  # I and O are not in the alphabet
    # a correct final check over a broken embedded organisation code
    first17 = "91110000600037342"
    assert uscc_problem(first17 + oracle_uscc_check(first17)) == "统一社会信用代码中的组织机构代码校验位不正确"


def test_masking() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_id_number("") == ""
