"""Hostile input: oversized and mistyped uploads, path traversal in file names, script in every text field that
staff and applicant pages show again, and CSRF on every form of the site."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests import factories as f
from tests.cases import factories as cw
from tests.catalog import factories as cf
from tests.hostile import (
    CENTRE,
    OTHER_REGION,
    RATED_AT,
    World,
    build_world,
    changed_tables,
    fingerprint,
    login_token,
    routes,
)
from tests.licenses import factories as lf
from yiwang.cases import service as cases
from yiwang.core import clock, storage
from yiwang.core.config import get_settings, reset_settings
from yiwang.core.permissions import SYSTEM
from yiwang.evaluation import service as evaluation
from yiwang.supervision import service as supervision

pytestmark = pytest.mark.db

PDF = cw.PDF
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
LIMIT = 4096


@pytest.fixture()
def small_uploads(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("YIWANG_MAX_UPLOAD_BYTES", str(LIMIT))
    reset_settings()
    yield LIMIT
    monkeypatch.undo()
    reset_settings()


def _stored(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(storage.StoredFile)) or 0


def _files_on_disk() -> set[Path]:
    """Every file under the test run's directory, the databases aside (they change with each request)."""
    root = get_settings().data_dir.parent
    return {p for p in root.rglob("*") if p.is_file() and ".db" not in p.name}


def _upload(client: TestClient, headers: dict[str, str], name: str, data: bytes, declared: str) -> Any:
    return client.post("/api/v1/files", files={"file": (name, io.BytesIO(data), declared)}, headers=headers)


# --- oversized uploads ---------------------------------------------------------------------------------------

def test_an_oversized_upload_is_refused_with_413_and_nothing_is_stored(client, session, small_uploads) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    session.commit()
    headers = f.api_login(client, w.applicant_id)
    before, disk = _stored(session), _files_on_disk()
    too_big = PDF + b"0" * (small_uploads + 1 - len(PDF))
    for path, extra in (("/api/v1/files", headers), ("/api/v1/licenses/verify", {})):
        r = client.post(path, files={"file": ("big.pdf", io.BytesIO(too_big), "application/pdf")}, headers=extra)
        assert r.status_code == 413, (path, r.text)
        error = r.json()["error"]
        assert error["code"] == "too_large" and error["field"] == "file" and error["message"], error
    assert _stored(session) == before and _files_on_disk() == disk

    exactly = PDF + b"0" * (small_uploads - len(PDF))
    assert _upload(client, headers, "limit.pdf", exactly, "application/pdf").status_code == 201

    # the application form: the file is refused with the material's problem shown, nothing is stored
    raw = login_token(session, w.applicant, "web")
    session.commit()
    client.cookies.set("yw_session", raw)
    page = client.get(f"/apply/{w.code}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token
    before = _stored(session)
    r = client.post(f"/apply/{w.code}", data={"csrf_token": token.group(1), "intent": "submit",
                                              "contact_name": "张三", "contact_phone": "13800138000",
                                              "description": "申请"},
                    files={"m0": ("big.pdf", io.BytesIO(too_big), "application/pdf")})
    assert r.status_code == 422 and "上限" in r.text
    assert _stored(session) == before


# --- mistyped uploads ----------------------------------------------------------------------------------------

MISTYPED = [
    ("PNG bytes declared as PDF", "scan.pdf", PNG, "application/pdf", 415, "type_mismatch"),
    ("a program renamed .pdf", "setup.pdf", EXE, "application/pdf", 415, "unsupported_type"),
    ("a program sent as octet-stream", "setup.pdf", EXE, "application/octet-stream", 415, "unsupported_type"),
    ("HTML renamed .pdf", "page.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", 415,
     "unsupported_type"),
    ("a PDF declared as HTML", "doc.pdf", PDF, "text/html", 415, "type_mismatch"),
    ("a ZIP declared as Word", "doc.docx", b"PK\x03\x04" + b"\x00" * 40,
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 415, "unsupported_type"),
    ("an empty file", "empty.pdf", b"", "application/pdf", 422, "empty_file"),
]


def test_mistyped_uploads_are_refused_and_nothing_is_stored(client, session) -> None:  # type: ignore[no-untyped-def]
    applicant, login = f.person(session)
    session.commit()
    headers = f.api_login(client, login)
    before, disk = _stored(session), _files_on_disk()
    for label, name, data, declared, status, code in MISTYPED:
        r = _upload(client, headers, name, data, declared)
        assert r.status_code == status, (label, r.text)
        assert r.json()["error"]["code"] == code and r.json()["error"]["field"] == "file", (label, r.text)
    assert _stored(session) == before and _files_on_disk() == disk


# --- path traversal in file names ----------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd", "..\\..\\x.pdf", "/etc/passwd", "C:\\Windows\\system32\\evil.pdf", "....//....//evil.pdf",
    "%2e%2e%2fevil.pdf", ".htaccess", "..", "a\x00b.pdf", "evil\u202egpj.pdf", "a\r\nSet-Cookie: x=1.pdf",
    "名" * 300 + ".pdf", "x" * 1000 + ".pdf",
]


