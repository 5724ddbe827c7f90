"""Administration of user accounts and their roles. Services flush; callers commit.

Changes to an account or its roles take effect on open websocket connections only
once the caller has committed and asked the room registry to recheck the user."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.admin.access import (
    Actor,
    administered,
    audit,
    conference_of,
    is_self,
    require_manages_user,
    require_secretariat,
)
from app.admin.schemas import (
    AdminUserCreate,
    AdminUserRead,
    AdminUserUpdate,
    OfficerAppoint,
    RoleCreate,
)
from app.admin.service import get_row
from app.auth.models import RoleAssignment, RoleName, User
from app.auth.principal import CHAIR_ROLES
from app.auth.security import hash_password
from app.auth.service import create_user, end_all_sessions, get_user, grant_role
from app.conferences.models import Conference, WorkingGroup
from app.delegations.models import Delegation
from app.errors import Conflict, InvalidInput, NotFound

# Roles that make sense across all conferences; the others belong to one.
GLOBAL_ROLES = frozenset({RoleName.secretariat, RoleName.observer})


@dataclass(frozen=True, slots=True)
class RoleScope:
    role: RoleName
    conference_id: int | None
    working_group_id: int | None


def list_users(db: Session, actor: Actor, conference_id: int | None = None) -> list[User]:
    """Accounts taking part in the given conference, or in any the actor administers."""
    if conference_id is not None:
        require_secretariat(actor, conference_id)
    ids = {conference_id} if conference_id is not None else administered(actor)
    query = (
        select(User)
        .options(selectinload(User.roles), selectinload(User.delegation))
        .order_by(User.username)
    )
    if ids is not None:
        with_role = select(RoleAssignment.user_id).where(RoleAssignment.conference_id.in_(ids))
        in_delegation = select(Delegation.id).where(Delegation.conference_id.in_(ids))
        query = query.where(or_(User.id.in_(with_role), User.delegation_id.in_(in_delegation)))
    return list(db.scalars(query).all())


def read(user: User) -> AdminUserRead:
    return AdminUserRead.model_validate(user)


def find_user(db: Session, username: str) -> User:
    user_id = db.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"no user {username!r}")
    return get_user(db, user_id)


def create_account(db: Session, actor: Actor, data: AdminUserCreate) -> User:
    delegation = _delegation(db, actor, data.delegation_id)
    scopes = [resolve_role(db, actor, r) for r in data.roles]
    user = create_user(
        db,
        username=data.username,
        email=data.email,
        display_name=data.display_name,
        password=data.password,
        affiliation_kind=data.affiliation_kind,
        affiliation_name=data.affiliation_name,
        delegation=delegation,
    )
    for scope in scopes:
        _grant(db, user, scope)
    # A conference's secretariat must not create accounts it could not administer.
    require_manages_user(actor, user)
    detail = {"username": user.username, "roles": [_describe(s) for s in scopes]}
    audit(db, actor, "user.create", "user", user.id, detail, conference_id=conference_of(user))
    return user


def update_account(db: Session, actor: Actor, user_id: int, data: AdminUserUpdate) -> User:
    user = get_user(db, user_id)
    require_manages_user(actor, user)
    changes = data.changes()
    if "email" in changes and data.email != user.email:
        taken = db.scalar(select(User.id).where(User.email == data.email))
        if taken is not None:
            raise Conflict(f"email {data.email!r} is already registered")
    if "delegation_id" in changes:
        user.delegation = _delegation(db, actor, changes.pop("delegation_id"))
    for field, value in changes.items():
        setattr(user, field, value)
    db.flush()
    require_manages_user(actor, user)
    detail = data.model_dump(mode="json", exclude_unset=True)
    audit(db, actor, "user.update", "user", user.id, detail, conference_id=conference_of(user))
    return user


def set_active(db: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivating also ends every session, so the account is locked out at once."""
    user = get_user(db, user_id)
    require_manages_user(actor, user)
    if not active and is_self(actor, user.id):
        raise InvalidInput("you cannot deactivate your own account")
    if user.is_active != active:
        user.is_active = active
        if not active:
            end_all_sessions(db, user.id)
        db.flush()
        action = "user.reactivate" if active else "user.deactivate"
        audit(
            db,
            actor,
            action,
            "user",
            user.id,
            {"username": user.username},
            conference_id=conference_of(user),
        )
    return user


def reset_password(db: Session, actor: Actor, user_id: int, password: str) -> User:
    """A reset usually means the old password leaked: end the sessions opened with it."""
    user = get_user(db, user_id)
    require_manages_user(actor, user)
    user.password_hash = hash_password(password)
    end_all_sessions(db, user.id)
    db.flush()
    audit(
        db,
        actor,
        "user.password_reset",
        "user",
        user.id,
        {"username": user.username},
        conference_id=conference_of(user),
    )
    return user


# -- roles ----------------------------------------------------------------------------


