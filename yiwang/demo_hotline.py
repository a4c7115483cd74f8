"""The demo's 12345 hotline: the district's units (承办单位) with their dispatch duties, an operator and a police
liaison (the environment branch's handler is its unit's liaison too), answers in the knowledge base (two past their
review date), and a few weeks of work orders in every state — some late, one sent back, one called back
dissatisfied — so the console, the lights, the board and the monthly report have something to show.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.permissions import SYSTEM, Actor
from yiwang.hotline import knowledge
from yiwang.hotline import service as hotline
from yiwang.hotline.models import HotlineTicket
from yiwang.hotline.schemas import ActionIn, KnowledgeIn, TicketIn
from yiwang.identity import repository as identity_repo
from yiwang.identity import service as identity
from yiwang.org import service as org_service

log = logging.getLogger(__name__)

OPERATOR = ("12345 话务员", "operator", "郭丽娟", "广州市越秀区政务服务数据管理局", ["hotline_operator"])
POLICE = ("热线联络员（公安）", "police", "钟志华", "广州市公安局越秀区分局", ["hotline_liaison"])

KNOWLEDGE = [
    # unit, title, topic, answer, keywords, overdue review
    ("广州市生态环境局越秀分局", "餐饮油烟扰民怎么投诉、怎么处理", "餐饮油烟",
     "餐饮服务单位应安装油烟净化设施并保持正常使用，油烟不得直排或排向居民住宅。市民可拨打 12345 或在网站留言反映，"
     "请说明店名、地址和油烟排放的时段。生态环境部门接单后一般在 2 个工作日内现场核查，对未安装或未正常使用净化设施的，"
     "依据《中华人民共和国大气污染防治法》第一百一十八条责令改正并可处罚款。", "油烟 烧烤 排烟 餐馆 饭店 厨房", False),
    ("广州市生态环境局越秀分局", "商铺空调外机、冷却塔噪声扰民", "设备噪声",
     "商铺、写字楼的空调外机、冷却塔、风机等设备产生的噪声超过排放标准的，由生态环境部门核查处理。请提供设备位置和噪声"
     "时段，执法人员将进行噪声监测，超标的责令限期整改。", "空调外机 冷却塔 风机 嗡嗡 噪声", False),
    ("广州市公安局越秀区分局", "邻居或娱乐场所夜间噪声扰民", "社会生活噪声",
     "夜间（22:00 至次日 6:00）邻居高声喧哗、播放音乐、娱乐场所噪声扰民的，可拨打 110 由辖区派出所现场处置；"
     "非紧急情况也可通过 12345 反映，派出所将予以劝导，屡劝不改的依据《治安管理处罚法》处理。", "邻居 楼上 唱歌 喧哗 广场舞 夜间",
     False),
    ("广州市公安局越秀区分局", "居住证怎么办理", "居住证",
     "在本市居住半年以上、有合法稳定就业或住所或连续就读的，可持居民身份证、居住登记凭证和相关证明到居住地派出所或"
     "社区出租屋管理服务中心申领居住证，也可通过“穗好办”在线申请。", "居住证 积分 居住登记", True),
    ("广州市越秀区人力资源和社会保障局", "被拖欠工资怎么维权", "欠薪",
     "劳动者被拖欠工资的，可向用人单位所在地的劳动保障监察机构投诉，请准备劳动合同或工作证明、考勤和工资记录；"
     "也可申请劳动争议仲裁。建设工程领域欠薪可反映至项目所在地人社部门，由其督促总承包单位清偿。", "欠薪 工资 拖欠 老板 讨薪",
     False),
    ("广州市越秀区医疗保障局", "异地就医备案", "医保",
     "参保人长期在外地居住或临时外出就医，可通过国家医保服务平台 App、“粤医保”小程序或到区医保经办窗口办理异地就医"
     "备案，备案后在就医地联网定点医疗机构可直接结算。", "异地就医 备案 医保 报销", False),
    ("广州市越秀区教育局", "小学一年级学位申请", "入学",
     "适龄儿童按户籍和居住情况确定报名类别，每年 5 月通过区义务教育招生报名系统报名，请留意区教育局发布的招生工作方案；"
     "随迁子女按积分制入学办法申请。", "学位 入学 报名 小学 积分入学", True),
    ("城市管理和综合执法", "流动摊贩占道经营", "占道经营",
     "占用城市道路、人行道摆卖经营的，由城市管理综合执法部门依法查处。请说明具体路段和时段，执法队员将巡查处置。",
     "摆摊 占道 小贩 流动 乱摆卖", False),
    ("广州市越秀区消防救援大队", "电动自行车在楼道、室内充电", "消防安全",
     "电动自行车不得在建筑的共用走道、楼梯间、安全出口停放或充电。发现楼道充电、私拉电线的，可向 12345 或消防救援"
     "部门反映，消防部门将会同物业、街道督促清理。", "电动车 充电 楼道 飞线", False),
    ("广州市自来水有限公司越秀营业所", "停水和水压不足查询", "供水",
     "计划停水信息会提前在自来水公司网站、公众号和小区公告栏公布；突发停水或水压不足可拨打 12345 或供水服务热线，"
     "抢修人员将尽快到场。", "停水 水压 没水 自来水", False),
]

# (days ago registered, kind, channel, content, region, fate) — fate: open | accepted | answered | reviewed |
# closed:<satisfaction> | sent_back | late | resolved
ORDERS = [
    (18, "complaint", "phone", "东风中路 320 号旁边那家烧烤店每天晚上油烟很大，直接排到我们楼道和阳台，衣服都晾不了。",
     "440104", "closed:satisfied"),
    (16, "consult", "phone", "想问一下在越秀区居住证要去哪里办，需要带什么材料？", "440104", "resolved"),
    (15, "complaint", "web", "中山五路一家奶茶店楼顶的冷却塔白天晚上都在嗡嗡响，吵得睡不着。", "440104", "closed:basically"),
    (14, "help", "phone", "我在一家装修公司做了三个月，老板一直拖欠工资不给，现在电话也不接了，请帮帮忙。", "440104",
     "closed:dissatisfied"),
    (12, "complaint", "forwarded", "领导您好，我们小区楼下的大排档油烟和噪音扰民半年多了，反映多次没有解决，希望领导重视。",
     "440104", "sent_back"),
    (9, "complaint", "phone", "北京路附近晚上有很多流动摊贩占道摆卖，行人都没法走，希望城管管一管。", "440104", "late"),
    (6, "report", "phone", "我们楼有人在楼梯间给电动车充电，电线从窗户拉出来，很危险。", "440104001000", "answered"),
    (4, "consult", "enterprise", "我们公司有员工要去外地长期工作，医保异地就医备案怎么办？", "440104", "reviewed"),
    (2, "complaint", "phone", "楼上邻居每天半夜还在唱歌跳舞，敲门说了也不听。", "440104", "accepted"),
    (1, "complaint", "web", "小区今天早上突然停水，一直到现在都没有来水，也没有通知。", "440104", "open"),
    (0, "suggestion", "web", "建议在越秀公园正门附近增加几个公交站亭，下雨天等车没有地方躲雨。", "440104", "open"),
]


def _days_ago(cal: WorkCalendar, today: dt.date, n: int) -> dt.date:
    from yiwang.demo import _working_days_ago

    return _working_days_ago(cal, today, n)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return clock.as_utc(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.LOCAL_TZ))


def seed(session: Session, password: str) -> list[tuple[str, str, str, str]]:
    """Everything above, each part skipped when already there; returns the hotline's demo accounts."""
    problems = seed_units(session)
    for problem in problems:
        log.warning("demo hotline unit not set: %s", problem)
    accounts = seed_staff(session, password)
    seed_knowledge(session)
    seed_orders(session)
    seed_board(session)
    return accounts


