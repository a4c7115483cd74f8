from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from yiwang.cases.schemas import MaterialRef


class BundleApplicationIn(BaseModel):
    """A 一件事 application: the merged form once, each material once (by the name the bundle lists it under),
    and optionally the subset of the bundle's items applied for."""

    model_config = ConfigDict(extra="forbid")
    bundle_code: str = Field(min_length=1, max_length=64)
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialRef] = Field(default_factory=list, max_length=100)
    items: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(default=None, min_length=1,
                                                                                   max_length=20)
    applicant_code: str | None = Field(default=None, max_length=30,
                                       description="window or proxy filing: the applicant's ID number or USCC")
