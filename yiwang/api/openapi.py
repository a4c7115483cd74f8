"""What the OpenAPI document says about answers that are not plain JSON successes.

Every refusal (4xx) carries the error body ``{"error": {"code", "message", "field", …}}`` that ``api.errors``
writes — FastAPI's default ``HTTPValidationError`` (``{"detail": [...]}``) is never sent, so it is replaced for
every operation of the API router. Downloads declare their real media types instead of JSON.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    """Why a request was refused. Some errors add details (``details``: every invalid field;
    ``problems``: every quality problem; ``missing``: the materials still owed …)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="machine-readable error code, e.g. invalid, not_found, license_not_issuable")
    message: str = Field(description="a sentence in Chinese for the person")
    field: str | None = Field(description="the input field at fault, when there is one")


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "输入有误（error.field 指出字段）"},
    "4XX": {"model": ErrorResponse, "description": "请求被拒绝：未登录、无权限、不存在、冲突、过大或过于频繁等"},
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_TEXT = {"schema": {"type": "string"}}


def download(*media_types: str, description: str = "文件") -> dict[int | str, dict[str, Any]]:
    """The 200 answer of a route that returns a file of one of these media types."""
    return {200: {"description": description,
                  "content": {m: (_TEXT if m.startswith("text/") or m.endswith("pem-file") else _BINARY)
                              for m in media_types}}}
