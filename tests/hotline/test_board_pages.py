"""The message board's pages: the public board and its tabs, posting (login, errors in Chinese beside the field),
the author's view of a waiting post, and the operators' moderation queue (publish with an edit, reject with a
reason, 曝光纠错), which operators of other districts and liaisons cannot use."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f
from tests.hotline import factories as hf
from tests.web.helpers import applicant_login, csrf, csrf_of, staff_login
from yiwang.core import clock
from yiwang.hotline import board
from yiwang.hotline.models import BoardPost
from yiwang.hotline.schemas import BoardPostIn

QUEUE = "/workbench/hotline/board"
CONTENT = "我叫李四，楼下烧烤店油烟直排扰民，没有安装油烟净化器，手机13800138000"


def _post(client: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf(client, "/hotline/board/new"), "kind": "complaint", "title": "烧烤店油烟扰民",
            "content": CONTENT, "contact_phone": "13800138000", "region_code": "440104", "location": ""} | fields
    return client.post("/hotline/board/new", data=data, follow_redirects=False)


def _moderate(client: TestClient, post_id: int, **fields: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf(client, QUEUE), "shown": "pending", "page": "1"} | fields
    return client.post(f"{QUEUE}/{post_id}/moderation", data=data, follow_redirects=False)


def test_posting_moderating_and_the_public_board(session: Session, app: FastAPI) -> None:
    hf.build(session)
    _, number = f.person(session, "李四")
    session.commit()
    with TestClient(app) as public, TestClient(app) as me, TestClient(app) as op, clock.frozen(hf.MONDAY):
        board_page = public.get("/hotline/board")
        assert board_page.status_code == 200 and "暂无公开的留言" in board_page.text and "登录后留言" in board_page.text
        assert 'href="/hotline/board"' in public.get("/hotline").text  # the hotline's page leads to the board
        login = public.get("/hotline/board/new", follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/login?next=/hotline/board/new"

        applicant_login(me, number)
        form = me.get("/hotline/board/new")
        assert form.status_code == 200 and "自动隐去手机号" in form.text
        bad = _post(me, contact_phone="12")
        assert bad.status_code == 422 and "请填写有效的联系电话" in bad.text
        assert re.search(r'id="contact_phone"[^>]*aria-invalid="true"', bad.text)
        assert "烧烤店油烟扰民" in bad.text  # what was typed stays
        short = _post(me, title="油烟")
        assert short.status_code == 422 and "标题应为 4–100 个字" in short.text
        forged = me.post("/hotline/board/new", data={"title": "烧烤店油烟扰民", "content": CONTENT,
                                                      "contact_phone": "13800138000"})
        assert forged.status_code == 403
        done = _post(me)
        assert done.status_code == 303
        post_id = int(re.fullmatch(r"/hotline/board/(\d+)\?done=posted", done.headers["location"]).group(1))
        mine = me.get(done.headers["location"]).text
        assert "留言已提交" in mine and "待审核" in mine and "工单编号" in mine
        assert "我叫李*，" in mine and "138****8000" in mine and "13800138000" not in mine
        assert "烧烤店油烟扰民" in me.get("/hotline/board?tab=mine").text
        # the public sees nothing yet
        assert public.get(f"/hotline/board/{post_id}").status_code == 404
        assert "烧烤店油烟扰民" not in public.get("/hotline/board").text
        assert public.get("/hotline/board?tab=mine", follow_redirects=False).status_code == 303

        staff_login(op, "op")
        assert 'href="/workbench/hotline/board"' in op.get("/workbench").text
        queue = op.get(QUEUE).text
        assert 'href="/workbench/hotline/board" aria-current="page">留言板' in queue  # a tab of the hotline console
        assert f"留言 {post_id}：烧烤店油烟扰民" in queue and CONTENT in queue  # the original, for the moderator
        empty = _moderate(op, post_id, action="publish", title="", content=CONTENT)
        assert empty.status_code == 422 and "请填写公开的标题" in empty.text
        assert re.search(rf'id="title-{post_id}"[^>]*aria-invalid="true"', empty.text)
        ok = _moderate(op, post_id, action="publish", title="烧烤店油烟直排扰民",
                       content="楼下烧烤店油烟直排扰民，没有安装油烟净化器。")
        assert ok.status_code == 303 and ok.headers["location"] == f"{QUEUE}?status=pending&done=published"
        assert "留言已公开" in op.get(ok.headers["location"]).text

        listed = public.get("/hotline/board").text
        assert "烧烤店油烟直排扰民" in listed and "李*" in listed and hf.ECO in listed
        shown = public.get(f"/hotline/board/{post_id}").text
        assert "楼下烧烤店油烟直排扰民，没有安装油烟净化器。" in shown and "工单编号" not in shown
        assert "答复经审核后公开" in shown

        expose = op.post(f"{QUEUE}/{post_id}/exposure", data={
            "csrf_token": csrf(op, QUEUE), "shown": "published", "problem": "烧烤店未安装油烟净化设施",
            "correction": ""}, follow_redirects=False)
        assert expose.status_code == 422 and "请填写整改纠正情况" in expose.text
        expose = op.post(f"{QUEUE}/{post_id}/exposure", data={
            "csrf_token": csrf(op, QUEUE), "shown": "published", "problem": "烧烤店未安装油烟净化设施",
            "correction": "已责令加装，复查合格"}, follow_redirects=False)
        assert expose.status_code == 303
        column = public.get("/hotline/board?tab=exposure").text
        assert "已责令加装，复查合格" in column and 'aria-current="page">曝光纠错' in column

        reject = op.post(f"{QUEUE}/{post_id}/moderation", data={
            "csrf_token": csrf(op, QUEUE), "shown": "published", "action": "reject", "reason": ""},
            follow_redirects=False)
        assert reject.status_code == 422 and "请填写不予公开的理由" in reject.text
        reject = op.post(f"{QUEUE}/{post_id}/moderation", data={
            "csrf_token": csrf(op, QUEUE), "shown": "published", "action": "reject", "reason": "留言人要求撤回"},
            follow_redirects=False)
        assert reject.status_code == 303
        assert public.get(f"/hotline/board/{post_id}").status_code == 404
        assert "留言人要求撤回" in me.get(f"/hotline/board/{post_id}").text


def test_the_queue_is_for_the_operators_of_the_posts_region(session: Session, app: FastAPI) -> None:
    w = hf.build(session)
    with clock.frozen(hf.MONDAY):
        post_id = board.post(session, w.person, BoardPostIn(
            title="烧烤店油烟扰民", content=CONTENT, contact_phone="13800138000", region_code="440104")).post.id
    session.commit()
    with TestClient(app) as outsider, TestClient(app) as eco, TestClient(app) as anonymous:
        staff_login(outsider, "op_lw")
        queue = outsider.get(QUEUE)
        assert queue.status_code == 200 and "烧烤店油烟扰民" not in queue.text and "共 0 条" in queue.text
        denied = outsider.post(f"{QUEUE}/{post_id}/moderation", data={
            "csrf_token": csrf_of(queue.text), "action": "publish", "title": "x", "content": "x"})
        assert denied.status_code == 404
        staff_login(eco, "eco")
        assert eco.get(QUEUE).status_code == 403
        assert 'href="/workbench/hotline/board"' not in eco.get("/workbench").text
        assert anonymous.get(QUEUE, follow_redirects=False).headers["location"] == f"/staff/login?next={QUEUE}"
        assert anonymous.get("/hotline/board/abc").status_code == 404
    session.expire_all()
    assert session.get(BoardPost, post_id).status == "pending"  # type: ignore[union-attr]
