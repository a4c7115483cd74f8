"""The operations screen (一屏感知) at ``/screen``: a 1920×1080 wall page for the centre's leaders, refreshing
itself every minute, with a drill-down into the sub-regions (``?region=``). Figures: :mod:`yiwang.metrics.screen`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.core.requests import get_session
from yiwang.metrics import screen as ops
from yiwang.web import charts
from yiwang.web.pagekit import current_actor, require_staff
from yiwang.web.setup import render

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 60
REGION_ROWS = 8  # the sub-regions the panel holds at 1920×1080, the busiest first
# the board's gauges are read across a room: short names (the full name is in the indicator table)
SHORT_NAMES = {"1": "差评按期整改", "10": "网上可办", "11": "全程网办", "12": "一件事覆盖", "13": "证照归集",
               "25": "自助终端使用", "34": "事项进驻", "39": "热线按时办结", "41": "热线满意度", "45": "涉企诉求按期"}


@router.get("/screen")
def screen_page(request: Request, region: str = Query(default="", max_length=20),
                session: Session = Depends(get_session, scope="function"),
                actor: Actor = Depends(current_actor)) -> Any:
    require_staff(actor, Perm.METRICS_READ)
    data = ops.screen(session, actor, region or None)
    home = region_prefix(actor.region_code) if actor.region_code else ""
    up = data.parent_code if data.parent_code and region_prefix(data.parent_code).startswith(home) else None
    lights = charts.light_bar(data.lights, title="计时中办件亮灯情况")
    trend = charts.line_chart([d.strftime("%m-%d") for d in data.trend_days],
                              [("申请", data.trend["submitted"]), ("办结", data.trend["concluded"])],
                              title="近 30 日申请与办结", unit="件", width=900, height=300)
    top = charts.bar_chart([(name, n) for _, name, n in data.top_items], unit="件",
                           title="近 7 日热门事项", width=820, row_height=40)
    gauges = [charts.gauge(v.value, target=v.indicator.target, label=SHORT_NAMES.get(v.indicator.code, v.indicator.name),
                           unit=v.indicator.unit if v.indicator.unit == "%" else "",
                           higher_is_better=v.indicator.direction == "higher", size=200) for v in data.board]
    return render(request, "screen/screen.html", {
        "data": data, "lights_svg": lights, "trend_svg": trend, "top_svg": top, "gauges": gauges,
        "refresh": REFRESH_SECONDS, "up": up, "fmt": charts.fmt, "region_rows": REGION_ROWS})
