"""Shared checks and lookups of the negotiation workflow."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import RoleName
from app.brackets.models import SponsorRole, Sponsorship
from app.conferences.models import RegionalGroup
from app.delegations.models import Delegation
from app.editing.pipeline import CommandContext, refuses_locked
from app.engine.changes import ChangeSet
from app.engine.live import BracketView, EditRejected
from app.engine.notation import parse
from app.errors import Conflict, Forbidden, InvalidInput, Locked, NotFound


def wording_hash(wording: str) -> str:
    return hashlib.sha256(wording.encode("utf-8")).hexdigest()


def require_delegation(ctx: CommandContext) -> int:
    """The caller's delegation: a delegate of a delegation at this conference. Chairs
    act for the meeting, not for their own delegation, while they chair."""
    who = ctx.principal
    conference = ctx.scope.conference_id
    if (
        who.delegation_id is None
        or who.delegation_conference_id != conference
        or not who.has_role(RoleName.delegate, conference)
    ):
        raise Forbidden("only delegates of a delegation at this conference may do this")
    return who.delegation_id


def require_chair(ctx: CommandContext) -> None:
    if not ctx.principal.chairs(ctx.scope.working_group_id):
        raise Forbidden("only the chair or a vice-chair of this working group may do this")


def find(views: dict[str, BracketView], bracket_id: str) -> BracketView:
    view = views.get(bracket_id)
    if view is None:
        raise NotFound(f"no open bracket {bracket_id} in this document")
    return view


def members(views: dict[str, BracketView], view: BracketView) -> list[BracketView]:
    """The alternatives of a bracket's group (itself alone for an optional bracket)."""
    if view.group is None:
        return [view]
    return sorted((v for v in views.values() if v.group == view.group), key=lambda v: v.open)


def inner_without_label(text: str, view: BracketView) -> str:
    inner = text[view.open + 1 : view.close]
    if view.label and inner.startswith(view.label):
        return inner[len(view.label) :].lstrip(" ")
    return inner


def check_balanced(text: str, what: str) -> None:
    result = parse(text)
    if result.unmatched_open or result.unmatched_close:
        raise InvalidInput(f"{what} has unbalanced brackets")


def guard_locks(ctx: CommandContext, changes: ChangeSet) -> None:
    if refuses_locked(ctx.live, ctx.principal, ctx.scope, changes):
        raise Locked("this paragraph is agreed ad referendum; only the chair may change it")


def current_range(ctx: CommandContext, revision: int, start: int, end: int) -> tuple[int, int]:
    try:
        return ctx.live.range_now(revision, start, end)
    except EditRejected as exc:
        if exc.code == "stale_selection":
            raise Conflict(exc.message) from None
        raise InvalidInput(exc.message) from None


def delegations_by_code(
    db: Session, conference_id: int, codes: Iterable[str]
) -> dict[str, Delegation]:
    wanted = {code.upper() for code in codes}
    found = db.scalars(
        select(Delegation)
        .options(selectinload(Delegation.regional_groups))
        .where(Delegation.conference_id == conference_id, Delegation.country_code.in_(wanted))
    ).all()
    result = {d.country_code: d for d in found}
    missing = wanted - set(result)
    if missing:
        raise InvalidInput(f"unknown delegations: {', '.join(sorted(missing))}")
    return result


def add_sponsors(
    ctx: CommandContext,
    bracket_id: str,
    proposer: int,
    cosponsors: list[str],
    regional_group: str | None,
) -> None:
    """The proposing delegation and its co-sponsors; for a regional group's common
    proposal, every signatory must belong to that group."""
    db = ctx.db
    group = _regional_group(db, regional_group)
    signatories = delegations_by_code(db, ctx.scope.conference_id, cosponsors)
    if group is not None:
        own = db.get(Delegation, proposer)
        for delegation in [d for d in [own, *signatories.values()] if d is not None]:
            if group not in delegation.regional_groups:
                raise InvalidInput(f"{delegation.country_code} is not a member of {group.code}")
    rows = [(proposer, SponsorRole.proposer)]
    rows += [(d.id, SponsorRole.cosponsor) for d in signatories.values() if d.id != proposer]
    for delegation_id, role in rows:
        db.add(
            Sponsorship(
                bracket_id=bracket_id,
                delegation_id=delegation_id,
                role=role,
                regional_group_id=group.id if group else None,
                user_id=ctx.principal.user_id,
            )
        )


def _regional_group(db: Session, code: str | None) -> RegionalGroup | None:
    if code is None:
        return None
    group = db.scalar(select(RegionalGroup).where(RegionalGroup.code == code.upper()))
    if group is None:
        raise InvalidInput(f"unknown regional group {code}")
    return group
