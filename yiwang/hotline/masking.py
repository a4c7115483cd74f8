"""Masking personal data in text meant for the public (the message board): mobile and landline numbers, ID
numbers and other long digit runs (bank cards), e-mail addresses, licence plates, and a name given after a cue
such as 我叫 / 本人 / 姓名. Pure functions, no I/O.

Masking errs on the side of hiding: a moderator reads every post before it is published and may give back a word
that was hidden needlessly, but cannot take back a number that was published.
"""

from __future__ import annotations

import re

from yiwang.core.codes import mask_id_number, mask_name

# full-width digits, Latin letters and the characters of addresses and numbers fold to ASCII first, so that
# "１３８…" is found like "138…" (other full-width punctuation, such as the Chinese comma, stays as written)
_FOLD = {**{0xFF10 + i: ord("0") + i for i in range(10)}, **{0xFF21 + i: ord("A") + i for i in range(26)},
         **{0xFF41 + i: ord("a") + i for i in range(26)}, ord("＠"): ord("@"), ord("－"): ord("-"),
         ord("．"): ord("."), ord("＋"): ord("+"), ord("＿"): ord("_")}

_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# ID numbers (15 or 18 characters, the last may be X) and bank cards (16–19 digits): keep 4 + 4
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{14,18}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(\(0[0-9]{2,3}\)|（0[0-9]{2,3}）|0[0-9]{2,3})([ -]?)([2-9][0-9]{6,7})"
                       r"((?:-|转)[0-9]{1,5})?(?![0-9])")
# a local number without an area code is only taken for one after a word that says it is a phone number
_CUED_NUMBER = re.compile(r"(电话|座机|固话|联系方式|手机|tel|TEL|Tel)([:：是为\s]*)([2-9][0-9]{6,7})(?![0-9])")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"([{_PROVINCES}][A-Z])[·•.\s-]?([A-Z0-9]{{5,6}}|[A-Z0-9]{{4}}[挂学警港澳])(?![A-Za-z0-9])")

# a name is masked after these cues; after 本人 (also "I" in 本人认为) only when a surname follows
_STRONG_CUES = ("我叫", "姓名", "名字叫", "名字是", "联系人", "我的名字")
_WEAK_CUES = ("本人",)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
                      "司徒", "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "呼延", "澹台")
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆"
    "乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平"
    "计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公"
    "哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由")
_HAN = r"[\u4e00-\u9fff]"
# words that end a name run when a name is written straight into the sentence: 我叫王明住在… → 王明
_AFTER_NAME = frozenset("住在是的反投家今想要向因现居系和与从到对于今年向就也还已曾被把让给说称")
_NAME_CUE = re.compile(rf"({'|'.join(_STRONG_CUES + _WEAK_CUES)})([:：\s]*(?:是|为)?[:：\s]*)({_HAN}{{1,4}})")


def mask_email(address: str) -> str:
    """zhangsan@example.com → z*******@example.com."""
    local, _, domain = address.partition("@")
    return local[:1] + "*" * max(1, len(local) - 1) + "@" + domain


def mask_plate(plate: str) -> str:
    """粤A12345 → 粤A****5: the province and the city letter stay, the last character too."""
    return plate[:2] + "*" * (len(plate) - 3) + plate[-1]


def _name_span(run: str) -> str:
    """The name at the start of a run of Han characters: a compound surname and up to two more characters, or a
    surname and one or two more, ending early at a word that cannot be part of a name."""
    start = 2 if run[:2] in _COMPOUND_SURNAMES else 1
    end = start
    while end < len(run) and end < start + 2 and run[end] not in _AFTER_NAME:
        end += 1
    return run[:end]


def _mask_cued_name(m: re.Match[str]) -> str:
    cue, between, run = m.group(1), m.group(2), m.group(3)
    if cue in _WEAK_CUES and run[0] not in _SURNAMES and run[:2] not in _COMPOUND_SURNAMES:
        return m.group(0)
    name = _name_span(run)
    if len(name) < 2:
        return m.group(0)
    return cue + between + mask_name(name) + run[len(name):]


def _mask_landline(m: re.Match[str]) -> str:
    area, sep, number, extension = m.group(1), m.group(2), m.group(3), m.group(4) or ""
    return area + sep + "*" * (len(number) - 4) + number[-4:] + extension


def mask_personal_data(text: str) -> str:
    """``text`` with personal data masked: 13800138000 → 138****8000, an ID number keeps its first and last four
    characters, e-mail addresses keep the first letter and the domain, a landline its area code and last four
    digits, a licence plate its province, letter and last character, a name after a cue its surname (我叫张三 →
    我叫张*)."""
    if not text:
        return text
    out = text.translate(_FOLD)
    out = _EMAIL.sub(lambda m: mask_email(m.group(0)), out)
    out = _LONG_NUMBER.sub(lambda m: mask_id_number(m.group(0)), out)
    out = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _LANDLINE.sub(_mask_landline, out)
    out = _CUED_NUMBER.sub(lambda m: m.group(1) + m.group(2) + "*" * (len(m.group(3)) - 4) + m.group(3)[-4:], out)
    out = _PLATE.sub(lambda m: mask_plate(m.group(1) + m.group(2)), out)
    return _NAME_CUE.sub(_mask_cued_name, out)


def alias_of(name: str | None, *, enterprise: bool = False) -> str:
    """How a poster is shown: a person by surname (张*), an enterprise by the start and end of its name
    (广州****有限公司); 网友 without a name."""
    name = (name or "").strip()
    if not name:
        return "网友"
    if enterprise:
        return name[:2] + "****" + name[-4:] if len(name) > 6 else mask_name(name)
    return mask_name(name)[:40]


_ID_STATEMENT = re.compile(r"(我的)?(身份证|证件)(号码|号)?[:：是为\s]*[0-9]{6,17}[0-9Xx]")


def for_routing(text: str) -> str:
    """The request as routing should read it: a caller giving their ID number, phone or name is not asking about
    identity cards or the police, so those statements are taken out before the words are weighed."""
    return mask_personal_data(_ID_STATEMENT.sub("", text))
