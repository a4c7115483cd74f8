"""Alerts as supervisors read and close them: counts per level and department, the filtered list, one alert
as JSON, and closing a card (a finding) with what was done about it.

Every read joins two sources: the stored alerts (cards, the lights of joint cases' branches and of 12345 work
orders) and the case lights, derived from the clock for today (supervision/lights.py). A derived light has no id
(``id`` null, ``key`` "<rule>:<case number>") and is never closed by hand: it goes out when the case moves on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from yiwang.core import audit, clock
from yiwang.core.errors import ValidationFailed
from yiwang.core.permissions import Actor, Perm
from yiwang.org import service as org_service
from yiwang.supervision import lights, repository
from yiwang.supervision.errors import AlertNotFound, LightNotClosable
from yiwang.supervision.models import Alert
from yiwang.supervision.rules import CARD_RULES, CONTENT, LEVEL_LABELS, Level, default_rules


def open_counts(session: Session, actor: Actor) -> dict[str, int]:
    """Open alerts per level in the actor's scope: the stored ones and the case lights lit today."""
    counts = repository.open_counts(session, actor)
    for level, n in lights.open_counts(session, lights.light_scope(actor)).items():
        counts[level] = counts.get(level, 0) + n
    return counts


def open_by_department(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Open alerts per department and level, busiest first (the console's overview)."""
    rows = repository.open_by_department_level(session, actor) + lights.by_department(
        session, lights.light_scope(actor))
    out: dict[int, dict[str, Any]] = {}
    for dept_id, level, n, oldest in rows:
        entry = out.setdefault(dept_id, {"department_id": dept_id, **{lv.value: 0 for lv in Level},
                                         "total": 0, "oldest": oldest})
        entry[level] += int(n)
        entry["total"] += int(n)
        entry["oldest"] = min(entry["oldest"], oldest)
    names = org_service.departments_by_ids(session, out)
    for dept_id, entry in out.items():
        entry["department"] = names[dept_id].name if dept_id in names else str(dept_id)
    return sorted(out.values(), key=lambda e: (-e["red"] - e["red_card"], -e["total"]))


def list_alerts(session: Session, actor: Actor, *, level: str | None = None, department_id: int | None = None,
                status: str | None = "open", rule: str | None = None, min_age_days: int | None = None,
                limit: int = 50, offset: int = 0) -> tuple[int, list[Alert | lights.Light]]:
    """Alerts the supervisor may see, filtered by level, department, rule, status and age: first the stored
    ones (cards and the branch and hotline lights; newest first), then the case lights lit today (red before
    yellow, the longest lit first). Cleared case lights are not listed (nothing records them), except those
    stored before the lights were derived."""
    where: list[ColumnElement[bool]] = [repository.alert_scope(actor)]
    if level:
        if level not in {lv.value for lv in Level}:
            raise ValidationFailed("预警级别应为 yellow、red、yellow_card 或 red_card", field="level")
        where.append(Alert.level == level)
    if department_id is not None:
        where.append(Alert.department_id == department_id)
    if status:
        if status not in ("open", "cleared"):
            raise ValidationFailed("状态应为 open 或 cleared", field="status")
        where.append(Alert.status == status)
    if rule:
        where.append(Alert.rule == rule)
    if min_age_days:
        where.append(Alert.raised_on <= clock.today() - dt.timedelta(days=min_age_days))
    stored_total, stored = repository.alerts_page(session, where, limit=limit, offset=offset)
    if status == "cleared" or (rule and rule not in lights.CASE_LIGHTS):
        return stored_total, list(stored)
    c = lights.feed_columns()
    derived_where: list[ColumnElement[bool]] = [lights.light_scope(actor)]
    if department_id is not None:
        derived_where.append(c.department_id == department_id)
    selected = lights.parts(session, rule=rule or None, level=level or None)
    derived_total, derived = lights.page(session, selected, derived_where, min_age_days=min_age_days,
                                         limit=limit - len(stored), offset=max(0, offset - stored_total),
                                         contents=CONTENT)
    return stored_total + derived_total, [*stored, *derived]


def alert_out(session: Session, alert: Alert | lights.Light) -> dict[str, Any]:
    derived = alert.id is None
    return {"id": alert.id, "key": lights.key(alert.rule, alert.case_no) if derived else f"alert:{alert.id}",
            "derived": derived, "case_no": alert.case_no, "level": alert.level,
            "level_label": LEVEL_LABELS[Level(alert.level)], "rule": alert.rule,
            "rule_label": default_rules()[alert.rule].label if alert.rule in default_rules() else alert.rule,
            "content": alert.content, "raised_at": alert.raised_at.isoformat(), "raised_on": alert.raised_on.isoformat(),
            "due": alert.due.isoformat() if alert.due else None, "status": alert.status,
            "cleared_at": alert.cleared_at.isoformat() if alert.cleared_at else None, "result": alert.result,
            "department_id": alert.department_id,
            "department": org_service.department_name(session, alert.department_id),
            "item_code": alert.item_code, "item_type": alert.item_type, "subject": alert.subject}


def close_card(session: Session, actor: Actor, alert_id: int, *, result: str) -> Alert:
    """A supervisor closes a card (a finding) with what was done about it."""
    actor.require(Perm.SUPERVISION_ORDER)
    alert = repository.alert_in_scope(session, actor, alert_id)
    if alert is None:
        raise AlertNotFound("预警不存在", field="alert_id")
    if alert.status != "open":
        raise ValidationFailed("该预警已处理", field="alert_id", code="already_closed")
    if alert.rule not in CARD_RULES:
        raise LightNotClosable("红灯、黄灯随办件处理自动解除，不能手工办结", field="alert_id")
    if not result.strip():
        raise ValidationFailed("请填写处理结果", field="result", code="reason_required")
    alert.status, alert.cleared_at, alert.result = "cleared", clock.now(), result.strip()[:1000]
    audit.record(session, actor, "supervision.close_alert", "supervision_alert", alert.id, {"result": alert.result})
    return alert
