from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field


class PersonRegistration(BaseModel):
    kind: Literal["person"]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id_number: Annotated[str, Field(max_length=30)]
    phone: Annotated[str, Field(max_length=20)]
    password: Annotated[str, Field(max_length=200)]


class EnterpriseRegistration(BaseModel):
    kind: Literal["enterprise"]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    uscc: Annotated[str, Field(max_length=30)]
    legal_person: Annotated[str, Field(min_length=1, max_length=100)]
    phone: Annotated[str, Field(max_length=20)]
    password: Annotated[str, Field(max_length=200)]



class LoginIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int


class MeOut(BaseModel):
    kind: str
    id: int | None
    name: str
    id_number_masked: str | None = None
    uscc: str | None = None
    phone_masked: str | None = None
    phone_verified: bool | None = None
    department: str | None = None
    department_id: int | None = None
    region_code: str | None = None
    roles: list[str] = []


class PhoneCodeIn(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=20)]


class PhoneStatusOut(BaseModel):
    phone_masked: str
    verified: bool
    verified_at: str | None = None
    code_pending: bool = False
