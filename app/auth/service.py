"""Authentication and user administration. Services flush; callers commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from app.auth.models import AffiliationKind, AuthSession, RoleAssignment, RoleName, User
from app.auth.principal import Principal, RoleGrant
from app.auth.security import hash_password, new_session_token, token_digest, verify_password
from app.db.base import utcnow
from app.delegations.models import Delegation
from app.errors import Conflict, InvalidInput, NotAuthenticated, NotFound


def authenticate(db: Session, username: str, password: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if not verify_password(password, user.password_hash if user else None) or user is None:
        raise NotAuthenticated("unknown username or wrong password")
    if not user.is_active:
        raise NotAuthenticated("this account is deactivated")
    return user


def start_session(db: Session, user: User, max_age_s: int) -> str:
    """Record a login and return the token for the cookie."""
    token = new_session_token()
    db.add(
        AuthSession(
            token_hash=token_digest(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(seconds=max_age_s),
        )
    )
    db.flush()
    return token


def end_session(db: Session, token: str) -> None:
    db.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_digest(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_sessions(db: Session, user_id: int) -> None:
    db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def principal_for_token(db: Session, token: str) -> Principal | None:
    """The current principal, or None when the session is unknown, expired or revoked,
    or the user is deactivated."""
    session = db.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    if session is None or session.revoked_at is not None:
        return None
    if _aware(session.expires_at) <= utcnow():
        return None
    user = db.scalar(
        select(User)
        .where(User.id == session.user_id)
        .options(selectinload(User.roles), selectinload(User.delegation))
    )
    if user is None or not user.is_active:
        return None
    return principal_of(user)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        delegation_id=user.delegation_id,
        delegation_conference_id=user.delegation.conference_id if user.delegation else None,
        delegation_code=user.delegation.country_code if user.delegation else None,
        grants=tuple(RoleGrant(r.role, r.conference_id, r.working_group_id) for r in user.roles),
    )


def get_user(db: Session, user_id: int) -> User:
    user = db.scalar(
        select(User)
        .where(User.id == user_id)
        .options(selectinload(User.roles), selectinload(User.delegation))
    )
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def create_user(
    db: Session,
    *,
    username: str,
    email: str,
    display_name: str,
    password: str,
    affiliation_kind: AffiliationKind = AffiliationKind.other,
    affiliation_name: str = "",
    delegation: Delegation | None = None,
) -> User:
    if len(password) < 8:
        raise InvalidInput("passwords need at least 8 characters")
    taken = db.scalar(select(User.id).where((User.username == username) | (User.email == email)))
    if taken is not None:
        raise Conflict(f"username {username!r} or email {email!r} is already registered")
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        affiliation_kind=affiliation_kind,
        affiliation_name=affiliation_name,
        delegation=delegation,
    )
    db.add(user)
    db.flush()
    return user


def grant_role(
    db: Session,
    user: User,
    role: RoleName,
    *,
    conference_id: int | None = None,
    working_group_id: int | None = None,
) -> RoleAssignment:
    assignment = RoleAssignment(
        user=user, role=role, conference_id=conference_id, working_group_id=working_group_id
    )
    db.add(assignment)
    db.flush()
    return assignment


# Checked for every batch of live edits: built once.
_VALID_SESSIONS = (
    select(AuthSession.token_hash, AuthSession.expires_at)
    .join(User, User.id == AuthSession.user_id)
    .where(
        AuthSession.token_hash.in_(bindparam("digests", expanding=True)),
        AuthSession.revoked_at.is_(None),
        User.is_active,
    )
)


def valid_tokens(db: Session, tokens: Iterable[str]) -> set[str]:
    """Which of these session tokens are still valid, for active users: one query, for
    checking a batch of live edits against the current state."""
    by_digest = {token_digest(t): t for t in tokens}
    if not by_digest:
        return set()
    rows = db.connection().execute(_VALID_SESSIONS, {"digests": list(by_digest)}).all()
    now = utcnow()
    return {by_digest[digest] for digest, expires in rows if _aware(expires) > now}