def _safe(name: str) -> bool:
    return (0 < len(name) <= 200 and not name.startswith(".") and "/" not in name and "\\" not in name
            and not any(ord(ch) < 32 or ch in "\x7f\u202e" for ch in name))


def test_file_names_cannot_escape_the_data_directory(client, session) -> None:  # type: ignore[no-untyped-def]
    w = cw.world(session)
    session.commit()
    headers = f.api_login(client, w.applicant_id)
    data_dir = get_settings().data_dir.resolve()
    disk = _files_on_disk()
    ids, run = [], uuid.uuid4().hex.encode()  # the store is content-addressed and shared by both databases' runs
    for i, name in enumerate(HOSTILE_NAMES):
        r = _upload(client, headers, name, PDF + run + f"{i}".encode(), "application/pdf")
        assert r.status_code == 201, (name, r.text)
        body = r.json()
        assert _safe(body["filename"]), (name, body["filename"])
        session.expire_all()
        record = session.get(storage.StoredFile, body["file_id"])
        assert record is not None and record.filename == body["filename"]
        ids.append(body["file_id"])
    # a name too long for a multipart header is refused by the parser, as a structured error
    r = _upload(client, headers, "x" * 5000 + ".pdf", PDF + b"long", "application/pdf")
    assert r.status_code == 400 and r.json()["error"]["code"] == "http_400"
    new = _files_on_disk() - disk
    assert len(new) == len(HOSTILE_NAMES)
    for path in new:  # content-addressed: <data>/ab/cd/<sha256>, nothing named after the upload
        assert path.resolve().is_relative_to(data_dir), path
        assert re.fullmatch(r"[0-9a-f]{64}", path.name) and path.parent.parent.parent.resolve() == data_dir, path

    # the stored names travel back safely in the download header
    r = client.post("/api/v1/cases", headers=headers, json={
        "item_code": w.code, "form": {"contact_name": "张三", "contact_phone": "13800138000", "description": "x"},
        "materials": [{"name": "申请书", "file_id": ids[HOSTILE_NAMES.index("a\r\nSet-Cookie: x=1.pdf")]},
                      {"name": "身份证明", "file_id": ids[0]}]})
    assert r.status_code == 201, r.text
    raw = login_token(session, w.applicant, "web")
    session.commit()
    for file_id in (ids[0], ids[HOSTILE_NAMES.index("a\r\nSet-Cookie: x=1.pdf")]):
        got = client.get(f"/my/cases/{r.json()['case_no']}/files/{file_id}", headers={"Cookie": f"yw_session={raw}"})
        assert got.status_code == 200 and got.content.startswith(b"%PDF")
        disposition = got.headers["content-disposition"]
        assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split(";")[1]
        assert "set-cookie" not in got.headers

    # the multipart encoder may escape CR, LF and quotes on the way: the store sees the raw names too
    for name in HOSTILE_NAMES + ["x" * 5000 + ".pdf", 'q"uote.pdf']:
        record = storage.store(session, data=PDF + b"direct", filename=name, declared_type="application/pdf",
                               owner=w.applicant.label)
        assert _safe(record.filename), (name, record.filename)
    session.rollback()


# --- script in every text field, shown back escaped ----------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
BOTH = SCRIPT + IMG
RAW = ("<script>alert(1)", "<img src=x onerror", '"><img')
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")


