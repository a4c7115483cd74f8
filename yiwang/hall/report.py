"""The hall's daily report (政务服务事项日报): per hall and window type, and a hall total, for one day.

Definitions (each figure is of the hall's tickets, visits and appointments *of that day*):

- **taken** — tickets taken, counted in the queue they were taken for (the letter of the ticket number), so a
  ticket transferred later still counts once, where it started.
- **called** — tickets called at least once by a window of the type (the tickets' timeline). A ticket called
  at 综合 and, after a transfer, at 专项 counts in both rows and once in the total.
- **served** — visits registered (来办事要有登记), by the type of the window that has the visit now (after a
  hand-over, the window that took it over).
- **skipped** — tickets passed over (过号) at least once by a window of the type (timeline), whatever became of
  them later (a requeued ticket may have been served after all); **cancelled** and **expired** — tickets in that
  state now, by their current window type.
- **waiting time** (p50, p90, minutes) — one figure per call: from the moment the ticket entered the queue it was
  called from to the call. That moment is when the ticket was taken for its first queue, and for a transferred
  (or requeued) ticket the moment of the transfer (requeue): the wait a person actually spent in front of *that*
  queue. (``queued_at`` is not used: a transfer sets it back to ``taken_at`` so the ticket keeps its place in
  the new queue, which would count the first window's service as waiting.) Recalls (重呼) do not count as new
  calls.
- **service time** (p50, mean, minutes) — ``finished_at − served_at`` of the tickets finished, by the type of the
  window that finished them.
- **outcomes** — the visits' outcomes (办结/收件/咨询/补正), by the visit's window type.
- **appointments** — booked for the day (every appointment of the day, whatever its state now), kept (checked
  in), no-show, cancelled, by their window type.
- **ratings** — the window-side ratings of the day's visits (an appeal upheld takes a rating out): how many,
  good (levels 1–3), bad (4–5) and the satisfaction share good / ratings.

Counts are aggregated in SQL (GROUP BY); percentiles and the per-call waits are computed in Python over one
day's rows of one hall (a hall takes at most a few thousand tickets a day), one hall at a time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, Perm
from yiwang.evaluation import service as evaluation
from yiwang.hall import repository
from yiwang.hall.errors import HallNotFound
from yiwang.hall.models import Hall
from yiwang.hall.states import OUTCOMES, WINDOW_TYPE_LABELS, WINDOW_TYPES, AppointmentStatus, TicketStatus

LETTER_TYPES = {letter: wtype for wtype, letter in WINDOW_TYPES.items()}
GOOD_LEVELS = frozenset({1, 2, 3})
TOTAL = "合计"


@dataclass
class HallDayRow:
    """One window type's figures (or the hall's total, ``window_type`` = "合计")."""

    window_type: str
    label: str
    taken: int = 0
    called: int = 0
    served: int = 0
    skipped: int = 0
    cancelled: int = 0
    expired: int = 0
    wait_p50: float | None = None  # minutes
    wait_p90: float | None = None
    service_p50: float | None = None
    service_mean: float | None = None
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    appointments: int = 0
    appointments_kept: int = 0
    appointments_no_show: int = 0
    appointments_cancelled: int = 0
    ratings: int = 0
    good: int = 0
    bad: int = 0

    @property
    def satisfaction(self) -> float | None:
        return round(self.good / self.ratings, 4) if self.ratings else None

    @property
    def empty(self) -> bool:
        return not (self.taken or self.called or self.served or self.appointments or self.ratings
                    or self.cancelled or self.expired)


@dataclass
class HallDay:
    hall_code: str
    hall_name: str
    region_code: str
    day: dt.date
    rows: list[HallDayRow]  # one per window type with anything to report, in the order of WINDOW_TYPES
    total: HallDayRow


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0–100) by linear interpolation between closest ranks (numpy's default); None of
    no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60, 1)


def daily_report(session: Session, actor: Actor, *, day: dt.date, hall_code: str | None = None) -> list[HallDay]:
    """The day's report of every hall in ``actor``'s scope, or of the one named (a hall outside the scope is
    "not found"). Requires :attr:`Perm.HALL_REPORT`."""
    actor.require(Perm.HALL_REPORT)
    if hall_code is not None and hall_code.strip():
        hall = repository.hall_in_scope(session, actor, hall_code.strip())
        if hall is None:
            raise HallNotFound("服务大厅不存在", field="hall")
        halls = [hall]
    else:
        halls = repository.halls_in_scope(session, actor)
    return [hall_day(session, hall, day) for hall in halls]


def hall_day(session: Session, hall: Hall, day: dt.date) -> HallDay:
    """One hall's figures of one day (no scope check: :func:`daily_report` checks it)."""
    rows: dict[str, HallDayRow] = {t: HallDayRow(t, WINDOW_TYPE_LABELS[t]) for t in WINDOW_TYPES}
    total = HallDayRow(TOTAL, TOTAL)

    def row(wtype: str) -> HallDayRow:
        if wtype not in rows:  # a type no longer known: reported under its own name
            rows[wtype] = HallDayRow(wtype, wtype)
        return rows[wtype]

    for letter, wtype, status, n in repository.report_ticket_counts(session, hall.id, day):
        row(LETTER_TYPES.get(letter, wtype)).taken += n
        total.taken += n
        if status == TicketStatus.CANCELLED:
            row(wtype).cancelled += n
            total.cancelled += n
        elif status == TicketStatus.EXPIRED:
            row(wtype).expired += n
            total.expired += n

    # the timeline: calls, skips and the waits, replayed ticket by ticket
    windows = {w.code: w.type for w in repository.windows_of(session, hall.id, active_only=False)}
    starts = repository.report_ticket_starts(session, hall.id, day)
    called: dict[str, set[str]] = defaultdict(set)
    skipped: dict[str, set[str]] = defaultdict(set)
    waits: dict[str, list[float]] = defaultdict(list)
    queue: dict[str, tuple[str, dt.datetime | None]] = {}  # ticket → (queue type now, entered it at)
    for ticket_no, action, at, data in repository.report_ticket_events(session, hall.id, day):
        wtype, since = queue.get(ticket_no) or (LETTER_TYPES.get(ticket_no[:1], ""), starts.get(ticket_no))
        if action == "call":
            wtype = windows.get(str(data.get("window", "")), wtype)
            called[wtype].add(ticket_no)
            if since is not None:
                waits[wtype].append((at - since).total_seconds())
        elif action == "skip":
            skipped[wtype].add(ticket_no)
        elif action == "transfer":
            wtype, since = str(data.get("to") or wtype), at
        elif action == "requeue":
            since = at
        queue[ticket_no] = (wtype, since)
    for wtype, nos in called.items():
        row(wtype).called = len(nos)
    for wtype, nos in skipped.items():
        row(wtype).skipped = len(nos)
    total.called = len(set().union(*called.values())) if called else 0
    total.skipped = len(set().union(*skipped.values())) if skipped else 0
    for wtype, values in waits.items():
        row(wtype).wait_p50, row(wtype).wait_p90 = (_minutes(percentile(values, 50)),
                                                    _minutes(percentile(values, 90)))
    every_wait = [v for values in waits.values() for v in values]
    total.wait_p50, total.wait_p90 = _minutes(percentile(every_wait, 50)), _minutes(percentile(every_wait, 90))

    services: dict[str, list[float]] = defaultdict(list)
    for wtype, seconds in repository.report_service_times(session, hall.id, day):
        services[wtype].append(seconds)
    for target, values in [(row(t), v) for t, v in services.items()] + [
            (total, [s for v in services.values() for s in v])]:
        if values:
            target.service_p50 = _minutes(percentile(values, 50))
            target.service_mean = _minutes(sum(values) / len(values))

    for wtype, outcome, n in repository.report_visit_counts(session, hall.id, day):
        for target in (row(wtype), total):
            target.served += n
            if outcome in target.outcomes:
                target.outcomes[outcome] += n

    kept = {AppointmentStatus.CHECKED_IN.value: "appointments_kept",
            AppointmentStatus.NO_SHOW.value: "appointments_no_show",
            AppointmentStatus.CANCELLED.value: "appointments_cancelled"}
    for wtype, status, n in repository.report_appointment_counts(session, hall.id, day):
        for target in (row(wtype), total):
            target.appointments += n
            if status in kept:
                setattr(target, kept[status], getattr(target, kept[status]) + n)

    rated = repository.report_rated_visits(session, hall.id, day)
    levels = evaluation.levels_by_case(session, [no for no, _ in rated])
    for visit_no, wtype in rated:
        for level in levels.get(visit_no, []):
            for target in (row(wtype), total):
                target.ratings += 1
                if level in GOOD_LEVELS:
                    target.good += 1
                else:
                    target.bad += 1

    return HallDay(hall_code=hall.code, hall_name=hall.name, region_code=hall.region_code, day=day,
                   rows=[r for r in rows.values() if not r.empty], total=total)


