"""The demo's service halls: 越秀区政务服务中心 with a window of every type, 洪桥街道便民服务中心 and the
三眼井社区 service station; the rating tablets' addresses; and, when the demo is seeded during a working day, that
morning's queue (tickets called, served and rated), so the calling screen and the daily report have something to show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.core.calendar import CalendarYearMissing, get_calendar
from yiwang.core.config import get_settings
from yiwang.core.permissions import ANONYMOUS, SYSTEM
from yiwang.hall import service as hall

log = logging.getLogger(__name__)

COUNTY_HALL = "YX-ZWFWZX"
TOWNSHIP_HALL = "YX-HQ-BMFW"
VILLAGE_HALL = "YX-HQ-SYJ"
TABLET_WINDOWS = ("YX-A01", "YX-A02", "YX-B01", "YX-C01", "YX-D01", "YX-E01")


def hall_lines(special_items: list[str]) -> list[dict[str, Any]]:
    return [
        {"code": COUNTY_HALL, "name": "越秀区政务服务中心", "region_code": "440104",
         "address": "广州市越秀区东风中路 450 号", "opens": "09:00", "closes": "17:00", "slot_minutes": 30,
         "slot_capacity": 2, "windows": [
             {"code": "YX-A01", "name": "1 号综合窗口", "type": "综合", "staff": ["clerk"]},
             {"code": "YX-A02", "name": "2 号综合窗口", "type": "综合", "staff": ["clerk2"]},
             {"code": "YX-B01", "name": "3 号投资项目窗口", "type": "投资项目", "staff": ["clerk2"]},
             {"code": "YX-C01", "name": "4 号市场监管专项窗口", "type": "专项", "item_codes": special_items,
              "staff": ["handler"]},
             {"code": "YX-D01", "name": "5 号“一件事”窗口", "type": "一件事", "staff": ["clerk"]},
             {"code": "YX-E01", "name": "6 号帮办代办窗口", "type": "帮办代办", "staff": ["clerk2"]}]},
        {"code": TOWNSHIP_HALL, "name": "洪桥街道便民服务中心", "region_code": "440104001000",
         "address": "广州市越秀区洪桥街道", "opens": "09:00", "closes": "17:00", "slot_capacity": 1, "windows": [
             {"code": "HQ-A01", "name": "综合受理窗口", "type": "综合", "staff": ["proxy"]},
             {"code": "HQ-E01", "name": "帮办代办窗口", "type": "帮办代办", "staff": ["proxy"]}]},
        {"code": VILLAGE_HALL, "name": "三眼井社区党群服务站", "region_code": "440104001001",
         "address": "广州市越秀区三眼井社区", "opens": "09:00", "closes": "12:00", "slot_capacity": 1, "windows": [
             {"code": "SYJ-E01", "name": "代办服务台", "type": "帮办代办", "staff": ["proxy"]}]},
    ]


def tablet_key(window_code: str) -> str:
    """The demo tablets' keys come from the deployment's secret key, so every seeding prints the same address."""
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, f"demo-tablet:{window_code}".encode(), hashlib.sha256).hexdigest()[:24]


def tablet_urls() -> list[tuple[str, str]]:
    return [(code, f"/hall/rate/{code}?key={tablet_key(code)}") for code in TABLET_WINDOWS]


def seed_halls(session: Session, special_items: list[str]) -> None:
    report = hall.import_halls(session, SYSTEM, [(f"第 {i} 行", line)
                                                 for i, line in enumerate(hall_lines(special_items), start=1)])
    for line, reason in report.errors:
        log.warning("demo hall %s not imported: %s", line, reason)
    for code, _ in tablet_urls():
        hall.set_terminal_key(session, SYSTEM, code, tablet_key(code))
    session.flush()


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.LOCAL_TZ)


# this morning at the county hall: (minute taken after 9:00, window type, priority, window, outcome, rating)
MORNING: list[tuple[int, str, str, str, str | None, int | None]] = [
    (2, "综合", "normal", "YX-A01", "intake", 1),
    (4, "综合", "elderly", "YX-A02", "consult", 2),
    (7, "综合", "normal", "YX-A01", "concluded", 1),
    (9, "投资项目", "normal", "YX-B01", "consult", None),
    (12, "综合", "normal", "YX-A02", None, None),  # called, never came
    (15, "一件事", "normal", "YX-D01", "intake", 1),
    (18, "综合", "normal", "YX-A01", "correction", 4),
    (22, "帮办代办", "disabled", "YX-E01", "concluded", 1),
    (26, "综合", "normal", "YX-A02", "consult", None),
]
STAFF_AT = {"YX-A01": "clerk", "YX-A02": "clerk2", "YX-B01": "clerk2", "YX-D01": "clerk", "YX-E01": "clerk2"}


def seed_morning(session: Session, staff: dict[str, Any]) -> int:
    """The county hall's morning queue, when seeded on a working day after 11:00 and nothing was taken yet today."""
    now = clock.to_local(clock.now())
    today = now.date()
    try:
        if not get_calendar(session).is_workday(today):
            return 0
    except CalendarYearMissing:
        return 0
    if now.hour < 11 or hall.board(session, COUNTY_HALL).calling or hall.queue(session, SYSTEM, COUNTY_HALL)[1]:
        return 0
    if hall.daily_ticket_count(session, COUNTY_HALL, today):
        return 0
    done = 0
    for minute, wtype, priority, window, outcome, rating in MORNING:
        taken = _local(today, 9, minute)
        with clock.frozen(taken):
            hall.take_ticket(session, ANONYMOUS, COUNTY_HALL, window_type=wtype, priority=priority, source="kiosk")
        actor = staff[STAFF_AT[window]]
        with clock.frozen(taken + dt.timedelta(minutes=6)):
            hall.call_next(session, actor, window)
        if outcome is None:
            with clock.frozen(taken + dt.timedelta(minutes=8)):
                hall.skip(session, actor, window)
            continue
        with clock.frozen(taken + dt.timedelta(minutes=7)):
            visit = hall.serve(session, actor, window)
        with clock.frozen(taken + dt.timedelta(minutes=7 + 5 + minute % 7)):
            hall.finish(session, actor, window, outcome=outcome, note="演示数据")
            if rating is not None:
                reasons = ["attitude"] if rating >= 4 else None
                hall.rate_visit(session, window, tablet_key(window), visit_no=visit.visit_no, level=rating,
                                reasons=reasons, comment="窗口人员解释不够耐心" if rating >= 4 else None)
        done += 1
    session.flush()
    return done
