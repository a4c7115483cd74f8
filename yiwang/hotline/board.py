"""The public message board (留言板) and its 曝光纠错 column.

A signed-in person or enterprise posts; the post becomes a work order (channel ``board``) that runs its lifecycle
like any other, and a board post whose public text has its personal data masked (:mod:`.masking`). A hotline
operator of the order's region moderates: publishes (the masked text as they leave it) or keeps the post off the
board with a reason. Moderation is about publication only: the work order runs either way. The answer shows on
the board once the work order's answer has passed review (reviewed or closed). An operator or a supervisor of the
region may put a published post whose problem was confirmed into the 曝光纠错 column, with what was corrected.

A post's publication state (pending → published | rejected, and back when a moderator changes their mind) has no
clock, no timeline and no event, so it is not a lifecycle of the engine; each change is audited here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.core import audit, clock
from yiwang.core.errors import Conflict, PermissionDenied, TooManyRequests, Unauthenticated, ValidationFailed
from yiwang.core.permissions import SYSTEM, Actor, ActorKind, Perm, region_prefix
from yiwang.hotline import service as hotline
from yiwang.hotline.errors import BoardPostNotFound
from yiwang.hotline.masking import alias_of, mask_personal_data
from yiwang.hotline.models import BoardPost, HotlineTicket
from yiwang.hotline.schemas import BoardModerationIn, BoardPostIn, BoardPostView, TicketIn
from yiwang.hotline.states import KIND_LABELS, Status
from yiwang.org import service as org

PENDING, PUBLISHED, REJECTED = "pending", "published", "rejected"
MODERATION_LABELS: dict[str, str] = {PENDING: "待审核", PUBLISHED: "已公开", REJECTED: "不予公开"}
# the work order's progress in words for the public (the centre's inner steps are not the public's business)
PUBLIC_STATUS: dict[str, str] = {
    Status.REGISTERED: "accepted", Status.DISPATCHED: "accepted", Status.RETURNED: "accepted",
    Status.IN_PROGRESS: "handling", Status.ANSWERED: "handling", Status.REVIEWED: "answered",
    Status.CLOSED: "answered", Status.VOIDED: "ended"}
PUBLIC_STATUS_LABELS: dict[str, str] = {"accepted": "已受理", "handling": "办理中", "answered": "已答复",
                                        "ended": "已终止办理"}
# the answer is published once it has passed the centre's review
ANSWER_PUBLIC = frozenset({Status.REVIEWED.value, Status.CLOSED.value})
DAILY_POSTS = 10  # posts one person or enterprise may make in a day
TITLE_LENGTH = (4, 100)
CONTENT_LENGTH = (10, 4000)
EXPOSURE_LENGTH = 2000


class AlreadyModerated(Conflict):
    code = "already_moderated"


class NotPublished(Conflict):
    code = "not_published"


@dataclass
class BoardRow:
    post: BoardPost
    ticket: HotlineTicket
    department: str | None  # the unit handling the work order


@dataclass
class BoardPage:
    total: int
    rows: list[BoardRow]


# --- who may do what ------------------------------------------------------------------------------------------

def _covers(actor: Actor, ticket: HotlineTicket) -> bool:
    return bool(actor.region_code) and ticket.region_code.startswith(region_prefix(actor.region_code or ""))


def may_moderate(actor: Actor, ticket: HotlineTicket | None = None) -> bool:
    """A hotline operator whose region covers the post's work order (without one: of any region)."""
    if actor is SYSTEM:
        return True
    if not (actor.is_staff and actor.can(Perm.HOTLINE_MODERATE) and actor.region_code):
        return False
    return ticket is None or _covers(actor, ticket)


def may_expose(actor: Actor, ticket: HotlineTicket | None = None) -> bool:
    """An operator or a supervisor whose region covers the post's work order."""
    if actor is SYSTEM:
        return True
    if not (actor.is_staff and (actor.can(Perm.HOTLINE_MODERATE) or actor.can(Perm.SUPERVISION_ORDER))
            and actor.region_code):
        return False
    return ticket is None or _covers(actor, ticket)


def is_author(actor: Actor, ticket: HotlineTicket) -> bool:
    return actor.is_applicant and ticket.owner == actor.label


def _sees_everything(actor: Actor, ticket: HotlineTicket) -> bool:
    return is_author(actor, ticket) or may_moderate(actor, ticket) or may_expose(actor, ticket)


