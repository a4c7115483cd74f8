"""The hotline's routing rules for the centre (派单规则): the override report (改派报告) — the orders operators
dispatched elsewhere than routing suggested, grouped by suggested and chosen unit — with a form on each row to
write the rule that would have sent them right, and the effective rules with switching one off or on again.

Overrides are reported to improve the rules: a rule saved from a row is marked as coming from the report."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.core import clock
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.hotline import service as hotline
from yiwang.hotline.routing import Rule
from yiwang.hotline.states import KIND_LABELS
from yiwang.org import service as org
from yiwang.web.pagekit import current_actor, redirect, require_staff
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form
from yiwang.web.workbench.hotline import text

router = APIRouter(prefix="/workbench/hotline", include_in_schema=False)

PAGE_SIZE = 50
DONE = {"saved": "规则已保存，新的派单将按它判断。", "enabled": "规则已启用。", "disabled": "规则已停用。"}


def _keeper(actor: Actor) -> Actor:
    return require_staff(actor, Perm.HOTLINE_RULES)


def _words(raw: str) -> list[str]:
    return [w for w in raw.replace("，", " ").replace(",", " ").replace("、", " ").split() if w]


def _functions(session: Session) -> list[str]:
    return sorted({u.function for u in hotline.units_view(session)})


def _free_code(taken: set[str], n: int) -> str:
    """A rule code not used yet: OVR-<date>-<n>."""
    day = clock.today()
    while True:
        code = f"OVR-{day:%y%m%d}-{n}"
        if code not in taken:
            taken.add(code)
            return code
        n += 1


def _rule_url(code: str, done: str) -> str:
    """The rules page showing one rule (found by its code) with what was done to it."""
    key = quote(code, safe="")
    return f"/workbench/hotline/rules?q={key}&done={done}#rule-{key}"


# --- the override report ----------------------------------------------------------------------------------------

def _overrides_page(request: Request, session: Session, actor: Actor, *, since: str = "",
                    error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                    status: int = 200) -> Any:
    since_date, since_error = None, None
    if since:
        try:
            since_date = dt.date.fromisoformat(since)
        except ValueError:
            since_error = "起始日期格式应为 YYYY-MM-DD，已显示全部改派。"
    rows = hotline.override_report(session, actor, since=since_date)
    units = hotline.units_view(session)
    function_of = {u.name: u.function for u in units}
    taken = {r.code for r in hotline.rules_view(session)} | {r.code for r in hotline.disabled_rules(session)}
    forms = [{"row": r, "index": i, "function": function_of.get(r.chosen, ""),
              "code": _free_code(taken, 1),
              "note": f"改派报告：建议{r.suggested}，实际派往{r.chosen}"} for i, r in enumerate(rows)]
    return render(request, "workbench/hotline/overrides.html", {
        "forms": forms, "since": since if since_date else "", "since_error": since_error,
        "functions": _functions(session), "total": sum(r.count for r in rows), "error": error,
        "values": values or {}}, status=status)


@router.get("/overrides")
def overrides(request: Request, since: str = "", session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    return _overrides_page(request, session, actor, since=since.strip()[:10])


@router.post("/overrides/rules")
def rule_from_override(request: Request, posted: FormData = Depends(posted_form),
                       session: Session = Depends(get_session, scope="function"),
                       actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    values = {"row": text(posted, "row", 6), "code": text(posted, "code", 40), "function": text(posted, "function", 40),
              "any": text(posted, "any", 500), "note": text(posted, "note", 500), "since": text(posted, "since", 10)}
    try:
        with session.begin_nested():
            rule = hotline.save_rule(session, actor, {"code": values["code"], "function": values["function"],
                                                      "any": _words(values["any"]), "note": values["note"]},
                                     origin="override")
    except DomainError as exc:
        return _overrides_page(request, session, actor, since=values["since"], error=form_error(exc),
                               values=values, status=exc.status)
    return redirect(_rule_url(rule.code, "saved"))


# --- the rules ------------------------------------------------------------------------------------------------------

def _row(rule: Rule, enabled: bool, shipped: set[str], names: dict[int, str]) -> dict[str, Any]:
    return {"r": rule, "enabled": enabled, "origin": "平台预置" if rule.code in shipped else "热线中心",
            "target": rule.function or names.get(rule.department_id or 0, ""),
            "kinds": "、".join(KIND_LABELS.get(k, k) for k in rule.kinds)}


def _matches(row: dict[str, Any], function: str, q: str, state: str) -> bool:
    rule: Rule = row["r"]
    if function and row["target"] != function:
        return False
    if state and row["enabled"] != (state == "on"):
        return False
    if q:
        text_of = " ".join([rule.code, rule.note, *rule.any_of, *rule.all_of, *rule.none_of]).lower()
        return q.lower() in text_of
    return True


@router.get("/rules")
def rules(request: Request, function: str = "", q: str = "", state: str = "", page: str = "1", done: str = "",
          session: Session = Depends(get_session, scope="function"),
          actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    effective, disabled = hotline.rules_view(session), hotline.disabled_rules(session)
    shipped = {r.code for r in hotline.seed_rules()}
    ids = {r.department_id for r in effective + disabled if r.department_id}
    names = {d.id: d.name for d in org.departments_by_ids(session, ids).values()}
    every = [_row(r, True, shipped, names) for r in effective] + [_row(r, False, shipped, names) for r in disabled]
    function, q = function.strip()[:40], q.strip()[:40]
    state = state if state in ("on", "off") else ""
    found = [r for r in every if _matches(r, function, q, state)]
    number = page_number(page)
    params = {"function": function, "q": q, "state": state}
    return render(request, "workbench/hotline/rules.html", {
        "rows": found[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], "total": len(found), "all": len(every),
        "enabled": sum(1 for r in every if r["enabled"]), "params": params, "filtered": any(params.values()),
        "functions": sorted({r["target"] for r in every if r["target"]}), "notice": DONE.get(done),
        "pager": pager("/workbench/hotline/rules", params, number, len(found), PAGE_SIZE)})


@router.post("/rules/{code}/toggle")
def toggle_rule(request: Request, code: str, posted: FormData = Depends(posted_form),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _keeper(actor)
    check_csrf(request, text(posted, "csrf_token", 200))
    wanted = text(posted, "enabled", 1)
    if wanted not in ("0", "1"):
        raise ValidationFailed("请选择启用或停用", field="enabled", code="invalid")
    key = code.strip().upper()[:40]
    rule = next((r for r in hotline.rules_view(session) + hotline.disabled_rules(session) if r.code == key), None)
    if rule is None:
        raise NotFound("派单规则不存在", field="code")
    hotline.save_rule(session, actor, {
        "code": rule.code, "function": rule.function, "department_id": rule.department_id, "any": list(rule.any_of),
        "all": list(rule.all_of), "none": list(rule.none_of), "kinds": list(rule.kinds),
        "region_code": rule.region_code, "item_codes": list(rule.item_codes), "weight": rule.weight,
        "note": rule.note, "enabled": wanted == "1"})
    return redirect(_rule_url(rule.code, "enabled" if wanted == "1" else "disabled"))
