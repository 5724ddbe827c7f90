"""Invitations: a signed, expiring, single-use link that creates an account with one role.

The link carries only the invitation's id, signed with the secret key; the row says
what it grants and whether it was accepted or revoked. Services flush; callers commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.admin.access import Actor, administered, audit, require_secretariat
from app.admin.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationLink,
    InvitationRead,
    InvitationView,
    Labelled,
    RoleCreate,
)
from app.admin.service import get_row
from app.admin.users import RoleScope, resolve_role
from app.auth.models import Invitation, User
from app.auth.principal import Principal
from app.auth.service import create_user, grant_role, principal_of
from app.conferences.models import Conference, WorkingGroup
from app.config import Settings
from app.db.base import Base, utcnow
from app.delegations.models import Delegation
from app.errors import Conflict, DomainError, InvalidInput, NotFound

SALT = "accord-invitation"
_M = TypeVar("_M", bound=Base)


class InvitationUnusable(DomainError):
    status = 410
    title = "Invitation no longer valid"


class InvitationExpired(InvitationUnusable):
    code = "invitation_expired"


class InvitationUsed(InvitationUnusable):
    code = "invitation_used"


class InvitationRevoked(InvitationUnusable):
    code = "invitation_revoked"


@dataclass(frozen=True, slots=True)
class InvitationSigner:
    serializer: URLSafeTimedSerializer
    max_age_s: int

    @classmethod
    def from_settings(cls, settings: Settings) -> InvitationSigner:
        secret = settings.secret_key.get_secret_value()
        max_age = settings.invitation_max_age_s
        return cls(URLSafeTimedSerializer(secret, salt=SALT), max_age)

    def sign(self, invitation_id: int) -> str:
        return self.serializer.dumps(invitation_id)

    def verify(self, token: str) -> int:
        try:
            invitation_id = self.serializer.loads(token, max_age=self.max_age_s)
        except SignatureExpired:
            raise InvitationExpired("this invitation has expired; ask for a new one") from None
        except BadSignature:
            raise NotFound("this invitation link is not valid") from None
        if not isinstance(invitation_id, int):
            raise NotFound("this invitation link is not valid")
        return invitation_id


def create_invitation(
    db: Session, actor: Actor, signer: InvitationSigner, data: InvitationCreate
) -> InvitationLink:
    role = RoleCreate(
        role=data.role, conference_id=data.conference_id, working_group_id=data.working_group_id
    )
    scope = resolve_role(db, actor, role)
    delegation_id = _delegation_for(db, scope, data.delegation_id)
    if db.scalar(select(User.id).where(User.email == data.email)) is not None:
        raise Conflict(f"{data.email} already has an account; grant the role instead")
    invitation = Invitation(
        email=data.email,
        display_name=data.display_name,
        role=scope.role,
        conference_id=scope.conference_id,
        working_group_id=scope.working_group_id,
        delegation_id=delegation_id,
        affiliation_kind=data.affiliation_kind,
        affiliation_name=data.affiliation_name,
        invited_by_user_id=actor.user_id if isinstance(actor, Principal) else None,
        expires_at=utcnow() + timedelta(seconds=signer.max_age_s),
    )
    db.add(invitation)
    db.flush()
    detail = {"email": data.email, "role": scope.role.value, "conference_id": scope.conference_id}
    audit(
        db,
        actor,
        "invitation.create",
        "invitation",
        invitation.id,
        detail,
        conference_id=scope.conference_id,
    )
    return link_for(invitation, signer)


def link_for(invitation: Invitation, signer: InvitationSigner) -> InvitationLink:
    token = signer.sign(invitation.id)
    read = InvitationRead.model_validate(invitation)
    return InvitationLink(**read.model_dump(), token=token, link=f"/invite/{token}")


def list_invitations(db: Session, actor: Actor, conference_id: int | None) -> list[Invitation]:
    if conference_id is not None:
        require_secretariat(actor, conference_id)
    ids = {conference_id} if conference_id is not None else administered(actor)
    query = select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc())
    if ids is not None:
        query = query.where(Invitation.conference_id.in_(ids))
    return list(db.scalars(query).all())


def revoke_invitation(db: Session, actor: Actor, invitation_id: int) -> None:
    invitation = get_row(db, Invitation, invitation_id, "invitation")
    require_secretariat(actor, invitation.conference_id)
    if invitation.accepted_at is not None:
        raise Conflict("this invitation was already accepted; deactivate the account instead")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        db.flush()
        detail = {"email": invitation.email}
        audit(
            db,
            actor,
            "invitation.revoke",
            "invitation",
            invitation.id,
            detail,
            conference_id=invitation.conference_id,
        )


def view_invitation(db: Session, signer: InvitationSigner, token: str) -> InvitationView:
    invitation = _usable(db, signer, token)
    return InvitationView(
        email=invitation.email,
        display_name=invitation.display_name,
        role=invitation.role,
        conference=_label(_maybe(db, Conference, invitation.conference_id)),
        working_group=_label(_maybe(db, WorkingGroup, invitation.working_group_id)),
        delegation=_delegation_label(_maybe(db, Delegation, invitation.delegation_id)),
        affiliation_kind=invitation.affiliation_kind,
        affiliation_name=invitation.affiliation_name,
        expires_at=_aware(invitation.expires_at),
    )


def accept_invitation(
    db: Session, signer: InvitationSigner, token: str, data: InvitationAccept
) -> User:
    invitation = _usable(db, signer, token, lock=True)
    delegation = _maybe(db, Delegation, invitation.delegation_id)
    user = create_user(
        db,
        username=data.username,
        email=invitation.email,
        display_name=invitation.display_name or data.username,
        password=data.password,
        affiliation_kind=invitation.affiliation_kind,
        affiliation_name=invitation.affiliation_name,
        delegation=delegation,
    )
    grant_role(
        db,
        user,
        invitation.role,
        conference_id=invitation.conference_id,
        working_group_id=invitation.working_group_id,
    )
    invitation.accepted_at = utcnow()
    invitation.accepted_user_id = user.id
    db.flush()
    audit(
        db,
        principal_of(user),
        "invitation.accept",
        "invitation",
        invitation.id,
        {"username": user.username},
        conference_id=invitation.conference_id,
    )
    return user


def _usable(db: Session, signer: InvitationSigner, token: str, lock: bool = False) -> Invitation:
    query = select(Invitation).where(Invitation.id == signer.verify(token))
    # Two accepts racing for one invitation: the second waits, then sees it accepted.
    invitation = db.scalar(query.with_for_update() if lock else query)
    if invitation is None:
        raise NotFound("this invitation link is not valid")
    if invitation.revoked_at is not None:
        raise InvitationRevoked("this invitation was withdrawn")
    if invitation.accepted_at is not None:
        raise InvitationUsed("this invitation was already used; sign in instead")
    if _aware(invitation.expires_at) <= utcnow():
        raise InvitationExpired("this invitation has expired; ask for a new one")
    return invitation


def _delegation_for(db: Session, scope: RoleScope, delegation_id: int | None) -> int | None:
    if delegation_id is None:
        return None
    delegation = get_row(db, Delegation, delegation_id, "delegation")
    if delegation.conference_id != scope.conference_id:
        raise InvalidInput("the delegation belongs to another conference than the role")
    return delegation.id


def _maybe(db: Session, model: type[_M], row_id: int | None) -> _M | None:
    return db.get(model, row_id) if row_id is not None else None


def _label(row: Conference | WorkingGroup | None) -> Labelled | None:
    return Labelled(code=row.code, name=row.name) if row is not None else None


def _delegation_label(row: Delegation | None) -> Labelled | None:
    return Labelled(code=row.country_code, name=row.name) if row is not None else None


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
