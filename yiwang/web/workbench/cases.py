"""Staff workbench for cases (办件): the queues, the case page with the actions the staff member may take
now, and intake at the general window or by a village proxy (综合窗口收件 / 代办).

Every read and write goes through ``cases.service``, which narrows to the actor's department or region:
another department's case number is "not found" here as everywhere. A domain error is shown on the page
with its Chinese message and status after the transaction is rolled back, so nothing half-done is kept.
Each action form carries the case version the page showed: if the case has moved on since, the action
is refused with a conflict and the fresh page (two clerks on one case: one wins, the other is told).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from yiwang.cases import duties, notices
from yiwang.cases import service as cases
from yiwang.cases.deadlines import MAX_EXTENSION_DAYS
from yiwang.cases.errors import CaseConflict
from yiwang.cases.states import ACTION_LABELS, STATUS_LABELS, STEP_LABELS, SUSPENSION_KINDS, Action, Status
from yiwang.catalog import eforms
from yiwang.catalog import service as catalog
from yiwang.catalog.schemas import ApplicationSpec
from yiwang.core import storage
from yiwang.core.config import get_settings
from yiwang.core.errors import DomainError, PermissionDenied, ValidationFailed
from yiwang.core.lifecycle import StaleVersion
from yiwang.core.permissions import Actor, Perm
from yiwang.core.requests import get_session
from yiwang.org import service as org_service
from yiwang.web.pagekit import current_actor, redirect, require_staff
from yiwang.web.portal.applications import notice_response
from yiwang.web.portal.guide import CASE_TYPES, attachment_headers, form_context, page_number, pager
from yiwang.web.setup import check_csrf, form_error, render

if TYPE_CHECKING:
    from yiwang.cases.models import Case

router = APIRouter(prefix="/workbench", include_in_schema=False)

PAGE_SIZE = 50
LIGHTS = {"green": ("绿灯", "正常"), "yellow": ("黄灯", "即将到期"), "red": ("红灯", "已超期")}
CHANNELS = {"online": "网上申请", "window": "窗口收件", "proxy": "代办"}
OUTCOMES = {"approved": "准予许可", "denied": "不予许可"}
ACTIONS = {a.value: label for a, label in ACTION_LABELS.items()}
STATUSES = {s.value: label for s, label in STATUS_LABELS.items()}
STEPS = {s.value: label for s, label in STEP_LABELS.items()}
# what the opinion of each review step is called on paper
OPINIONS = {"handle": "承办意见", "check": "审核意见", "approve": "审批意见"}
STALE = ("该办件在您打开页面之后已被其他人处理，您的操作没有执行。下面是办件的最新情况，请核对后再决定是否操作。")
DONE = {a: f"已完成：{label}。" for a, label in ACTIONS.items()} | {
    "intake": "收件成功，办件已提交。请把办件编号告知申请人，凭编号和手机号或证件号码后四位可查询进度。",
    # 通办 and 转报 (web/workbench/tongban.py)
    "paper_sent": "已登记寄出的纸质材料，请将寄递单号告知承办地。", "paper_received": "已签收纸质材料。",
    "forward": "已转报上级部门，办件由上级部门继续办理；本部门可继续查看。"}
# intake fields other than the e-form's own; the leading underscore keeps them apart from e-form field
# names (JSON Schema property names chosen by catalog editors)
INTAKE_FIELDS = ("_item", "_applicant", "_token", "_pledge", "_deliver_at_intake")


async def posted_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form (urlencoded or multipart), parsed before the synchronous handler runs in a thread."""
    form = await request.form(max_files=120, max_fields=600)
    try:
        yield form
    finally:
        await form.close()


def _text(posted: FormData, name: str, limit: int = 2000) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _staff(actor: Actor) -> Actor:
    return require_staff(actor, Perm.CASE_READ)


def _can_intake(actor: Actor) -> bool:
    return actor.is_staff and (actor.can(Perm.CASE_INTAKE) or actor.can(Perm.CASE_PROXY_SUBMIT))


def _case_url(case_no: str, done: str | None = None) -> str:
    return f"/workbench/cases/{quote(case_no, safe='')}" + (f"?done={done}" if done else "")


# --- the queues --------------------------------------------------------------------------------------

