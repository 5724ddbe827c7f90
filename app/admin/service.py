"""Administration of conferences, working groups, delegations and regional groups.
Services flush; callers commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.admin.access import Actor, audit, require_secretariat
from app.admin.schemas import (
    ConferenceCreate,
    ConferenceUpdate,
    DelegationCreate,
    DelegationUpdate,
    RegionalGroupCreate,
    RegionalGroupUpdate,
    WorkingGroupCreate,
    WorkingGroupUpdate,
)
from app.auth.models import RoleAssignment, User
from app.auth.principal import CHAIR_ROLES
from app.conferences.models import Conference, RegionalGroup, WorkingGroup
from app.conferences.schemas import OfficerRead, WorkingGroupRead
from app.db.base import Base
from app.delegations.models import Delegation
from app.errors import Conflict, InvalidInput, NotFound

_M = TypeVar("_M", bound=Base)


def get_row(db: Session, model: type[_M], row_id: int, what: str) -> _M:
    row = db.get(model, row_id)
    if row is None:
        raise NotFound(f"no {what} {row_id}")
    return row


def _unique(db: Session, query: Select[Any], message: str) -> None:
    if db.scalar(query.limit(1)) is not None:
        raise Conflict(message)


def _apply(row: Base, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(row, field, value)


# -- conferences ----------------------------------------------------------------------


def create_conference(db: Session, actor: Actor, data: ConferenceCreate) -> Conference:
    require_secretariat(actor, None)
    _unique_conference_code(db, data.code)
    _check_dates(data.starts_on, data.ends_on)
    conference = Conference(**data.model_dump())
    db.add(conference)
    db.flush()
    audit(
        db,
        actor,
        "conference.create",
        "conference",
        conference.id,
        data.model_dump(mode="json"),
        conference_id=conference.id,
    )
    return conference


def update_conference(
    db: Session, actor: Actor, conference_id: int, data: ConferenceUpdate
) -> Conference:
    conference = get_row(db, Conference, conference_id, "conference")
    require_secretariat(actor, conference.id)
    if data.code is not None and data.code != conference.code:
        _unique_conference_code(db, data.code)
    _apply(conference, data.changes())
    _check_dates(conference.starts_on, conference.ends_on)
    db.flush()
    detail = data.model_dump(mode="json", exclude_unset=True)
    audit(
        db,
        actor,
        "conference.update",
        "conference",
        conference.id,
        detail,
        conference_id=conference.id,
    )
    return conference


def _unique_conference_code(db: Session, code: str) -> None:
    _unique(db, select(Conference.id).where(Conference.code == code), f"{code} already exists")


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput("a conference cannot end before it starts")


# -- working groups -------------------------------------------------------------------


def create_working_group(
    db: Session, actor: Actor, conference_id: int, data: WorkingGroupCreate
) -> WorkingGroup:
    conference = get_row(db, Conference, conference_id, "conference")
    require_secretariat(actor, conference.id)
    _unique_group_code(db, conference.id, data.code)
    group = WorkingGroup(conference_id=conference.id, **data.model_dump())
    if data.parent_id is not None:
        _check_parent(db, group, data.parent_id)
    db.add(group)
    db.flush()
    detail = {"conference_id": conference.id, **data.model_dump(mode="json")}
    audit(
        db,
        actor,
        "working_group.create",
        "working_group",
        group.id,
        detail,
        conference_id=group.conference_id,
    )
    return group


def update_working_group(
    db: Session, actor: Actor, group_id: int, data: WorkingGroupUpdate
) -> WorkingGroup:
    group = get_row(db, WorkingGroup, group_id, "working group")
    require_secretariat(actor, group.conference_id)
    if data.code is not None and data.code != group.code:
        _unique_group_code(db, group.conference_id, data.code)
    if data.parent_id is not None:
        _check_parent(db, group, data.parent_id)
    _apply(group, data.changes())
    db.flush()
    detail = data.model_dump(mode="json", exclude_unset=True)
    audit(
        db,
        actor,
        "working_group.update",
        "working_group",
        group.id,
        detail,
        conference_id=group.conference_id,
    )
    return group


def _unique_group_code(db: Session, conference_id: int, code: str) -> None:
    query = select(WorkingGroup.id).where(
        WorkingGroup.conference_id == conference_id, WorkingGroup.code == code
    )
    _unique(db, query, f"{code} already exists in this conference")


def _check_parent(db: Session, group: WorkingGroup, parent_id: int) -> None:
    """Same conference, and no cycle: walking up from the parent never meets the group."""
    parent: WorkingGroup | None = get_row(db, WorkingGroup, parent_id, "working group")
    if parent is not None and parent.conference_id != group.conference_id:
        raise InvalidInput("a parent group must belong to the same conference")
    while parent is not None:
        if group.id is not None and parent.id == group.id:
            raise InvalidInput("a group cannot be nested inside itself")
        parent = db.get(WorkingGroup, parent.parent_id) if parent.parent_id else None


def working_group_read(db: Session, group: WorkingGroup) -> WorkingGroupRead:
    return WorkingGroupRead.model_validate(group).model_copy(
        update={"officers": officers(db, group.id)}
    )


def officers(db: Session, group_id: int) -> list[OfficerRead]:
    rows = db.execute(
        select(RoleAssignment.role, User.id, User.display_name)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.working_group_id == group_id,
            RoleAssignment.role.in_(CHAIR_ROLES),
            User.is_active,
        )
        .order_by(RoleAssignment.role, User.display_name)
    ).all()
    return [
        OfficerRead(user_id=uid, display_name=name, role=role.value) for role, uid, name in rows
    ]


# -- regional groups ------------------------------------------------------------------


def regional_groups(db: Session) -> Sequence[RegionalGroup]:
    return db.scalars(select(RegionalGroup).order_by(RegionalGroup.code)).all()


def create_regional_group(db: Session, actor: Actor, data: RegionalGroupCreate) -> RegionalGroup:
    # Regional groups are shared by every conference: the global secretariat keeps them.
    require_secretariat(actor, None)
    _unique_region_code(db, data.code)
    region = RegionalGroup(**data.model_dump())
    db.add(region)
    db.flush()
    audit(db, actor, "regional_group.create", "regional_group", region.id, data.model_dump())
    return region


def update_regional_group(
    db: Session, actor: Actor, region_id: int, data: RegionalGroupUpdate
) -> RegionalGroup:
    require_secretariat(actor, None)
    region = get_row(db, RegionalGroup, region_id, "regional group")
    if data.code is not None and data.code != region.code:
        _unique_region_code(db, data.code)
    _apply(region, data.changes())
    db.flush()
    audit(db, actor, "regional_group.update", "regional_group", region.id, data.changes())
    return region


def _unique_region_code(db: Session, code: str) -> None:
    query = select(RegionalGroup.id).where(RegionalGroup.code == code)
    _unique(db, query, f"regional group {code} already exists")


def _regions(db: Session, codes: list[str]) -> list[RegionalGroup]:
    found = {
        r.code: r for r in db.scalars(select(RegionalGroup).where(RegionalGroup.code.in_(codes)))
    }
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise InvalidInput(f"unknown regional group {', '.join(unknown)}")
    return [found[c] for c in dict.fromkeys(codes)]


# -- delegations ----------------------------------------------------------------------


def create_delegation(
    db: Session, actor: Actor, conference_id: int, data: DelegationCreate
) -> Delegation:
    conference = get_row(db, Conference, conference_id, "conference")
    require_secretariat(actor, conference.id)
    _unique_country(db, conference.id, data.country_code)
    delegation = Delegation(
        conference_id=conference.id,
        country_code=data.country_code,
        name=data.name,
        regional_groups=_regions(db, data.regional_groups),
    )
    db.add(delegation)
    db.flush()
    detail = {"conference_id": conference.id, **data.model_dump()}
    audit(
        db,
        actor,
        "delegation.create",
        "delegation",
        delegation.id,
        detail,
        conference_id=delegation.conference_id,
    )
    return delegation


def update_delegation(
    db: Session, actor: Actor, delegation_id: int, data: DelegationUpdate
) -> Delegation:
    delegation = get_row(db, Delegation, delegation_id, "delegation")
    require_secretariat(actor, delegation.conference_id)
    if data.country_code is not None and data.country_code != delegation.country_code:
        _unique_country(db, delegation.conference_id, data.country_code)
    changes = data.changes()
    if data.regional_groups is not None:
        changes["regional_groups"] = _regions(db, data.regional_groups)
    _apply(delegation, changes)
    db.flush()
    audit(
        db,
        actor,
        "delegation.update",
        "delegation",
        delegation.id,
        data.changes(),
        conference_id=delegation.conference_id,
    )
    return delegation


def _unique_country(db: Session, conference_id: int, code: str) -> None:
    query = select(Delegation.id).where(
        Delegation.conference_id == conference_id, Delegation.country_code == code
    )
    _unique(db, query, f"{code} already has a delegation at this conference")