def seed_units(session: Session) -> list[str]:
    """The district's hotline units from the shipped dispatch list (departments created when missing)."""
    rows = hotline.packaged_duties()
    for _, name, region, _ in rows:
        if org_service.find_department(session, name, region) is None:
            org_service.ensure_department(session, SYSTEM, name=name, region_code=region)
    return hotline.import_units(session, SYSTEM, rows)


def seed_staff(session: Session, password: str) -> list[tuple[str, str, str, str]]:
    accounts = []
    for label, login, name, dept_name, roles in (OPERATOR, POLICE):
        dept = org_service.find_department(session, dept_name)
        if dept is None:
            continue
        if identity_repo.staff_by_login(session, login) is None:
            identity.add_staff(session, SYSTEM, login=login, password=password, name=name, department_id=dept.id,
                               roles=roles)
        accounts.append((label, login, name, dept_name))
    return accounts


def seed_knowledge(session: Session) -> int:
    if knowledge.search(session, "", viewer=SYSTEM, limit=1):
        return 0
    today = clock.today()
    done = 0
    for dept_name, title, topic, answer, words, overdue in KNOWLEDGE:
        dept = org_service.find_department(session, dept_name)
        if dept is None:
            unit = next((u for u in hotline.load_units(session) if u.function == dept_name), None)
            if unit is None:
                continue
            dept_id = unit.department_id
        else:
            dept_id = dept.id
        entry = knowledge.save(session, SYSTEM, KnowledgeIn(title=title, topic=topic, answer=answer, keywords=words,
                                                            department_id=dept_id))
        if overdue:
            entry.review_due = today - dt.timedelta(days=10)  # not reviewed since the policy year began: stale
        done += 1
    session.flush()
    return done


