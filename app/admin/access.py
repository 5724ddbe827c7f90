"""Who may administer what, and the audit trail of it.

The secretariat of a conference administers that conference; the global secretariat
(a secretariat role with no conference) administers everything, including new
conferences and the regional groups that all conferences share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import RoleName, User
from app.auth.principal import Principal
from app.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Operator:
    """The command line on the server: whoever can run it already holds the database."""


OPERATOR = Operator()
Actor = Principal | Operator


def require_any_secretariat(actor: Actor) -> None:
    if isinstance(actor, Principal) and not any(
        g.role == RoleName.secretariat for g in actor.grants
    ):
        raise Forbidden("administration is reserved to the secretariat")


def require_secretariat(actor: Actor, conference_id: int | None) -> None:
    """Secretariat of this conference; None asks for the global secretariat."""
    if isinstance(actor, Operator):
        return
    if conference_id is None:
        if not actor.is_global_secretariat():
            raise Forbidden("only the global secretariat may do this")
    elif not actor.is_secretariat(conference_id):
        raise Forbidden("only the secretariat of this conference may do this")


def administered(actor: Actor) -> set[int] | None:
    """Conferences this actor administers; None means all."""
    if isinstance(actor, Operator) or actor.is_global_secretariat():
        return None
    return {
        g.conference_id
        for g in actor.grants
        if g.role == RoleName.secretariat and g.conference_id is not None
    }


def require_manages_user(actor: Actor, user: User) -> None:
    """An account is shared by every conference it takes part in: a conference's
    secretariat may change it only when it belongs to their conferences alone."""
    scope = administered(actor)
    if scope is None:
        return
    ties = _ties(user)
    if not ties or not ties.issubset(scope):
        raise Forbidden(
            f"{user.username} also takes part outside your conferences; ask the global secretariat"
        )


def _ties(user: User) -> set[int | None]:
    ties: set[int | None] = {r.conference_id for r in user.roles}
    if user.delegation is not None:
        ties.add(user.delegation.conference_id)
    return ties


def conference_of(user: User) -> int | None:
    """The one conference an account takes part in, if it is just one: its acts are
    that conference's; other accounts' acts are for the global secretariat."""
    ties = _ties(user)
    return next(iter(ties)) if len(ties) == 1 else None


def is_self(actor: Actor, user_id: int) -> bool:
    return isinstance(actor, Principal) and actor.user_id == user_id


def audit(
    db: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int,
    detail: dict[str, Any] | None = None,
    *,
    conference_id: int | None = None,
) -> None:
    who = actor if isinstance(actor, Principal) else None
    via = {} if who else {"via": "command line"}
    details = {**(detail or {}), **via}
    record(db, who, action, object_type, str(object_id), None, details, conference_id=conference_id)