# --- exports ------------------------------------------------------------------------------------------------

COLUMNS: list[tuple[str, str]] = [
    ("taken", "取号"), ("called", "叫号"), ("served", "接待（办事登记）"), ("skipped", "过号"), ("cancelled", "取消"),
    ("expired", "日终失效"), ("wait_p50", "等候时长中位数（分钟）"), ("wait_p90", "等候时长P90（分钟）"),
    ("service_p50", "办理时长中位数（分钟）"), ("service_mean", "办理时长平均（分钟）"),
    *[(f"outcome_{k}", v) for k, v in OUTCOMES.items()],
    ("appointments", "预约"), ("appointments_kept", "预约签到"), ("appointments_no_show", "预约爽约"),
    ("appointments_cancelled", "预约取消"), ("ratings", "评价数"), ("good", "好评（1–3级）"), ("bad", "差评（4–5级）"),
    ("satisfaction", "满意率"),
]
HEADERS = ["日期", "大厅编码", "大厅", "窗口类型", *[label for _, label in COLUMNS]]


def row_values(r: HallDayRow) -> list[int | float | None]:
    out: list[int | float | None] = []
    for key, _ in COLUMNS:
        if key.startswith("outcome_"):
            out.append(r.outcomes.get(key.removeprefix("outcome_"), 0))
        else:
            out.append(getattr(r, key))
    return out


def table(report: Sequence[HallDay]) -> list[list[object]]:
    """The report as rows of cells under :data:`HEADERS`: each hall's window types, then its total."""
    out: list[list[object]] = []
    for h in report:
        for r in [*h.rows, h.total]:
            out.append([h.day.isoformat(), h.hall_code, h.hall_name, r.label, *row_values(r)])
    return out


def report_csv(report: Sequence[HallDay]) -> bytes:
    import csv
    import io

    from yiwang.core.spreadsheet import safe_row

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(safe_row(HEADERS))
    for cells in table(report):
        writer.writerow(safe_row("" if c is None else c for c in cells))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # with a BOM, so that Excel reads the Chinese


def report_xlsx(report: Sequence[HallDay]) -> bytes:
    import io

    from openpyxl import Workbook

    from yiwang.core.spreadsheet import safe_row

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "大厅日报"
    ws.append(safe_row(HEADERS))
    for cells in table(report):
        ws.append(safe_row(cells))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