def seed_orders(session: Session) -> int:
    """The weeks of work orders (only into a hotline that has none yet)."""
    if session.scalar(select(HotlineTicket.id).limit(1)) is not None:
        return 0
    operator_row = identity_repo.staff_by_login(session, OPERATOR[1])
    if operator_row is None:
        return 0
    operator = identity.actor_for_staff(session, operator_row)
    cal = get_calendar(session)
    today = clock.today()
    liaisons = _liaisons(session)
    done = 0
    for n, (ago, kind, channel, content, region, fate) in enumerate(ORDERS):
        day = _days_ago(cal, today, ago)
        with clock.frozen(_at(day, 9, 10 + n)):
            ticket = hotline.create_ticket(session, operator, TicketIn(
                channel=channel, kind=kind, content=content, contact_phone=f"1380013{8100 + n:04d}",
                contact_name="市民" if channel != "enterprise" else "广州越秀示范餐饮有限公司", region_code=region,
                source_ref=f"LDLY-2026-{n:04d}" if channel == "forwarded" else None, dispatch=fate != "resolved"))
        done += 1
        if fate == "open":
            continue
        if fate == "resolved":
            with clock.frozen(_at(day, 9, 30 + n)):
                _act(session, operator, ticket, "resolve", "已根据知识库答复口径告知市民办理地点和所需材料。")
            continue
        unit = liaisons.get(ticket.department_id or 0) or SYSTEM
        late = fate == "late"
        answer_day = cal.add_working_days(day, ticket.limit_days + (2 if late else 0))
        if answer_day > today:
            answer_day = today
        with clock.frozen(_at(day, 14, n)):
            _act(session, unit, ticket, "accept")
        if fate == "accepted":
            continue
        if late:
            continue  # signed for and not answered: past its deadline (red)
        with clock.frozen(_at(answer_day, 10, n)):
            _act(session, unit, ticket, "answer", "已安排执法人员现场核查，责令当事人限期整改，并将持续跟踪。")
        if fate == "answered":
            continue
        if fate == "sent_back":
            with clock.frozen(_at(answer_day, 15, n)):
                _act(session, operator, ticket, "send_back", "答复未说明核查结果和整改期限，请补充后重新答复。")
            continue
        with clock.frozen(_at(answer_day, 16, n)):
            _act(session, operator, ticket, "approve")
        if fate == "reviewed":
            continue
        satisfaction = fate.split(":", 1)[1]
        with clock.frozen(_at(min(today, cal.add_working_days(answer_day, 1)), 10, n)):
            _act(session, operator, ticket, "callback", "电话回访市民", satisfaction=satisfaction)
    return done


