"""Account creation for the command line, resolving codes to rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import AffiliationKind, RoleName
from app.auth.service import create_user, grant_role
from app.conferences.models import Conference, WorkingGroup
from app.db.session import make_engine, make_session_factory, transaction
from app.delegations.models import Delegation
from app.errors import InvalidInput, NotFound

_E = TypeVar("_E", RoleName, AffiliationKind)


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


def create_user_account(url: str, spec: UserSpec) -> None:
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            _create(db, spec)
    finally:
        engine.dispose()


def _create(db: Session, spec: UserSpec) -> None:
    role = _enum(RoleName, spec.role, "role")
    conference = _conference(db, spec.conference)
    group = _working_group(db, conference, spec.working_group)
    if role in (RoleName.chair, RoleName.vice_chair) and group is None:
        raise InvalidInput("chairs and vice-chairs need --working-group")
    delegation = _delegation(db, conference, spec.delegation)
    user = create_user(
        db,
        username=spec.username,
        email=spec.email,
        display_name=spec.display_name,
        password=spec.password,
        affiliation_kind=_enum(AffiliationKind, spec.affiliation, "affiliation"),
        affiliation_name=spec.affiliation_name,
        delegation=delegation,
    )
    grant_role(
        db,
        user,
        role,
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
    if code is None:
        return None
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
