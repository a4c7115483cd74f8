"""好差评 pages for the public: the applicant rates a concluded case, reads the department's answer to a bad
review and may re-rate (/my/cases/{case_no}/evaluation); anyone reads each department's figures (/evaluation).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.permissions import Actor
from yiwang.core.requests import get_session
from yiwang.evaluation import service as evaluation
from yiwang.evaluation.states import BAD_LEVELS, BAD_REASONS, LEVEL_LABELS
from yiwang.web.pagekit import current_actor, redirect, require_applicant
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form

router = APIRouter(include_in_schema=False)

DONE_MESSAGES = {"rated": "感谢您的评价！", "changed": "评价已修改。"}


def _page_url(case_no: str, done: str | None = None) -> str:
    url = f"/my/cases/{quote(case_no, safe='')}/evaluation"
    return f"{url}?done={done}" if done else url


def _channel(request: Request) -> str:
    """Where the rating came from: a phone's browser says so in its user agent."""
    agent = request.headers.get("user-agent", "")
    return "mobile" if "Mobile" in agent or "Android" in agent else "pc"


def _rate_page(request: Request, session: Session, actor: Actor, case_no: str, *, status: int = 200,
               error: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
               notice: str | None = None) -> Any:
    view = evaluation.case_evaluation(session, actor, case_no)
    current = view.evaluation
    if values is None:
        values = {"level": str(current.level) if current else "", "reasons": current.reasons if current else [],
                  "comment": (current.comment or "") if current else ""}
    return render(request, "portal/evaluation.html", {
        "view": view, "ev": current, "levels": list(LEVEL_LABELS.items()), "bad_levels": BAD_LEVELS,
        "reasons": list(BAD_REASONS.items()), "values": values, "error": error, "notice": notice,
        "page_url": _page_url(view.case_no), "change_days": get_settings().evaluation_change_days}, status=status)


@router.get("/my/cases/{case_no}/evaluation")
def rate_form(request: Request, case_no: str, done: str = "", session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return _rate_page(request, session, actor, case_no[:40], notice=DONE_MESSAGES.get(done))


def _level(raw: str) -> int:
    raw = raw.strip()
    if not raw:
        raise ValidationFailed("请选择评价等级", field="level", code="level_required")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else 0


def _values(posted: FormData) -> dict[str, Any]:
    def text(name: str, limit: int) -> str:
        value = posted.get(name)
        return value[:limit] if isinstance(value, str) else ""

    return {"level": text("level", 4), "comment": text("comment", 2000), "csrf_token": text("csrf_token", 200),
            "reasons": [r[:40] for r in posted.getlist("reasons") if isinstance(r, str)][:20]}


@router.post("/my/cases/{case_no}/evaluation")
def rate_submit(request: Request, case_no: str, posted: FormData = Depends(posted_form),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    values = _values(posted)
    check_csrf(request, values.pop("csrf_token"))
    try:
        with session.begin_nested():
            rated = evaluation.rate(session, actor, case_no=case_no[:40], level=_level(values["level"]),
                                    reasons=values["reasons"], comment=values["comment"], channel=_channel(request))
    except DomainError as exc:
        return _rate_page(request, session, actor, case_no[:40], status=exc.status, error=form_error(exc),
                          values=values)
    return redirect(_page_url(rated.case_no, "rated" if rated.revision == 1 else "changed"))


# --- public figures -------------------------------------------------------------------------------------

def _date(raw: str, label: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise ValidationFailed(f"{label}应为 YYYY-MM-DD 格式的日期", field="since" if label == "起始日期" else "until") from exc


@router.get("/evaluation")
def figures_page(request: Request, since: str = "", until: str = "",
                 session: Session = Depends(get_session, scope="function"),
                 actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    status, error = 200, None
    try:
        start, end = _date(since, "起始日期"), _date(until, "截止日期")
        rows = evaluation.department_figures(session, since=start, until=end)
    except DomainError as exc:
        status, error = exc.status, form_error(exc)
        rows = evaluation.department_figures(session)
    return render(request, "portal/evaluation_figures.html", {
        "rows": rows, "total": evaluation.figures_total(rows), "since": since[:10], "until": until[:10],
        "levels": list(LEVEL_LABELS.items()), "error": error}, status=status)