# --- queries --------------------------------------------------------------------------------------------------

def _joined() -> Any:
    return select(BoardPost, HotlineTicket).join(HotlineTicket, HotlineTicket.id == BoardPost.ticket_id)


def _staff_region(actor: Actor) -> Any:
    if actor is SYSTEM:
        return HotlineTicket.id.is_not(None)
    return HotlineTicket.region_code.startswith(region_prefix(actor.region_code or ""))


def _rows(session: Session, pairs: list[Any]) -> list[BoardRow]:
    names = org.departments_by_ids(session, {t.department_id for _, t in pairs if t.department_id is not None})
    return [BoardRow(p, t, names[t.department_id].name if t.department_id in names else None) for p, t in pairs]


def _page(session: Session, stmt: Any, order: tuple[Any, ...], limit: int, offset: int) -> BoardPage:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pairs = [(r[0], r[1]) for r in session.execute(stmt.order_by(*order).limit(limit).offset(offset))]
    return BoardPage(total, _rows(session, pairs))


def public_page(session: Session, *, exposure: bool = False, limit: int = 20, offset: int = 0) -> BoardPage:
    """Published posts, newest first; ``exposure``: the 曝光纠错 column, newest correction first."""
    stmt = _joined().where(BoardPost.status == PUBLISHED)
    if exposure:
        stmt = stmt.where(BoardPost.exposure.is_(True))
        return _page(session, stmt, (BoardPost.exposed_at.desc(), BoardPost.id.desc()), limit, offset)
    return _page(session, stmt, (BoardPost.published_at.desc(), BoardPost.id.desc()), limit, offset)


def my_posts(session: Session, actor: Actor, *, limit: int = 20, offset: int = 0) -> BoardPage:
    """The actor's own posts in every state, newest first."""
    if not actor.is_applicant:
        raise Unauthenticated("请先登录")
    stmt = _joined().where(HotlineTicket.owner == actor.label)
    return _page(session, stmt, (BoardPost.created_at.desc(), BoardPost.id.desc()), limit, offset)


def moderation_queue(session: Session, actor: Actor, *, status: str = PENDING, exposure: bool = False,
                     limit: int = 20, offset: int = 0) -> BoardPage:
    """The posts of the actor's region in one publication state: waiting ones oldest first (a queue), the others
    newest first; ``exposure``: only those in the 曝光纠错 column."""
    if not may_expose(actor):
        actor.require(Perm.HOTLINE_MODERATE)
    if status not in MODERATION_LABELS:
        raise ValidationFailed("审核状态应为 待审核、已公开、不予公开 之一", field="status", code="invalid_status")
    stmt = _joined().where(_staff_region(actor), BoardPost.status == status)
    if exposure:
        stmt = stmt.where(BoardPost.exposure.is_(True))
    if status == PENDING:
        return _page(session, stmt, (BoardPost.created_at, BoardPost.id), limit, offset)
    return _page(session, stmt, (func.coalesce(BoardPost.published_at, BoardPost.created_at).desc(),
                                 BoardPost.id.desc()), limit, offset)


def _load(session: Session, post_id: int, *, lock: bool = False) -> tuple[BoardPost, HotlineTicket] | None:
    stmt = _joined().where(BoardPost.id == post_id)
    if lock:
        stmt = stmt.with_for_update(of=BoardPost)
    found = session.execute(stmt).first()
    return (found[0], found[1]) if found is not None else None


def get_post(session: Session, viewer: Actor, post_id: int) -> BoardRow:
    """A post as ``viewer`` may see it: a published one by anyone; one waiting or kept off the board only by its
    author and the staff of its region who moderate or expose."""
    found = _load(session, post_id)
    if found is None or not (found[0].status == PUBLISHED or _sees_everything(viewer, found[1])):
        raise BoardPostNotFound("留言不存在或尚未公开", field="id")
    return _rows(session, [found])[0]


def _for_staff(session: Session, actor: Actor, post_id: int, *, allowed: Any) -> tuple[BoardPost, HotlineTicket]:
    """The post locked for a change by staff of its region. Outside it, a waiting post does not exist for them
    (404); a published one is public anyway, so they hear that it is not theirs (403)."""
    if not allowed(actor, None):
        actor.require(Perm.HOTLINE_MODERATE)  # raises: sign in, or no such permission
        raise PermissionDenied("您没有执行此操作的权限", code="forbidden")
    found = _load(session, post_id, lock=True)
    if found is None or not allowed(actor, found[1]):
        if found is not None and found[0].status == PUBLISHED:
            raise PermissionDenied("该留言不属于您辖区的热线工单", code="forbidden")
        raise BoardPostNotFound("留言不存在", field="id")
    return found


