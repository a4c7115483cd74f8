"""The 12345 message board for the public: the published posts and the 曝光纠错 column (/hotline/board), one post
(/hotline/board/{id}), a signed-in person's or enterprise's own posts (?tab=mine) and the form to post
(/hotline/board/new). Every page works without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.core.errors import DomainError, NotFound
from yiwang.core.permissions import Actor, region_prefix
from yiwang.core.requests import get_session
from yiwang.hotline import board
from yiwang.hotline import service as hotline
from yiwang.hotline.schemas import BoardPostIn
from yiwang.hotline.states import KIND_LABELS, Kind
from yiwang.org import service as org
from yiwang.web.pagekit import current_actor, redirect, require_applicant
from yiwang.web.portal.guide import page_number, pager
from yiwang.web.setup import check_csrf, form_error, render
from yiwang.web.workbench.cases import posted_form

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 15
TABS = {"all": "全部留言", "exposure": "曝光纠错", "mine": "我的留言"}
FIELDS = ("kind", "title", "content", "contact_phone", "region_code", "location")
# what the form says when a field is wrong (the schema's own message for the phone number and the region)
FIELD_MESSAGES = {"title": "标题应为 4–100 个字", "content": "留言内容应为 10–4000 个字",
                  "kind": "请选择诉求类型", "contact_phone": "请填写有效的联系电话（手机号或固定电话）",
                  "region_code": "请选择问题发生的区域", "location": "具体地点不超过 300 个字"}
DONE = {"posted": "留言已提交，已同时登记为 12345 热线工单。工作人员审核（隐去个人信息）后将公开留言，答复经审核后一并公开。"}


def _text(posted: FormData, name: str, limit: int) -> str:
    value = posted.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _post_id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
        raise NotFound("留言不存在或尚未公开", field="id")
    return int(raw)


def _problem(exc: ValidationError) -> dict[str, Any]:
    """The first problem of the form, in Chinese, with the field it belongs to."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else None
    message = FIELD_MESSAGES.get(field or "", "输入有误")
    if first.get("type") == "value_error":
        message = str(first.get("ctx", {}).get("error") or message)
    return {"message": message, "field": field}


def _regions(session: Session) -> list[tuple[str, str]]:
    """The regions a problem may be placed in: the hotline centre's region and the regions under it."""
    prefix = region_prefix(hotline.centre_region(session))
    return [(r.code, r.name) for r in org.list_regions(session) if r.code.startswith(prefix)]


# --- the board ------------------------------------------------------------------------------------------------

@router.get("/hotline/board")
def board_page(request: Request, tab: str = "all", page: str = "1",
               session: Session = Depends(get_session, scope="function"),
               actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    tab = tab if tab in TABS else "all"
    if tab == "mine":
        require_applicant(actor)
    number = page_number(page)
    offset = (number - 1) * PAGE_SIZE
    if tab == "mine":
        found = board.my_posts(session, actor, limit=PAGE_SIZE, offset=offset)
    else:
        found = board.public_page(session, exposure=tab == "exposure", limit=PAGE_SIZE, offset=offset)
    return render(request, "hotline/board.html", {
        "tab": tab, "tabs": {k: v for k, v in TABS.items() if k != "mine" or actor.is_applicant},
        "items": [board.view(r, actor) for r in found.rows], "total": found.total,
        "pager": pager("/hotline/board", {"tab": tab if tab != "all" else ""}, number, found.total, PAGE_SIZE)})


def _new_page(request: Request, session: Session, *, status: int = 200, error: dict[str, Any] | None = None,
              values: dict[str, str] | None = None) -> Any:
    return render(request, "hotline/board_new.html", {
        "kinds": [(k.value, KIND_LABELS[k]) for k in Kind], "regions": _regions(session),
        "values": values or {"kind": Kind.COMPLAINT.value}, "error": error}, status=status)


@router.get("/hotline/board/new")
def new_post_page(request: Request, session: Session = Depends(get_session, scope="function"),
                  actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    return _new_page(request, session)


@router.post("/hotline/board/new")
def new_post(request: Request, posted: FormData = Depends(posted_form),
             session: Session = Depends(get_session, scope="function"),
             actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    require_applicant(actor)
    check_csrf(request, _text(posted, "csrf_token", 200))
    limits = {"content": 4000, "location": 300}
    values = {name: _text(posted, name, limits.get(name, 120)) for name in FIELDS}
    try:
        data = BoardPostIn(**{k: v for k, v in values.items() if v or k in ("title", "content", "contact_phone")})
    except ValidationError as exc:
        return _new_page(request, session, status=422, error=_problem(exc), values=values)
    try:
        with session.begin_nested():
            row = board.post(session, actor, data)
    except DomainError as exc:
        return _new_page(request, session, status=exc.status, error=form_error(exc), values=values)
    return redirect(f"/hotline/board/{row.post.id}?done=posted")


@router.get("/hotline/board/{post_id}")
def post_page(request: Request, post_id: str, done: str = "",
              session: Session = Depends(get_session, scope="function"),
              actor: Actor = Depends(current_actor)):  # type: ignore[no-untyped-def]
    row = board.get_post(session, actor, _post_id(post_id))
    return render(request, "hotline/board_post.html", {"p": board.view(row, actor), "notice": DONE.get(done)})