def _xss_world(session: Session) -> dict[str, Any]:
    """Every text a person types that someone else reads, filled with markup."""
    code = cf.published(session, department=cw.DEPT, name=f"测试事项{SCRIPT}", conditions=BOTH)
    applicant, login = f.person(session, BOTH)
    w = cw.World(code=code, applicant=applicant, applicant_id=login,
                 clerk=f.staff(session, "clerk", ["window_clerk"], CENTRE),
                 handler=f.staff(session, "handler", ["handler"], cw.DEPT),
                 checker=f.staff(session, "checker", ["checker"], cw.DEPT),
                 approver=f.staff(session, "approver", ["approver"], cw.DEPT),
                 other_handler=f.staff(session, "other", ["handler"], "区卫生健康局"))
    supervisor = f.staff(session, "super", ["supervisor"], CENTRE)
    form = {"contact_name": SCRIPT, "contact_phone": "13800138000", "address": IMG, "description": BOTH}
    named = storage.store(session, data=PDF + b"named", filename=IMG + ".pdf", declared_type="application/pdf",
                          owner=applicant.label).id
    with clock.frozen(lf.MONDAY):
        pending = cw.submit(session, w, form=form, materials=[cases.MaterialIn("申请书", named),
                                                               cases.MaterialIn("身份证明", cw.upload(session, applicant))])
        cases.apply(session, w.handler, case_no=pending, action="request_correction", comment=BOTH,
                    materials=["申请书", f"补充{SCRIPT}"])
        concluded = cw.submit(session, w, form=form)
    with clock.frozen(lf.MONDAY + dt.timedelta(hours=1)):
        for who, action in ((w.handler, "accept"), (w.handler, "review"), (w.checker, "review"),
                            (w.approver, "approve")):
            cases.apply(session, who, case_no=concluded, action=action, comment=BOTH)
    dept = cases.get_case(session, SYSTEM, pending).department_id
    order = supervision.issue_order(session, supervisor, department_id=dept, subject=SCRIPT, content=BOTH,
                                    case_no=pending)
    supervision.reply_order(session, w.handler, order.order_no, reply=BOTH)
    with clock.frozen(RATED_AT):
        rated = evaluation.rate(session, applicant, case_no=concluded, level=5, reasons=["slow"], comment=BOTH)
        task = evaluation.list_rectifications(session, w.handler)[1][0].id
        evaluation.reply(session, w.handler, rectification_id=task, text=BOTH, callback_note=BOTH)
        evaluation.request_appeal(session, w.handler, evaluation_id=rated.id, reason=BOTH)
    web = {name: login_token(session, actor, "web") for name, actor in
           (("applicant", applicant), ("handler", w.handler), ("super", supervisor))}
    session.commit()
    return {"code": code, "pending": pending, "concluded": concluded, "order": order.order_no, "task": task,
            "web": web}


def test_markup_in_text_fields_is_escaped_on_every_page(client, session) -> None:  # type: ignore[no-untyped-def]
    x = _xss_world(session)
    shown = {  # pages that show some of the entered text
        "handler": [f"/workbench/cases/{x['pending']}", f"/workbench/cases/{x['concluded']}", "/workbench/cases?view=all",
                    f"/console/orders/{x['order']}", "/console/orders", f"/workbench/rectifications/{x['task']}",
                    f"/admin/catalog/{x['code']}"],
        "super": [f"/console/orders/{x['order']}", "/workbench/appeals", f"/workbench/cases/{x['pending']}"],
        "applicant": [f"/my/cases/{x['pending']}", "/my/cases", f"/my/cases/{x['concluded']}/evaluation",
                      f"/apply/{x['code']}", f"/my/cases/{x['pending']}/supplement"],
        "anonymous": [f"/items/{x['code']}", f"/items/{x['code']}/form", "/items"],
    }
    listed_only = {"handler": ["/workbench/rectifications", "/workbench"], "applicant": ["/my/messages"]}
    unescaped, silent = [], []
    for who in shown.keys() | listed_only.keys():
        cookie = {"Cookie": f"yw_session={x['web'][who]}"} if who in x["web"] else {}
        for url in shown.get(who, []) + listed_only.get(who, []):
            r = client.get(url, headers=cookie)
            assert r.status_code == 200, (who, url, r.status_code)
            unescaped += [f"{who} {url}: {raw!r}" for raw in RAW if raw in r.text]
            if url in shown.get(who, []) and not any(e in r.text for e in ESCAPED):
                silent.append(f"{who} {url}")
    assert not unescaped, "markup shown unescaped:\n" + "\n".join(unescaped)
    assert not silent, f"pages that should show the entered text (escaped) but do not: {silent}"


# --- CSRF on every form --------------------------------------------------------------------------------------

CSRF_MESSAGE = "页面已过期或来源不明"
Form = dict[str, Any]


def _calendar(w: World) -> dict[str, Any]:
    return {"file": ("2030.json", io.BytesIO(b'{"year": 2030, "days": []}'), "application/json")}