# --- posting --------------------------------------------------------------------------------------------------

def _check_daily_limit(session: Session, actor: Actor, now: dt.datetime) -> None:
    start = clock.as_utc(dt.datetime.combine(clock.to_local(now).date(), dt.time(), tzinfo=clock.LOCAL_TZ))
    count = session.scalar(select(func.count()).select_from(BoardPost).join(
        HotlineTicket, HotlineTicket.id == BoardPost.ticket_id).where(
        HotlineTicket.owner == actor.label, BoardPost.created_at >= start)) or 0
    if count >= DAILY_POSTS:
        raise TooManyRequests(f"您今天已留言 {DAILY_POSTS} 条，请明天再留言；紧急情况请拨打 12345", code="too_many_posts")


def post(session: Session, actor: Actor, data: BoardPostIn) -> BoardRow:
    """Post a message: it is registered as a work order (routed and dispatched like a web request) and waits for
    moderation before the public sees it, its personal data masked."""
    if not actor.is_applicant:
        if actor.is_staff:
            raise PermissionDenied("留言板供市民和企业登录后留言；来电诉求请在工单登记中录入", code="forbidden")
        raise Unauthenticated("请先登录后再留言")
    now = clock.now()
    _check_daily_limit(session, actor, now)
    ticket = hotline.create_ticket(session, actor, TicketIn(
        channel="board", kind=data.kind, title=data.title, content=data.content, contact_phone=data.contact_phone,
        contact_name=actor.name[:100] or None, region_code=data.region_code,
        location=data.location))
    row = BoardPost(ticket_id=ticket.id, title=data.title, public_title=mask_personal_data(data.title),
                    public_content=mask_personal_data(data.content),
                    author_alias=alias_of(actor.name, enterprise=actor.kind is ActorKind.ENTERPRISE),
                    status=PENDING, exposure=False, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "hotline_board.post", "hotline_board_post", row.id,
                 {"ticket_no": ticket.ticket_no, "kind": data.kind})
    return _rows(session, [(row, ticket)])[0]


# --- moderation -----------------------------------------------------------------------------------------------

def _edited_text(value: str | None, current: str, *, label: str, field: str, bounds: tuple[int, int]) -> str:
    if value is None:
        return current
    text = value.strip()
    if not text:
        raise ValidationFailed(f"请填写公开的{label}", field=field, code=f"{field}_required")
    if not bounds[0] <= len(text) <= bounds[1]:
        raise ValidationFailed(f"公开的{label}应为 {bounds[0]}–{bounds[1]} 个字", field=field, code=f"invalid_{field}")
    # what the moderator writes is masked as well: a number given back by mistake is not published
    return mask_personal_data(text)


def publish(session: Session, actor: Actor, post_id: int, *, title: str | None = None, content: str | None = None,
            note: str | None = None) -> BoardRow:
    """Publish a waiting post (or one kept off the board before), with the masked title and content as the
    moderator edited them."""
    post_row, ticket = _for_staff(session, actor, post_id, allowed=may_moderate)
    if post_row.status == PUBLISHED:
        raise AlreadyModerated("该留言已经公开", field="action")
    new_title = _edited_text(title, post_row.public_title, label="标题", field="title", bounds=TITLE_LENGTH)
    new_content = _edited_text(content, post_row.public_content, label="内容", field="content",
                               bounds=CONTENT_LENGTH)
    edited = (new_title, new_content) != (post_row.public_title, post_row.public_content)
    before = post_row.status
    post_row.public_title, post_row.public_content = new_title, new_content
    post_row.status = PUBLISHED
    post_row.published_at = clock.now()
    post_row.moderated_by = actor.label
    post_row.moderation_note = (note or "").strip()[:1000] or None
    session.flush()
    audit.record(session, actor, "hotline_board.publish", "hotline_board_post", post_row.id,
                 {"ticket_no": ticket.ticket_no, "from": before, "edited": edited})
    return _rows(session, [(post_row, ticket)])[0]


