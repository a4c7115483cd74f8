"""12345 message board API (留言板): the public list and the 曝光纠错 column, a post, posting (signed in), moderation
by the hotline operators of the post's region, and marking a confirmed problem for the 曝光纠错 column."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from yiwang.api.deps import bearer_actor, get_session, page_params, require_login
from yiwang.hotline import board
from yiwang.hotline.schemas import BoardExposureIn, BoardModerationIn, BoardPostIn, BoardPostView

router = APIRouter(tags=["12345 留言板"])

PostId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _listing(page: board.BoardPage, viewer: Any) -> dict[str, Any]:
    return {"total": page.total,
            "items": [board.view(r, viewer).model_dump(mode="json") for r in page.rows]}


@router.get("/hotline/board")
def list_posts(request: Request, exposure: str | None = Query(default=None, max_length=5),
               mine: str | None = Query(default=None, max_length=5),
               limit: str | None = None, offset: str | None = None,
               session: Session = Depends(get_session, scope="function")) -> Any:
    """Published posts, newest first, with the unit handling each and its answer once reviewed. ``exposure=1``:
    the 曝光纠错 column (confirmed problems and what was corrected). ``mine=1`` (signed in): the caller's own posts
    in every state, with the moderation state and the reason a post was kept off the board."""
    actor = bearer_actor(request, session)
    lim, off = page_params(limit, offset)
    if mine in ("1", "true"):
        page = board.my_posts(session, require_login(actor), limit=lim, offset=off)
    else:
        page = board.public_page(session, exposure=exposure in ("1", "true"), limit=lim, offset=off)
    return _listing(page, actor)


@router.get("/hotline/board/{post_id}", response_model=BoardPostView)
def get_post(post_id: PostId, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """A published post (its author and the staff of its region also see it before publication)."""
    actor = bearer_actor(request, session)
    return board.view(board.get_post(session, actor, post_id), actor)


@router.post("/hotline/board", status_code=201)
def create_post(body: BoardPostIn, request: Request, session: Session = Depends(get_session, scope="function")) -> Any:
    """Post a message (a person or an enterprise, signed in). It becomes a work order at once; the public sees it,
    personal data masked, once a hotline operator has published it."""
    actor = require_login(bearer_actor(request, session))
    row = board.post(session, actor, body)
    return {"id": row.post.id, "ticket_no": row.ticket.ticket_no, "status": row.post.status,
            "title": row.post.public_title, "content": row.post.public_content}


@router.post("/hotline/board/{post_id}/moderation", response_model=BoardPostView)
def moderate(post_id: PostId, body: BoardModerationIn, request: Request,
             session: Session = Depends(get_session, scope="function")) -> Any:
    """``publish`` (``title`` and ``content``: the masked text as edited, optional; ``note``) or ``reject``
    (``reason``, shown to the author). Hotline operators of the post's region; the work order is not touched."""
    actor = require_login(bearer_actor(request, session))
    return board.view(board.moderate(session, actor, post_id, body), actor)


@router.post("/hotline/board/{post_id}/exposure", response_model=BoardPostView)
def expose(post_id: PostId, body: BoardExposureIn, request: Request,
           session: Session = Depends(get_session, scope="function")) -> Any:
    """Put a published post into the 曝光纠错 column: ``problem`` (what was confirmed) and ``correction`` (what was
    corrected). Hotline operators and supervisors of the post's region."""
    actor = require_login(bearer_actor(request, session))
    return board.view(board.expose(session, actor, post_id, problem=body.problem, correction=body.correction), actor)
