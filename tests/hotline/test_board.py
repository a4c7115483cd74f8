"""The message board (留言板): a post becomes a board work order with its public text masked; operators of the
post's region moderate it (publication only: the work order runs either way); the public sees published posts
only, and the answer only once it has passed review; authors see their own posts in every state; the 曝光纠错
column; every change audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hotline import factories as hf
from yiwang.core import clock
from yiwang.core.audit import AuditRecord
from yiwang.core.errors import PermissionDenied, TooManyRequests, Unauthenticated, ValidationFailed
from yiwang.core.permissions import ANONYMOUS
from yiwang.hotline import board
from yiwang.hotline import service as hotline
from yiwang.hotline.errors import BoardPostNotFound
from yiwang.hotline.models import BoardPost, HotlineTicket
from yiwang.hotline.schemas import ActionIn, BoardPostIn
from yiwang.identity import service as identity

SMOKE = BoardPostIn(title="楼下烧烤店油烟扰民", kind="投诉", contact_phone="13800138000", region_code="440104",
                    content="我叫张三，楼下烧烤店油烟直排扰民，没有安装油烟净化器，手机13800138000")


def _audit(session: Session, post_id: int) -> list[str]:
    return list(session.scalars(select(AuditRecord.action).where(
        AuditRecord.object_type == "hotline_board_post", AuditRecord.object_id == str(post_id))
        .order_by(AuditRecord.id)))


def _answer_and_review(session: Session, w: hf.World, ticket_no: str) -> None:
    hotline.act(session, w.eco, ticket_no, ActionIn(action="accept"))
    hotline.act(session, w.eco, ticket_no, ActionIn(action="answer", comment="已责令加装油烟净化设施，联系电话13900001111"))


# --- the service ----------------------------------------------------------------------------------------------

def test_a_post_becomes_a_board_work_order_and_its_public_text_is_masked(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        row = board.post(session, w.person, SMOKE)
        session.commit()
    ticket = session.get(HotlineTicket, row.post.ticket_id)
    assert ticket is not None
    assert ticket.channel == "board" and ticket.kind == "complaint" and ticket.owner == w.person.label
    assert ticket.content == SMOKE.content and ticket.contact_phone == "13800138000"  # the order keeps the text
    assert ticket.status == "dispatched" and row.department == hf.ECO  # routed and dispatched like a web request
    post = row.post
    assert post.status == board.PENDING and post.author_alias == "张*"
    assert post.public_title == "楼下烧烤店油烟扰民"
    assert post.public_content == "我叫张*，楼下烧烤店油烟直排扰民，没有安装油烟净化器，手机138****8000"
    assert "13800138000" not in post.public_content and "张三" not in post.public_content
    assert _audit(session, post.id) == ["hotline_board.post"]


def test_who_may_post(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        for actor, error in ((ANONYMOUS, Unauthenticated), (w.operator, PermissionDenied)):
            with pytest.raises(error):
                board.post(session, actor, SMOKE)
        company = identity.register_enterprise(session, name="广州市越秀区某某餐饮有限公司", uscc=f.uscc_code(),
                                               legal_person="李四", phone=f.phone(), password=f.PASSWORD)
        row = board.post(session, identity.actor_for_enterprise(company), SMOKE)
    assert row.post.author_alias == "广州****有限公司"
    # a post stays a board post, an enterprise's too (its figures are the board's, seed 42–43)
    assert row.ticket.channel == "board"


def test_a_person_may_post_ten_times_a_day(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        for _ in range(board.DAILY_POSTS):
            board.post(session, w.person, SMOKE)
        with pytest.raises(TooManyRequests) as exc:
            board.post(session, w.person, SMOKE)
        assert "明天再留言" in exc.value.message


def test_moderation_publishes_edited_text_or_rejects_and_the_work_order_runs_either_way(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        first = board.post(session, w.person, SMOKE).post.id
        second = board.post(session, w.person, SMOKE).post.id
        # an operator of another district does not find the post; a unit's liaison may not moderate
        for actor, error in ((w.outsider, BoardPostNotFound), (w.eco, PermissionDenied), (w.person, PermissionDenied)):
            with pytest.raises(error):
                board.publish(session, actor, first)
        with pytest.raises(ValidationFailed) as exc:
            board.publish(session, w.operator, first, title="")
        assert exc.value.field == "title"
        # the moderator's edit is masked again: a number given back by mistake is not published
        row = board.publish(session, w.operator, first, title="烧烤店油烟扰民",
                            content="楼下烧烤店每天晚上油烟很大。回电13800138000")
        assert row.post.status == board.PUBLISHED and row.post.published_at is not None
        assert row.post.public_content == "楼下烧烤店每天晚上油烟很大。回电138****8000"
        with pytest.raises(board.AlreadyModerated):
            board.publish(session, w.operator, first)
        with pytest.raises(ValidationFailed) as exc:
            board.reject(session, w.operator, second, reason=" ")
        assert exc.value.field == "reason"
        rejected = board.reject(session, w.operator, second, reason="与已公开的留言重复")
        assert rejected.post.status == board.REJECTED and rejected.post.moderation_note == "与已公开的留言重复"
        assert rejected.ticket.status == "dispatched"  # moderation is about publication only
        session.commit()
    assert _audit(session, first) == ["hotline_board.post", "hotline_board.publish"]
    assert _audit(session, second) == ["hotline_board.post", "hotline_board.reject"]
    detail = session.scalars(select(AuditRecord.detail).where(AuditRecord.action == "hotline_board.publish")).one()
    assert detail["edited"] is True and detail["from"] == "pending"


def test_the_public_sees_published_posts_only_and_the_answer_once_reviewed(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        published = board.post(session, w.person, SMOKE)
        pending = board.post(session, w.person, SMOKE).post.id
        rejected = board.post(session, w.person, SMOKE).post.id
        board.publish(session, w.operator, published.post.id)
        board.reject(session, w.operator, rejected, reason="含有他人隐私")
        page = board.public_page(session)
        assert page.total == 1 and [r.post.id for r in page.rows] == [published.post.id]
        for hidden in (pending, rejected):
            with pytest.raises(BoardPostNotFound):
                board.get_post(session, ANONYMOUS, hidden)
        # the author sees every post of theirs with its state and the reason
        mine = board.my_posts(session, w.person)
        assert {r.post.status for r in mine.rows} == {"published", "pending", "rejected"}
        own = board.view(board.get_post(session, w.person, rejected), w.person)
        assert own.moderation == "rejected" and own.moderation_note == "含有他人隐私" and own.ticket_no

        ticket_no = published.ticket.ticket_no
        _answer_and_review(session, w, ticket_no)
        public = board.view(board.get_post(session, ANONYMOUS, published.post.id), ANONYMOUS)
        assert public.status == "handling" and public.answer is None  # answered, not yet reviewed
        assert public.moderation is None and public.ticket_no is None and public.department == hf.ECO
        hotline.act(session, w.operator, ticket_no, ActionIn(action="approve"))
        public = board.view(board.get_post(session, ANONYMOUS, published.post.id), ANONYMOUS)
        assert public.status == "answered" and public.answer == "已责令加装油烟净化设施，联系电话139****1111"
        hotline.act(session, w.operator, ticket_no, ActionIn(action="reopen", comment="市民不满意"))
        public = board.view(board.get_post(session, ANONYMOUS, published.post.id), ANONYMOUS)
        assert public.answer is None  # handled again: the new answer waits for its review


def test_exposure_needs_a_published_post_and_staff_of_its_region(session: Session) -> None:
    w = hf.build(session)
    supervisor = f.staff(session, "sup", ["supervisor"], "越秀区监察室", "440104")
    with clock.frozen(hf.MONDAY):
        post_id = board.post(session, w.person, SMOKE).post.id
        with pytest.raises(board.NotPublished):
            board.expose(session, w.operator, post_id, problem="油烟扰民", correction="已加装净化设施")
        board.publish(session, w.operator, post_id)
        for actor in (w.outsider, w.eco):
            with pytest.raises(PermissionDenied):
                board.expose(session, actor, post_id, problem="油烟扰民", correction="已加装净化设施")
        with pytest.raises(ValidationFailed) as exc:
            board.expose(session, supervisor, post_id, problem="油烟扰民", correction="")
        assert exc.value.field == "correction"
        row = board.expose(session, supervisor, post_id, problem="烧烤店未安装油烟净化设施",
                           correction="已责令加装，3月5日复查合格")
        assert row.post.exposure and row.post.exposed_at is not None
        column = board.public_page(session, exposure=True)
        assert [r.post.id for r in column.rows] == [post_id]
        # a supervisor may expose but not moderate
        with pytest.raises(PermissionDenied):
            board.reject(session, supervisor, post_id, reason="x")
        # taken down, the post leaves the column as well
        board.reject(session, w.operator, post_id, reason="留言人要求撤回")
        assert board.public_page(session, exposure=True).total == 0
        session.commit()
    assert _audit(session, post_id) == ["hotline_board.post", "hotline_board.publish", "hotline_board.expose",
                                        "hotline_board.reject"]


def test_the_moderation_queue_is_the_operators_region(session: Session) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        post_id = board.post(session, w.person, SMOKE).post.id
        assert [r.post.id for r in board.moderation_queue(session, w.operator).rows] == [post_id]
        assert board.moderation_queue(session, w.outsider).total == 0
        with pytest.raises(PermissionDenied):
            board.moderation_queue(session, w.eco)


# --- the API --------------------------------------------------------------------------------------------------

def test_board_api(session: Session, client: TestClient) -> None:
    w = hf.build(session)
    person, number = f.person(session, "李四")
    session.commit()
    me = f.api_login(client, number)
    op = f.api_login(client, "op")
    outsider = f.api_login(client, "op_lw")
    eco = f.api_login(client, "eco")
    body = SMOKE.model_dump() | {"content": "我叫李四，楼下烧烤店油烟直排扰民，没有安装油烟净化器，邮箱lisi@example.com"}
    with clock.frozen(hf.MONDAY):
        assert client.post("/api/v1/hotline/board", json=body).status_code == 401
        assert client.post("/api/v1/hotline/board", headers=op, json=body).status_code == 403
        bad = client.post("/api/v1/hotline/board", headers=me, json=body | {"contact_phone": "12"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "contact_phone"
        short = client.post("/api/v1/hotline/board", headers=me, json=body | {"content": "太吵"})
        assert short.status_code == 422 and short.json()["error"]["field"] == "content"
        r = client.post("/api/v1/hotline/board", headers=me, json=body)
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["status"] == "pending" and created["ticket_no"].startswith("RX20260302")
        assert created["content"] == "我叫李*，楼下烧烤店油烟直排扰民，没有安装油烟净化器，邮箱l***@example.com"
        pid = created["id"]

        # not yet moderated: the public sees nothing, the author sees it with its state
        assert client.get("/api/v1/hotline/board").json() == {"total": 0, "items": []}
        assert client.get(f"/api/v1/hotline/board/{pid}").status_code == 404
        own = client.get(f"/api/v1/hotline/board/{pid}", headers=me).json()
        assert own["moderation"] == "pending" and own["ticket_no"] == created["ticket_no"]
        mine = client.get("/api/v1/hotline/board?mine=1", headers=me).json()
        assert mine["total"] == 1 and mine["items"][0]["moderation_label"] == "待审核"
        assert client.get("/api/v1/hotline/board?mine=1").status_code == 401

        # moderation: the operator of another district does not find it, a liaison may not moderate
        url = f"/api/v1/hotline/board/{pid}/moderation"
        assert client.post(url, headers=outsider, json={"action": "publish"}).status_code == 404
        assert client.post(url, headers=eco, json={"action": "publish"}).status_code == 403
        assert client.post(url, headers=me, json={"action": "publish"}).status_code == 403
        assert client.post(url, json={"action": "publish"}).status_code == 401
        odd = client.post(url, headers=op, json={"action": "hide"})
        assert odd.status_code == 422 and odd.json()["error"]["field"] == "action"
        assert client.get(f"/api/v1/hotline/board/{pid}", headers=me).json()["moderation"] == "pending"
        ok = client.post(url, headers=op, json={"action": "publish", "title": "烧烤店油烟扰民"})
        assert ok.status_code == 200, ok.text
        assert ok.json()["moderation"] == "published" and ok.json()["title"] == "烧烤店油烟扰民"
        again = client.post(url, headers=op, json={"action": "publish"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_moderated"

        listed = client.get("/api/v1/hotline/board").json()
        assert listed["total"] == 1
        item = listed["items"][0]
        assert item["title"] == "烧烤店油烟扰民" and item["author"] == "李*" and item["kind_label"] == "投诉"
        assert item["department"] == hf.ECO and item["status"] == "accepted" and item["answer"] is None
        assert item["moderation"] is None and item["ticket_no"] is None
        assert "lisi@" not in client.get(f"/api/v1/hotline/board/{pid}").text

        # the answer shows once reviewed
        _answer_and_review(session, w, created["ticket_no"])
        session.commit()
        assert client.get(f"/api/v1/hotline/board/{pid}").json()["answer"] is None
        hotline.act(session, w.operator, created["ticket_no"], ActionIn(action="approve"))
        session.commit()
        shown = client.get(f"/api/v1/hotline/board/{pid}").json()
        assert shown["status"] == "answered" and shown["answer"].startswith("已责令加装油烟净化设施")

        # 曝光纠错
        exp = f"/api/v1/hotline/board/{pid}/exposure"
        assert client.post(exp, headers=outsider, json={"problem": "p", "correction": "c"}).status_code == 403
        empty = client.post(exp, headers=op, json={"problem": "油烟扰民属实", "correction": ""})
        assert empty.status_code == 422 and empty.json()["error"]["field"] == "correction"
        done = client.post(exp, headers=op, json={"problem": "油烟扰民属实", "correction": "已加装油烟净化设施"})
        assert done.status_code == 200 and done.json()["exposure"] is True
        column = client.get("/api/v1/hotline/board?exposure=1").json()
        assert column["total"] == 1 and column["items"][0]["exposure_correction"] == "已加装油烟净化设施"

        # rejected with a reason: the public loses it, the author reads the reason
        assert client.post(url, headers=op, json={"action": "reject"}).json()["error"]["field"] == "reason"
        client.post(url, headers=op, json={"action": "reject", "reason": "留言人要求撤回"})
        assert client.get("/api/v1/hotline/board").json()["total"] == 0
        assert client.get("/api/v1/hotline/board?exposure=1").json()["total"] == 0
        assert client.get(f"/api/v1/hotline/board/{pid}").status_code == 404
        assert client.get(f"/api/v1/hotline/board/{pid}", headers=me).json()["moderation_note"] == "留言人要求撤回"

        for path in ("/api/v1/hotline/board/0", "/api/v1/hotline/board/abc", "/api/v1/hotline/board/99999999999"):
            assert client.get(path).status_code in (404, 422)
        assert client.get("/api/v1/hotline/board/424242").status_code == 404
        assert client.get("/api/v1/hotline/board?limit=x").status_code == 422
    assert session.scalars(select(BoardPost.status).where(BoardPost.id == pid)).one() == "rejected"