def _pdf(name: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {name: (f"{name}.pdf", io.BytesIO(PDF), "application/pdf")}


# Every form of the site: route → (who may use it, the URL, a form that would pass everything but the token).
CSRF_FORMS: dict[str, tuple[str | None, str, Form, Callable[[World], dict[str, Any]] | None]] = {
    "POST /login": (None, "/login", {"username": "{w.owner_login}", "password": f.PASSWORD}, None),
    "POST /staff/login": (None, "/staff/login", {"username": "handler", "password": f.PASSWORD}, None),
    "POST /register": (None, "/register", {"kind": "person", "name": "王五", "id_number": "{new_id}",
                                           "phone": "13700137000", "password": "Passw0rd2026",
                                           "password2": "Passw0rd2026"}, None),
    "POST /logout": ("owner", "/logout", {}, None),
    "POST /elder-mode": (None, "/elder-mode", {"on": "1"}, None),
    "POST /items/{code}/form": (None, "/items/{w.item_code}/form", {"contact_name": "张三"}, None),
    "POST /verify": (None, "/verify", {}, _pdf("file")),
    "POST /apply/{code}": ("owner", "/apply/{w.item_code}", {"intent": "draft", "contact_name": "张三"}, None),
    "POST /my/cases/{case_no}/resubmit": ("owner", "/my/cases/{w.pending_no}/resubmit", {"comment": "补正"},
                                          _pdf("c0")),
    "POST /my/cases/{case_no}/withdraw": ("owner", "/my/cases/{w.pending_no}/withdraw", {"confirm": "yes"}, None),
    "POST /my/cases/{case_no}/evaluation": ("owner", "/my/cases/{w.case_no}/evaluation", {"level": "1"}, None),
    "POST /my/licenses/{license_id}/share": ("owner", "/my/licenses/{w.license_id}/share", {"days": "7"}, None),
    "POST /my/messages/read-all": ("owner", "/my/messages/read-all", {}, None),
    "POST /my/messages/{message_id}/read": ("owner", "/my/messages/{w.message_id}/read", {}, None),
    "POST /workbench/messages/read-all": ("own:handler", "/workbench/messages/read-all", {}, None),
    "POST /workbench/messages/{message_id}/read": ("own:handler", "/workbench/messages/{w.message_id}/read", {},
                                                   None),
    "POST /workbench/cases/{case_no}/actions": ("own:handler", "/workbench/cases/{w.pending_no}/actions",
                                                {"action": "accept", "version": "{version}"}, None),
    # 通办 and 转报 (web/workbench/tongban.py)
    "POST /workbench/cases/{case_no}/forward": ("own:handler", "/workbench/cases/{w.pending_no}/forward",
                                                {"to_department_id": "1", "comment": "转报", "version": "{version}"},
                                                None),
    "POST /workbench/cases/{case_no}/paper-transfers": (
        "own:clerk", "/workbench/cases/{w.pending_no}/paper-transfers",
        {"courier": "EMS", "tracking_no": "E1001", "materials": "申请书原件"}, None),
    "POST /workbench/cases/{case_no}/paper-transfers/{transfer_id}/receive": (
        "own:handler", "/workbench/cases/{w.pending_no}/paper-transfers/1/receive", {}, None),
    "POST /bundles/{code}/apply": ("owner", "/bundles/{w.bundle_code}/apply", {"contact_name": "张三"}, None),
    "POST /workbench/bundles/intake/{code}": ("own:clerk", "/workbench/bundles/intake/{w.bundle_code}",
                                              {"applicant_code": "{w.owner_login}", "contact_name": "张三"}, None),
    "POST /workbench/intake": ("own:clerk", "/workbench/intake", {"_item": "{w.item_code}",
                                                                   "_applicant": "{w.owner_login}",
                                                                   "contact_name": "张三"}, None),
    "POST /workbench/licenses/{license_id}/status": ("own:approver", "/workbench/licenses/{w.license_id}/status",
                                                     {"action": "suspend", "reason": "违规"}, None),
    "POST /workbench/rectifications/{rectification_id}/callback": (
        "own:handler", "/workbench/rectifications/{w.rectification_id}/callback", {"note": "已回访"}, None),
    "POST /workbench/rectifications/{rectification_id}/reply": (
        "own:handler", "/workbench/rectifications/{w.rectification_id}/reply",
        {"text": "已整改", "callback_note": "已回访"}, None),
    "POST /workbench/pledge-checks/{check_id}/result": (
        "own:approver", "/workbench/pledge-checks/{w.pledge_check_id}/result",
        {"result": "false_pledge", "note": "承诺不实"}, None),
    "POST /workbench/rectifications/{rectification_id}/appeal": (
        "own:handler", "/workbench/rectifications/{w.rectification_id}/appeal", {"reason": "恶意差评"}, None),
    "POST /workbench/appeals/{evaluation_id}": ("own:super", "/workbench/appeals/{w.evaluation_id}",
                                                {"decision": "uphold", "reason": "成立"}, None),
    "POST /console/alerts/{alert_id}/close": ("own:super", "/console/alerts/{w.alert_id}/close",
                                              {"result": "已处理"}, None),
    "POST /console/orders": ("own:super", "/console/orders", {"department_id": "{w.own_department_id}",
                                                               "subject": "督办", "content": "请说明"}, None),
    "POST /console/orders/{order_no}/reply": ("own:handler", "/console/orders/{w.order_no}/reply",
                                              {"reply": "已处理"}, None),
    "POST /console/orders/{order_no}/close": ("own:super", "/console/orders/{w.replied_order_no}/close",
                                              {"note": "办结"}, None),
    "POST /console/rules": ("own:super", "/console/rules", {"code": "overdue", "scope": "item",
                                                           "scope_value": "{w.item_code}", "level": "red"}, None),
    "POST /admin/regions": ("other:admin", "/admin/regions", {"code": "440106001000", "name": "街道",
                                                              "parent_code": OTHER_REGION}, None),
    "POST /admin/departments": ("other:admin", "/admin/departments", {"name": "新部门", "region_code": OTHER_REGION},
                                None),
    "POST /admin/departments/{department_id}/combined-duties": (
        "other:admin", "/admin/departments/{w.other_department_id}/combined-duties",
        {"combined": "1", "reason": "编制人数少"}, None),
    "POST /admin/staff": ("other:admin", "/admin/staff", {"login": "newbie", "name": "新人", "password": "Passw0rd2026",
                                                          "department_id": "{w.other_department_id}",
                                                          "roles": "handler"}, None),
    "POST /admin/calendar": ("other:admin", "/admin/calendar", {}, _calendar),
    "POST /admin/catalog/import": ("other:admin", "/admin/catalog/import", {"publish": "1"}, _pdf("file")),
    "POST /admin/catalog/{code}/edit": ("own:handler", "/admin/catalog/{w.item_code}/edit", {"name": "新名称"}, None),
    "POST /admin/catalog/{code}/publish": ("own:handler", "/admin/catalog/{w.item_code}/publish", {}, None),
    "POST /admin/catalog/{code}/retire": ("own:handler", "/admin/catalog/{w.item_code}/retire", {"reason": "停用"},
                                          None),
    "POST /admin/catalog/{code}/materials/{seq}/file": (
        "own:handler", "/admin/catalog/{w.item_code}/materials/1/file", {"kind": "sample"}, _pdf("file")),
    "POST /admin/announcements": ("other:admin", "/admin/announcements", {"title": "公告", "body": "正文",
                                                                          "region_code": OTHER_REGION,
                                                                          "action": "publish"}, None),
    "POST /admin/announcements/{announcement_id}/publish": (
        "other:admin", "/admin/announcements/{w.announcement_id}/publish", {}, None),
    "POST /admin/announcements/{announcement_id}/withdraw": (
        "other:admin", "/admin/announcements/{w.announcement_id}/withdraw", {}, None),
    "POST /admin/catalog/{code}/window-decision": ("own:handler", "/admin/catalog/{w.item_code}/window-decision",
                                                   {"allowed": "1"}, None),
    "POST /my/phone/code": ("owner", "/my/phone/code", {}, None),
    "POST /my/phone": ("owner", "/my/phone", {"code": "123456"}, None),
    "POST /my/cases/{case_no}/supplement": ("owner", "/my/cases/{w.pending_no}/supplement", {"comment": "补交"},
                                            _pdf("s0")),
    "POST /admin/outbox/{event_id}/resend": ("other:admin", "/admin/outbox/1/resend", {}, None),
    # the 12345 hotline: the console (operators, liaisons, the region's readers), the knowledge base's keepers, the
    # rules' keepers, and the citizen filing online
    "POST /workbench/hotline/new": ("other:hotline_operator", "/workbench/hotline/new",
                                    {"channel": "phone", "kind": "投诉", "content": "楼下油烟太大，熏得不敢开窗",
                                     "contact_phone": "13800138000"}, None),
    "POST /workbench/hotline/{ticket_no}/actions": ("own:super", "/workbench/hotline/{w.hotline_no}/actions",
                                                    {"action": "accept"}, None),
    "POST /workbench/hotline/knowledge/new": ("other:hotline_liaison", "/workbench/hotline/knowledge/new",
                                              {"title": "新口径", "topic": "测试", "answer": "答复口径正文内容"}, None),
    "POST /workbench/hotline/knowledge/{code}/edit": (
        "other:hotline_liaison", "/workbench/hotline/knowledge/{w.knowledge_code}/edit",
        {"title": "改口径", "topic": "测试", "answer": "答复口径正文内容"}, None),
    "POST /workbench/hotline/knowledge/{code}/confirm": (
        "other:hotline_liaison", "/workbench/hotline/knowledge/{w.knowledge_code}/confirm", {}, None),
    "POST /workbench/hotline/knowledge/{code}/retire": (
        "other:hotline_liaison", "/workbench/hotline/knowledge/{w.knowledge_code}/retire", {"reason": "政策调整"}, None),
    "POST /workbench/hotline/overrides/rules": ("other:hotline_operator", "/workbench/hotline/overrides/rules",
                                                {"code": "T-1", "function": "市场监督管理", "any": "过期",
                                                 "note": "测试"}, None),
    "POST /workbench/hotline/rules/{code}/toggle": ("other:hotline_operator", "/workbench/hotline/rules/T-1/toggle",
                                                    {"enabled": "0"}, None),
    "POST /hotline/requests": ("owner", "/hotline/requests", {"kind": "投诉", "content": "超市卖过期食品不给退",
                                                              "contact_phone": "13800138000"}, None),
    "POST /hotline/board/new": ("owner", "/hotline/board/new", {"title": "超市卖过期食品", "content": "超市卖过期食品，要求退货被拒绝",
                                                                "kind": "投诉", "contact_phone": "13800138000"}, None),
    "POST /workbench/hotline/board/{post_id}/moderation": (
        "other:hotline_operator", "/workbench/hotline/board/{w.board_post_id}/moderation", {"action": "publish"}, None),
    "POST /workbench/hotline/board/{post_id}/exposure": (
        "own:super", "/workbench/hotline/board/{w.board_post_id}/exposure",
        {"problem": "确有其事", "correction": "已整改"}, None),
    # indicators: the administrators choose what the public figures page shows and enter population figures
    "POST /console/indicators/publication": ("other:admin", "/console/indicators/publication", {"codes": "1"}, None),
    "POST /console/indicators/baselines": ("other:admin", "/console/indicators/baselines",
                                           {"region_code": "440104", "key": "population", "value": "1000"}, None),
    # the service hall: the window, the front desk, administration, the citizen's pages and the rating tablet
    "POST /workbench/hall/windows/{window_code}/actions": (
        "own:clerk", "/workbench/hall/windows/{w.window_code}/actions", {"action": "call"}, None),
    "POST /workbench/hall/desk/{hall_code}/tickets": ("own:clerk", "/workbench/hall/desk/{w.hall_code}/tickets",
                                                      {"window_type": "综合"}, None),
    "POST /workbench/hall/desk/{hall_code}/requeue": ("own:clerk", "/workbench/hall/desk/{w.hall_code}/requeue",
                                                      {"ticket_no": "{w.ticket_no}"}, None),
    "POST /workbench/hall/desk/{hall_code}/check-in": ("own:clerk", "/workbench/hall/desk/{w.hall_code}/check-in",
                                                       {"appointment_no": "{w.appointment_no}"}, None),
    "POST /admin/halls/import": ("other:admin", "/admin/halls/import", {}, _pdf("file")),
    "POST /admin/halls/windows/{window_code}/tablet": ("other:admin", "/admin/halls/windows/{w.window_code}/tablet",
                                                       {}, None),
    "POST /hall/{hall_code}/tickets": (None, "/hall/{w.hall_code}/tickets", {"window_type": "综合"}, None),
    "POST /hall/{hall_code}/tickets/{ticket_no}/cancel": ("owner", "/hall/{w.hall_code}/tickets/{w.ticket_no}/cancel",
                                                          {}, None),
    "POST /hall/{hall_code}/appointments": ("owner", "/hall/{w.hall_code}/appointments",
                                            {"date": "2026-03-03", "start": "11:00", "window_type": "综合"}, None),
    "POST /hall/appointments/{appointment_no}/change": ("owner", "/hall/appointments/{w.appointment_no}/change",
                                                        {"date": "2026-03-03", "start": "11:00"}, None),
    "POST /hall/appointments/{appointment_no}/cancel": ("owner", "/hall/appointments/{w.appointment_no}/cancel", {},
                                                        None),
    "POST /hall/appointments/{appointment_no}/check-in": (
        "owner", "/hall/appointments/{w.appointment_no}/check-in", {}, None),
    "POST /hall/rate/{window_code}": (None, "/hall/rate/{w.window_code}", {"key": "k", "visit_no": "V1",
                                                                           "level": "1"}, None),
    "POST /kiosk/{hall_code}/ticket": (None, "/kiosk/{w.hall_code}/ticket", {"window_type": "综合"}, None),
    "POST /kiosk/{hall_code}/progress": (None, "/kiosk/{w.hall_code}/progress",
                                         {"case_no": "{w.pending_no}", "tail": "1234"}, None),
    "POST /kiosk/{hall_code}/verify": (None, "/kiosk/{w.hall_code}/verify", {"license_id": "{w.license_id}"}, None),
    "POST /kiosk/{hall_code}/check-in": (None, "/kiosk/{w.hall_code}/check-in",
                                         {"appointment_no": "{w.appointment_no}", "tail": "0000"}, None),
}


def _actor(w: World, name: str) -> Any:
    if name == "owner":
        return w.owner
    side, _, role = name.partition(":")
    return w.own[role] if side == "own" else w.other[role]


def test_every_form_refuses_a_post_without_a_valid_csrf_token(app, engine: Engine, session) -> None:  # type: ignore[no-untyped-def]
    w = build_world(session)
    forms = {f"{m} {p}" for m, p, _ in routes(app) if m == "POST" and not p.startswith("/api/")}
    assert not (missing := sorted(forms - set(CSRF_FORMS))), f"forms without a CSRF check in this test: {missing}"
    assert not (stale := sorted(set(CSRF_FORMS) - forms)), f"routes the app no longer has: {stale}"
    web = {name: login_token(session, _actor(w, name), "web") for name in {a for a, *_ in CSRF_FORMS.values() if a}}
    version = str(cases.get_case(session, SYSTEM, w.pending_no).version)
    session.commit()
    with TestClient(app) as client:
        login = client.get("/login")
        cookie = login.cookies["yw_csrf"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token
        forged = "forged-nonce.0123456789abcdef0123456789abcdef"
        variants = {  # (csrf cookie, submitted token)
            "no token": (cookie, None), "a wrong token": (cookie, "x" + token.group(1)),
            "no cookie": (None, token.group(1)), "an unsigned pair": (forged, forged)}
        failures: list[str] = []
        for key, (actor, url, form, files) in CSRF_FORMS.items():
            path = url.format(w=w)
            data = {k: v.format(w=w, version=version, new_id=f.id_number()) for k, v in form.items()}
            before = fingerprint(engine)
            for label, (csrf_cookie, submitted) in variants.items():
                jar = [f"yw_session={web[actor]}"] if actor else []
                jar += [f"yw_csrf={csrf_cookie}"] if csrf_cookie else []
                client.cookies.clear()
                r = client.post(path, data=data | ({"csrf_token": submitted} if submitted else {}),
                                files=files(w) if files else None, headers={"Cookie": "; ".join(jar)},
                                follow_redirects=False)
                if r.status_code != 403 or CSRF_MESSAGE not in r.text:
                    failures.append(f"{key} with {label}: {r.status_code} {r.text[:150]!r}")
                if "yw_session" in r.headers.get("set-cookie", "") or "yw_elder" in r.headers.get("set-cookie", ""):
                    failures.append(f"{key} with {label}: set a cookie {r.headers['set-cookie']!r}")
            if changed := changed_tables(before, fingerprint(engine)):
                failures.append(f"{key}: tables changed without a valid CSRF token: {changed}")
        # the owner's session survived the logout attempts, and the same login form with its token goes through
        client.cookies.clear()
        assert client.get("/my/cases", headers={"Cookie": f"yw_session={web['owner']}"}).status_code == 200
        r = client.post("/login", data={"username": w.owner_login, "password": f.PASSWORD, "csrf_token": token.group(1)},
                        headers={"Cookie": f"yw_csrf={cookie}"}, follow_redirects=False)
        assert r.status_code == 303 and "yw_session" in r.headers["set-cookie"]
    assert not failures, "\n".join(failures)


# --- request-size guard and security headers on every route (issue 11, rows 7 and 9) ------------------------

def _asgi_post(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[str, str],
                                                                                              int]:
    """Send a request that declares a 2 GiB body through ASGI; return the status, headers and body chunks read."""
    import asyncio

    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"0" * 65536, "more_body": True}

    out: dict[str, Any] = {}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": headers + [(b"content-length", str(2 * 1024 ** 3).encode())],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=30))
    return out["status"], out["headers"], reads


def test_every_route_refuses_a_huge_declared_body_before_reading_it(app) -> None:  # type: ignore[no-untyped-def]
    failures = []
    for method, template, _ in routes(app):
        if method in ("GET", "HEAD", "OPTIONS", "DELETE"):
            continue
        path = re.sub(r"\{[^}]+\}", "X1", template)
        for content_type in (b"application/json", b"application/x-www-form-urlencoded",
                             b"multipart/form-data; boundary=x"):
            status, headers, reads = _asgi_post(app, method, path, [(b"content-type", content_type)])
            # 413 before reading; an upload that needs a login is refused for that first (401 / login page)
            if status not in (413, 401, 303) or reads:
                failures.append(f"{method} {path} ({content_type.decode()}): {status}, {reads} chunk(s) read")
            if "content-security-policy" not in headers or headers.get("x-content-type-options") != "nosniff":
                failures.append(f"{method} {path}: answered without the security headers")
    assert not failures, "\n".join(failures)


def test_every_page_and_api_read_carries_the_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    failures = []
    for method, template, _ in routes(client.app):
        if method != "GET":
            continue
        path = re.sub(r"\{[^}]+\}", "X1", template)
        r = client.get(path, follow_redirects=False)
        if r.status_code >= 500:
            failures.append(f"GET {path}: {r.status_code}")
        csp = r.headers.get("content-security-policy", "")
        if "script-src 'self'" not in csp or r.headers.get("x-frame-options") != "DENY" or \
                r.headers.get("x-content-type-options") != "nosniff":
            failures.append(f"GET {path}: missing security headers {dict(r.headers)}")
    assert not failures, "\n".join(failures)
# --- the portal: announcements with markup, odd query strings on the directory and theme pages -------------

def test_portal_pages_escape_markup_and_survive_odd_input(client, session) -> None:  # type: ignore[no-untyped-def]
    from yiwang.portal import service as portal

    f.region(session, "440104")
    cf.published(session, department=cw.DEPT, name=f"测试事项{SCRIPT}")
    admin = f.staff(session, "dadmin", ["admin"], CENTRE)
    notice = portal.create_announcement(session, admin, title=f"公告{SCRIPT}", body=BOTH, publish=True)
    session.commit()
    web = login_token(session, admin, "web")
    session.commit()
    pages = ["/", "/announcements", f"/announcements/{notice.id}", "/items", "/themes", "/departments",
             f"/items?q={IMG}", f"/items?theme={IMG}", f"/items?region={IMG}&department=1",
             "/items?audience=person&type=99&page=99999999999"]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert not [raw for raw in RAW if raw in r.text], url
    assert "&lt;script&gt;" in client.get(f"/announcements/{notice.id}").text
    admin_page = client.get("/admin/announcements", headers={"Cookie": f"yw_session={web}"})
    assert admin_page.status_code == 200 and not [raw for raw in RAW if raw in admin_page.text]
    for url in ("/themes/%2e%2e%2fetc", "/themes/" + "x" * 5000, "/announcements/-1", "/announcements/99999999999",
                f"/announcements/{IMG}"):
        assert client.get(url).status_code == 404, url
    # an overlong query is cut, not stored whole
    client.get("/items", params={"q": "查" * 5000})
    assert all(len(q) <= 30 for q in portal.popular_queries(session, 40))


# --- authentication inputs: login names, phone codes, progress tails ----------------------------------------

HOSTILE_TEXT = ["\u0000", "x" * 10_000, "\t\u3000\n", SCRIPT, "１２３４５６", "' OR 1=1 --", "%00", "\ud7ff" * 30]


def test_hostile_login_names_phone_codes_and_tails_are_client_errors(client, session) -> None:  # type: ignore[no-untyped-def]
    from tests.web.helpers import csrf

    actor, number = f.person(session)
    session.commit()
    for text in HOSTILE_TEXT:
        r = client.post("/api/v1/auth/login", json={"username": text[:64] or "x", "password": "x1234567"})
        assert r.status_code in (401, 422, 429), (text[:20], r.status_code)
        assert set(r.json()["error"]) >= {"code", "message", "field"}
        r = client.post("/login", data={"username": text, "password": "x1234567", "csrf_token": csrf(client, "/login")})
        assert r.status_code in (400, 401, 422, 429) and RAW[0] not in r.text, (text[:20], r.status_code)
        r = client.get("/progress", params={"case_no": text[:40], "tail": text[:18]})
        assert r.status_code in (200, 404, 422, 429) and RAW[0] not in r.text, (text[:20], r.status_code)  # 200: blank
    headers = f.api_login(client, number)
    for text in HOSTILE_TEXT:
        r = client.post("/api/v1/me/phone/verify", headers=headers, json={"code": text})
        assert r.status_code == 422 and set(r.json()["error"]) >= {"code", "message", "field"}, (text[:20], r.text)
    for body in ({}, {"code": 123456}, [], "x"):
        assert client.post("/api/v1/me/phone/verify", headers=headers, json=body).status_code == 422
    from tests.web.helpers import applicant_login

    applicant_login(client, number)
    for text in HOSTILE_TEXT:
        r = client.post("/my/phone", data={"code": text, "csrf_token": csrf(client, "/my/phone")})
        assert r.status_code == 422 and RAW[0] not in r.text, (text[:20], r.status_code)
