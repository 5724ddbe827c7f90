"""Request and response bodies of the secretariat's administration API."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from app.api.types import SafeStr, reject_unstorable
from app.auth.models import AffiliationKind, RoleName
from app.auth.schemas import DelegationRef
from app.conferences.models import GroupKind


def _iso3(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError("an ISO 3166-1 alpha-3 code is three capital letters, e.g. FRA")
    return value


def _username(value: str) -> str:
    # Lower case only, so that "Wang.Lei" and "wang.lei" cannot both exist.
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,79}", value):
        raise ValueError("usernames are 2 to 80 lower-case letters, digits, '.', '_' or '-'")
    return value


# SafeStr's check, applied after the length and pattern checks so that their messages
# stay plain ("at least 8 characters").
_Storable = AfterValidator(reject_unstorable)
# Conference and group codes appear in document symbols ("COM5/WG-B"): no spaces.
Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]*$"),
    _Storable,
]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,9}$")]
CountryCode = Annotated[SafeStr, AfterValidator(_iso3)]
# Names are trimmed first, so that a blank name is refused.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _Storable
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), _Storable]
City = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), _Storable]
Username = Annotated[str, AfterValidator(_username)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200), _Storable]


class _Input(BaseModel):
    # Unknown fields are refused: a misspelt field in an update must not pass silently.
    model_config = ConfigDict(extra="forbid")


class _Patch(_Input):
    """Partial update: only the fields sent change; null only where a field may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> _Patch:
        for field in self.model_fields_set - self.nullable:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ConferenceCreate(_Input):
    code: Code
    name: Name
    city: City = ""
    starts_on: date | None = None
    ends_on: date | None = None


class ConferenceUpdate(_Patch):
    nullable = frozenset({"starts_on", "ends_on"})

    code: Code | None = None
    name: Name | None = None
    city: City | None = None
    starts_on: date | None = None
    ends_on: date | None = None


class WorkingGroupCreate(_Input):
    code: Code
    name: Name
    kind: GroupKind = GroupKind.working_group
    parent_id: int | None = None


class WorkingGroupUpdate(_Patch):
    nullable = frozenset({"parent_id"})

    code: Code | None = None
    name: Name | None = None
    kind: GroupKind | None = None
    parent_id: int | None = None


class OfficerAppoint(_Input):
    user_id: int
    role: RoleName = RoleName.chair


class RegionalGroupCreate(_Input):
    code: RegionCode
    name: Name


class RegionalGroupUpdate(_Patch):
    code: RegionCode | None = None
    name: Name | None = None


class DelegationCreate(_Input):
    country_code: CountryCode
    name: Name
    regional_groups: list[RegionCode] = Field(default=[], max_length=10)


class DelegationUpdate(_Patch):
    country_code: CountryCode | None = None
    name: Name | None = None
    regional_groups: list[RegionCode] | None = Field(default=None, max_length=10)


class RoleCreate(_Input):
    """A role grant. A working group implies its conference; no conference means all
    conferences (secretariat and observers only)."""

    role: RoleName
    conference_id: int | None = None
    working_group_id: int | None = None


class AdminRoleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: RoleName
    conference_id: int | None
    working_group_id: int | None


class AdminUserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str
    display_name: str
    affiliation_kind: AffiliationKind
    affiliation_name: str
    delegation: DelegationRef | None
    roles: list[AdminRoleRead]
    is_active: bool


class AdminUserCreate(_Input):
    username: Username
    email: EmailStr
    display_name: Name
    password: Password
    affiliation_kind: AffiliationKind = AffiliationKind.other
    affiliation_name: Note = ""
    delegation_id: int | None = None
    roles: list[RoleCreate] = Field(default=[], max_length=20)


class AdminUserUpdate(_Patch):
    nullable = frozenset({"delegation_id"})

    email: EmailStr | None = None
    display_name: Name | None = None
    affiliation_kind: AffiliationKind | None = None
    affiliation_name: Note | None = None
    delegation_id: int | None = None


class PasswordReset(_Input):
    password: Password


class InvitationCreate(_Input):
    email: EmailStr
    display_name: Note = ""
    role: RoleName
    conference_id: int | None = None
    working_group_id: int | None = None
    delegation_id: int | None = None
    affiliation_kind: AffiliationKind = AffiliationKind.other
    affiliation_name: Note = ""


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    role: RoleName
    conference_id: int | None
    working_group_id: int | None
    delegation_id: int | None
    affiliation_kind: AffiliationKind
    affiliation_name: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationLink(InvitationRead):
    token: str
    link: str  # the page that accepts it: /invite/{token}


class Labelled(BaseModel):
    code: str
    name: str


class InvitationView(BaseModel):
    """What an invitation offers, shown to whoever holds the link."""

    email: str
    display_name: str
    role: RoleName
    conference: Labelled | None
    working_group: Labelled | None
    delegation: Labelled | None
    affiliation_kind: AffiliationKind
    affiliation_name: str
    expires_at: datetime


class InvitationAccept(_Input):
    username: Username
    password: Password
