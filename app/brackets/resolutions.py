"""The chair's resolution of a bracket, logged with the tally at that moment, and its
reopening (which restores the group with its ids, so positions stay attached)."""

from __future__ import annotations

from sqlalchemy import select, update

from app.audit.service import record
from app.brackets.common import find, inner_without_label, members, require_chair
from app.brackets.models import Bracket, BracketStatus, Resolution, ResolutionAction
from app.brackets.positions import tallies
from app.brackets.schemas import AlternativeTally, ResolutionCreate, ResolutionRead
from app.db.base import utcnow
from app.editing.pipeline import CommandContext
from app.editing.service import map_range_since
from app.engine.changes import ChangeSet
from app.engine.live import BracketView
from app.errors import Conflict, InvalidInput, NotFound


def resolve(ctx: CommandContext, bracket_id: str, data: ResolutionCreate) -> ResolutionRead:
    require_chair(ctx)
    views = ctx.brackets()
    group = members(views, find(views, bracket_id))
    text = ctx.live.text
    start, end = group[0].open, group[-1].close + 1
    replacement = _replacement(text, group, data)
    if replacement == "":
        start, end = _with_one_space(text, start, end)
    inside = [v for v in views.values() if start <= v.open and v.close < end]
    tally = [t.model_dump(mode="json") for t in _tallies_of(ctx, group)]
    ctx.edit(ChangeSet.single(len(text), start, end, replacement))
    ctx.brackets()
    ctx.db.execute(
        update(Bracket)
        .where(Bracket.id.in_([v.id for v in inside]))
        .values(status=BracketStatus.resolved)
    )
    resolution = Resolution(
        document_id=ctx.scope.document_id,
        bracket_id=group[0].id,
        action=ResolutionAction(data.action),
        chosen_bracket_id=data.alternative,
        tally={"alternatives": tally},
        text_before=text[start:end],
        start=start,
        end=start + len(replacement),
        revision=ctx.live.revision,
        members=[[v.id, v.open - start, v.close - start] for v in inside],
        user_id=ctx.principal.user_id,
    )
    ctx.db.add(resolution)
    ctx.db.flush()
    record(
        ctx.db,
        ctx.principal,
        f"bracket.resolve.{data.action}",
        "bracket",
        group[0].id,
        ctx.scope.document_id,
        {"kept": replacement, "before": text[start:end]},
    )
    return ResolutionRead.model_validate(resolution)


def _replacement(text: str, group: list[BracketView], data: ResolutionCreate) -> str:
    if data.action == "delete":
        return ""
    if data.action == "keep":
        if len(group) > 1:
            raise InvalidInput("a group of alternatives is resolved by keeping one of them")
        return inner_without_label(text, group[0])
    chosen = next((v for v in group if v.id == data.alternative), None)
    if chosen is None:
        raise InvalidInput("choose one of the group's alternatives to keep")
    return inner_without_label(text, chosen)


def _with_one_space(text: str, start: int, end: int) -> tuple[int, int]:
    """Deleting ``a [b] c`` leaves ``a c``, not ``a  c``."""
    if start > 0 and text[start - 1] == " " and (end == len(text) or text[end] in " .,;:)"):
        return start - 1, end
    return start, end


def _tallies_of(ctx: CommandContext, group: list[BracketView]) -> list[AlternativeTally]:
    wanted = {v.id for v in group}
    return [a for place in tallies(ctx) for a in place.alternatives if a.id in wanted]


def reopen(ctx: CommandContext, resolution_id: int) -> ResolutionRead:
    """Put the resolved text back as it was, with its brackets and their ids."""
    require_chair(ctx)
    resolution = ctx.db.get(Resolution, resolution_id)
    if resolution is None or resolution.document_id != ctx.scope.document_id:
        raise NotFound(f"no resolution {resolution_id} on this document")
    if resolution.action == ResolutionAction.reopen or resolution.reopened_at is not None:
        raise Conflict("this resolution was already reopened")
    assert resolution.start is not None and resolution.end is not None
    span = map_range_since(
        ctx.db,
        ctx.scope.document_id,
        resolution.revision,
        (resolution.start, resolution.end),
        len(ctx.live.text),
    )
    if span is None:
        raise Conflict("the resolved text was edited since; restore it by hand")
    start, end = span
    ctx.edit(ChangeSet.single(len(ctx.live.text), start, end, resolution.text_before))
    restored = {(start + o, start + c): str(i) for i, o, c in resolution.members}
    ctx.brackets(preferred=restored)
    ctx.db.execute(
        update(Bracket)
        .where(Bracket.id.in_(list(restored.values())))
        .values(status=BracketStatus.open, ended_revision=None)
    )
    resolution.reopened_at = ctx.db.scalar(select(Bracket.updated_at).limit(1)) or None
    return _log_reopen(ctx, resolution)


def _log_reopen(ctx: CommandContext, resolution: Resolution) -> ResolutionRead:

    resolution.reopened_at = utcnow()
    reopening = Resolution(
        document_id=ctx.scope.document_id,
        bracket_id=resolution.bracket_id,
        action=ResolutionAction.reopen,
        tally={"reopens": resolution.id},
        text_before="",
        revision=ctx.live.revision,
        members=[],
        user_id=ctx.principal.user_id,
    )
    ctx.db.add(reopening)
    ctx.db.flush()
    record(
        ctx.db,
        ctx.principal,
        "bracket.reopen",
        "resolution",
        str(resolution.id),
        ctx.scope.document_id,
        {"restored": resolution.text_before},
    )
    return ResolutionRead.model_validate(reopening)
