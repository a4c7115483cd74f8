"""Input (the JSON-lines import format) and output shapes of the catalog."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Limit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int = Field(ge=0, le=3650)
    unit: Literal["working_day", "natural_day"] = "working_day"


class MaterialIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=500)
    required: bool = True
    deficiency_allowed: bool = False
    form: Literal["paper", "electronic", "any"] = "any"
    originals: int = Field(default=0, ge=0, le=99)
    copies: int = Field(default=0, ge=0, le=99)
    source: Literal["applicant", "government", "other"] = "applicant"
    issuer: str | None = Field(default=None, max_length=200)
    license_type: str | None = Field(default=None, max_length=64)
    notes: str | None = None
    basis: str | None = None


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = Field(default=None, max_length=300)
    license_type: str | None = Field(default=None, max_length=64)


class ItemIn(BaseModel):
    """One line of the import format. Unknown keys are kept (in ``extra``), not dropped."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    department: str = Field(min_length=1, max_length=200)
    item_type: str = Field(min_length=1, max_length=20)
    basic_code: str | None = Field(default=None, max_length=64)
    region_code: str | None = Field(default=None, max_length=12)
    department_uscc: str | None = Field(default=None, max_length=18)
    level: int | None = Field(default=None, ge=1, le=7)
    audience: list[str] = Field(default_factory=list)
    legal_limit: Limit | Literal["immediate"] | None = None
    promised_limit: Limit | Literal["immediate"] | None = None
    limit_note: str | None = None
    conditions: str | None = None
    legal_basis: str | None = None
    process: str | None = None
    materials: list[MaterialIn] = Field(default_factory=list)
    fees: list[Any] = Field(default_factory=list)
    result: ResultIn | None = None
    location: str | None = None
    office_hours: str | None = Field(default=None, max_length=300)
    consult_phone: str | None = Field(default=None, max_length=2000)
    complaint_phone: str | None = Field(default=None, max_length=2000)
    visits: int = Field(default=0, ge=0, le=99)
    visit_reason: str | None = None
    online: bool = False
    online_depth: int | None = Field(default=None, ge=1, le=4)
    in_hall: bool = True
    appointment: bool = False
    postal_delivery: bool = False
    online_payment: bool = False
    pledge_allowed: bool = False
    cross_region: str | None = Field(default=None, max_length=100)
    co_departments: list[str] = Field(default_factory=list)
    faq: list[Any] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    form_schema: dict[str, Any] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    # 并联审批, in the import format (departments by name); checked against the catalog by catalog.joint
    joint: Any = None

    @field_validator("audience", "themes", "co_departments", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, str):
            return [p for p in (s.strip() for s in v.replace("，", ",").replace("、", ",").split(",")) if p]
        if isinstance(v, list):
            return [str(x) for x in v]
        return v


class MaterialOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    required: bool
    deficiency_allowed: bool
    form: str
    originals: int
    copies: int
    source: str
    issuer: str | None
    license_type: str | None
    notes: str | None
    blank_form_url: str | None = None
    sample_url: str | None = None


class ItemSummary(BaseModel):
    code: str
    name: str
    department: str
    department_id: int
    region_code: str
    item_type: str
    item_type_name: str
    promised_limit: dict[str, Any] | str | None
    legal_limit: dict[str, Any] | str | None
    case_type: str
    online: bool
    visits: int
    version: int
    score: float | None = None


class ItemGuide(ItemSummary):
    basic_code: str | None
    limit_note: str | None
    level: int | None
    audience: list[str]
    conditions: str | None
    legal_basis: str | None
    process: str | None
    materials: list[MaterialOut]
    fees: list[Any]
    result: dict[str, Any] | None
    location: str | None
    office_hours: str | None
    consult_phone: str | None
    complaint_phone: str | None
    visit_reason: str | None
    online_depth: int | None
    in_hall: bool
    appointment: bool
    postal_delivery: bool
    online_payment: bool
    pledge_allowed: bool
    cross_region: str | None
    co_departments: list[str]
    faq: list[Any]
    themes: list[str]
    form_schema: dict[str, Any] | None
    status: str
    published_at: str | None
    extra: dict[str, Any]
    # the API's guide carries the effective form (the generic applicant form when the item has none of its
    # own); this says which it is
    form_is_generic: bool = False


class MaterialSpec(BaseModel):
    name: str
    required: bool
    deficiency_allowed: bool
    license_type: str | None
    source: str = "applicant"  # applicant | government | other: a pledge replaces the latter two


class JointBranchSpec(BaseModel):
    """One branch department of a joint item (并联审批), resolved to its department."""

    department_id: int
    department: str
    region_code: str = ""  # the branch department's region (its supervisors)
    limit_value: int  # working days
    limit_unit: str = "working_day"
    on_timeout: str  # consent (超时默认同意) | escalate (提交监察)
    materials: list[str] | None = None  # the materials the lead lets this branch see (None: all)


class JointSpec(BaseModel):
    """A joint item: the lead department accepts and decides, each branch gives an opinion in parallel."""

    lead_department_id: int
    lead: str
    branches: list[JointBranchSpec]


class ApplicationSpec(BaseModel):
    """What the case domain needs to know of an item version to file and time an application."""

    code: str
    version_id: int
    name: str
    department_id: int
    region_code: str
    limit_value: int | None
    limit_unit: str | None
    case_type: str
    pledge_allowed: bool
    review_steps: list[str]
    materials: list[MaterialSpec]
    form_schema: dict[str, Any] | None
    result_license_type: str | None = None  # the license type an approval issues, by code or name
    joint: JointSpec | None = None  # 并联审批: the branch departments and their limits
    cross_region: str | None = None  # 通办 range as the guide states it (跨省通办, 省内通办 …); None: not 通办
    # 转报: whether the upper level's limit continues the case clock or restarts on its receipt (extra.forward_clock)
    forward_clock: str = "continue"
    basic_code: str | None = None  # the national basic item code (基本编码): the item's type across regions
    pledge_check_days: int | None = None  # 告知承诺: working days for the post-check (extra "pledge_check_days")


class ItemListing(ItemSummary):
    """A published item with what the portal groups it by (audience, themes, source flags)."""

    level: int | None = None
    audience: list[str] = []
    themes: list[str] = []
    flags: list[str] = []
    keywords: str = ""  # short and common names from the source catalog
