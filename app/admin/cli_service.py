"""Administration from the command line: resolves codes and usernames to rows, then
calls the same services as the REST API, acting as the server's operator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.admin import invitations, service, users
from app.admin.access import OPERATOR
from app.admin.invitations import InvitationSigner
from app.admin.schemas import (
    AdminUserCreate,
    ConferenceCreate,
    DelegationCreate,
    InvitationCreate,
    PasswordReset,
    RoleCreate,
    WorkingGroupCreate,
)
from app.auth.models import AffiliationKind, RoleName, User
from app.conferences.models import Conference, GroupKind, WorkingGroup
from app.config import Settings
from app.db.session import make_engine, make_session_factory, transaction
from app.delegations.models import Delegation
from app.errors import InvalidInput, NotFound

_E = TypeVar("_E", RoleName, AffiliationKind, GroupKind)
_S = TypeVar("_S", bound=BaseModel)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class UserSpec:
    username: str
    email: str
    display_name: str
    role: str
    conference: str | None
    working_group: str | None
    delegation: str | None
    affiliation: str
    affiliation_name: str
    password: str


@dataclass(frozen=True, slots=True)
class RoleSpec:
    role: str
    conference: str | None
    working_group: str | None


@dataclass(frozen=True, slots=True)
class InviteSpec:
    email: str
    display_name: str
    role: RoleSpec
    delegation: str | None
    affiliation: str
    affiliation_name: str


@dataclass(frozen=True, slots=True)
class Invited:
    link: str
    expires_at: datetime


def run(url: str, work: Callable[[Session], _T]) -> _T:
    """One command, one transaction."""
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            return work(db)
    finally:
        engine.dispose()


def create_user_account(url: str, spec: UserSpec) -> None:
    run(url, lambda db: _create(db, spec))


def _create(db: Session, spec: UserSpec) -> None:
    role = _role(db, RoleSpec(spec.role, spec.conference, spec.working_group))
    conference = _conference(db, spec.conference)
    delegation = _delegation(db, conference, spec.delegation)
    data = _parse(
        AdminUserCreate,
        username=spec.username,
        email=spec.email,
        display_name=spec.display_name,
        password=spec.password,
        affiliation_kind=_enum(AffiliationKind, spec.affiliation, "affiliation"),
        affiliation_name=spec.affiliation_name,
        delegation_id=delegation.id if delegation else None,
        roles=[role.model_dump()],
    )
    users.create_account(db, OPERATOR, data)


# -- users ----------------------------------------------------------------------------


def user_lines(db: Session, conference: str | None) -> list[str]:
    """One line per account: username, state, delegation, affiliation, roles, name."""
    found = _conference(db, conference)
    accounts = users.list_users(db, OPERATOR, found.id if found else None)
    codes = {row.id: row.code for row in db.execute(select(Conference.id, Conference.code))}
    groups = {row.id: row.code for row in db.execute(select(WorkingGroup.id, WorkingGroup.code))}
    return [_user_line(u, codes, groups) for u in accounts]


def _user_line(user: User, codes: dict[int, str], groups: dict[int, str]) -> str:
    roles = ",".join(
        f"{r.role.value}@{codes[r.conference_id] if r.conference_id else 'all'}"
        + (f"/{groups[r.working_group_id]}" if r.working_group_id else "")
        for r in user.roles
    )
    state = "active" if user.is_active else "inactive"
    delegation = user.delegation.country_code if user.delegation else "-"
    affiliation = f"{user.affiliation_kind.value}:{user.affiliation_name}"
    return (
        f"{user.username:<22} {state:<8} {delegation:<4} {roles or '-':<36} "
        f"{affiliation}  {user.display_name}"
    )


def set_active(db: Session, username: str, active: bool) -> None:
    users.set_active(db, OPERATOR, users.find_user(db, username).id, active)


def grant(db: Session, username: str, spec: RoleSpec) -> None:
    users.grant(db, OPERATOR, users.find_user(db, username).id, _role(db, spec))


def revoke_role(db: Session, username: str, spec: RoleSpec) -> None:
    user = users.find_user(db, username)
    role = _role(db, spec)
    scope = users.RoleScope(role.role, role.conference_id, role.working_group_id)
    users.revoke(db, OPERATOR, user.id, users.find_role(user, scope))


def reset_password(db: Session, username: str, password: str) -> None:
    data = _parse(PasswordReset, password=password)
    users.reset_password(db, OPERATOR, users.find_user(db, username).id, data.password)


# -- conferences, groups, delegations, invitations ------------------------------------


def create_conference(
    db: Session, code: str, name: str, city: str, starts_on: str | None, ends_on: str | None
) -> Conference:
    data = _parse(
        ConferenceCreate, code=code, name=name, city=city, starts_on=starts_on, ends_on=ends_on
    )
    return service.create_conference(db, OPERATOR, data)


def create_working_group(
    db: Session, conference: str, code: str, name: str, kind: str, parent: str | None
) -> WorkingGroup:
    found = _required_conference(db, conference)
    parent_group = _working_group(db, found, parent)
    data = _parse(
        WorkingGroupCreate,
        code=code,
        name=name,
        kind=_enum(GroupKind, kind, "kind"),
        parent_id=parent_group.id if parent_group else None,
    )
    return service.create_working_group(db, OPERATOR, found.id, data)


def create_delegation(
    db: Session, conference: str, country_code: str, name: str, regions: list[str]
) -> Delegation:
    found = _required_conference(db, conference)
    data = _parse(DelegationCreate, country_code=country_code, name=name, regional_groups=regions)
    return service.create_delegation(db, OPERATOR, found.id, data)


def invite(db: Session, settings: Settings, spec: InviteSpec) -> Invited:
    role = _role(db, spec.role)
    conference = _conference(db, spec.role.conference)
    delegation = _delegation(db, conference, spec.delegation)
    data = _parse(
        InvitationCreate,
        email=spec.email,
        display_name=spec.display_name,
        delegation_id=delegation.id if delegation else None,
        affiliation_kind=_enum(AffiliationKind, spec.affiliation, "affiliation"),
        affiliation_name=spec.affiliation_name,
        **role.model_dump(),
    )
    signer = InvitationSigner.from_settings(settings)
    created = invitations.create_invitation(db, OPERATOR, signer, data)
    return Invited(created.link, created.expires_at)


# -- resolving names ------------------------------------------------------------------


def _parse(schema: type[_S], **fields: Any) -> _S:
    """Validate with the API's schema; report refusals as plain input errors."""
    try:
        return schema.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidInput(problems) from None