def _liaisons(session: Session) -> dict[int, Actor]:
    out: dict[int, Actor] = {}
    for login in ("eco_handler", POLICE[1]):
        row = identity_repo.staff_by_login(session, login)
        if row is not None:
            actor = identity.actor_for_staff(session, row)
            if actor.department_id is not None:
                out[actor.department_id] = actor
    return out


def _act(session: Session, actor: Actor, ticket: HotlineTicket, action: str, comment: str | None = None,
         satisfaction: str | None = None) -> None:
    hotline.act(session, actor, ticket.ticket_no, ActionIn(action=action, comment=comment,
                                                           satisfaction=satisfaction))


# (days ago, title, content, fate) — fate: answered (published, answered, in 曝光纠错) | published | pending
BOARD = [
    (10, "中山五路大排档占道经营", "中山五路靠近地铁站那段，每天晚上大排档把桌椅摆满人行道，行人只能走机动车道，很危险。我叫张三，"
     "电话 13800138000，希望城管尽快处理。", "answered"),
    (5, "越秀公园附近公交站没有候车亭", "越秀公园正门附近的公交站没有候车亭，下雨天老人小孩都没地方躲雨，建议增设。", "published"),
    (1, "小区楼下餐馆油烟扰民", "楼下新开的湘菜馆排烟管对着我们楼，每天中午晚上油烟很大，家里窗户都不敢开。", "pending"),
]


def seed_board(session: Session) -> int:
    """A few posts on the message board: one answered and shown in 曝光纠错, one published, one waiting."""
    from yiwang import demo
    from yiwang.hotline import board
    from yiwang.hotline.models import BoardPost
    from yiwang.hotline.schemas import BoardPostIn

    if session.scalar(select(BoardPost.id).limit(1)) is not None:
        return 0
    person_row = identity_repo.person_by_id_number(session, demo.PERSON[1])
    operator_row = identity_repo.staff_by_login(session, OPERATOR[1])
    if person_row is None or operator_row is None:
        return 0
    person = identity.actor_for_person(person_row)
    operator = identity.actor_for_staff(session, operator_row)
    cal = get_calendar(session)
    today = clock.today()
    done = 0
    for n, (ago, title, content, fate) in enumerate(BOARD):
        day = _days_ago(cal, today, ago)
        with clock.frozen(_at(day, 20, n)):
            row = board.post(session, person, BoardPostIn(title=title, content=content, kind="complaint"
                                                          if fate != "published" else "suggestion",
                                                          contact_phone=demo.PERSON[2], region_code="440104"))
        done += 1
        if fate == "pending":
            continue
        with clock.frozen(_at(cal.add_working_days(day, 1), 9, n)):
            board.publish(session, operator, row.post.id)
            ticket = row.ticket
            if ticket.status == "registered":  # routing was not sure: the operator dispatches
                unit = next((u for u in hotline.load_units(session) if u.function == "城市管理和综合执法"), None)
                if unit is None:
                    continue
                _act_dispatch(session, operator, ticket, unit.department_id)
        if fate != "answered":
            continue
        with clock.frozen(_at(cal.add_working_days(day, 2), 10, n)):
            _act(session, SYSTEM, ticket, "accept")
            _act(session, SYSTEM, ticket, "answer", "经现场核查，该大排档占道经营属实，执法队员已责令其将桌椅收回店内，"
                                                    "并将持续巡查。")
            _act(session, operator, ticket, "approve")
            board.expose(session, operator, row.post.id, problem="大排档长期占用人行道经营，行人被迫走机动车道。",
                         correction="已责令商户收回桌椅，城管执法队每晚巡查，占道现象已消除。")
    return done


def _act_dispatch(session: Session, operator: Actor, ticket: HotlineTicket, department_id: int) -> None:
    hotline.act(session, operator, ticket.ticket_no, ActionIn(action="dispatch", department_id=department_id))