def scope_label(actor: Actor) -> str:
    return "辖区全部办件" if actor.region_scoped else "本部门全部办件"


@router.get("/cases")
def queue(request: Request, view: str = "mine", status: str = "", light: str = "", q: str = "", page: str = "1",
          session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    view = "all" if view == "all" else "mine"
    status = status if status in STATUSES else ""
    light = light if light in LIGHTS else ""
    q = q.strip()[:100]
    number = page_number(page)
    params = {"view": view, "status": status, "light": light, "q": q}
    total, found = cases.list_cases(session, actor, status=status or None, light=light or None, mine=view == "mine",
                                    q=q or None, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    rows = []
    for case in found:
        item = cases.list_view(session, case)
        rows.append({"c": item, "step": _step_label(case), "paused": case.status == Status.SUSPENDED.value})
    return render(request, "workbench/queue.html", {
        "params": params, "total": total, "rows": rows, "filtered": bool(status or light or q),
        "statuses": STATUSES, "lights": LIGHTS, "scope_label": scope_label(actor),
        "can_intake": _can_intake(actor), "pager": pager("/workbench/cases", params, number, total, PAGE_SIZE)})


def _step_label(case: Case) -> str:
    """The review step a case is at, while one is running."""
    if case.review_step and case.status in (Status.ACCEPTED.value, Status.IN_REVIEW.value, Status.SUSPENDED.value):
        return f"{STEPS.get(case.review_step, case.review_step)}环节"
    return ""


# --- the case page ---------------------------------------------------------------------------------------

def _spec(session: Session, case: Case) -> ApplicationSpec | None:
    try:
        return catalog.application_spec_of_version(session, case.item_code, case.item_version_id)
    except DomainError:
        return None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def form_rows(schema: dict[str, Any] | None, data: dict[str, Any]) -> list[tuple[str, str]]:
    """The filed e-form as (label, value), in the form's order; keys the schema does not know keep their name."""
    fields = eforms.fields(schema)
    known = {f.name for f in fields}
    rows = [(f.label, _shown(data[f.name])) for f in fields if f.name in data]
    return rows + [(key, _shown(value)) for key, value in data.items() if key not in known]


def _review_button(case: Case) -> str:
    steps = [str(s) for s in case.review_steps or []]
    step = case.review_step or ""
    if step in steps and steps.index(step) + 1 < len(steps):
        after = steps[steps.index(step) + 1]
        return f"{STEPS.get(step, step)}通过，转{STEPS.get(after, after)}"
    return ACTIONS[Action.REVIEW.value]


def _return_button(case: Case) -> str:
    steps = [str(s) for s in case.review_steps or []]
    step = case.review_step or ""
    if step in steps and steps.index(step) > 0:
        return f"退回{STEPS.get(steps[steps.index(step) - 1], '上一环节')}"
    return ACTIONS[Action.RETURN_PREVIOUS.value]


def case_page(request: Request, session: Session, actor: Actor, case: Case, *, error: dict[str, Any] | None = None,
              values: dict[str, Any] | None = None, notice: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    view = cases.view(session, actor, case)
    spec = _spec(session, case)
    step = case.review_step or ""
    open_notice = next((c for c in reversed(view.corrections) if c["answered_at"] is None), None)
    return render(request, "workbench/case.html", {
        "v": view, "version": case.version, "spec": spec,
        "form_rows": form_rows(spec.form_schema if spec else None, view.form) if spec else
        [(k, _shown(val)) for k, val in view.form.items()],
        "material_names": [m.name for m in spec.materials] if spec else sorted({m.name for m in view.materials}),
        "requested": set(open_notice["materials"]) if open_notice else set(),
        "step_label": _step_label(case), "opinion": OPINIONS.get(step, "意见"), "review_button": _review_button(case),
        "return_button": _return_button(case),
        "extension_left": max(0, MAX_EXTENSION_DAYS - case.extension_days), "extension_days": case.extension_days,
        "channels": CHANNELS, "case_types": CASE_TYPES, "outcomes": OUTCOMES, "lights": LIGHTS,
        "action_labels": ACTIONS, "kinds": SUSPENSION_KINDS, "statuses": STATUSES, "steps": STEPS,
        "error": error, "values": values or {}, "notice": notice, "can_intake": _can_intake(actor),
        "notices": notices.available(session, case), "duty_notes": duties.notes(session, actor, case),
        "join_note": _join_note(view, actor, case),
        # 通办 and 转报 (web/workbench/tongban.py posts these forms)
        "may_send_papers": cases.may_send_papers(actor, case),
        "upper_departments": cases.upper_departments(session, case) if view.may_forward else []},
        status=status)


def _join_note(view: Any, actor: Actor, case: Case) -> str | None:
    """Why the lead's decision is not offered yet on a joint case (the approver at the last step)."""
    if not view.branches or case.status not in (Status.ACCEPTED.value, Status.IN_REVIEW.value):
        return None
    if actor.department_id != case.department_id:
        return None
    objected = [b.department for b in view.branches if b.status == "objected"]
    if objected:
        return "、".join(objected) + "不同意。可作出不予许可决定，或一次性告知申请人补正后重新受理。"
    waiting = [b.department for b in view.branches if b.status not in ("consented", "deemed_consent")]
    if waiting:
        return "并联审批部门尚未全部同意（" + "、".join(waiting) + "），暂不能作出准予许可的决定。"
    return None


@router.get("/cases/{case_no}")
def case_detail(request: Request, case_no: str, done: str = "", session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    case = cases.open_case(session, actor, case_no)  # not visible → the Chinese 404 page
    return case_page(request, session, actor, case, notice=DONE.get(done))


@router.get("/cases/{case_no}/files/{file_id}")
def case_file(case_no: str, file_id: str, session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)) -> Response:
    """Preview a material in the browser: shown inline, never sniffed into something executable."""
    _staff(actor)
    record = cases.material_file(session, actor, case_no=case_no[:40], file_id=file_id[:32])
    headers = attachment_headers(record.filename)
    headers["Content-Disposition"] = headers["Content-Disposition"].replace("attachment", "inline", 1)
    return Response(storage.read(record), media_type=record.content_type,
                    headers=headers | {"Cache-Control": "private, no-store"})


def _days(posted: FormData) -> int | None:
    raw = _text(posted, "days", 10)
    if not raw:
        return None
    if not raw.lstrip("-").isdigit():
        raise ValidationFailed("天数请填写整数", field="days")
    return int(raw)


def _correction_list(posted: FormData) -> list[str]:
    names = [v.strip()[:500] for v in posted.getlist("materials") if isinstance(v, str) and v.strip()]
    other = _text(posted, "other", 500)
    return names + ([other] if other else [])


def _uploads(session: Session, actor: Actor, posted: FormData, names: list[str]) -> list[cases.MaterialIn]:
    """Store the files chosen for each material (owned by the filing staff member, as the service checks)."""
    limit = get_settings().max_upload_bytes
    out = []
    for i, name in enumerate(names):
        upload = posted.get(f"_file_{i}")
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        data = upload.file.read(limit + 1)
        try:
            record = storage.store(session, data=data, filename=upload.filename, declared_type=upload.content_type,
                                   owner=actor.label)
        except DomainError as exc:
            exc.message = f"“{name}”：{exc.message}"
            exc.field = f"_file_{i}"
            raise
        out.append(cases.MaterialIn(name, record.id))
    return out


@router.post("/cases/{case_no}/actions")
def case_action(request: Request, case_no: str, posted: FormData = Depends(posted_form),
                session: Session = Depends(get_session, scope="function"), actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    case = cases.get_case(session, actor, case_no)  # not visible → 404 before anything is read or stored
    action = _text(posted, "action", 40)
    comment, kind = _text(posted, "comment"), _text(posted, "kind", 40)
    values = {"comment": comment, "materials": posted.getlist("materials"), "other": _text(posted, "other", 500),
              "kind": kind, "days": _text(posted, "days", 10)}
    try:
        posted_version = _text(posted, "version", 20)
        if posted_version != str(case.version):  # the page showed an older case: say so before anything else
            raise CaseConflict(STALE, field="version", code="stale_version")
        materials: list[Any] | None = None
        if action == Action.REQUEST_CORRECTION.value:
            materials = _correction_list(posted)
        elif action == Action.RESUBMIT.value:
            spec = _spec(session, case)
            materials = _uploads(session, actor, posted, [m.name for m in spec.materials] if spec else [])
        cases.apply(session, actor, case_no=case.case_no, action=action, comment=comment or None,
                    materials=materials, kind=kind or None, days=_days(posted), expected_version=int(posted_version))
    except DomainError as exc:
        session.rollback()
        fresh = cases.get_case(session, actor, case.case_no)
        stale = isinstance(exc, StaleVersion)
        error = form_error(exc) | {"action": action, "inline": exc.status == 422, "label": ACTIONS.get(action)}
        return case_page(request, session, actor, fresh, error=error, values={} if stale else values,
                         status=exc.status)
    return redirect(_case_url(case.case_no, action))


# --- window and proxy intake ----------------------------------------------------------------------------

def _intake_staff(actor: Actor) -> Actor:
    require_staff(actor)
    if not _can_intake(actor):
        raise PermissionDenied("只有综合窗口人员或代办员可以代为收件", code="forbidden")
    return actor


def intake_page(request: Request, session: Session, *, item_code: str = "", spec: ApplicationSpec | None = None,
                values: dict[str, Any] | None = None, problems: list[dict[str, str]] | None = None,
                error: dict[str, Any] | None = None, token: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    values = values or {}
    context: dict[str, Any] = {"item_code": item_code, "spec": spec, "values": values, "error": error,
                               "token": token or secrets.token_urlsafe(18), "case_types": CASE_TYPES}
    if spec is not None:
        context.update(form_context(spec, values, problems))
        context["department"] = org_service.get_department(session, spec.department_id).name
        actor = getattr(request.state, "actor", None)
        context["tongban"] = actor is not None and cases.takes_as_tongban(actor, spec)
    return render(request, "workbench/intake.html", context, status=status)


@router.get("/intake")
def intake_form(request: Request, item_code: str = "", session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _intake_staff(actor)
    code = item_code.strip()[:64]
    if not code:
        return intake_page(request, session)
    try:
        spec = catalog.application_spec(session, code)
    except DomainError as exc:
        return intake_page(request, session, item_code=code, error=form_error(exc), status=exc.status)
    return intake_page(request, session, item_code=code, spec=spec)


@router.post("/intake")
def intake_submit(request: Request, posted: FormData = Depends(posted_form), session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    _intake_staff(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    code = _text(posted, "_item", 64)
    token = _text(posted, "_token", 100)
    raw = {k: v for k, v in posted.multi_items() if isinstance(v, str) and k not in INTAKE_FIELDS
           and k != "csrf_token"}
    applicant, pledge = _text(posted, "_applicant", 30), posted.get("_pledge") == "on"
    values: dict[str, Any] = raw | {"_applicant": applicant, "_pledge": pledge,
                                    "_deliver_at_intake": posted.get("_deliver_at_intake") == "on"}
    try:
        spec = catalog.application_spec(session, code)
    except DomainError as exc:
        return intake_page(request, session, item_code=code, error=form_error(exc), status=exc.status)
    try:
        if not applicant:
            raise ValidationFailed("请输入申请人的身份证号码或统一社会信用代码", field="applicant_code")
        form = eforms.coerce_form(spec.form_schema, raw)
        materials = _uploads(session, actor, posted, [m.name for m in spec.materials])
        case = cases.submit(session, actor, item_code=spec.code, form=form, materials=materials,
                            pledge=pledge, idempotency_key=f"intake:{token}" if token else None,
                            applicant_code=applicant, deliver_at_intake=posted.get("_deliver_at_intake") == "on")
    except DomainError as exc:
        session.rollback()
        problems = exc.extra.get("problems") if exc.code == "invalid_form" else None
        return intake_page(request, session, item_code=code, spec=spec, values=values, problems=problems,
                           error=form_error(exc), token=token, status=exc.status)
    return redirect(_case_url(case.case_no, "intake"))


@router.get("/cases/{case_no}/notices/{kind}")
def case_notice(case_no: str, kind: str, seq: str = "", session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Response:
    """The written notices of a case, for the window to print and hand over."""
    _staff(actor)
    return notice_response(session, actor, case_no, kind, seq)
