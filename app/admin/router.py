"""The secretariat's administration API, and the public side of invitations.

Most routes use the usual request transaction. Routes that change an account or its
roles must tell open websocket connections, and only once the change is committed; the
request transaction commits after the response, so those routes run their own unit of
work in a worker thread, commit it, then ask the room registry to recheck the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.admin import invitations, service, users
from app.admin.access import require_any_secretariat
from app.admin.invitations import InvitationSigner
from app.admin.schemas import (
    AdminUserCreate,
    AdminUserRead,
    AdminUserUpdate,
    ConferenceCreate,
    ConferenceUpdate,
    DelegationCreate,
    DelegationUpdate,
    InvitationAccept,
    InvitationCreate,
    InvitationLink,
    InvitationRead,
    InvitationView,
    OfficerAppoint,
    PasswordReset,
    RegionalGroupCreate,
    RegionalGroupUpdate,
    RoleCreate,
    WorkingGroupCreate,
    WorkingGroupUpdate,
)
from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.auth.principal import Principal
from app.auth.schemas import UserRead
from app.auth.service import get_user, principal_for_token
from app.conferences.schemas import ConferenceRead, RegionalGroupRead, WorkingGroupRead
from app.db.session import transaction
from app.delegations.schemas import DelegationRead
from app.errors import NotAuthenticated

router = APIRouter(prefix="/api")

_T = TypeVar("_T")


class _Rechecks(Protocol):
    async def recheck_user(self, user_id: int) -> None: ...


def _secretariat(user: CurrentUser) -> Principal:
    require_any_secretariat(user)
    return user


def _session_token(request: Request, settings: SettingsDep) -> str:
    token = request.cookies.get(settings.session_cookie)
    if not token:
        raise NotAuthenticated("sign in first")
    return token


def _signer(settings: SettingsDep) -> InvitationSigner:
    return InvitationSigner.from_settings(settings)


Secretariat = Annotated[Principal, Depends(_secretariat)]
SessionToken = Annotated[str, Depends(_session_token)]
Signer = Annotated[InvitationSigner, Depends(_signer)]


async def _account_change(
    request: Request, token: str, user_id: int, work: Callable[[Session, Principal], _T]
) -> _T:
    """Authorize and apply in one committed unit of work, then apply the change to the
    user's open connections."""
    factory = request.app.state.session_factory

    def unit() -> _T:
        with transaction(factory) as db:
            who = principal_for_token(db, token)
            if who is None:
                raise NotAuthenticated("sign in first")
            require_any_secretariat(who)
            return work(db, who)

    result = await run_in_threadpool(unit)
    rooms: _Rechecks = request.app.state.rooms
    await rooms.recheck_user(user_id)
    return result


# -- conferences, working groups, delegations, regional groups -----------------------


@router.post("/admin/conferences", response_model=ConferenceRead, status_code=201, tags=["admin"])
def create_conference(body: ConferenceCreate, who: Secretariat, db: SessionDep) -> ConferenceRead:
    return ConferenceRead.model_validate(service.create_conference(db, who, body))


@router.patch("/admin/conferences/{conference_id}", response_model=ConferenceRead, tags=["admin"])
def update_conference(
    conference_id: int, body: ConferenceUpdate, who: Secretariat, db: SessionDep
) -> ConferenceRead:
    return ConferenceRead.model_validate(service.update_conference(db, who, conference_id, body))


@router.post(
    "/admin/conferences/{conference_id}/working-groups",
    response_model=WorkingGroupRead,
    status_code=201,
    tags=["admin"],
)
def create_working_group(
    conference_id: int, body: WorkingGroupCreate, who: Secretariat, db: SessionDep
) -> WorkingGroupRead:
    group = service.create_working_group(db, who, conference_id, body)
    return service.working_group_read(db, group)


@router.patch("/admin/working-groups/{group_id}", response_model=WorkingGroupRead, tags=["admin"])
def update_working_group(
    group_id: int, body: WorkingGroupUpdate, who: Secretariat, db: SessionDep
) -> WorkingGroupRead:
    group = service.update_working_group(db, who, group_id, body)
    return service.working_group_read(db, group)


@router.post(
    "/admin/working-groups/{group_id}/officers",
    response_model=WorkingGroupRead,
    status_code=201,
    tags=["admin"],
)
async def appoint_officer(
    group_id: int, body: OfficerAppoint, request: Request, token: SessionToken
) -> WorkingGroupRead:
    def work(db: Session, who: Principal) -> WorkingGroupRead:
        return service.working_group_read(db, users.appoint_officer(db, who, group_id, body))

    return await _account_change(request, token, body.user_id, work)


@router.delete(
    "/admin/working-groups/{group_id}/officers/{user_id}",
    response_model=WorkingGroupRead,
    tags=["admin"],
)
async def remove_officer(
    group_id: int, user_id: int, request: Request, token: SessionToken
) -> WorkingGroupRead:
    def work(db: Session, who: Principal) -> WorkingGroupRead:
        return service.working_group_read(db, users.remove_officer(db, who, group_id, user_id))

    return await _account_change(request, token, user_id, work)


@router.post(
    "/admin/conferences/{conference_id}/delegations",
    response_model=DelegationRead,
    status_code=201,
    tags=["admin"],
)
def create_delegation(
    conference_id: int, body: DelegationCreate, who: Secretariat, db: SessionDep
) -> DelegationRead:
    return DelegationRead.model_validate(service.create_delegation(db, who, conference_id, body))