def reject(session: Session, actor: Actor, post_id: int, *, reason: str | None) -> BoardRow:
    """Keep a post off the board (or take a published one down) with a reason its author sees; the work order is
    not touched."""
    post_row, ticket = _for_staff(session, actor, post_id, allowed=may_moderate)
    text = (reason or "").strip()
    if post_row.status == REJECTED:
        raise AlreadyModerated("该留言已经不予公开", field="action")
    if not text:
        raise ValidationFailed("请填写不予公开的理由", field="reason", code="reason_required")
    before = post_row.status
    post_row.status = REJECTED
    post_row.moderated_by = actor.label
    post_row.moderation_note = text[:1000]
    session.flush()
    audit.record(session, actor, "hotline_board.reject", "hotline_board_post", post_row.id,
                 {"ticket_no": ticket.ticket_no, "from": before, "reason": text[:1000]})
    return _rows(session, [(post_row, ticket)])[0]


def moderate(session: Session, actor: Actor, post_id: int, data: BoardModerationIn) -> BoardRow:
    if data.action == "publish":
        return publish(session, actor, post_id, title=data.title, content=data.content, note=data.note)
    if data.action == "reject":
        return reject(session, actor, post_id, reason=data.reason)
    raise ValidationFailed("审核操作应为 publish（公开）或 reject（不予公开）", field="action", code="unknown_action")


# --- 曝光纠错 ---------------------------------------------------------------------------------------------------

def expose(session: Session, actor: Actor, post_id: int, *, problem: str, correction: str) -> BoardRow:
    """Show a published post in the 曝光纠错 column with the confirmed problem and what was corrected (given again,
    the texts are replaced; the column keeps its first date)."""
    post_row, ticket = _for_staff(session, actor, post_id, allowed=may_expose)
    if post_row.status != PUBLISHED:
        raise NotPublished("只有已公开的留言可以列入曝光纠错", field="id")
    problem, correction = (problem or "").strip(), (correction or "").strip()
    if not problem:
        raise ValidationFailed("请填写经核实的问题", field="problem", code="problem_required")
    if not correction:
        raise ValidationFailed("请填写整改纠正情况", field="correction", code="correction_required")
    if len(problem) > EXPOSURE_LENGTH or len(correction) > EXPOSURE_LENGTH:
        raise ValidationFailed(f"问题和整改情况各不超过 {EXPOSURE_LENGTH} 字",
                               field="problem" if len(problem) > EXPOSURE_LENGTH else "correction",
                               code="too_long")
    changed = post_row.exposure
    post_row.exposure = True
    post_row.exposure_problem = mask_personal_data(problem)
    post_row.exposure_correction = mask_personal_data(correction)
    post_row.exposed_at = post_row.exposed_at or clock.now()
    session.flush()
    audit.record(session, actor, "hotline_board.expose", "hotline_board_post", post_row.id,
                 {"ticket_no": ticket.ticket_no, "changed": changed})
    return _rows(session, [(post_row, ticket)])[0]


# --- the view -------------------------------------------------------------------------------------------------

def answer_public(ticket: HotlineTicket) -> bool:
    return ticket.status in ANSWER_PUBLIC and bool(ticket.answer)


def view(row: BoardRow, viewer: Actor) -> BoardPostView:
    """What ``viewer`` sees of a post: the public text always; the answer once reviewed (masked like the post);
    the moderation state, its note and the work order number only for the author and the region's staff."""
    p, t = row.post, row.ticket
    status = PUBLIC_STATUS.get(t.status, "accepted")
    shown = answer_public(t)
    private = _sees_everything(viewer, t)
    return BoardPostView(
        id=p.id, title=p.public_title, content=p.public_content, author=p.author_alias, kind=t.kind,
        kind_label=KIND_LABELS.get(t.kind, t.kind), department=row.department, status=status,
        status_label=PUBLIC_STATUS_LABELS[status], created_at=p.created_at, published_at=p.published_at,
        answer=mask_personal_data(t.answer or "") if shown else None, answered_at=t.answered_at if shown else None,
        exposure=p.exposure and p.status == PUBLISHED,
        exposure_problem=p.exposure_problem if p.exposure else None,
        exposure_correction=p.exposure_correction if p.exposure else None,
        exposed_at=p.exposed_at if p.exposure else None,
        moderation=p.status if private else None,
        moderation_label=MODERATION_LABELS.get(p.status) if private else None,
        moderation_note=p.moderation_note if private else None,
        ticket_no=t.ticket_no if private else None)