def resolve_role(db: Session, actor: Actor, data: RoleCreate) -> RoleScope:
    """Check a role's scope and that the actor is secretariat there."""
    conference_id = data.conference_id
    if data.working_group_id is not None:
        group = get_row(db, WorkingGroup, data.working_group_id, "working group")
        if conference_id not in (None, group.conference_id):
            raise InvalidInput(f"working group {group.code} is in another conference")
        if data.role not in CHAIR_ROLES:
            raise InvalidInput("only chairs and vice-chairs belong to a working group")
        conference_id = group.conference_id
    elif data.role in CHAIR_ROLES:
        raise InvalidInput("chairs and vice-chairs need a working group")
    elif conference_id is None and data.role not in GLOBAL_ROLES:
        raise InvalidInput(f"a {data.role.value} role needs a conference")
    elif conference_id is not None:
        get_row(db, Conference, conference_id, "conference")
    require_secretariat(actor, conference_id)
    return RoleScope(data.role, conference_id, data.working_group_id)


def grant(db: Session, actor: Actor, user_id: int, data: RoleCreate) -> User:
    user = get_user(db, user_id)
    scope = resolve_role(db, actor, data)
    if not user.is_active:
        raise InvalidInput(f"{user.username} is deactivated; reactivate the account first")
    assignment = _grant(db, user, scope)
    audit(
        db,
        actor,
        "role.grant",
        "user",
        user.id,
        _describe(scope, assignment.id),
        conference_id=scope.conference_id,
    )
    return user


def revoke(db: Session, actor: Actor, user_id: int, role_id: int) -> User:
    user = get_user(db, user_id)
    assignment = next((r for r in user.roles if r.id == role_id), None)
    if assignment is None:
        raise NotFound(f"{user.username} has no role {role_id}")
    require_secretariat(actor, assignment.conference_id)
    if assignment.role == RoleName.secretariat and is_self(actor, user.id):
        raise InvalidInput("you cannot remove your own secretariat role")
    scope = RoleScope(assignment.role, assignment.conference_id, assignment.working_group_id)
    user.roles.remove(assignment)
    db.flush()
    audit(
        db,
        actor,
        "role.revoke",
        "user",
        user.id,
        _describe(scope, role_id),
        conference_id=scope.conference_id,
    )
    return user


def find_role(user: User, scope: RoleScope) -> int:
    for role in user.roles:
        if RoleScope(role.role, role.conference_id, role.working_group_id) == scope:
            return role.id
    raise NotFound(f"{user.username} has no such {scope.role.value} role")


def _grant(db: Session, user: User, scope: RoleScope) -> RoleAssignment:
    held = [RoleScope(r.role, r.conference_id, r.working_group_id) for r in user.roles]
    if scope in held:
        raise Conflict(f"{user.username} already has this {scope.role.value} role")
    if scope.role in CHAIR_ROLES:
        _check_officer(db, user, scope)
    return grant_role(
        db,
        user,
        scope.role,
        conference_id=scope.conference_id,
        working_group_id=scope.working_group_id,
    )


def _check_officer(db: Session, user: User, scope: RoleScope) -> None:
    """A group has one chair and any number of vice-chairs; nobody is both."""
    rows = db.execute(
        select(User.id, User.username, RoleAssignment.role)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.working_group_id == scope.working_group_id,
            RoleAssignment.role.in_(CHAIR_ROLES),
        )
    ).all()
    if any(user_id == user.id for user_id, _, _ in rows):
        raise Conflict(f"{user.username} is already an officer of this group")
    chair = next((name for _, name, role in rows if role == RoleName.chair), None)
    if scope.role == RoleName.chair and chair is not None:
        raise Conflict(f"this group already has a chair ({chair}); remove them first")


def _delegation(db: Session, actor: Actor, delegation_id: int | None) -> Delegation | None:
    if delegation_id is None:
        return None
    delegation = get_row(db, Delegation, delegation_id, "delegation")
    require_secretariat(actor, delegation.conference_id)
    return delegation


def _describe(scope: RoleScope, role_id: int | None = None) -> dict[str, object]:
    detail: dict[str, object] = {
        "role": scope.role.value,
        "conference_id": scope.conference_id,
        "working_group_id": scope.working_group_id,
    }
    if role_id is not None:
        detail["role_id"] = role_id
    return detail


# -- working group officers -----------------------------------------------------------


def appoint_officer(db: Session, actor: Actor, group_id: int, data: OfficerAppoint) -> WorkingGroup:
    if data.role not in CHAIR_ROLES:
        raise InvalidInput("a group's officers are its chair and vice-chairs")
    group = get_row(db, WorkingGroup, group_id, "working group")
    grant(db, actor, data.user_id, RoleCreate(role=data.role, working_group_id=group.id))
    return group


def remove_officer(db: Session, actor: Actor, group_id: int, user_id: int) -> WorkingGroup:
    group = get_row(db, WorkingGroup, group_id, "working group")
    require_secretariat(actor, group.conference_id)
    user = get_user(db, user_id)
    held = [r for r in user.roles if r.working_group_id == group.id and r.role in CHAIR_ROLES]
    if not held:
        raise NotFound(f"{user.username} is not an officer of {group.code}")
    for assignment in held:
        user.roles.remove(assignment)
    db.flush()
    detail = {"username": user.username, "roles": [r.role.value for r in held], "user_id": user.id}
    audit(
        db,
        actor,
        "officer.remove",
        "working_group",
        group.id,
        detail,
        conference_id=group.conference_id,
    )
    return group
