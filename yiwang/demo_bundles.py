"""The 13 一件事一次办 bundles of the demo district (越秀区), as catalog import data.

Seed 003 names 8 bundles across an enterprise's life (企业开办 … 企业注销登记, with 员工录用 as the 8th of the
national first batch) and 5 across a person's (新生儿出生 … 退休). A bundle groups items of several
departments behind one application; this module supplies what the catalog needs for that:

- ``BUNDLE_DEPARTMENTS``: the extra 越秀区 departments and service organisations the bundles need, in the
  shape of ``demo.DEPARTMENTS`` (name, region code, organisation-code body); ``seed_departments`` creates
  them like ``demo.seed_departments`` does, and ``fake_departments`` builds stand-ins for tests.
- ``bundle_items(depts_by_name)``: new district items (``ItemIn`` records) where the published catalog
  lacks them. ``depts_by_name`` maps department names (the demo's and ``BUNDLE_DEPARTMENTS``') to objects
  with ``.name`` and ``.uscc``; item codes are the department's USCC plus a 13-character tail.
- ``bundle_records(depts_by_name)``: the 13 ``{"kind": "bundle", …}`` import lines. They reference real
  provincial items of ``catalog/seed_data/guangdong.jsonl.gz`` (``REAL_ITEMS``), the demo's local items
  (``demo.local_items``) and the items above, so import the items first, then the bundles.

Items of one bundle share material names on purpose (申请人身份证明, 营业执照, 出生医学证明, 户口簿 …) and
share e-form property keys with identical titles (``FIELDS``), so a bundle's merged form asks each field
once and its de-duplicated material list is visibly shorter than the sum of its items'.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

from yiwang import demo

DISTRICT = "440104"

# --- departments ----------------------------------------------------------------------------------------

MARKET, HEALTH, HRSS = demo.DEPARTMENTS[1][0], demo.DEPARTMENTS[2][0], demo.DEPARTMENTS[3][0]
STREET, FIRE, ECO = demo.DEPARTMENTS[5][0], demo.FIRE, demo.ECO
POLICE = "广州市公安局越秀区分局"
MEDICAL = "广州市越秀区医疗保障局"
TAX = "国家税务总局广州市越秀区税务局"
EDUCATION = "广州市越秀区教育局"
CIVIL = "广州市越秀区民政局"
DISABLED = "广州市越秀区残疾人联合会"
FUND = "广州住房公积金管理中心越秀管理部"
DRC = "广州市越秀区发展和改革局"
CULTURE = "广州市越秀区文化广电旅游体育局"
POWER = "广东电网有限责任公司广州越秀供电局"
WATER = "广州市自来水有限公司越秀营业所"
GAS = "广州燃气集团有限公司越秀客户服务中心"
TELECOM = "中国电信股份有限公司广州越秀分公司"

BUNDLE_DEPARTMENTS = [
    # name, region, organisation code body (as demo.DEPARTMENTS)
    (POLICE, DISTRICT, "MB2C9101"),
    (MEDICAL, DISTRICT, "MB2C9102"),
    (TAX, DISTRICT, "MB2C9103"),
    (EDUCATION, DISTRICT, "MB2C9104"),
    (CIVIL, DISTRICT, "MB2C9105"),
    (DISABLED, DISTRICT, "MB2C9106"),
    (FUND, DISTRICT, "MB2C9107"),
    (DRC, DISTRICT, "MB2C9108"),
    (CULTURE, DISTRICT, "MB2C9109"),
    # public utilities and the telecom operator take part as service organisations (公共服务企业)
    (POWER, DISTRICT, "MB2C9110"),
    (WATER, DISTRICT, "MB2C9111"),
    (GAS, DISTRICT, "MB2C9112"),
    (TELECOM, DISTRICT, "MB2C9113"),
]


def department_uscc(region: str, org: str) -> str:
    """The USCC the demo gives a department (as demo.seed_departments does)."""
    return demo.make_uscc("11" + region[:6], org)


def fake_departments() -> dict[str, Any]:
    """Stand-ins (``.name``, ``.uscc``, ``.region_code``) for the demo's and the bundles' departments, keyed
    by name, with the USCCs the demo seeding gives them; for building the records without a database."""
    return {name: SimpleNamespace(name=name, uscc=department_uscc(region, org), region_code=region)
            for name, region, org in [*demo.DEPARTMENTS, *BUNDLE_DEPARTMENTS]}


def seed_departments(session: Any) -> dict[str, Any]:
    """Create the bundle departments when missing (after ``demo.seed_departments``); returns every demo and
    bundle department by name, ready for ``bundle_items`` and ``bundle_records``."""
    from yiwang.core.permissions import SYSTEM
    from yiwang.org import service as org_service

    out = {d.name: d for d in demo.seed_departments(session)}
    for name, region, org in BUNDLE_DEPARTMENTS:
        out[name] = org_service.ensure_department(session, SYSTEM, name=name, region_code=region,
                                                  uscc=department_uscc(region, org))
    return out


# --- real items of the published provincial catalog (guangdong.jsonl.gz) ---------------------------------

REAL_ITEMS = {
    "内资有限责任公司设立登记": "11440000MB2D0234372440125017008",  # 广东省市场监督管理局
    "税务注销即时办理": "11440000006941354C244202403200101",  # 国家税务总局广东省税务局
    "《中华人民共和国残疾人证》新办证申请": "13440000455857174Y2442169016000",  # 广东省残疾人联合会
    "企业职工基本养老金申领": "11440000553612461J2442111665002",  # 广东省人力资源和社会保障厅
}

# --- shared e-form fields: one key, one title, one shape wherever a bundle's items ask for it ---------------

PHONE = r"^[0-9\-+ ]{7,20}$"
FIELDS: dict[str, dict[str, Any]] = {
    # enterprise
    "enterprise_name": {"type": "string", "title": "企业名称", "maxLength": 100},
    "uscc": {"type": "string", "title": "统一社会信用代码", "pattern": r"^[0-9A-HJ-NPQRTUWXY]{18}$"},
    "legal_representative": {"type": "string", "title": "法定代表人", "maxLength": 50},
    "contact_name": {"type": "string", "title": "联系人", "maxLength": 50},
    "contact_phone": {"type": "string", "title": "联系电话", "pattern": PHONE, "description": "手机或座机号码"},
    "address": {"type": "string", "title": "住所（经营场所）", "maxLength": 200},
    # person
    "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 50},
    "id_number": {"type": "string", "title": "公民身份号码", "pattern": r"^[0-9]{17}[0-9X]$"},
    "home_address": {"type": "string", "title": "居住地址", "maxLength": 200},
    # newborn and school entry
    "child_name": {"type": "string", "title": "子女姓名", "maxLength": 50},
    "child_gender": {"type": "string", "title": "子女性别", "enum": ["男", "女"]},
    "child_birth_date": {"type": "string", "format": "date", "title": "子女出生日期"},
    "child_id_number": {"type": "string", "title": "子女公民身份号码", "pattern": r"^[0-9]{17}[0-9X]$"},
    "mother_name": {"type": "string", "title": "母亲姓名", "maxLength": 50},
    "father_name": {"type": "string", "title": "父亲姓名", "maxLength": 50},
    "household_address": {"type": "string", "title": "户籍地址", "maxLength": 200},
    # premises for utility connections
    "premises": {"type": "string", "title": "用户地址（报装地址）", "maxLength": 200},
    "planned_date": {"type": "string", "format": "date", "title": "期望接入日期"},
}


def form(title: str, shared: list[str], own: dict[str, dict[str, Any]] | None = None,
         required: list[str] | None = None) -> dict[str, Any]:
    """An e-form of shared fields (by key, from FIELDS) plus the item's own; ``required`` defaults to the
    shared fields."""
    props = {k: dict(FIELDS[k]) for k in shared}
    props.update(own or {})
    return {"type": "object", "title": title, "properties": props,
            "required": list(shared if required is None else required), "x-order": list(props)}


ENTERPRISE_FORM = ["enterprise_name", "uscc", "legal_representative", "contact_name", "contact_phone", "address"]
PERSON_FORM = ["applicant_name", "id_number", "contact_phone", "home_address"]
CHILD_FORM = ["child_name", "child_gender", "child_birth_date", "mother_name", "father_name", "contact_phone"]

# --- shared materials: identical names so one upload or held licence serves every item asking for it -------


def _m(name: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "required": kw.pop("required", True), **kw}


ID_PROOF = _m("申请人身份证明", source="government", license_type="居民身份证", originals=1)
LEGAL_ID = _m("法定代表人身份证明", source="government", license_type="居民身份证")
AGENT = _m("授权委托书及经办人身份证明", required=False, notes="委托他人办理的提供")
LICENCE = _m("营业执照", source="government", issuer="市场监督管理部门", license_type="营业执照")
BIRTH_CERT = _m("出生医学证明", source="government", issuer="助产机构（卫生健康部门监制）",
                license_type="出生医学证明", originals=1)
PARENTS_ID = _m("父母双方身份证明", source="government", license_type="居民身份证")
HUKOU = _m("户口簿", source="government", issuer="公安机关", license_type="居民户口簿", originals=1)
PROPERTY = _m("房屋产权证明或租赁合同", notes="不动产权证书、购房合同或经登记备案的租赁合同之一")
SI_CARD = _m("社会保障卡", source="government", issuer="人力资源和社会保障部门", license_type="社会保障卡")
PROXY = _m("个人委托书", required=False, notes="委托他人代办的提供（与企业职工基本养老金申领所用相同）")
# results of another item of the same bundle are optional: an applicant already holding them shows them, one
# applying for both at once gets them shared by the issuing department
DISABILITY_CERT = _m("中华人民共和国残疾人证", required=False, source="government", issuer="残疾人联合会",
                     license_type="残疾人证", notes="已持证的提供；与残疾人证新办同时申请的，由残联共享办证结果")
RETIREMENT = _m("退休审批表", required=False, source="government", issuer="社会保险经办机构",
                notes="已办理退休审批的提供；与养老金申领同时申请的，由社会保险经办机构共享")
SEAL_DECISION = _m("股东会决议或者股东决定", notes="须载明变更、清算或注销事项")
PHOTO = _m("近期一寸免冠彩色照片", form="any", originals=1)

CONSULT = {MARKET: "020-83001201", HEALTH: "020-83003301", HRSS: "020-83004301", POLICE: "020-83115110",
           MEDICAL: "020-83005301", TAX: "12366", EDUCATION: "020-83006301", CIVIL: "020-83007301",
           DISABLED: "020-83008301", FUND: "12329", DRC: "020-83009301", CULTURE: "020-83010301",
           POWER: "95598", WATER: "96968", GAS: "96833", TELECOM: "10000", STREET: "020-83011301",
           ECO: "020-83012301", FIRE: "020-83013119"}

WORKING = "working_day"


def _limit(days: int) -> dict[str, Any]:
    return {"value": days, "unit": WORKING}


def bundle_items(depts_by_name: dict[str, Any]) -> list[dict[str, Any]]:
    """New 越秀区 items the bundles need (ItemIn records, level 4 — the street office's level 5 — online and in
    the hall)."""
    common: dict[str, Any] = {
        "region_code": DISTRICT, "level": 4, "complaint_phone": "020-12345", "online": True, "online_depth": 4,
        "in_hall": True, "appointment": True, "postal_delivery": True, "visits": 0,
        "location": "广州市越秀区政务服务中心（越秀区东风中路 450 号）“一件事”综合受理窗口",
        "office_hours": "周一至周五 9:00-12:00，13:00-17:00（法定节假日除外）"}
    seq: dict[str, int] = {}
    dept_no = {name: 101 + i for i, name in enumerate(CONSULT)}  # apart from demo.local_items' 001-003

    def item(dept: str, item_type: str, name: str, audience: str, **kw: Any) -> dict[str, Any]:
        d = depts_by_name[dept]
        seq[dept] = seq.get(dept, 0) + 1
        tail = f"444{item_type}{dept_no[dept]:03d}{seq[dept]:02d}000"
        record = dict(common, code=f"{d.uscc}{tail}", department=d.name, item_type=item_type, name=name,
                      audience=["2"] if audience == "enterprise" else ["1"], consult_phone=CONSULT[dept])
        record.update(kw)
        return copy.deepcopy(record)  # shared materials and fields stay shared by value, not by object

    ent, per = "enterprise", "person"
    items = [
        # --- 企业开办 ---------------------------------------------------------------------------------
        item(POLICE, "20", "公章刻制备案", ent, legal_limit="immediate", promised_limit="immediate",
             themes=["开办企业"], conditions="依法登记取得营业执照的企业，首次刻制公章、财务专用章等印章。",
             legal_basis="《国务院关于第三批取消中央指定地方实施行政许可事项的决定》；《印铸刻字业暨旧货业管理规则》",
             result={"name": "印章备案回执"},
             materials=[LICENCE, LEGAL_ID, _m("印章刻制申请表", form="electronic"), AGENT],
             form_schema=form("印章刻制备案表", ENTERPRISE_FORM, {
                 "seal_kinds": {"type": "string", "title": "刻制印章种类", "maxLength": 200,
                                "description": "例如：公章、财务专用章、发票专用章、合同专用章"},
                 "seal_maker": {"type": "string", "title": "选定的刻章企业", "maxLength": 100}})),
        item(TAX, "20", "新办纳税人涉税事项综合办理", ent, legal_limit="immediate", promised_limit="immediate",
             themes=["开办企业", "纳税缴费"],
             conditions="新设立登记的纳税人，一次办理信息确认、税费种认定、发票票种核定及发票领用等事项。",
             legal_basis="《中华人民共和国税收征收管理法》第十五条；《中华人民共和国发票管理办法》第十五条",
             result={"name": "发票票种核定结果"},
             materials=[LICENCE, LEGAL_ID, _m("新办纳税人套餐业务表单", form="electronic"), AGENT],
             form_schema=form("新办纳税人涉税事项表", ENTERPRISE_FORM, {
                 "accountant": {"type": "string", "title": "财务负责人", "maxLength": 50},
                 "taxpayer_kind": {"type": "string", "title": "纳税人类型", "enum": ["小规模纳税人", "一般纳税人"]},
                 "invoice_kind": {"type": "string", "title": "申领发票种类",
                                  "enum": ["数电发票", "增值税普通发票", "增值税专用发票"]}})),
        item(HRSS, "20", "单位社会保险参保登记", ent, legal_limit=_limit(5), promised_limit="immediate",
             themes=["开办企业", "用工人才"],
             conditions="依法设立的用人单位，自成立之日起三十日内申请社会保险登记。",
             legal_basis="《中华人民共和国社会保险法》第五十七条；《社会保险费征缴暂行条例》第七条",
             result={"name": "社会保险参保登记信息"},
             materials=[LICENCE, LEGAL_ID, _m("社会保险单位参保登记表", form="electronic")],
             form_schema=form("单位社会保险参保登记表", ENTERPRISE_FORM, {
                 "bank_account": {"type": "string", "title": "缴费银行账号", "maxLength": 40},
                 "insured_count": {"type": "integer", "title": "参保职工人数", "minimum": 0, "maximum": 100000}})),
        item(FUND, "20", "住房公积金单位缴存登记", ent, legal_limit=_limit(3), promised_limit="immediate",
             themes=["开办企业", "用工人才"],
             conditions="新设立的单位，自设立之日起三十日内到住房公积金管理中心办理缴存登记。",
             legal_basis="《住房公积金管理条例》第十四条",
             result={"name": "住房公积金单位登记号"},
             materials=[LICENCE, LEGAL_ID, _m("住房公积金单位缴存登记表", form="electronic"), AGENT],
             form_schema=form("住房公积金单位缴存登记表", ENTERPRISE_FORM, {
                 "deposit_rate": {"type": "number", "title": "单位缴存比例（%）", "minimum": 5, "maximum": 12},
                 "insured_count": {"type": "integer", "title": "参保职工人数", "minimum": 0, "maximum": 100000}})),
        # --- 企业信息变更 -------------------------------------------------------------------------------
        item(MARKET, "07", "有限责任公司变更登记", ent, legal_limit=_limit(15), promised_limit=_limit(1),
             themes=["变更注销"], conditions="公司登记事项发生变更的，自作出变更决议或者决定之日起三十日内申请变更登记。",
             legal_basis="《中华人民共和国公司法》第三十四条；《中华人民共和国市场主体登记管理条例》第二十四条",
             result={"name": "营业执照", "license_type": "营业执照"},
             materials=[LICENCE, LEGAL_ID, SEAL_DECISION, _m("公司变更登记申请书", form="electronic"),
                        _m("修改后的公司章程或者章程修正案"), AGENT],
             form_schema=form("公司变更登记申请表", ENTERPRISE_FORM, {
                 "change_items": {"type": "string", "title": "变更事项", "maxLength": 200,
                                  "description": "例如：名称、住所、法定代表人、注册资本、经营范围"},
                 "change_after": {"type": "string", "title": "变更后内容", "maxLength": 2000, "x-widget": "textarea"},
                 "resolution_date": {"type": "string", "format": "date", "title": "变更决议日期"}},
                 required=[*ENTERPRISE_FORM, "change_items", "change_after"])),
        item(TAX, "20", "纳税人登记信息变更", ent, legal_limit="immediate", promised_limit="immediate",
             themes=["变更注销", "纳税缴费"],
             conditions="已办理市场主体变更登记的纳税人，市场监管部门共享的变更信息经确认后同步更新税务登记信息。",
             legal_basis="《中华人民共和国税收征收管理法实施细则》第十四条",
             materials=[LICENCE, SEAL_DECISION, _m("变更税务登记表", form="electronic")],
             form_schema=form("税务登记信息变更表", ENTERPRISE_FORM, {
                 "change_items": {"type": "string", "title": "变更事项", "maxLength": 200,
                                  "description": "例如：名称、住所、法定代表人、注册资本、经营范围"},
                 "accountant": {"type": "string", "title": "财务负责人", "maxLength": 50}})),
        item(HRSS, "20", "单位社会保险登记信息变更", ent, legal_limit=_limit(5), promised_limit="immediate",
             themes=["变更注销", "用工人才"],
             conditions="参保单位名称、住所、法定代表人等登记事项发生变更的，自变更之日起三十日内办理。",
             legal_basis="《社会保险费征缴暂行条例》第九条",
             materials=[LICENCE, _m("社会保险单位信息变更登记表", form="electronic")],
             form_schema=form("单位社会保险信息变更表", ENTERPRISE_FORM, {
                 "change_items": {"type": "string", "title": "变更事项", "maxLength": 200,
                                  "description": "例如：名称、住所、法定代表人、注册资本、经营范围"}})),
        item(FUND, "20", "住房公积金单位信息变更", ent, legal_limit=_limit(3), promised_limit="immediate",
             themes=["变更注销"],
             conditions="缴存单位名称、住所、法定代表人等信息发生变更的，自变更之日起三十日内办理变更登记。",
             legal_basis="《住房公积金管理条例》第十四条",
             materials=[LICENCE, _m("住房公积金单位信息变更登记表", form="electronic"), AGENT],
             form_schema=form("住房公积金单位信息变更表", ENTERPRISE_FORM, {
                 "change_items": {"type": "string", "title": "变更事项", "maxLength": 200,
                                  "description": "例如：名称、住所、法定代表人、注册资本、经营范围"}})),
        # --- 水电气网联合报装 ----------------------------------------------------------------------------
        item(POWER, "20", "低压非居民用电报装", ent, legal_limit=_limit(5), promised_limit=_limit(3),
             themes=["工程建设"],
             conditions="用电容量在 160 千瓦及以下、以低压方式接入电网的非居民用户。",
             legal_basis="《中华人民共和国电力法》第二十六条；《供电营业规则》",
             process="线上申请 → 现场勘查与方案答复（合并）→ 装表接电",
             result={"name": "供用电合同"},
             materials=[LICENCE, LEGAL_ID, PROPERTY, _m("用电设备清单", required=False)],
             form_schema=form("低压用电报装申请表", [*ENTERPRISE_FORM, "premises", "planned_date"], {
                 "power_capacity": {"type": "number", "title": "申请用电容量（千瓦）", "minimum": 1,
                                    "maximum": 160}})),
        item(WATER, "20", "非居民用水报装", ent, legal_limit=_limit(5), promised_limit=_limit(4),
             themes=["工程建设"],
             conditions="在供水管网覆盖范围内，需新装生产经营用水的单位。",
             legal_basis="《城市供水条例》；《广州市供水用水条例》",
             result={"name": "供用水合同"},
             materials=[LICENCE, LEGAL_ID, PROPERTY, _m("用水报装申请表", form="electronic")],
             form_schema=form("用水报装申请表", [*ENTERPRISE_FORM, "premises", "planned_date"], {
                 "water_use": {"type": "string", "title": "用水性质", "enum": ["非居民生活", "特种行业", "消防"]},
                 "pipe_size": {"type": "integer", "title": "接驳管径（毫米）", "minimum": 15, "maximum": 300}})),
        item(GAS, "20", "非居民管道燃气报装", ent, legal_limit=_limit(10), promised_limit=_limit(6),
             themes=["工程建设"],
             conditions="在管道燃气覆盖范围内、用气场所符合燃气安全使用条件的非居民用户。",
             legal_basis="《城镇燃气管理条例》第十七条；《广州市燃气管理办法》",
             result={"name": "供用气合同"},
             materials=[LICENCE, LEGAL_ID, PROPERTY, _m("用气设备清单及厨房平面图")],
             form_schema=form("管道燃气报装申请表", [*ENTERPRISE_FORM, "premises", "planned_date"], {
                 "gas_load": {"type": "number", "title": "预计小时用气量（立方米）", "minimum": 0.1,
                              "maximum": 10000}})),
        item(TELECOM, "20", "企业宽带（互联网专线）报装", ent, legal_limit=_limit(5), promised_limit=_limit(3),
             themes=["工程建设"], conditions="在光纤网络覆盖范围内需开通宽带或互联网专线的企业。",
             legal_basis="《中华人民共和国电信条例》",
             result={"name": "电信业务服务协议"},
             materials=[LICENCE, LEGAL_ID, PROPERTY],
             form_schema=form("宽带报装申请表", [*ENTERPRISE_FORM, "premises", "planned_date"], {
                 "bandwidth": {"type": "string", "title": "带宽", "enum": ["300M", "500M", "1000M", "专线（另议）"]}})),
        # --- 信用修复 ----------------------------------------------------------------------------------
        item(MARKET, "07", "移出经营异常名录", ent, legal_limit=_limit(5), promised_limit=_limit(3),
             themes=["变更注销"],
             conditions="因未按期公示年度报告等原因被列入经营异常名录，已补报或更正并公示的企业。",
             legal_basis="《企业信息公示暂行条例》；《市场监督管理信用修复管理办法》",
             result={"name": "移出经营异常名录决定书"},
             materials=[LICENCE, _m("信用修复申请书", form="electronic"), _m("信用修复承诺书", form="electronic"),
                        _m("已履行法定义务的证明材料")],
             form_schema=form("移出经营异常名录申请表", ENTERPRISE_FORM, {
                 "listing_reason": {"type": "string", "title": "列入原因", "maxLength": 200},
                 "repair_reason": {"type": "string", "title": "申请修复理由", "maxLength": 2000,
                                   "x-widget": "textarea"}})),
        item(TAX, "07", "纳税信用修复", ent, legal_limit=_limit(15), promised_limit=_limit(5),
             themes=["纳税缴费"],
             conditions="纳入纳税信用管理、已纠正失信行为并履行相应义务的企业纳税人。",
             legal_basis="《纳税信用管理办法》；《国家税务总局关于纳税信用修复有关事项的公告》（2019 年第 37 号）",
             result={"name": "纳税信用修复结果告知书"},
             materials=[LICENCE, _m("信用修复申请书", form="electronic"), _m("信用修复承诺书", form="electronic"),
                        _m("已履行法定义务的证明材料")],
             form_schema=form("纳税信用修复申请表", ENTERPRISE_FORM, {
                 "repair_reason": {"type": "string", "title": "申请修复理由", "maxLength": 2000,
                                   "x-widget": "textarea"},
                 "tax_year": {"type": "integer", "title": "申请修复的评价年度", "minimum": 2014, "maximum": 2100}})),
        item(DRC, "10", "行政处罚信息信用修复", ent, legal_limit=_limit(15), promised_limit=_limit(5),
             themes=["变更注销"],
             conditions="行政处罚信息最短公示期已满、已履行处罚决定并作出信用承诺的企业，申请停止在信用网站公示。",
             legal_basis="《失信行为纠正后的信用信息修复管理办法（试行）》；《广东省社会信用条例》",
             result={"name": "信用修复决定书"},
             materials=[LICENCE, _m("信用修复申请书", form="electronic"), _m("信用修复承诺书", form="electronic"),
                        _m("行政处罚决定书"), _m("已履行法定义务的证明材料")],
             form_schema=form("行政处罚信息信用修复申请表", ENTERPRISE_FORM, {
                 "penalty_no": {"type": "string", "title": "行政处罚决定书文号", "maxLength": 100},
                 "repair_reason": {"type": "string", "title": "申请修复理由", "maxLength": 2000,
                                   "x-widget": "textarea"}}, required=[*ENTERPRISE_FORM, "penalty_no"])),
    ]
    # --- 企业上市合法合规信息核查: one compliance statement per department (专项信用报告替代无违法违规证明) --
    listing_own: dict[str, dict[str, Any]] = {"period_from": {"type": "string", "format": "date", "title": "核查期间起"},
                   "period_to": {"type": "string", "format": "date", "title": "核查期间止"},
                   "purpose": {"type": "string", "title": "用途", "enum": ["首次公开发行股票并上市", "新三板挂牌",
                                                                        "再融资", "重大资产重组"]}}
    for dept, area, basis in (
            (MARKET, "市场监管", "《中华人民共和国行政处罚法》；《广东省社会信用条例》"),
            (TAX, "税务", "《中华人民共和国税收征收管理法》；《广东省社会信用条例》"),
            (HRSS, "人力资源和社会保障", "《中华人民共和国社会保险法》；《广东省社会信用条例》"),
            (FUND, "住房公积金", "《住房公积金管理条例》；《广东省社会信用条例》"),
            (ECO, "生态环境", "《中华人民共和国环境保护法》；《广东省社会信用条例》"),
            (FIRE, "消防安全", "《中华人民共和国消防法》；《广东省社会信用条例》")):
        items.append(item(dept, "20", f"企业上市{area}领域合法合规情况核查", ent, legal_limit=_limit(10),
                          promised_limit=_limit(5), themes=["变更注销"],
                          conditions="拟上市（挂牌）或再融资的企业，申请核查其在本领域的行政处罚和违法违规记录。",
                          legal_basis=basis, result={"name": f"{area}领域合法合规情况核查意见"},
                          materials=[LICENCE, _m("企业上市合法合规信息核查申请书", form="electronic"),
                                     _m("拟上市情况说明"), AGENT],
                          form_schema=form("企业上市合法合规信息核查申请表", ENTERPRISE_FORM, listing_own,
                                           required=[*ENTERPRISE_FORM, "period_from", "period_to", "purpose"])))
    # --- 企业破产信息核查: the administrator (破产管理人) asks each department once ------------------------
    bankruptcy_own: dict[str, dict[str, Any]] = {"administrator": {"type": "string", "title": "破产管理人", "maxLength": 100},
                      "court_case_no": {"type": "string", "title": "法院受理破产案件案号", "maxLength": 100}}
    bankruptcy_materials = [_m("人民法院受理破产申请裁定书"), _m("指定管理人决定书"),
                            _m("管理人身份证明及授权委托书"), _m("破产信息核查申请表", form="electronic")]
    for dept, name, result in (
            (MARKET, "破产企业登记档案及股权出质信息核查", "企业登记档案及股权出质信息"),
            (TAX, "破产企业纳税申报及欠税信息核查", "纳税申报及欠税信息"),
            (HRSS, "破产企业社会保险参保缴费信息核查", "社会保险参保缴费信息"),
            (FUND, "破产企业住房公积金缴存信息核查", "住房公积金缴存信息")):
        items.append(item(dept, "20", name, ent, legal_limit=_limit(10), promised_limit=_limit(5),
                          themes=["变更注销"],
                          conditions="人民法院裁定受理破产申请并指定管理人后，管理人为调查债务人财产状况申请查询。",
                          legal_basis="《中华人民共和国企业破产法》第二十五条", result={"name": result},
                          materials=bankruptcy_materials,
                          form_schema=form("企业破产信息核查申请表", ["enterprise_name", "uscc", "contact_name",
                                                                 "contact_phone"], bankruptcy_own,
                                           required=["enterprise_name", "uscc", "administrator", "court_case_no",
                                                     "contact_phone"])))
    closing_own: dict[str, dict[str, Any]] = {"close_reason": {"type": "string", "title": "注销原因",
                                    "enum": ["决议解散", "营业期限届满", "被依法吊销营业执照后清算完毕", "其他"]},
                   "clearance_date": {"type": "string", "format": "date", "title": "清算完毕日期"}}
    items += [
        # --- 企业注销登记 --------------------------------------------------------------------------------
        item(MARKET, "07", "公司注销登记", ent, legal_limit=_limit(15), promised_limit=_limit(1),
             themes=["变更注销"], conditions="公司解散且清算完毕，或者符合简易注销条件的，申请注销登记。",
             legal_basis="《中华人民共和国公司法》第二百三十九条；《中华人民共和国市场主体登记管理条例》第三十一条",
             result={"name": "准予注销登记通知书"},
             materials=[LICENCE, SEAL_DECISION, _m("注销登记申请书", form="electronic"), _m("清算报告"),
                        _m("清税证明", required=False, source="government", issuer="税务机关",
                           notes="税务注销同步办理的，由税务部门共享清税信息，无需提交"), AGENT],
             form_schema=form("公司注销登记申请表", ENTERPRISE_FORM, closing_own,
                              required=[*ENTERPRISE_FORM, "close_reason"])),
        item(HRSS, "20", "单位社会保险注销登记", ent, legal_limit=_limit(5), promised_limit="immediate",
             themes=["变更注销"], conditions="依法终止的用人单位，已结清社会保险费，自终止之日起三十日内办理。",
             legal_basis="《社会保险费征缴暂行条例》第十条",
             materials=[LICENCE, SEAL_DECISION, _m("社会保险单位注销登记表", form="electronic")],
             form_schema=form("单位社会保险注销登记表", ENTERPRISE_FORM, closing_own)),
        item(FUND, "20", "住房公积金单位缴存注销", ent, legal_limit=_limit(5), promised_limit=_limit(1),
             themes=["变更注销"], conditions="单位撤销、解散或者破产的，为职工补缴欠缴的住房公积金后办理注销登记。",
             legal_basis="《住房公积金管理条例》第十四条、第十五条",
             materials=[LICENCE, SEAL_DECISION, _m("住房公积金单位注销登记表", form="electronic"), AGENT],
             form_schema=form("住房公积金单位注销登记表", ENTERPRISE_FORM, closing_own)),
        item(POLICE, "20", "印章注销备案", ent, legal_limit="immediate", promised_limit="immediate",
             themes=["变更注销"], conditions="企业注销的，其刻制备案的印章一并缴销。",
             legal_basis="《印铸刻字业暨旧货业管理规则》",
             materials=[LICENCE, _m("原备案印章及印章备案回执")],
             form_schema=form("印章注销备案表", ENTERPRISE_FORM, {
                 "seal_kinds": {"type": "string", "title": "缴销印章种类", "maxLength": 200}})),
    ]
    # --- 员工录用 -----------------------------------------------------------------------------------------
    hire_shared = ["enterprise_name", "uscc", "contact_phone", "employee_name", "employee_id_number", "hire_date"]
    hire_fields: dict[str, dict[str, Any]] = {"employee_name": {"type": "string", "title": "录用人员姓名", "maxLength": 50},
                   "employee_id_number": {"type": "string", "title": "录用人员公民身份号码",
                                          "pattern": r"^[0-9]{17}[0-9X]$"},
                   "hire_date": {"type": "string", "format": "date", "title": "录用日期"}}

    def hire_form(title: str, own: dict[str, dict[str, Any]]) -> dict[str, Any]:
        schema = form(title, ["enterprise_name", "uscc", "contact_phone"], {**hire_fields, **own},
                      required=hire_shared)
        return schema

    employee_id = _m("录用人员身份证明", source="government", license_type="居民身份证")
    contract = _m("劳动合同", notes="或能证明劳动关系的其他材料")
    items += [
        item(HRSS, "20", "用人单位招用人员就业登记", ent, legal_limit=_limit(5), promised_limit="immediate",
             themes=["用工人才"], conditions="用人单位招用劳动者，应当自招用之日起三十日内办理就业登记。",
             legal_basis="《中华人民共和国就业促进法》；《就业服务与就业管理规定》第六十二条",
             materials=[LICENCE, employee_id, contract],
             form_schema=hire_form("就业登记表", {
                 "job_title": {"type": "string", "title": "工作岗位", "maxLength": 50},
                 "contract_term": {"type": "string", "title": "劳动合同期限",
                                   "enum": ["固定期限", "无固定期限", "以完成一定工作任务为期限"]}})),
        item(HRSS, "20", "职工社会保险参保登记（增员）", ent, legal_limit=_limit(5), promised_limit="immediate",
             themes=["用工人才"], conditions="用人单位应当自用工之日起三十日内为其职工申请办理社会保险登记。",
             legal_basis="《中华人民共和国社会保险法》第五十八条",
             materials=[LICENCE, employee_id, contract],
             form_schema=hire_form("职工参保登记表", {
                 "monthly_wage": {"type": "number", "title": "月缴费工资（元）", "minimum": 0,
                                  "maximum": 1000000}})),
        item(MEDICAL, "20", "职工基本医疗保险参保登记", ent, legal_limit=_limit(5), promised_limit="immediate",
             themes=["用工人才"], conditions="用人单位为新录用职工办理职工基本医疗保险（含生育保险）参保。",
             legal_basis="《中华人民共和国社会保险法》第二十三条",
             materials=[LICENCE, employee_id],
             form_schema=hire_form("职工医保参保登记表", {
                 "designated_hospital": {"type": "string", "title": "选定的定点医疗机构", "maxLength": 100}})),
        item(FUND, "20", "住房公积金个人账户设立", ent, legal_limit=_limit(3), promised_limit="immediate",
             themes=["用工人才"], conditions="单位录用职工的，自录用之日起三十日内为职工办理住房公积金账户设立。",
             legal_basis="《住房公积金管理条例》第十五条",
             materials=[LICENCE, employee_id, contract],
             form_schema=hire_form("住房公积金个人账户设立表", {
                 "deposit_base": {"type": "number", "title": "缴存基数（元）", "minimum": 0, "maximum": 1000000}})),
    ]
    # --- persons --------------------------------------------------------------------------------------------
    newborn = [*CHILD_FORM, "household_address"]
    items += [
        # --- 新生儿出生 ----------------------------------------------------------------------------------
        item(HEALTH, "20", "预防接种证办理", per, legal_limit="immediate", promised_limit="immediate",
             themes=["生育收养", "医疗保障"], conditions="在本区出生或居住的适龄儿童，由监护人办理预防接种证。",
             legal_basis="《中华人民共和国疫苗管理法》第四十七条",
             result={"name": "预防接种证"},
             materials=[BIRTH_CERT, PARENTS_ID],
             form_schema=form("预防接种证办理登记表", CHILD_FORM, {
                 "clinic": {"type": "string", "title": "选择的接种门诊", "maxLength": 100}})),
        item(POLICE, "07", "出生登记", per, legal_limit=_limit(5), promised_limit=_limit(1),
             themes=["生育收养", "户籍证件"], conditions="婴儿出生一个月以内，由户主、亲属、抚养人向户口登记机关申报出生登记。",
             legal_basis="《中华人民共和国户口登记条例》第七条",
             result={"name": "户口簿（新生儿户口登记页）", "license_type": "居民户口簿"},
             materials=[BIRTH_CERT, PARENTS_ID, HUKOU, _m("父母结婚证", required=False)],
             form_schema=form("出生登记申报表", newborn, {
                 "birth_place": {"type": "string", "title": "出生地点（医院）", "maxLength": 100},
                 "declarer_relation": {"type": "string", "title": "申报人与新生儿关系",
                                       "enum": ["父亲", "母亲", "祖父母、外祖父母", "其他监护人"]}})),
        item(MEDICAL, "20", "新生儿城乡居民基本医疗保险参保登记", per, legal_limit=_limit(5), promised_limit="immediate",
             themes=["生育收养", "医疗保障"], conditions="本市户籍或持居住证人员的新生儿，出生后办理城乡居民医保参保缴费。",
             legal_basis="《中华人民共和国社会保险法》第二十五条；《广州市城乡居民社会医疗保险试行办法》",
             materials=[BIRTH_CERT, PARENTS_ID, HUKOU],
             form_schema=form("城乡居民医保参保登记表", newborn, {
                 "child_id_number": dict(FIELDS["child_id_number"]),
                 "payer_bank_account": {"type": "string", "title": "代扣缴费银行账号", "maxLength": 40}})),
        item(HRSS, "20", "社会保障卡申领", per, legal_limit=_limit(15), promised_limit=_limit(10),
             themes=["社会保险"], conditions="参加社会保险或领取社会保险待遇的人员（含新生儿、未成年人，由监护人代办）。",
             legal_basis="《中华人民共和国社会保险法》第五十八条；《社会保障卡管理办法》",
             result={"name": "社会保障卡", "license_type": "社会保障卡"},
             materials=[ID_PROOF, HUKOU, PHOTO, _m("监护人身份证明", required=False, source="government",
                                                    license_type="居民身份证", notes="未成年人由监护人代办的提供")],
             form_schema=form("社会保障卡申领表", PERSON_FORM, {
                 "bank": {"type": "string", "title": "金融功能开户银行",
                          "enum": ["中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "广州农村商业银行"]},
                 "mail": {"type": "boolean", "title": "制卡后邮寄到家"}})),
        # --- 教育入学 ----------------------------------------------------------------------------------
        item(EDUCATION, "20", "义务教育阶段新生入学报名", per, legal_limit=_limit(20), promised_limit=_limit(15),
             themes=["教育入学"], conditions="年满六周岁的适龄儿童，按学区划分由监护人申请入读小学一年级；初一新生按对口直升或电脑派位入学。",
             legal_basis="《中华人民共和国义务教育法》第十二条",
             result={"name": "入学通知书"},
             materials=[HUKOU, PARENTS_ID, PROPERTY, BIRTH_CERT],
             form_schema=form("义务教育新生入学报名表", [*CHILD_FORM, "child_id_number", "household_address"], {
                 "grade": {"type": "string", "title": "报读年级", "enum": ["小学一年级", "初中一年级"]},
                 "school": {"type": "string", "title": "对应学区学校", "maxLength": 100}})),
        item(EDUCATION, "20", "来穗人员随迁子女积分入学申请", per, legal_limit=_limit(20), promised_limit=_limit(15),
             themes=["教育入学"], conditions="持有效《广东省居住证》的来穗人员，为其适龄随迁子女申请积分入读公办学校学位。",
             legal_basis="《中华人民共和国义务教育法》第十二条；《广州市来穗人员随迁子女申请接受义务教育实施办法》",
             result={"name": "积分入学学位分配结果"},
             materials=[PARENTS_ID, HUKOU, PROPERTY, _m("广东省居住证", source="government", issuer="公安机关",
                                                       license_type="居住证"),
                        _m("社会保险缴费证明", source="government", issuer="社会保险经办机构")],
             form_schema=form("随迁子女积分入学申请表", [*CHILD_FORM, "child_id_number", "household_address"], {
                 "residence_years": {"type": "integer", "title": "在穗居住年限", "minimum": 0, "maximum": 80},
                 "grade": {"type": "string", "title": "报读年级", "enum": ["小学一年级", "初中一年级"]}})),
        item(HEALTH, "20", "入学入托预防接种证查验", per, legal_limit=_limit(5), promised_limit=_limit(2),
             themes=["教育入学", "医疗保障"], conditions="入托、入学儿童由接种单位查验预防接种证，出具查验证明并安排补种。",
             legal_basis="《中华人民共和国疫苗管理法》第四十八条",
             result={"name": "预防接种证查验证明"},
             materials=[PARENTS_ID, _m("预防接种证", originals=1)],
             form_schema=form("预防接种证查验登记表", CHILD_FORM, {
                 "school": {"type": "string", "title": "对应学区学校", "maxLength": 100}})),
        # --- 社保卡居民服务 -------------------------------------------------------------------------------
        item(HRSS, "20", "社会保障卡补换", per, legal_limit=_limit(10), promised_limit="immediate",
             themes=["社会保险"], conditions="社会保障卡遗失、损坏或有效期满的持卡人，可在即时制卡网点补换。",
             legal_basis="《社会保障卡管理办法》",
             result={"name": "社会保障卡", "license_type": "社会保障卡"},
             materials=[ID_PROOF, PHOTO],
             form_schema=form("社会保障卡补换申请表", PERSON_FORM, {
                 "replace_reason": {"type": "string", "title": "补换原因", "enum": ["遗失", "损坏", "有效期满", "信息变更"]}})),
        item(MEDICAL, "20", "职工医保个人账户家庭共济备案", per, legal_limit="immediate", promised_limit="immediate",
             themes=["医疗保障"], conditions="参加职工医保的人员，将个人账户用于配偶、父母、子女就医购药和参加居民医保缴费。",
             legal_basis="《国务院办公厅关于建立健全职工基本医疗保险门诊共济保障机制的指导意见》",
             materials=[ID_PROOF, SI_CARD, _m("亲属关系证明", source="government", issuer="公安机关",
                                             license_type="居民户口簿")],
             form_schema=form("家庭共济备案表", PERSON_FORM, {
                 "relative_name": {"type": "string", "title": "共济亲属姓名", "maxLength": 50},
                 "relation": {"type": "string", "title": "与本人关系", "enum": ["配偶", "父母", "子女"]}})),
        item(CULTURE, "20", "社会保障卡开通公共图书馆借阅服务", per, legal_limit="immediate", promised_limit="immediate",
             themes=["社会保险"], conditions="持有社会保障卡的居民，免押金开通区图书馆借阅功能。",
             legal_basis="《中华人民共和国公共图书馆法》第三十三条",
             materials=[ID_PROOF, SI_CARD],
             form_schema=form("借阅服务开通登记表", PERSON_FORM, {
                 "library": {"type": "string", "title": "常用图书馆", "enum": ["越秀区图书馆", "越秀区少年儿童图书馆"]}})),
        # --- 残疾人服务 ---------------------------------------------------------------------------------
        item(CIVIL, "05", "困难残疾人生活补贴和重度残疾人护理补贴申请", per, legal_limit=_limit(30),
             promised_limit=_limit(20), themes=["残疾人服务"],
             conditions="持第二代残疾人证、户籍在本区的低保、低收入家庭残疾人（生活补贴），或残疾等级为一、二级的残疾人（护理补贴）。",
             legal_basis="《中华人民共和国残疾人保障法》；《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》",
             result={"name": "残疾人两项补贴审批结果"},
             materials=[ID_PROOF, HUKOU, DISABILITY_CERT, _m("社会保障卡或银行账户信息", source="government",
                                                           license_type="社会保障卡")],
             form_schema=form("残疾人两项补贴申请表", PERSON_FORM, {
                 "disability_kind": {"type": "string", "title": "残疾类别",
                                     "enum": ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]},
                 "disability_grade": {"type": "string", "title": "残疾等级", "enum": ["一级", "二级", "三级", "四级"]},
                 "subsidy": {"type": "string", "title": "申请补贴",
                             "enum": ["困难残疾人生活补贴", "重度残疾人护理补贴", "两项补贴"]}})),
        item(DISABLED, "20", "残疾人基本型辅助器具适配", per, legal_limit=_limit(20), promised_limit=_limit(15),
             themes=["残疾人服务"], conditions="持残疾人证、户籍在本区、经评估有辅助器具需求的残疾人。",
             legal_basis="《中华人民共和国残疾人保障法》；《残疾预防和残疾人康复条例》",
             result={"name": "辅助器具适配服务单"},
             materials=[ID_PROOF, HUKOU, DISABILITY_CERT, _m("辅助器具适配评估表")],
             form_schema=form("辅助器具适配申请表", PERSON_FORM, {
                 "disability_kind": {"type": "string", "title": "残疾类别",
                                     "enum": ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]},
                 "device": {"type": "string", "title": "申请的辅助器具", "maxLength": 200}})),
        item(HRSS, "05", "重度残疾人城乡居民基本养老保险费代缴", per, legal_limit=_limit(20), promised_limit=_limit(10),
             themes=["残疾人服务", "社会保险"],
             conditions="参加城乡居民基本养老保险、残疾等级为一、二级的重度残疾人，由政府代缴最低档次养老保险费。",
             legal_basis="《国务院关于建立统一的城乡居民基本养老保险制度的意见》",
             materials=[ID_PROOF, HUKOU, DISABILITY_CERT],
             form_schema=form("城乡居民养老保险费代缴申请表", PERSON_FORM, {
                 "disability_grade": {"type": "string", "title": "残疾等级", "enum": ["一级", "二级", "三级", "四级"]}})),
        # --- 退休 -----------------------------------------------------------------------------------------
        item(MEDICAL, "07", "退休人员职工医保待遇核定", per, legal_limit=_limit(20), promised_limit=_limit(10),
             themes=["养老服务", "医疗保障"],
             conditions="办理退休手续、职工医保累计缴费年限达到规定年限的人员，核定退休后享受职工医保待遇、不再缴费。",
             legal_basis="《中华人民共和国社会保险法》第二十七条",
             result={"name": "退休医保待遇核定结果"},
             materials=[ID_PROOF, SI_CARD, PROXY, RETIREMENT],
             form_schema=form("退休人员医保待遇核定表", PERSON_FORM, {
                 "retire_date": {"type": "string", "format": "date", "title": "退休日期"},
                 "paid_years": {"type": "integer", "title": "医保累计缴费年限", "minimum": 0, "maximum": 60}})),
        item(FUND, "20", "离休、退休提取住房公积金", per, legal_limit=_limit(5), promised_limit="immediate",
             themes=["养老服务", "住房保障"], conditions="职工离休、退休的，可提取本人住房公积金账户余额并销户。",
             legal_basis="《住房公积金管理条例》第二十四条",
             materials=[ID_PROOF, SI_CARD, PROXY, RETIREMENT],
             form_schema=form("住房公积金退休提取申请表", PERSON_FORM, {
                 "retire_date": {"type": "string", "format": "date", "title": "退休日期"},
                 "bank_account": {"type": "string", "title": "收款银行账号", "maxLength": 40}})),
        item(STREET, "20", "退休人员社会化管理服务登记", per, legal_limit=_limit(10), promised_limit=_limit(5),
             region_code=demo.DEPARTMENTS[5][1], level=5,  # the street's own item (乡镇（街道）级)
             themes=["养老服务"], conditions="企业退休人员纳入居住地街道（社区）社会化管理服务。",
             legal_basis="《关于进一步加强企业退休人员社会化管理服务工作的意见》",
             materials=[ID_PROOF, HUKOU, PROXY],
             form_schema=form("退休人员社会化管理登记表", PERSON_FORM, {
                 "retire_date": {"type": "string", "format": "date", "title": "退休日期"},
                 "community": {"type": "string", "title": "居住社区", "maxLength": 100}})),
    ]
    return items


# --- the 13 bundles ----------------------------------------------------------------------------------------

ONE_STOP = "一次告知、一表申请、一套材料、一窗（网）受理、一次办结"

# code, name, audience, themes, item names (new items of bundle_items, REAL_ITEMS, or demo.local_items), text
BUNDLES: list[tuple[str, str, str, list[str], list[str], str]] = [
    ("YJS-440104-QYKB", "企业开办", "enterprise", ["开办企业"],
     ["内资有限责任公司设立登记", "公章刻制备案", "新办纳税人涉税事项综合办理", "单位社会保险参保登记",
      "住房公积金单位缴存登记", "食品经营许可（新办）"],
     "新设企业一次申请即完成设立登记、公章刻制、涉税事项、社保与公积金登记，经营食品的可一并申请食品经营许可。"),
    ("YJS-440104-QYBG", "企业信息变更", "enterprise", ["变更注销"],
     ["有限责任公司变更登记", "纳税人登记信息变更", "单位社会保险登记信息变更", "住房公积金单位信息变更"],
     "企业名称、住所、法定代表人等登记事项变更后，税务、社保、公积金信息随变更登记一并更新。"),
    ("YJS-440104-SDQW", "水电气网联合报装", "enterprise", ["工程建设", "开办企业"],
     ["低压非居民用电报装", "非居民用水报装", "非居民管道燃气报装", "企业宽带（互联网专线）报装"],
     "企业新装用电、用水、用气和宽带，一次提交报装申请，联合踏勘、同步接入。"),
    ("YJS-440104-XYXF", "信用修复", "enterprise", ["变更注销"],
     ["移出经营异常名录", "纳税信用修复", "行政处罚信息信用修复"],
     "已纠正失信行为的企业，一次申请即向市场监管、税务和发展改革部门同步提出信用修复。"),
    ("YJS-440104-SSHC", "企业上市合法合规信息核查", "enterprise", ["变更注销"],
     ["企业上市市场监管领域合法合规情况核查", "企业上市税务领域合法合规情况核查",
      "企业上市人力资源和社会保障领域合法合规情况核查", "企业上市住房公积金领域合法合规情况核查",
      "企业上市生态环境领域合法合规情况核查", "企业上市消防安全领域合法合规情况核查"],
     "拟上市企业一次申请，各部门同步核查其在本领域的违法违规记录并出具核查意见，替代分别开具无违法违规证明。"),
    ("YJS-440104-PCHC", "企业破产信息核查", "enterprise", ["变更注销"],
     ["破产企业登记档案及股权出质信息核查", "破产企业纳税申报及欠税信息核查",
      "破产企业社会保险参保缴费信息核查", "破产企业住房公积金缴存信息核查"],
     "破产管理人凭法院裁定和指定管理人决定书一次申请，查询债务人在各部门的登记、纳税、社保和公积金信息。"),
    ("YJS-440104-QYZX", "企业注销登记", "enterprise", ["变更注销"],
     ["税务注销即时办理", "公司注销登记", "单位社会保险注销登记", "住房公积金单位缴存注销", "印章注销备案"],
     "企业清算完毕后一次申请，税务清税、注销登记及社保、公积金、印章注销同步办理。"),
    ("YJS-440104-YGLY", "员工录用", "enterprise", ["用工人才"],
     ["用人单位招用人员就业登记", "职工社会保险参保登记（增员）", "职工基本医疗保险参保登记", "住房公积金个人账户设立"],
     "企业录用员工后一次填报，就业登记、社保增员、医保参保和公积金开户同步办理。"),
    ("YJS-440104-XSECS", "新生儿出生", "person", ["生育收养"],
     ["预防接种证办理", "出生登记", "新生儿城乡居民基本医疗保险参保登记", "社会保障卡申领"],
     "新生儿父母凭出生医学证明一次申请，预防接种证、户口登记、医保参保和社会保障卡一并办理。"),
    ("YJS-440104-JYRX", "教育入学", "person", ["教育入学"],
     ["义务教育阶段新生入学报名", "来穗人员随迁子女积分入学申请", "入学入托预防接种证查验"],
     "适龄儿童入读小学、初中时，监护人一次提交入学报名（随迁子女积分申请）并完成预防接种证查验。"),
    ("YJS-440104-SBKFW", "社保卡居民服务", "person", ["社会保险"],
     ["社会保障卡申领", "社会保障卡补换", "职工医保个人账户家庭共济备案", "社会保障卡开通公共图书馆借阅服务"],
     "居民一次申请即领取或补换社会保障卡，并开通医保家庭共济和图书馆借阅等一卡通服务。"),
    ("YJS-440104-CJRFW", "残疾人服务", "person", ["残疾人服务"],
     ["《中华人民共和国残疾人证》新办证申请", "困难残疾人生活补贴和重度残疾人护理补贴申请",
      "残疾人基本型辅助器具适配", "重度残疾人城乡居民基本养老保险费代缴"],
     "残疾人办证时一次申请，残疾人两项补贴、辅助器具适配和养老保险费代缴同步办理。"),
    ("YJS-440104-TX", "退休", "person", ["养老服务"],
     ["企业职工基本养老金申领", "退休人员职工医保待遇核定", "离休、退休提取住房公积金", "退休人员社会化管理服务登记"],
     "职工到龄退休时一次申请，养老金申领、医保待遇核定、公积金提取和社会化管理登记一并办理。"),
]


def bundle_records(depts_by_name: dict[str, Any]) -> list[dict[str, Any]]:
    """The 13 bundle import lines; item names resolve to codes among ``bundle_items``, the demo's local
    items and ``REAL_ITEMS``. Raises KeyError naming an item that resolves nowhere."""
    codes = dict(REAL_ITEMS)
    demo_depts = [depts_by_name[name] for name, _region, _org in demo.DEPARTMENTS]
    codes.update({r["name"]: r["code"] for r in demo.local_items(demo_depts)})
    codes.update({r["name"]: r["code"] for r in bundle_items(depts_by_name)})
    return [{"kind": "bundle", "code": code, "name": name, "items": [codes[i] for i in items],
             "audience": audience, "themes": themes, "description": f"{text}{ONE_STOP}。"}
            for code, name, audience, themes, items, text in BUNDLES]
