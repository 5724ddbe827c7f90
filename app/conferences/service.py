"""Reading conferences and working groups, filtered by what the caller may see."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import RoleAssignment, User
from app.auth.principal import CHAIR_ROLES, Principal
from app.conferences.models import Conference, RegionalGroup, WorkingGroup
from app.conferences.schemas import OfficerRead, WorkingGroupRead
from app.errors import NotFound


def visible_conferences(db: Session, who: Principal) -> Sequence[Conference]:
    query = select(Conference).order_by(Conference.starts_on, Conference.code)
    ids = who.conference_ids()
    if ids is not None:
        query = query.where(Conference.id.in_(ids))
    return db.scalars(query).all()


def get_conference(db: Session, who: Principal, conference_id: int) -> Conference:
    conference = db.get(Conference, conference_id)
    if conference is None or not who.can_read_conference(conference_id):
        raise NotFound(f"no conference {conference_id}")
    return conference


def get_working_group(db: Session, who: Principal, working_group_id: int) -> WorkingGroup:
    group = db.get(WorkingGroup, working_group_id)
    if group is None or not who.can_read_conference(group.conference_id):
        raise NotFound(f"no working group {working_group_id}")
    return group


def working_groups(db: Session, who: Principal, conference_id: int) -> list[WorkingGroupRead]:
    get_conference(db, who, conference_id)
    groups = db.scalars(
        select(WorkingGroup)
        .where(WorkingGroup.conference_id == conference_id)
        .order_by(WorkingGroup.code)
    ).all()
    officers = _officers(db, [g.id for g in groups])
    return [
        WorkingGroupRead.model_validate(g).model_copy(update={"officers": officers.get(g.id, [])})
        for g in groups
    ]


def _officers(db: Session, group_ids: list[int]) -> dict[int, list[OfficerRead]]:
    rows = db.execute(
        select(RoleAssignment.working_group_id, RoleAssignment.role, User.id, User.display_name)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.working_group_id.in_(group_ids),
            RoleAssignment.role.in_(CHAIR_ROLES),
            User.is_active,
        )
        .order_by(RoleAssignment.role, User.display_name)
    ).all()
    result: dict[int, list[OfficerRead]] = {}
    for group_id, role, user_id, name in rows:
        if group_id is None:
            continue
        result.setdefault(group_id, []).append(
            OfficerRead(user_id=user_id, display_name=name, role=role.value)
        )
    return result


def regional_groups(db: Session) -> Sequence[RegionalGroup]:
    return db.scalars(select(RegionalGroup).order_by(RegionalGroup.code)).all()
