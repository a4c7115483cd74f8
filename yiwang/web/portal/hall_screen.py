"""The hall's calling screen (叫号屏): the big display on the hall's wall. It shows the latest calls, each queue's
waiting count and estimated wait, the hall's name, the date and time and the hours — the public board
(``hall.board``), no personal data. A small script (``/static/hall-screen.js``) redraws it from the board API every
1.5 s; without scripts the page refreshes itself every 2 s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from yiwang.core import clock
from yiwang.core.requests import get_session
from yiwang.hall import service as hall
from yiwang.web.setup import render

router = APIRouter(include_in_schema=False)

WEEKDAYS = "一二三四五六日"
POLL_MS = 1500
LISTED = 5  # calls listed under the newest (what fits the screen's height)


def local_date(at: dt.datetime) -> str:
    local = clock.to_local(at)
    return f"{local.year} 年 {local.month} 月 {local.day} 日 星期{WEEKDAYS[local.weekday()]}"


def call_words(ticket_no: str, window_name: str) -> str:
    return f"请 {ticket_no} 号到 {window_name}"


@router.get("/hall/{hall_code}/screen")
def screen(request: Request, hall_code: str, session: Session = Depends(get_session, scope="function")) -> Any:
    code = hall_code.strip()[:40]
    board = hall.board(session, code)  # HallNotFound → the Chinese 404 page
    found = hall.get_hall(session, code)
    calls = [{"ticket_no": c.ticket_no, "window_name": c.window_name, "words": call_words(c.ticket_no, c.window_name)}
             for c in board.calling[:LISTED]]
    response = render(request, "hall/screen.html", {
        "board": board, "calls": calls, "address": found.address or "", "level": found.level,
        "date": local_date(board.now), "time": clock.to_local(board.now).strftime("%H:%M"),
        "board_url": f"/api/v1/halls/{board.hall_code}/board", "poll_ms": POLL_MS,
        "listed": LISTED})
    response.headers["Cache-Control"] = "no-store"
    return response
