"""Department scores for a month: cases decided and on time, alerts and cards raised, and (given by the
evaluation domain through the caller) the ratings figures; as rows, CSV or an Excel workbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases import service as cases
from yiwang.core import clock
from yiwang.core.errors import ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, Perm
from yiwang.core.spreadsheet import safe_row
from yiwang.org import service as org_service
from yiwang.supervision import lights, repository
from yiwang.supervision.rules import Level
from yiwang.supervision.tick import start_of


def month_bounds(month: str | None) -> tuple[dt.date, dt.date]:
    """The first day of ``month`` (YYYY-MM, default this month) and of the next."""
    today = clock.today()
    try:
        first = dt.date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
    except ValueError:
        raise ValidationFailed("月份格式应为 YYYY-MM", field="month") from None
    if not 2000 <= first.year <= 2100:
        raise ValidationFailed("月份应在 2000–2100 年之间", field="month")
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following


def scores(session: Session, actor: Actor, *, month: str | None = None,
           figures: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Per department for a month: cases decided and on time, alerts and cards raised, open alerts, and
    (given by the evaluation domain through the caller) the ratings figures. Sorted by score."""
    if actor is not SYSTEM:
        actor.require(Perm.SUPERVISION_READ)
    first, following = month_bounds(month)
    decided = cases.decision_counts(session, actor, since=start_of(first), until=start_of(following))
    # stored alerts raised in the month, and the case lights lit now that first lit in the month (a light that
    # went out again is not remembered: lights are derived from the clock, not stored)
    raised = repository.raised_by_department_level(session, actor, first, following) + lights.raised_between(
        session, lights.light_scope(actor), first, following)
    alerts: dict[int, dict[str, int]] = {}
    for dept_id, level, n in raised:
        alerts.setdefault(dept_id, {lv.value: 0 for lv in Level})[level] += int(n)
    ratings = {int(f["department_id"]): f for f in figures}
    dept_ids = set(decided) | set(alerts) | set(ratings)
    names = org_service.departments_by_ids(session, dept_ids)
    rows = []
    for dept_id in dept_ids:
        total, on_time = decided.get(dept_id, (0, 0))
        a = alerts.get(dept_id, {lv.value: 0 for lv in Level})
        r = ratings.get(dept_id, {})
        on_time_rate = on_time / total if total else None
        satisfaction = r.get("satisfaction_rate")
        # 100 points: 50 for timeliness, 30 for satisfaction, minus 2 per red light and 5 per card (floor 0)
        score = (50 * (on_time_rate if on_time_rate is not None else 1.0)
                 + 30 * (satisfaction if satisfaction is not None else 1.0) + 20
                 - 2 * a["red"] - 5 * (a["red_card"] + a["yellow_card"]) - 0.5 * a["yellow"])
        rows.append({"department_id": dept_id, "department": names[dept_id].name if dept_id in names else str(dept_id),
                     "month": f"{first:%Y-%m}", "decided": total, "on_time": on_time,
                     "on_time_rate": round(on_time_rate, 4) if on_time_rate is not None else None,
                     "yellow": a["yellow"], "red": a["red"], "yellow_card": a["yellow_card"], "red_card": a["red_card"],
                     "ratings": r.get("ratings", 0), "satisfaction_rate": satisfaction,
                     "bad_reviews": r.get("bad_reviews", 0), "score": round(max(0.0, score), 1)})
    rows.sort(key=lambda x: (-x["score"], x["department"]))
    return rows


SCORE_COLUMNS = [("department", "部门"), ("month", "月份"), ("decided", "办结件数"), ("on_time", "按期办结"),
                 ("on_time_rate", "按期办结率"), ("yellow", "黄灯"), ("red", "红灯"), ("yellow_card", "黄牌"),
                 ("red_card", "红牌"), ("ratings", "评价数"), ("satisfaction_rate", "满意率"),
                 ("bad_reviews", "差评数"), ("score", "综合得分")]


def scores_csv(rows: list[dict[str, Any]]) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(safe_row(label for _, label in SCORE_COLUMNS))
    for row in rows:
        writer.writerow(safe_row("" if row[k] is None else row[k] for k, _ in SCORE_COLUMNS))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # with a BOM, so that Excel reads the Chinese


def scores_xlsx(rows: list[dict[str, Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "部门考核"
    ws.append(safe_row(label for _, label in SCORE_COLUMNS))
    for row in rows:
        ws.append(safe_row(row[k] for k, _ in SCORE_COLUMNS))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
