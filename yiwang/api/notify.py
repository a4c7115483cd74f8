"""The caller's in-app messages (站内消息): list, mark one read, mark all read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, page_params, require_login
from yiwang.core.errors import ValidationFailed
from yiwang.notify import service as notify
from yiwang.notify.errors import MessageNotFound
from yiwang.notify.schemas import MessageOut

router = APIRouter(tags=["消息"])

TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _flag(raw: str | None, name: str) -> bool:
    value = (raw or "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValidationFailed(f"{name} 应为 true 或 false", field=name)


def _message_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise MessageNotFound("消息不存在")
    return int(raw)


@router.get("/messages")
def list_messages(request: Request, session: Session = Depends(get_session, scope="function"),
                  unread: Annotated[str | None, Query(max_length=5)] = None,
                  limit: Annotated[str | None, Query(max_length=10)] = None,
                  offset: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """The caller's messages, newest first (``unread=true``: unread only), with the unread count."""
    actor = require_login(bearer_actor(request, session))
    unread_only = _flag(unread, "unread")
    size, start = page_params(limit, offset, most=100)
    total, rows = notify.inbox(session, actor, unread_only=unread_only, limit=size, offset=start)
    return {"total": total, "unread": notify.unread_count(session, actor),
            "items": [r.model_dump(mode="json") for r in rows]}


@router.post("/messages/read-all")
def read_all(request: Request, session: Session = Depends(get_session, scope="function")) -> dict[str, int]:
    actor = require_login(bearer_actor(request, session))
    return {"updated": notify.mark_all_read(session, actor)}


@router.post("/messages/{message_id}/read", response_model=MessageOut)
def read_one(message_id: str, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """Mark one of the caller's messages read; someone else's message is 404."""
    actor = require_login(bearer_actor(request, session))
    return notify.mark_read(session, actor, _message_id(message_id))
