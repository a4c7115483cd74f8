"""The hall's lifecycles as data: queue tickets and appointments (no I/O).

Roles of the machines: ``WINDOW`` is staff on duty at the window that acts (the ticket's window once called);
``DESK`` is a window clerk of the hall's region (the front desk); ``TAKER`` the person who took the ticket or
booked the appointment; ``SYSTEM_ONLY`` the end-of-day sweep.
"""

from __future__ import annotations

import enum

from yiwang.core.lifecycle import SYSTEM_ONLY, Transition

WINDOW_TYPES: dict[str, str] = {"综合": "A", "投资项目": "B", "专项": "C", "一件事": "D", "帮办代办": "E"}
WINDOW_TYPE_LABELS: dict[str, str] = {"综合": "综合窗口", "投资项目": "投资项目窗口", "专项": "专项窗口",
                                      "一件事": "“一件事”窗口", "帮办代办": "帮办代办窗口"}
# ticket priority: elderly and disabled people first, then appointments, then everyone else in order taken
PRIORITIES: dict[str, int] = {"normal": 0, "appointment": 1, "elderly": 2, "disabled": 2}
PRIORITY_LABELS: dict[str, str] = {"normal": "普通", "appointment": "预约", "elderly": "老年人优先",
                                   "disabled": "残疾人优先"}
SOURCES = ("kiosk", "phone", "desk", "api", "appointment")
SOURCE_LABELS: dict[str, str] = {"kiosk": "自助终端", "phone": "手机取号", "desk": "前台", "api": "接口",
                                 "appointment": "预约签到"}

WINDOW = "window_staff"
DESK = "front_desk"
TAKER = "taker"


class TicketStatus(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    SKIPPED = "skipped"  # called and did not come
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # still waiting when the day ended


class TicketAction(enum.StrEnum):
    CALL = "call"
    RECALL = "recall"
    SKIP = "skip"
    SERVE = "serve"  # the person is at the window: the visit is registered
    TRANSFER = "transfer"  # to another window type, back into the queue (the visit is handed over)
    FINISH = "finish"
    REQUEUE = "requeue"  # a skipped person came back: the desk puts the ticket back in the queue
    CANCEL = "cancel"
    EXPIRE = "expire"


TICKET_TRANSITIONS: dict[tuple[str, str], Transition] = {
    (TicketStatus.WAITING, TicketAction.CALL): Transition(TicketStatus.CALLED.value, WINDOW),
    (TicketStatus.CALLED, TicketAction.RECALL): Transition(None, WINDOW),
    (TicketStatus.CALLED, TicketAction.SKIP): Transition(TicketStatus.SKIPPED.value, WINDOW),
    (TicketStatus.CALLED, TicketAction.SERVE): Transition(TicketStatus.SERVING.value, WINDOW),
    (TicketStatus.CALLED, TicketAction.TRANSFER): Transition(TicketStatus.WAITING.value, WINDOW),
    (TicketStatus.SERVING, TicketAction.TRANSFER): Transition(TicketStatus.WAITING.value, WINDOW),
    (TicketStatus.SERVING, TicketAction.FINISH): Transition(TicketStatus.DONE.value, WINDOW),
    (TicketStatus.SKIPPED, TicketAction.REQUEUE): Transition(TicketStatus.WAITING.value, DESK),
    (TicketStatus.WAITING, TicketAction.CANCEL): Transition(TicketStatus.CANCELLED.value, TAKER),
    (TicketStatus.WAITING, TicketAction.EXPIRE): Transition(TicketStatus.EXPIRED.value, SYSTEM_ONLY),
    (TicketStatus.CALLED, TicketAction.EXPIRE): Transition(TicketStatus.EXPIRED.value, SYSTEM_ONLY),
    (TicketStatus.SKIPPED, TicketAction.EXPIRE): Transition(TicketStatus.EXPIRED.value, SYSTEM_ONLY),
    (TicketStatus.SERVING, TicketAction.EXPIRE): Transition(TicketStatus.EXPIRED.value, SYSTEM_ONLY),
}

TICKET_STATUS_LABELS: dict[str, str] = {
    TicketStatus.WAITING: "等候中", TicketStatus.CALLED: "已叫号", TicketStatus.SERVING: "办理中",
    TicketStatus.DONE: "已办结", TicketStatus.SKIPPED: "过号", TicketStatus.CANCELLED: "已取消",
    TicketStatus.EXPIRED: "已失效"}
TICKET_ACTION_LABELS: dict[str, str] = {
    TicketAction.CALL: "叫号", TicketAction.RECALL: "重呼", TicketAction.SKIP: "过号", TicketAction.SERVE: "开始办理",
    TicketAction.TRANSFER: "转窗口", TicketAction.FINISH: "办理完成", TicketAction.REQUEUE: "重新排队",
    TicketAction.CANCEL: "取消", TicketAction.EXPIRE: "日终失效"}


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class AppointmentAction(enum.StrEnum):
    CHANGE = "change"
    CANCEL = "cancel"
    CHECK_IN = "check_in"
    NO_SHOW = "no_show"


APPOINTMENT_TRANSITIONS: dict[tuple[str, str], Transition] = {
    (AppointmentStatus.BOOKED, AppointmentAction.CHANGE): Transition(None, TAKER),
    (AppointmentStatus.BOOKED, AppointmentAction.CANCEL): Transition(AppointmentStatus.CANCELLED.value, TAKER),
    (AppointmentStatus.BOOKED, AppointmentAction.CHECK_IN): Transition(AppointmentStatus.CHECKED_IN.value, TAKER),
    (AppointmentStatus.BOOKED, AppointmentAction.NO_SHOW): Transition(AppointmentStatus.NO_SHOW.value, SYSTEM_ONLY),
}
APPOINTMENT_STATUS_LABELS: dict[str, str] = {
    AppointmentStatus.BOOKED: "已预约", AppointmentStatus.CHECKED_IN: "已签到", AppointmentStatus.CANCELLED: "已取消",
    AppointmentStatus.NO_SHOW: "爽约"}

OUTCOMES: dict[str, str] = {"concluded": "办结", "intake": "收件", "consult": "咨询", "correction": "补正"}
# no-show rule: this many no-shows within the window bar new bookings for the bar's days
NO_SHOW_LIMIT = 3
NO_SHOW_WINDOW_DAYS = 90
NO_SHOW_BAR_DAYS = 30
CHECK_IN_EARLY_MINUTES = 60  # check in from an hour before the slot …
CHECK_IN_LATE_MINUTES = 15  # … until a quarter of an hour after it starts
BOOK_AHEAD_DAYS = 14
DEFAULT_SERVICE_MINUTES = 8.0  # the estimate before the day has finished visits to learn from
