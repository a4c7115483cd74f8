"""A realistic demo: a provincial deployment (广东省) with a city and a county-level district, real
department names from the published catalog, staff for every role, a person and an enterprise."""

from __future__ import annotations

import datetime as dt
import logging
from importlib import resources

from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from yiwang.core.calendar import WorkCalendar
from yiwang.core.codes import org_code_check
from yiwang.core.db import session_scope
from yiwang.core.errors import DomainError
from yiwang.core.permissions import SYSTEM, Actor
from yiwang.identity import repository as identity_repo
from yiwang.identity import service as identity
from yiwang.org import service as org_service

log = logging.getLogger(__name__)

DEMO_PASSWORD = "Demo2026pass"  # noqa: S105 - printed for the demo on purpose

REGIONS = [
    ("440000", "广东省", None),
    ("440100", "广州市", "440000"),
    ("440104", "越秀区", "440100"),
    ("440103", "荔湾区", "440100"),  # 通办: its window takes in 越秀 items
    ("440104001000", "洪桥街道", "440104"),
    ("440104001001", "三眼井社区", "440104001000"),
]


def make_uscc(prefix8: str, org8: str) -> str:
    """A well-formed USCC for demo bodies: registration/type/region (8) + organisation code + check."""
    body = prefix8 + org8 + org_code_check(org8)
    return body + uscc.calc_check_digit(body + "0")