def _role(db: Session, spec: RoleSpec) -> RoleCreate:
    role = _enum(RoleName, spec.role, "role")
    conference = _conference(db, spec.conference)
    group = _working_group(db, conference, spec.working_group)
    if role in (RoleName.chair, RoleName.vice_chair) and group is None:
        raise InvalidInput("chairs and vice-chairs need --working-group")
    return RoleCreate(
        role=role,
        conference_id=conference.id if conference else None,
        working_group_id=group.id if group else None,
    )


def _enum(kind: type[_E], value: str, what: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise InvalidInput(f"unknown {what} {value!r}; choose one of {choices}") from None


def _conference(db: Session, code: str | None) -> Conference | None:
    return _required_conference(db, code) if code is not None else None


def _required_conference(db: Session, code: str) -> Conference:
    conference = db.scalar(select(Conference).where(Conference.code == code))
    if conference is None:
        raise NotFound(f"no conference {code!r}")
    return conference


def _working_group(
    db: Session, conference: Conference | None, code: str | None
) -> WorkingGroup | None:
    if code is None:
        return None
    if conference is None:
        raise InvalidInput("--working-group needs --conference")
    group = db.scalar(
        select(WorkingGroup).where(
            WorkingGroup.conference_id == conference.id, WorkingGroup.code == code
        )
    )
    if group is None:
        raise NotFound(f"no working group {code!r} in {conference.code}")
    return group


def _delegation(db: Session, conference: Conference | None, code: str | None) -> Delegation | None:
    if code is None:
        return None
    if conference is None:
        raise InvalidInput("--delegation needs --conference")
    delegation = db.scalar(
        select(Delegation).where(
            Delegation.conference_id == conference.id, Delegation.country_code == code.upper()
        )
    )
    if delegation is None:
        raise NotFound(f"no delegation {code!r} at {conference.code}")
    return delegation
