"""Masking personal data in board posts: each kind of data alone, full-width digits, several in one text, and what
must stay (the hotline's own number, dates, amounts, words after 本人 that are not a name)."""

from __future__ import annotations

import pytest

from yiwang.hotline.masking import alias_of, mask_personal_data


@pytest.mark.parametrize(("text", "expected"), [
    ("我的手机13800138000", "我的手机138****8000"),
    ("手机 138 0013 8000 请回电", "手机 138****8000 请回电"),
    ("手机138-0013-8000", "手机138****8000"),
    ("+86 13912345678", "139****5678"),
    ("手机１３８００１３８０００", "手机138****8000"),  # full-width digits
    ("身份证440104199003071239", "身份证4401**********1239"),
    ("身份证44010419900307123x", "身份证4401**********123x"),
    ("卡号6222021234567890123", "卡号6222***********0123"),
    ("邮箱zhangsan@example.com谢谢", "邮箱z*******@example.com谢谢"),
    ("座机020-83331234", "座机020-****1234"),
    ("座机(020)83331234转801", "座机(020)****1234转801"),
    ("电话：83331234", "电话：****1234"),
    ("车牌粤A12345的车", "车牌粤A****5的车"),
    ("车牌粤A·D12345", "车牌粤A*****5"),
    ("我叫张三，住在洪桥街道", "我叫张*，住在洪桥街道"),
    ("我叫王小明住在三楼", "我叫王**住在三楼"),
    ("我叫王明住在三楼", "我叫王*住在三楼"),
    ("姓名：欧阳娜娜", "姓名：欧***"),
    ("本人李四反映", "本人李*反映"),
    ("本人是赵六", "本人是赵*"),
])
def test_each_kind_of_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", [
    "拨打12345反映多次未果",
    "2024年3月1日晚上10点",
    "罚款12345678元",
    "本人反映小区噪音问题",
    "本人认为不合理",
    "越秀区洪桥街道三号楼",
    "",
])
def test_text_without_personal_data_stays_as_written(text: str) -> None:
    assert mask_personal_data(text) == text


def test_several_kinds_in_one_text_and_masking_twice_changes_nothing() -> None:
    text = ("我叫张三，手机13800138000，身份证440104199003071239，邮箱zs@qq.com，"
            "家里电话020-83331234，车牌粤A12345。")
    once = mask_personal_data(text)
    assert once == ("我叫张*，手机138****8000，身份证4401**********1239，邮箱z*@qq.com，"
                    "家里电话020-****1234，车牌粤A****5。")
    for secret in ("张三", "13800138000", "199003071", "zs@", "83331234", "A12345"):
        assert secret not in once
    assert mask_personal_data(once) == once


def test_aliases() -> None:
    assert alias_of("张三") == "张*"
    assert alias_of("欧阳娜娜") == "欧***"
    assert alias_of("广州市越秀区某某餐饮有限公司", enterprise=True) == "广州****有限公司"
    assert alias_of("") == "网友"
    assert alias_of(None) == "网友"