def make_id_number(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


DEPARTMENTS = [
    # name, region, organisation code body
    ("广州市越秀区政务服务数据管理局", "440104", "MB2C1234"),
    ("广州市越秀区市场监督管理局", "440104", "MB2C2001"),
    ("广州市越秀区卫生健康局", "440104", "MB2C3002"),
    ("广州市越秀区人力资源和社会保障局", "440104", "MB2C4003"),
    ("广州市越秀区纪委监委", "440104", "MB2C5004"),
    ("洪桥街道便民服务中心", "440104001000", "MB2C6005"),
    ("广东省政务服务和数据管理局", "440000", "MB2A0007"),
    # branch departments of the joint item (并联审批): they give opinions on 开办餐饮店 within their own limits
    ("广州市越秀区消防救援大队", "440104", "MB2C7006"),
    ("广州市生态环境局越秀分局", "440104", "MB2C8007"),
    # 跨域通办 and 转报 (docs/tongban.md): a second district whose window takes in 越秀 items, and the city bureau
    # a district bureau forwards to
    ("广州市荔湾区政务服务数据管理局", "440103", "MB2D1008"),
    ("广州市荔湾区市场监督管理局", "440103", "MB2D2009"),
    ("广州市市场监督管理局", "440100", "MB2B2010"),
]
FIRE, ECO = DEPARTMENTS[7][0], DEPARTMENTS[8][0]

STAFF = [
    # role label, login, name, department index, roles
    ("系统管理员", "admin", "周敏", 0, ["admin"]),
    ("综合窗口", "clerk", "李晓燕", 0, ["window_clerk"]),
    ("综合窗口（2 号窗）", "clerk2", "何晓东", 0, ["window_clerk"]),
    ("大厅负责人（窗口差评整改）", "hall_manager", "黄志勇", 0, ["approver"]),
    ("承办人", "handler", "王建国", 1, ["handler"]),
    ("审核人", "checker", "陈志强", 1, ["checker"]),
    ("审批人", "approver", "刘海涛", 1, ["approver"]),
    ("一人多岗（承办、审核、审批）", "health", "黄丽", 2, ["handler", "checker", "approver"]),
    ("监察员", "supervisor", "赵刚", 4, ["supervisor"]),
    ("代办员", "proxy", "何小梅", 5, ["proxy"]),
    ("事项管理员", "catalog", "林静", 6, ["admin"]),
    ("并联承办（消防）", "fire_handler", "梁志伟", 7, ["handler"]),
    ("并联审批（消防）", "fire_approver", "邓国华", 7, ["approver"]),
    ("并联承办（生态环境）、热线联络员", "eco_handler", "吴静怡", 8, ["handler", "hotline_liaison"]),
    ("并联审批（生态环境）", "eco_approver", "罗建明", 8, ["approver"]),
    ("通办窗口（荔湾区）", "clerk_lw", "陈美玲", 9, ["window_clerk"]),
    ("承办人（荔湾区市场监管）", "handler_lw", "冯志明", 10, ["handler"]),
    ("转报承办（市市场监管局）", "city_handler", "郑伟", 11, ["handler"]),
    ("转报审批（市市场监管局）", "city_approver", "孙丽华", 11, ["approver"]),
]

PERSON = ("张三", make_id_number("44010419900307123"), "13800138000")
ENTERPRISE = ("广州越秀示范餐饮有限公司", make_uscc("91440104", "MA5D0001"), "李四", "13900139000")


def local_items(depts: list) -> list[dict]:  # type: ignore[type-arg]
    """County-level items of the demo district, with complete guides, materials and e-forms."""
    market, health = depts[1], depts[2]
    consult, complaint = "020-83001201", "020-12345"
    common = {"region_code": "440104", "level": 4, "consult_phone": consult, "complaint_phone": complaint,
              "location": "广州市越秀区政务服务中心（越秀区东风中路 450 号）一楼综合窗口",
              "office_hours": "周一至周五 9:00-12:00，13:00-17:00（法定节假日除外）", "online": True,
              "online_depth": 4, "in_hall": True, "appointment": True, "postal_delivery": True, "visits": 0}
    return [
        dict(common, code=f"{market.uscc}4440100101000", department=market.name, item_type="01",
             name="食品经营许可（新办）", audience=["1", "2"], legal_limit={"value": 20, "unit": "working_day"},
             promised_limit={"value": 5, "unit": "working_day"}, pledge_allowed=True,
             conditions="申请人应具有与经营的食品品种、数量相适应的经营场所、设备设施、食品安全管理人员和管理制度。",
             legal_basis="《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》",
             process="网上申请 → 受理 → 审查（必要时现场核查）→ 决定 → 发证",
             result={"name": "食品经营许可证", "license_type": "食品经营许可证"},
             themes=["开办企业", "餐饮服务"],
             materials=[
                 {"name": "食品经营许可申请书", "required": True, "form": "electronic"},
                 {"name": "营业执照", "required": True, "source": "government", "issuer": "市场监督管理部门",
                  "license_type": "营业执照"},
                 {"name": "法定代表人（负责人）身份证明", "required": True, "source": "government",
                  "license_type": "居民身份证"},
                 {"name": "与食品经营相适应的主要设备设施布局、操作流程等文件", "required": True},
                 {"name": "食品安全自查、从业人员健康管理等食品安全管理制度", "required": True,
                  "deficiency_allowed": True},
             ],
             form_schema={"type": "object", "title": "食品经营许可申请表", "properties": {
                 "business_name": {"type": "string", "title": "经营者名称", "maxLength": 100},
                 "premises": {"type": "string", "title": "经营场所地址", "maxLength": 200},
                 "main_form": {"type": "string", "title": "主体业态", "enum": ["食品销售经营者", "餐饮服务经营者",
                                                                          "单位食堂"]},
                 "business_items": {"type": "string", "title": "经营项目", "maxLength": 500,
                                    "description": "例如：预包装食品销售（含冷藏冷冻食品）；热食类食品制售"},
                 "area": {"type": "number", "title": "经营场所面积（平方米）", "minimum": 1, "maximum": 100000},
                 "staff_count": {"type": "integer", "title": "从业人员数", "minimum": 1, "maximum": 10000},
                 "opening_date": {"type": "string", "format": "date", "title": "拟开业日期"},
                 "network": {"type": "boolean", "title": "是否通过网络经营"},
             }, "required": ["business_name", "premises", "main_form", "business_items", "area", "staff_count"]}),
        dict(common, code=f"{market.uscc}4440700102000", department=market.name, item_type="07",
             name="个体工商户设立登记", audience=["1"], legal_limit={"value": 15, "unit": "working_day"},
             promised_limit="immediate", themes=["开办企业"], cross_region=TONGBAN_RANGE,
             conditions="申请人为有经营能力的自然人，经营场所符合规定。",
             legal_basis="《促进个体工商户发展条例》；《中华人民共和国市场主体登记管理条例》",
             result={"name": "营业执照", "license_type": "营业执照"},
             materials=[{"name": "个体工商户登记（备案）申请书", "required": True, "form": "electronic"},
                        {"name": "经营者身份证明", "required": True, "source": "government",
                         "license_type": "居民身份证"},
                        {"name": "经营场所使用证明", "required": True}]),
        dict(common, code=f"{health.uscc}4440100301000", department=health.name, item_type="01",
             name="公共场所卫生许可（新办）", audience=["1", "2"], legal_limit={"value": 20, "unit": "working_day"},
             promised_limit={"value": 10, "unit": "working_day"}, pledge_allowed=True,
             consult_phone="020-83003301", themes=["开办企业", "住宿餐饮"],
             conditions="公共场所的卫生设施、卫生管理制度和从业人员健康情况符合国家卫生标准和要求。",
             legal_basis="《公共场所卫生管理条例》第八条",
             result={"name": "公共场所卫生许可证", "license_type": "公共场所卫生许可证"},
             materials=[{"name": "卫生许可证申请表", "required": True, "form": "electronic"},
                        {"name": "法定代表人或者负责人身份证明", "required": True, "source": "government",
                         "license_type": "居民身份证"},
                        {"name": "公共场所地址方位示意图、平面图和卫生设施平面布局图", "required": True},
                        {"name": "公共场所卫生检测或者评价报告", "required": True, "deficiency_allowed": True}]),
        dict(common, code=f"{health.uscc}4440700302000", department=health.name, item_type="07",
             name="出生医学证明补发", audience=["1"], legal_limit={"value": 20, "unit": "working_day"},
             promised_limit={"value": 3, "unit": "working_day"}, consult_phone="020-83003301",
             themes=["生育收养"], visits=1, visit_reason="须本人到现场核验身份并领取证件原件。", online_depth=3,
             result={"name": "出生医学证明", "license_type": "出生医学证明"},
             materials=[{"name": "出生医学证明补发申请表", "required": True},
                        {"name": "父母双方有效身份证件", "required": True, "source": "government",
                         "license_type": "居民身份证"},
                        {"name": "出生医学记录", "required": True, "source": "other", "issuer": "助产机构"}]),
        # 即办件 the health department lets any window decide on the spot (window_may_decide, see WINDOW_DECIDES)
        dict(common, code=f"{health.uscc}4440100303000", department=health.name, item_type="01",
             name="公共场所卫生许可注销", audience=["1", "2"], legal_limit={"value": 20, "unit": "working_day"},
             promised_limit="immediate", consult_phone="020-83003301", themes=["住宿餐饮"],
             conditions="持有公共场所卫生许可证、不再从事该公共场所经营的单位或者个人。",
             legal_basis="《公共场所卫生管理条例实施细则》第二十五条",
             process="窗口受理 → 当场注销 → 出具注销通知",
             result={"name": "公共场所卫生许可注销通知书"},
             materials=[{"name": "公共场所卫生许可注销申请表", "required": True, "form": "electronic"},
                        {"name": "法定代表人或者负责人身份证明", "required": True, "source": "government",
                         "license_type": "居民身份证"}]),
        joint_item(market, common),
    ]


def joint_item(market, common: dict) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """开办餐饮店: a joint item (并联审批). The market regulator accepts and decides the food business permit;
    on acceptance the fire brigade (营业前消防安全检查 opinion, 5 working days, escalated when late) and the
    environment branch (环境影响 opinion, 3 working days, consent when late) answer in parallel, each seeing
    only the materials it needs."""
    licence, identity_doc = "营业执照", "法定代表人（负责人）身份证明"
    layout = "经营场所平面布局图及设备设施布局、操作流程等文件"
    fire_form, fire_rules = "公众聚集场所投入使用、营业前消防安全检查申请表", "消防安全制度、灭火和应急疏散预案"
    eco_form, fume = "建设项目环境影响登记表", "油烟净化设施安装及排放说明"
    return dict(
        common, code=f"{market.uscc}{JOINT_ITEM}", department=market.name, item_type="01",
        name="开办餐饮店（食品经营许可并联审批）", audience=["1", "2"], legal_limit={"value": 20, "unit": "working_day"},
        promised_limit={"value": 10, "unit": "working_day"}, themes=["开办企业", "餐饮服务"],
        conditions="申请人已取得营业执照，经营场所符合食品安全、消防安全和环境保护要求。",
        legal_basis="《中华人民共和国食品安全法》第三十五条；《中华人民共和国消防法》第十五条；"
                    "《中华人民共和国环境影响评价法》第十六条",
        process="网上申请 → 市场监督管理局受理 → 消防救援大队、生态环境分局并联出具意见 → 审查 → 决定 → 发证",
        limit_note="并联部门意见时限计入承诺时限：消防 5 个工作日，生态环境 3 个工作日。",
        result={"name": "食品经营许可证", "license_type": "食品经营许可证"},
        materials=[
            {"name": "食品经营许可申请书", "required": True, "form": "electronic"},
            {"name": licence, "required": True, "source": "government", "issuer": "市场监督管理部门",
             "license_type": "营业执照"},
            {"name": identity_doc, "required": True, "source": "government", "license_type": "居民身份证"},
            {"name": layout, "required": True},
            {"name": fire_form, "required": True, "form": "electronic"},
            {"name": fire_rules, "required": True, "deficiency_allowed": True},
            {"name": eco_form, "required": True},
            {"name": fume, "required": False},
        ],
        form_schema={"type": "object", "title": "开办餐饮店申请表", "properties": {
            "business_name": {"type": "string", "title": "经营者名称", "maxLength": 100},
            "premises": {"type": "string", "title": "经营场所地址", "maxLength": 200},
            "main_form": {"type": "string", "title": "主体业态", "enum": ["餐饮服务经营者", "单位食堂"]},
            "business_items": {"type": "string", "title": "经营项目", "maxLength": 500,
                               "description": "例如：热食类食品制售；冷食类食品制售"},
            "area": {"type": "number", "title": "经营场所建筑面积（平方米）", "minimum": 1, "maximum": 100000},
            "seats": {"type": "integer", "title": "就餐座位数", "minimum": 0, "maximum": 10000},
            "staff_count": {"type": "integer", "title": "从业人员数", "minimum": 1, "maximum": 10000},
            "fuel": {"type": "string", "title": "厨房燃料", "enum": ["电", "管道天然气", "瓶装液化石油气"]},
            "fume_equipment": {"type": "string", "title": "油烟净化设施型号及处理能力", "maxLength": 200},
            "opening_date": {"type": "string", "format": "date", "title": "拟开业日期"},
        }, "required": ["business_name", "premises", "main_form", "business_items", "area", "seats", "staff_count",
                        "fuel"]},
        joint={"lead": market.name, "branches": [
            {"department": FIRE, "limit": {"value": 5, "unit": "working_day"}, "on_timeout": "escalate",
             "materials": [licence, layout, fire_form, fire_rules]},
            {"department": ECO, "limit": {"value": 3, "unit": "working_day"}, "on_timeout": "consent",
             "materials": [licence, layout, eco_form, fume]}]})


TONGBAN_ITEM = "4440700102000"  # 个体工商户设立登记: other districts' windows in the province may take it in (通办)
TONGBAN_RANGE = "省内通办"
# Immediate items whose owning department lets any window (综合窗口 included) decide them on the spot; every
# other immediate item is only accepted at the window and decided in the owner's review chain.
WINDOW_DECIDES = ("4440100303000",)
JOINT_ITEM = "4440100105000"  # the code's tail after the market regulator's USCC: 开办餐饮店 (并联审批)
# 一人多岗: the health department is too small to give handling and deciding to different people, so
# separation of duties is off for its cases (the `health` account holds every review role)
COMBINED_DUTIES = {2: "卫生健康局编制人数少，承办、审核、审批由同一人兼任（一人多岗）"}


def license_types(depts: list) -> list[dict]:  # type: ignore[type-arg]
    """The district's license catalog (证照目录): what each license shows and how long it lasts."""
    market, health = depts[1], depts[2]
    return [
        {"name": "营业执照", "department_id": market.id, "validity_years": None},
        {"name": "食品经营许可证", "department_id": market.id, "validity_years": 5, "fields": [
            {"label": "经营者名称", "source": "form.business_name", "required": True},
            {"label": "经营场所", "source": "form.premises", "required": True},
            {"label": "主体业态", "source": "form.main_form", "required": True},
            {"label": "经营项目", "source": "form.business_items", "required": True}]},
        {"name": "公共场所卫生许可证", "department_id": health.id, "validity_years": 4},
        {"name": "出生医学证明", "department_id": health.id, "validity_years": None},
        {"name": "居民身份证", "department_id": None, "validity_years": None},  # issued by public security
    ]


def seed_licenses(session: Session, depts: list) -> None:  # type: ignore[type-arg]
    """License types, and a business licence each for the demo person (a sole trader) and the demo
    enterprise, so that applying for a food business permit can use them instead of an upload."""
    from yiwang.licenses import service as licenses

    known = {t.name for t in licenses.list_types(session)}
    for t in license_types(depts):
        if t["name"] not in known:
            licenses.add_type(session, SYSTEM, **t)
    person = identity_repo.person_by_id_number(session, PERSON[1])
    enterprise = identity_repo.enterprise_by_uscc(session, ENTERPRISE[1])
    market = depts[1]
    holders = [
        (f"person:{person.id}" if person else None, "person", PERSON[0], PERSON[1], [
            ("名称", "广州市越秀区张三小吃店"), ("类型", "个体工商户"), ("经营者", PERSON[0]),
            ("组成形式", "个人经营"), ("经营场所", "广州市越秀区东风中路 318 号首层"),
            ("经营范围", "餐饮服务；食品销售")]),
        (f"enterprise:{enterprise.id}" if enterprise else None, "enterprise", ENTERPRISE[0], ENTERPRISE[1], [
            ("名称", ENTERPRISE[0]), ("类型", "有限责任公司（自然人投资或控股）"), ("法定代表人", ENTERPRISE[2]),
            ("注册资本", "人民币伍拾万元"), ("住所", "广州市越秀区中山五路 219 号 3 层"),
            ("经营范围", "餐饮服务；食品销售；外卖递送服务")]),
    ]
    for label, kind, name, code, fields in holders:
        if label and not licenses.held(session, label, "营业执照"):
            licenses.issue(session, SYSTEM, type_ref="营业执照", department_id=market.id, holder=label,
                           holder_kind=kind, holder_name=name, holder_code=code, fields=fields)


def seed_catalog(session: Session, depts: list) -> None:  # type: ignore[type-arg]
    """The district's own items plus the published Guangdong provincial catalog (real data)."""
    from yiwang import demo_bundles
    from yiwang.catalog import service as catalog
    from yiwang.catalog import transfer
    from yiwang.catalog.schemas import ItemIn

    by_name = demo_bundles.seed_departments(session)
    for record in local_items(depts) + demo_bundles.bundle_items(by_name):
        catalog.import_record(session, SYSTEM, ItemIn.model_validate(record), publish=True)
        if record["code"].endswith(WINDOW_DECIDES):
            catalog.set_window_may_decide(session, SYSTEM, code=record["code"], allowed=True)
    session.commit()
    seed_file = resources.files("yiwang.catalog") / "seed_data" / "guangdong.jsonl.gz"
    with resources.as_file(seed_file) as path:
        transfer.import_records(session, SYSTEM, transfer.read_jsonl(path), publish=True, commit=session.commit)
    # the 13 一件事 of the seeds, from the district's and the province's real items
    report = transfer.import_records(session, SYSTEM, [(rec["code"], rec) for rec in
                                                        demo_bundles.bundle_records(by_name)])
    for line, reason in report.errors:
        log.warning("demo bundle %s not imported: %s", line, reason)
    session.commit()


def seed_departments(session: Session) -> list:  # type: ignore[type-arg]
    """The demo regions and departments (in DEPARTMENTS order), created when missing."""
    for code, name, parent in REGIONS:
        org_service.ensure_region(session, SYSTEM, code=code, name=name, parent_code=parent)
    return [org_service.ensure_department(session, SYSTEM, name=name, region_code=region,
                                          uscc=make_uscc("11" + region[:6], org)) for name, region, org in DEPARTMENTS]


def seed() -> list[tuple[str, str, str, str]]:
    """Create what is missing (safe to run again). Returns (role, login, name, where) for printing."""
    accounts: list[tuple[str, str, str, str]] = []
    with session_scope() as session:
        depts = seed_departments(session)
        for idx, reason in COMBINED_DUTIES.items():
            org_service.set_combined_duties(session, SYSTEM, department_id=depts[idx].id, combined=True,
                                            reason=reason)
        for label, login, name, idx, roles in STAFF:
            if identity_repo.staff_by_login(session, login) is None:
                identity.add_staff(session, SYSTEM, login=login, password=DEMO_PASSWORD, name=name,
                                   department_id=depts[idx].id, roles=roles)
            accounts.append((label, login, name, depts[idx].name))
        pname, pid, pphone = PERSON
        person = identity_repo.person_by_id_number(session, pid)
        if person is None:
            person = identity.register_person(session, name=pname, id_number=pid, phone=pphone,
                                              password=DEMO_PASSWORD)
        if person.phone_verified_at is None:
            # demonstration accounts log in by phone as well: their phones count as verified (also in a demo
            # database seeded before phones needed verifying)
            identity.mark_phone_verified(session, identity.actor_for_person(person), SYSTEM)
        accounts.append(("个人", pid, pname, f"或手机号 {pphone}"))
        ename, ecode, legal, ephone = ENTERPRISE
        ent = identity_repo.enterprise_by_uscc(session, ecode)
        if ent is None:
            ent = identity.register_enterprise(session, name=ename, uscc=ecode, legal_person=legal, phone=ephone,
                                               password=DEMO_PASSWORD)
        if ent.phone_verified_at is None:
            identity.mark_phone_verified(session, identity.actor_for_enterprise(ent), SYSTEM)
        accounts.append(("法人", ecode, ename, f"或手机号 {ephone}"))
        session.flush()
        seed_licenses(session, depts)
        seed_catalog(session, depts)
        try:
            with session.begin_nested():
                seed_activity(session)
        except DomainError as exc:  # e.g. the calendar lacks a year: the demo stands without the sample cases
            log.warning("demo cases not created: %s", exc.message)
        try:
            with session.begin_nested():
                seed_tongban(session)
        except DomainError as exc:
            log.warning("demo 通办 case not created: %s", exc.message)
        try:
            with session.begin_nested():
                seed_bundle(session)
        except DomainError as exc:
            log.warning("demo 一件事 application not created: %s", exc.message)
        seed_hall(session, depts)
        accounts += seed_hotline(session)
        seed_demand(session)
        seed_indicators(session)
    return accounts


# 越秀区常住人口 per the 7th national census (2020), as the district published it: what per-capita indicators divide by
YUEXIU_POPULATION = 1_038_963


def seed_indicators(session: Session) -> None:
    """The district's population figure, and last month's and this month's indicators computed (the worker keeps
    them fresh afterwards)."""
    from yiwang.core import clock
    from yiwang.metrics import service as metrics

    metrics.set_baseline(session, SYSTEM, region_code="440104", key="population", value=YUEXIU_POPULATION)
    this_month = clock.today().strftime("%Y-%m")
    last_month = (clock.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    for period in (last_month, this_month):
        metrics.compute(session, SYSTEM, period)


def seed_hall(session: Session, depts: list) -> None:  # type: ignore[type-arg]
    """The halls, windows and tablets, and this morning's queue at the county hall (demo_hall)."""
    from yiwang import demo_hall

    market = depts[1]
    special = [r["code"] for r in local_items(depts) if r["department"] == market.name]
    with session.begin_nested():
        demo_hall.seed_halls(session, special)
    staff = {login: identity.actor_for_staff(session, row) for login in ("clerk", "clerk2", "handler")
             if (row := identity_repo.staff_by_login(session, login)) is not None}
    try:
        with session.begin_nested():
            demo_hall.seed_morning(session, staff)
    except DomainError as exc:
        log.warning("demo hall queue not created: %s", exc.message)


def seed_hotline(session: Session) -> list[tuple[str, str, str, str]]:
    """The 12345 hotline's units, operator, knowledge base and weeks of work orders (demo_hotline)."""
    from yiwang import demo_hotline

    try:
        with session.begin_nested():
            return demo_hotline.seed(session, DEMO_PASSWORD)
    except DomainError as exc:
        log.warning("demo hotline not created: %s", exc.message)
        return []


NEWBORN_BUNDLE = "YJS-440104-XSECS"


def seed_bundle(session: Session) -> str | None:
    """张三's 一件事 application for 新生儿出生 (filed online a few days ago, with one form and each material once):
    four cases of four departments, waiting for acceptance. Skipped when he already has one. Returns its number."""
    from yiwang.bundles import service as bundles
    from yiwang.core import clock, storage

    person = identity_repo.person_by_id_number(session, PERSON[1])
    if person is None:
        return None
    actor = identity.actor_for_person(person)
    if bundles.list_for(session, actor, limit=1)[0]:
        return None
    try:
        guide = bundles.guide(session, NEWBORN_BUNDLE)
    except DomainError:
        return None
    born = clock.today() - dt.timedelta(days=12)
    values = {"child_name": "张小宝", "child_gender": "男", "child_birth_date": born.isoformat(), "mother_name": "李梅",
              "father_name": PERSON[0], "contact_phone": PERSON[2], "household_address": "广州市越秀区中山五路 219 号",
              "birth_place": "广州市越秀区", "declarer_relation": "父亲", "clinic": "洪桥街社区卫生服务中心",
              "child_id_number": make_id_number(f"440104{born:%Y%m%d}001"), "applicant_name": PERSON[0],
              "id_number": PERSON[1], "home_address": "广州市越秀区中山五路 219 号", "bank": "中国工商银行"}
    form = {k: v for k, v in values.items() if k in guide["form_schema"]["properties"]}
    given = [bundles.MaterialGiven(m["name"], storage.store(
        session, data=DEMO_PDF + m["name"].encode(), filename=f"{m['name']}.pdf", declared_type="application/pdf",
        owner=actor.label).id) for m in guide["materials"] if m["required"]]
    app = bundles.submit(session, actor, bundle_code=NEWBORN_BUNDLE, form=form, materials=given,
                         idempotency_key="demo:newborn")
    return app.application_no


# --- a few weeks of activity, so that the workbench, supervision console and 好差评 have something to show ---

DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FOOD_FORM = {"business_name": "广州越秀示范餐饮有限公司", "premises": "广州市越秀区中山五路 219 号首层",
             "main_form": "餐饮服务经营者",
             "business_items": "预包装食品销售（含冷藏冷冻食品）；热食类食品制售", "area": 120, "staff_count": 8, "network": True}


def _working_days_ago(cal: WorkCalendar, today: dt.date, n: int) -> dt.date:
    day = today
    while n > 0:
        day -= dt.timedelta(days=1)
        if cal.is_workday(day):
            n -= 1
    return day


def seed_activity(session: Session) -> int:
    """Cases in every interesting state, dated in the past working days: one not answered in time (red),
    one due tomorrow (yellow), one whose correction notice asked beyond the guide (red card), one decided and
    licensed, then rated 非常不满意 (a rectification for the department), one rated 非常满意, one approved on a pledge
    (告知承诺: its post-check task open, the approval on 公示), and a joint case
    (并联审批) the fire brigade consented to while the environment branch's opinion is due. Then one
    supervision tick. Skipped when the demo applicants already have cases. Returns how many cases it made."""
    from yiwang.cases import service as cases
    from yiwang.catalog import service as catalog
    from yiwang.core import clock, storage
    from yiwang.core.calendar import get_calendar
    from yiwang.evaluation import service as evaluation
    from yiwang.licenses import jobs as license_jobs
    from yiwang.licenses import service as licenses
    from yiwang.pledges import jobs as pledge_jobs
    from yiwang.supervision import service as supervision

    person = identity_repo.person_by_id_number(session, PERSON[1])
    enterprise = identity_repo.enterprise_by_uscc(session, ENTERPRISE[1])
    if person is None or enterprise is None:
        return 0
    p_actor, e_actor = identity.actor_for_person(person), identity.actor_for_enterprise(enterprise)
    if cases.list_cases(session, p_actor, limit=1)[0] or cases.list_cases(session, e_actor, limit=1)[0]:
        return 0
    staff = {login: identity.actor_for_staff(session, s) for login in ("handler", "checker", "approver")
             if (s := identity_repo.staff_by_login(session, login)) is not None}
    market = org_service.find_department(session, DEPARTMENTS[1][0], DEPARTMENTS[1][1])
    if market is None or len(staff) < 3:
        return 0
    food = f"{market.uscc}4440100101000"
    cal = get_calendar(session)
    today = clock.today()

    def at(days_ago: int, hour: int = 10) -> dt.datetime:
        day = _working_days_ago(cal, today, days_ago)
        return clock.as_utc(dt.datetime.combine(day, dt.time(hour), tzinfo=clock.LOCAL_TZ))

    def upload(owner: Actor, name: str) -> str:
        return storage.store(session, data=DEMO_PDF + name.encode(), filename=f"{name}.pdf",
                             declared_type="application/pdf", owner=owner.label).id

    def apply(applicant: Actor, when: dt.datetime, business_name: str) -> str:
        """File the food business permit; a business licence the applicant holds replaces that upload."""
        with clock.frozen(when):
            held = licenses.held(session, applicant.label, "营业执照")
            materials = [cases.MaterialIn(name, upload(applicant, name))
                         for name in ("食品经营许可申请书", "法定代表人（负责人）身份证明",
                                      "与食品经营相适应的主要设备设施布局、操作流程等文件",
                                      "食品安全自查、从业人员健康管理等食品安全管理制度")]
            materials.append(cases.MaterialIn("营业执照", None, held[0].license_id) if held
                             else cases.MaterialIn("营业执照", upload(applicant, "营业执照")))
            case = cases.submit(session, applicant, item_code=food,
                                form=dict(FOOD_FORM, business_name=business_name), materials=materials)
        return case.case_no

    def act(login: str, no: str, action: str, when: dt.datetime, comment: str | None = None,
            materials: list[str] | None = None) -> None:
        with clock.frozen(when):
            cases.apply(session, staff[login], case_no=no, action=action, comment=comment, materials=materials)

    made = 0
    # 1. filed 7 working days ago and never answered: past the 5-day answer limit (red)
    apply(e_actor, at(7), business_name="广州越秀示范餐饮有限公司（北京路分店）")
    made += 1
    # 2. accepted 5 working days ago with 5 promised: due today, or the next working day (yellow)
    no = apply(p_actor, at(6), business_name="广州市越秀区张三小吃店")
    act("handler", no, "accept", at(5))
    made += 1
    # 3. a correction notice that asks for a document the guide does not list (red card)
    no = apply(e_actor, at(3), business_name="广州越秀示范餐饮有限公司（东山口分店）")
    act("handler", no, "request_correction", at(2), materials=["房产证复印件", "食品经营许可申请书"],
        comment="请补充房产证复印件，并在申请书上加盖公章")
    made += 1
    # 4. decided and licensed two weeks ago, then rated 非常不满意 (a rectification for the department)
    no = apply(p_actor, at(12), business_name="广州市越秀区张三小吃店（二店）")
    act("handler", no, "accept", at(11))
    act("handler", no, "review", at(10), comment="材料齐全，经营场所符合要求")
    act("checker", no, "review", at(9))
    act("approver", no, "approve", at(9, 15))
    with clock.frozen(at(9, 16)):
        license_jobs.issue_for_case(session, no)
    act("handler", no, "deliver", at(8))
    with clock.frozen(at(2)):
        evaluation.rate(session, p_actor, case_no=no, level=5, reasons=["slow", "repeat_visits"],
                        comment="现场核查约了三次才来，来回跑了好几趟")
    made += 1
    # 5. decided yesterday and rated 非常满意
    no = apply(e_actor, at(6), business_name="广州越秀示范餐饮有限公司（五羊分店）")
    act("handler", no, "accept", at(6, 15))
    act("handler", no, "review", at(4))
    act("checker", no, "review", at(3))
    act("approver", no, "approve", at(1))
    with clock.frozen(at(1, 16)):
        license_jobs.issue_for_case(session, no)
        evaluation.rate(session, e_actor, case_no=no, level=1, comment="网上提交，两天就拿到了电子证照")
    made += 1
    # 7. 告知承诺: approved four working days ago on a pledge (the business licence and the ID proof promised, not
    #    uploaded); its post-check task waits in the market department's 告知承诺核查 and the approval is on 公示
    with clock.frozen(at(8)):
        pledged = cases.submit(session, p_actor, item_code=food,
                               form=dict(FOOD_FORM, business_name="广州市越秀区张三小吃店（三店）"), pledge=True,
                               materials=[cases.MaterialIn(name, upload(p_actor, name)) for name in (
                                   "食品经营许可申请书", "与食品经营相适应的主要设备设施布局、操作流程等文件",
                                   "食品安全自查、从业人员健康管理等食品安全管理制度")])
    act("handler", pledged.case_no, "accept", at(8, 15))
    act("handler", pledged.case_no, "review", at(6), comment="承诺内容完整，准予按告知承诺办理")
    act("checker", pledged.case_no, "review", at(5))
    act("approver", pledged.case_no, "approve", at(4))
    with clock.frozen(at(4, 16)):
        license_jobs.issue_for_case(session, pledged.case_no)
        pledge_jobs.open_for_case(session, pledged.case_no)  # what the worker does on the approval event
    made += 1
    # 6. 并联审批: 开办餐饮店 accepted two working days ago; the fire brigade consented yesterday, the environment
    #    branch's opinion is due within its 3 working days (on its own clock; it waits in eco_handler's 我的待办)
    branch_staff = {login: identity.actor_for_staff(session, s) for login in ("fire_handler",)
                    if (s := identity_repo.staff_by_login(session, login)) is not None}
    joint_code = f"{market.uscc}{JOINT_ITEM}"
    if branch_staff:
        spec = catalog.application_spec(session, joint_code)
        with clock.frozen(at(3)):
            case = cases.submit(session, e_actor, item_code=joint_code, form={
                "business_name": "广州越秀示范餐饮有限公司（农林下路分店）", "premises": "广州市越秀区农林下路 37 号首层",
                "main_form": "餐饮服务经营者", "business_items": "热食类食品制售；冷食类食品制售", "area": 160,
                "seats": 48, "staff_count": 9, "fuel": "管道天然气", "fume_equipment": "静电式油烟净化器 8000 m³/h"},
                materials=[cases.MaterialIn(m.name, upload(e_actor, m.name)) for m in spec.materials if m.required])
        act("handler", case.case_no, "accept", at(2))
        with clock.frozen(at(1)):
            cases.apply(session, branch_staff["fire_handler"], case_no=case.case_no, action="branch_consent",
                        comment="消防安全检查合格，同意")
        made += 1
    supervision.tick(session, as_of=today)
    return made


# --- 跨域通办: a case the 荔湾 window took in for 越秀, its paper originals on the way ---

def seed_tongban(session: Session) -> int:
    """张三 applied at the 荔湾区 window for 越秀's 个体工商户设立登记 (省内通办), choosing to collect the result
    there; the window sent the paper originals by EMS and 越秀 has not signed for them yet. Skipped when the 荔湾
    window already took in a case. Returns how many cases it made."""
    from yiwang.cases import service as cases
    from yiwang.core import clock, storage

    person = identity_repo.person_by_id_number(session, PERSON[1])
    clerk_row = identity_repo.staff_by_login(session, "clerk_lw")
    market = org_service.find_department(session, DEPARTMENTS[1][0], DEPARTMENTS[1][1])
    if person is None or clerk_row is None or market is None:
        return 0
    clerk = identity.actor_for_staff(session, clerk_row)
    if cases.intake_cases(session, clerk, limit=1, offset=0)[0]:
        return 0
    names = ("个体工商户登记（备案）申请书", "经营者身份证明", "经营场所使用证明")
    with clock.frozen(clock.now() - dt.timedelta(hours=3)):
        materials = [cases.MaterialIn(name, storage.store(session, data=DEMO_PDF + name.encode(), filename=f"{name}.pdf",
                                                          declared_type="application/pdf", owner=clerk.label).id)
                     for name in names]
        case = cases.submit(session, clerk, item_code=f"{market.uscc}{TONGBAN_ITEM}", applicant_code=PERSON[1],
                            form={"contact_name": PERSON[0], "contact_phone": PERSON[2],
                                  "description": "在荔湾区窗口申请越秀区个体工商户设立登记（省内通办），在荔湾区窗口领取营业执照"},
                            materials=materials, deliver_at_intake=True)
        cases.record_paper_transfer(session, clerk, case_no=case.case_no, courier="中国邮政 EMS",
                                    tracking_no="1178800440103", materials=["个体工商户登记（备案）申请书（原件）",
                                                                            "经营场所使用证明（原件）"],
                                    comment="原件随件寄送越秀区市场监督管理局")
    return 1


# --- portal demand: a month of searches, so that 热门事项 and 大家都在搜 show what people look for ---

DEMO_SEARCHES = [
    # query, searches on an ordinary working day
    ("营业执照", 38), ("食品经营许可", 26), ("个体工商户", 21), ("社保", 19), ("养老保险", 15),
    ("结婚登记", 12), ("出生医学证明", 11), ("公共场所卫生许可", 9), ("发票", 9), ("教师资格", 8),
    ("最低生活保障", 6), ("户口迁出", 5), ("注销登记", 5), ("建设工程规划许可证", 4), ("律师执业", 3),
]


def seed_demand(session: Session, days: int = 30) -> int:
    """Search counts for the past ``days`` days (fewer at weekends); skipped when any exist already."""
    from yiwang.core import clock
    from yiwang.portal import service as portal

    if portal.popular_queries(session, 1):
        return 0
    today = clock.today()
    made = 0
    for back in range(days):
        day = today - dt.timedelta(days=back)
        factor = 0.3 if day.weekday() >= 5 else 1.0
        for i, (query, per_day) in enumerate(DEMO_SEARCHES):
            n = max(1, int(per_day * factor * (0.8 + 0.4 * ((back * 7 + i * 3) % 5) / 4)))
            portal.seed_searches(session, query, day=day, n=n)
            made += n
    return made