@router.patch("/admin/delegations/{delegation_id}", response_model=DelegationRead, tags=["admin"])
def update_delegation(
    delegation_id: int, body: DelegationUpdate, who: Secretariat, db: SessionDep
) -> DelegationRead:
    return DelegationRead.model_validate(service.update_delegation(db, who, delegation_id, body))


@router.get("/admin/regional-groups", response_model=list[RegionalGroupRead], tags=["admin"])
def list_regional_groups(who: Secretariat, db: SessionDep) -> list[RegionalGroupRead]:
    return [RegionalGroupRead.model_validate(r) for r in service.regional_groups(db)]


@router.post(
    "/admin/regional-groups", response_model=RegionalGroupRead, status_code=201, tags=["admin"]
)
def create_regional_group(
    body: RegionalGroupCreate, who: Secretariat, db: SessionDep
) -> RegionalGroupRead:
    return RegionalGroupRead.model_validate(service.create_regional_group(db, who, body))


@router.patch(
    "/admin/regional-groups/{region_id}", response_model=RegionalGroupRead, tags=["admin"]
)
def update_regional_group(
    region_id: int, body: RegionalGroupUpdate, who: Secretariat, db: SessionDep
) -> RegionalGroupRead:
    return RegionalGroupRead.model_validate(service.update_regional_group(db, who, region_id, body))


# -- users and roles ------------------------------------------------------------------


@router.get("/admin/users", response_model=list[AdminUserRead], tags=["admin"])
def list_users(
    who: Secretariat, db: SessionDep, conference_id: int | None = None
) -> list[AdminUserRead]:
    return [users.read(u) for u in users.list_users(db, who, conference_id)]


@router.post("/admin/users", response_model=AdminUserRead, status_code=201, tags=["admin"])
def create_user(body: AdminUserCreate, who: Secretariat, db: SessionDep) -> AdminUserRead:
    user = users.create_account(db, who, body)
    return users.read(get_user(db, user.id))


@router.patch("/admin/users/{user_id}", response_model=AdminUserRead, tags=["admin"])
async def update_user(
    user_id: int, body: AdminUserUpdate, request: Request, token: SessionToken
) -> AdminUserRead:
    def work(db: Session, who: Principal) -> AdminUserRead:
        return users.read(users.update_account(db, who, user_id, body))

    return await _account_change(request, token, user_id, work)


@router.post("/admin/users/{user_id}/deactivate", response_model=AdminUserRead, tags=["admin"])
async def deactivate_user(user_id: int, request: Request, token: SessionToken) -> AdminUserRead:
    def work(db: Session, who: Principal) -> AdminUserRead:
        return users.read(users.set_active(db, who, user_id, active=False))

    return await _account_change(request, token, user_id, work)


@router.post("/admin/users/{user_id}/reactivate", response_model=AdminUserRead, tags=["admin"])
async def reactivate_user(user_id: int, request: Request, token: SessionToken) -> AdminUserRead:
    def work(db: Session, who: Principal) -> AdminUserRead:
        return users.read(users.set_active(db, who, user_id, active=True))

    return await _account_change(request, token, user_id, work)


@router.post("/admin/users/{user_id}/password", status_code=204, tags=["admin"])
async def reset_password(
    user_id: int, body: PasswordReset, request: Request, token: SessionToken
) -> None:
    def work(db: Session, who: Principal) -> None:
        users.reset_password(db, who, user_id, body.password)

    await _account_change(request, token, user_id, work)


@router.post(
    "/admin/users/{user_id}/roles", response_model=AdminUserRead, status_code=201, tags=["admin"]
)
async def grant_role(
    user_id: int, body: RoleCreate, request: Request, token: SessionToken
) -> AdminUserRead:
    def work(db: Session, who: Principal) -> AdminUserRead:
        return users.read(users.grant(db, who, user_id, body))

    return await _account_change(request, token, user_id, work)


@router.delete(
    "/admin/users/{user_id}/roles/{role_id}", response_model=AdminUserRead, tags=["admin"]
)
async def revoke_role(
    user_id: int, role_id: int, request: Request, token: SessionToken
) -> AdminUserRead:
    def work(db: Session, who: Principal) -> AdminUserRead:
        return users.read(users.revoke(db, who, user_id, role_id))

    return await _account_change(request, token, user_id, work)


# -- invitations ----------------------------------------------------------------------


@router.post("/admin/invitations", response_model=InvitationLink, status_code=201, tags=["admin"])
def create_invitation(
    body: InvitationCreate, who: Secretariat, db: SessionDep, signer: Signer
) -> InvitationLink:
    return invitations.create_invitation(db, who, signer, body)


@router.get("/admin/invitations", response_model=list[InvitationRead], tags=["admin"])
def list_invitations(
    who: Secretariat, db: SessionDep, conference_id: int | None = None
) -> list[InvitationRead]:
    found = invitations.list_invitations(db, who, conference_id)
    return [InvitationRead.model_validate(i) for i in found]


@router.delete("/admin/invitations/{invitation_id}", status_code=204, tags=["admin"])
def revoke_invitation(invitation_id: int, who: Secretariat, db: SessionDep) -> None:
    invitations.revoke_invitation(db, who, invitation_id)


@router.get("/invitations/{token}", response_model=InvitationView, tags=["invitations"])
def view_invitation(token: str, db: SessionDep, signer: Signer) -> InvitationView:
    return invitations.view_invitation(db, signer, token)


@router.post(
    "/invitations/{token}/accept", response_model=UserRead, status_code=201, tags=["invitations"]
)
def accept_invitation(
    token: str, body: InvitationAccept, db: SessionDep, signer: Signer
) -> UserRead:
    user = invitations.accept_invitation(db, signer, token, body)
    return UserRead.model_validate(get_user(db, user.id))
