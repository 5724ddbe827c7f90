"""Proposing alternative language, adding alternatives, co-sponsoring, withdrawing.
Each is a command run by the document's writer: text and records commit together."""

from __future__ import annotations

from sqlalchemy import select, update

from app.audit.service import record
from app.brackets.common import (
    add_sponsors,
    check_balanced,
    current_range,
    find,
    guard_locks,
    members,
    require_delegation,
)
from app.brackets.models import Bracket, BracketOrigin, SponsorRole, Sponsorship
from app.brackets.schemas import AlternativeCreate, ProposalCreate, ProposalRead
from app.db.base import utcnow
from app.editing.pipeline import CommandContext
from app.engine.changes import ChangeSet
from app.engine.live import BracketView
from app.errors import Conflict, Forbidden, InvalidInput


def propose(ctx: CommandContext, data: ProposalCreate) -> ProposalRead:
    """The selected text becomes a group: ``[original][proposal]``."""
    delegation_id = require_delegation(ctx)
    check_balanced(data.text, "the proposed text")
    start, end = current_range(ctx, data.revision, data.start, data.end)
    text, views = ctx.live.text, ctx.brackets()
    whole = next((v for v in views.values() if v.open == start and v.close == end - 1), None)
    if whole is not None and whole.group is not None:
        raise Conflict("the selection is an alternative of a group: add an alternative to it")
    if whole is not None or start == end:
        changes, at = ChangeSet.single(len(text), end, end, f"[{data.text}]"), end
    else:
        selected = text[start:end]
        check_balanced(selected, "the selection")
        replacement = f"[{selected}][{data.text}]"
        changes, at = (
            ChangeSet.single(len(text), start, end, replacement),
            start + len(selected) + 2,
        )
    return _commit_proposal(ctx, changes, at, delegation_id, data.cosponsors, data.regional_group)


def add_alternative(ctx: CommandContext, bracket_id: str, data: AlternativeCreate) -> ProposalRead:
    """One more alternative at the end of a bracket's group."""
    delegation_id = require_delegation(ctx)
    check_balanced(data.text, "the proposed text")
    views = ctx.brackets()
    last = members(views, find(views, bracket_id))[-1]
    changes = ChangeSet.single(
        len(ctx.live.text), last.close + 1, last.close + 1, f" [{data.text}]"
    )
    return _commit_proposal(
        ctx, changes, last.close + 2, delegation_id, data.cosponsors, data.regional_group
    )


def _commit_proposal(
    ctx: CommandContext,
    changes: ChangeSet,
    at: int,
    delegation_id: int,
    cosponsors: list[str],
    regional_group: str | None,
) -> ProposalRead:
    guard_locks(ctx, changes)
    ctx.edit(changes)
    views = ctx.brackets()
    proposal = next(v for v in views.values() if v.open == at)
    ctx.db.execute(
        update(Bracket)
        .where(Bracket.id == proposal.id)
        .values(origin=BracketOrigin.proposal, created_by_user_id=ctx.principal.user_id)
    )
    add_sponsors(ctx, proposal.id, delegation_id, cosponsors, regional_group)
    group = members(views, proposal)
    record(
        ctx.db,
        ctx.principal,
        "bracket.propose",
        "bracket",
        proposal.id,
        ctx.scope.document_id,
        {
            "wording": ctx.live.text[proposal.open + 1 : proposal.close],
            "cosponsors": cosponsors,
            "regional_group": regional_group,
        },
    )
    return ProposalRead(
        group=group[0].id,
        alternatives=[v.id for v in group],
        proposal=proposal.id,
        revision=ctx.live.revision,
    )


def cosponsor(ctx: CommandContext, bracket_id: str) -> str:
    delegation_id = require_delegation(ctx)
    find(ctx.brackets(), bracket_id)
    if _sponsorship(ctx, bracket_id, delegation_id) is not None:
        raise Conflict("your delegation already sponsors this wording")
    ctx.db.add(
        Sponsorship(
            bracket_id=bracket_id,
            delegation_id=delegation_id,
            role=SponsorRole.cosponsor,
            user_id=ctx.principal.user_id,
        )
    )
    record(ctx.db, ctx.principal, "bracket.cosponsor", "bracket", bracket_id, ctx.scope.document_id)
    return bracket_id


def withdraw(ctx: CommandContext, bracket_id: str) -> str:
    """A proposer withdraws its alternative: without proposers it leaves the text."""
    delegation_id = require_delegation(ctx)
    views = ctx.brackets()
    view = find(views, bracket_id)
    own = _sponsorship(ctx, bracket_id, delegation_id)
    if own is None or own.role != SponsorRole.proposer:
        raise Forbidden("only the proposing delegation can withdraw this alternative")
    own.withdrawn_at = utcnow()
    ctx.db.flush()
    if not _active_proposers(ctx, bracket_id):
        _remove_alternative(ctx, views, view)
    record(ctx.db, ctx.principal, "bracket.withdraw", "bracket", bracket_id, ctx.scope.document_id)
    return bracket_id


def _remove_alternative(
    ctx: CommandContext, views: dict[str, BracketView], view: BracketView
) -> None:
    text = ctx.live.text
    group = members(views, view)
    if len(group) == 2 and _created_together(ctx, group):
        # The proposal had bracketed the original: withdrawing restores it as it was.
        other = group[0] if group[1].id == view.id else group[1]
        start, end = group[0].open, group[-1].close + 1
        replacement = text[other.open + 1 : other.close]
    else:
        index = group.index(view)
        start = group[index - 1].close + 1 if index > 0 else view.open
        end = view.close + 1 if index > 0 else (group[1].open if len(group) > 1 else view.close + 1)
        replacement = ""
    if start > end:
        raise InvalidInput("cannot withdraw this alternative")
    changes = ChangeSet.single(len(text), start, end, replacement)
    guard_locks(ctx, changes)
    ctx.edit(changes)


def _created_together(ctx: CommandContext, group: list[BracketView]) -> bool:
    revisions = set(
        ctx.db.scalars(
            select(Bracket.created_revision).where(Bracket.id.in_([v.id for v in group]))
        )
    )
    return len(revisions) == 1


def _sponsorship(ctx: CommandContext, bracket_id: str, delegation_id: int) -> Sponsorship | None:
    return ctx.db.scalar(
        select(Sponsorship).where(
            Sponsorship.bracket_id == bracket_id,
            Sponsorship.delegation_id == delegation_id,
            Sponsorship.withdrawn_at.is_(None),
        )
    )


def _active_proposers(ctx: CommandContext, bracket_id: str) -> list[Sponsorship]:
    return list(
        ctx.db.scalars(
            select(Sponsorship).where(
                Sponsorship.bracket_id == bracket_id,
                Sponsorship.role == SponsorRole.proposer,
                Sponsorship.withdrawn_at.is_(None),
            )
        )
    )
