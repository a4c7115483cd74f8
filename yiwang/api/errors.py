"""The one place where domain errors become HTTP responses: JSON ``{"error": {code, message, field}}``
for the API, a Chinese error page for people."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from yiwang.core.errors import DomainError

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "页面或资源不存在", 405: "不支持的请求方法",
    409: "操作冲突，请刷新后重试", 413: "内容过大", 415: "不支持的内容类型", 422: "输入有误",
    429: "请求过于频繁，请稍后再试", 500: "系统繁忙，请稍后再试",
}

PYDANTIC_MESSAGES = {
    "missing": "必填项不能为空",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "int_parsing": "请填写整数",
    "int_type": "请填写整数",
    "float_parsing": "请填写数字",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "bool_parsing": "请填写 true 或 false",
    "literal_error": "取值不在允许范围内",
    "union_tag_invalid": "取值不在允许范围内",
    "union_tag_not_found": "缺少类型字段",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "请求体格式不正确",
    "list_type": "应为列表",
    "string_type": "应为文本",
}


# discriminated unions put their tag into error locations; it is not a field the caller sent
UNION_TAGS = frozenset({"person", "enterprise"})


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def error_response(request: Request, status: int, body: dict[str, Any],
                   headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"error": body}, status_code=status, headers=headers)
    render_error = getattr(request.app.state, "render_error", None)
    if render_error is None:
        return HTMLResponse(body.get("message", ""), status_code=status)
    response: Response = render_error(request, status, body)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        headers = {}
        if exc.status == 429 and "retry_after" in exc.extra:
            headers["Retry-After"] = str(exc.extra["retry_after"])
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return error_response(request, exc.status, exc.to_dict(), headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form", "header")]
        # discriminated unions put the tag in the path: keep the field name only
        field = next((p for p in reversed(loc) if not p.isdigit() and p not in UNION_TAGS), None)
        if field is None and first.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            field = "kind"
        message = PYDANTIC_MESSAGES.get(first.get("type", ""), "输入有误")
        details = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:] if p not in UNION_TAGS) or None,
                    "message": PYDANTIC_MESSAGES.get(e.get("type", ""), "输入有误")} for e in errors[:20]]
        body = {"code": "invalid", "message": f"{field}：{message}" if field else message, "field": field,
                "details": details}
        return error_response(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else \
            HTTP_MESSAGES.get(exc.status_code, "请求有误")
        return error_response(request, exc.status_code, {"code": f"http_{exc.status_code}", "message": message,
                                                          "field": None}, getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        # PostgreSQL refuses NUL characters and text longer than its column
        return error_response(request, 422, {"code": "invalid", "message": "输入内容过长或包含无效字符",
                                             "field": None})

    @app.exception_handler(OverflowError)
    async def number_out_of_range(request: Request, exc: OverflowError) -> Response:
        # a number beyond the database's integers (an id in a path, say): SQLite's driver cannot even bind it
        return error_response(request, 422, {"code": "invalid", "message": "输入的数值超出范围", "field": None})

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        # two requests creating the same thing at once: the loser hears about it as a conflict
        return error_response(request, 409, {"code": "conflict", "message": "该记录已存在或刚被他人修改，请刷新后重试",
                                             "field": None})

    @app.exception_handler(OperationalError)
    async def database_busy(request: Request, exc: OperationalError) -> Response:
        # a locked SQLite database or a PostgreSQL connection that went away: retryable, not a bug
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(request, 503, {"code": "busy", "message": "系统繁忙，请稍后重试", "field": None},
                              {"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, {"code": "internal", "message": HTTP_MESSAGES[500], "field": None})
