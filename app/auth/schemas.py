from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.api.types import SafeStr
from app.auth.models import AffiliationKind, RoleName


class LoginRequest(BaseModel):
    username: SafeStr = Field(min_length=1, max_length=200)
    password: SafeStr = Field(min_length=1, max_length=200)


class RoleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: RoleName
    conference_id: int | None
    working_group_id: int | None


class DelegationRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    country_code: str
    name: str


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str
    display_name: str
    affiliation_kind: AffiliationKind
    affiliation_name: str
    delegation: DelegationRef | None
    roles: list[RoleRead]
    is_active: bool
