"""Delegations' positions on wordings, and tallies of every open bracket."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit.service import record
from app.auth.models import User
from app.brackets.common import find, members, require_delegation, wording_hash
from app.brackets.models import Position, Sponsorship, Stance
from app.brackets.schemas import (
    AlternativeTally,
    BracketPlace,
    PositionRead,
    PositionSet,
    RegionTally,
    SponsorRead,
)
from app.conferences.models import RegionalGroup
from app.delegations.models import Delegation
from app.editing.pipeline import CommandContext
from app.engine.live import BracketView


def set_position(ctx: CommandContext, bracket_id: str, data: PositionSet) -> PositionRead:
    """Record the caller's delegation's stance for the wording as it stands now."""
    delegation_id = require_delegation(ctx)
    view = find(ctx.brackets(), bracket_id)
    wording = ctx.live.text[view.open + 1 : view.close]
    position = Position(
        document_id=ctx.scope.document_id,
        bracket_id=bracket_id,
        delegation_id=delegation_id,
        stance=data.stance,
        note=data.note,
        wording=wording,
        wording_hash=wording_hash(wording),
        user_id=ctx.principal.user_id,
    )
    ctx.db.add(position)
    ctx.db.flush()
    record(
        ctx.db,
        ctx.principal,
        "position.set",
        "bracket",
        bracket_id,
        ctx.scope.document_id,
        {"stance": data.stance.value, "note": data.note, "wording": wording},
    )
    return PositionRead(
        delegation=ctx.principal.delegation_code or "",
        stance=data.stance,
        note=data.note,
        wording=wording,
        stale=False,
        user=ctx.principal.display_name,
        at=position.created_at,
    )


def tallies(ctx: CommandContext) -> list[BracketPlace]:
    """Every open bracket place with its alternatives' sponsors and positions."""
    views = ctx.brackets()
    text = ctx.live.text
    ids = list(views)
    facts = _Facts.load(ctx, ids)
    places: list[BracketPlace] = []
    seen: set[str] = set()
    for view in sorted(views.values(), key=lambda v: v.open):
        if view.id in seen:
            continue
        group = members(views, view)
        seen.update(v.id for v in group)
        places.append(
            BracketPlace(
                id=group[0].id,
                kind="alternatives" if len(group) > 1 else "optional",
                depth=view.depth,
                line=text.count("\n", 0, view.open) + 1,
                alternatives=[_tally(v, text, facts) for v in group],
            )
        )
    return places


class _Facts:
    """Sponsors, latest positions and regional groups for a set of brackets."""

    def __init__(self) -> None:
        self.sponsors: dict[str, list[SponsorRead]] = defaultdict(list)
        self.positions: dict[str, list[tuple[Position, str, str | None]]] = defaultdict(list)
        self.regions: dict[str, list[str]] = {}

    @classmethod
    def load(cls, ctx: CommandContext, ids: Sequence[str]) -> _Facts:
        facts = cls()
        db = ctx.db
        delegations = db.scalars(
            select(Delegation)
            .options(selectinload(Delegation.regional_groups))
            .where(Delegation.conference_id == ctx.scope.conference_id)
        ).all()
        code = {d.id: d.country_code for d in delegations}
        facts.regions = {d.country_code: [g.code for g in d.regional_groups] for d in delegations}
        region_codes = {i: c for i, c in db.execute(select(RegionalGroup.id, RegionalGroup.code))}
        for sponsor in db.scalars(select(Sponsorship).where(Sponsorship.bracket_id.in_(ids))):
            facts.sponsors[sponsor.bracket_id].append(
                SponsorRead(
                    delegation=code.get(sponsor.delegation_id, "?"),
                    role=sponsor.role,
                    regional_group=region_codes.get(sponsor.regional_group_id or 0),
                    withdrawn=sponsor.withdrawn_at is not None,
                )
            )
        latest: dict[tuple[str, int], tuple[Position, str | None]] = {}
        rows = db.execute(
            select(Position, User.display_name)
            .outerjoin(User, User.id == Position.user_id)
            .where(Position.bracket_id.in_(ids))
            .order_by(Position.id)
        ).all()
        for row_position, row_name in rows:
            latest[(row_position.bracket_id, row_position.delegation_id)] = (row_position, row_name)
        for (bracket_id, delegation_id), (position, name) in latest.items():
            facts.positions[bracket_id].append((position, code.get(delegation_id, "?"), name))
        return facts


def _tally(view: BracketView, text: str, facts: _Facts) -> AlternativeTally:
    wording = text[view.open + 1 : view.close]
    current = wording_hash(wording)
    positions = [
        PositionRead(
            delegation=code,
            stance=p.stance,
            note=p.note,
            wording=p.wording,
            stale=p.wording_hash != current,
            user=name,
            at=p.created_at,
        )
        for p, code, name in facts.positions.get(view.id, [])
    ]
    live = [p for p in positions if not p.stale]
    counts = {stance: sum(p.stance == stance for p in live) for stance in Stance}
    return AlternativeTally(
        id=view.id,
        label=view.label,
        wording=wording,
        open=view.open_u16,
        close=view.close_u16,
        origin=view.origin,
        sponsors=facts.sponsors.get(view.id, []),
        positions=sorted(positions, key=lambda p: p.delegation),
        by_region=_by_region(live, facts.regions),
        support=counts[Stance.support],
        oppose=counts[Stance.oppose],
        reservation=counts[Stance.reservation],
        stale=len(positions) - len(live),
        agreeable=counts[Stance.support] > 0 and counts[Stance.oppose] == 0,
    )


def _by_region(positions: list[PositionRead], regions: dict[str, list[str]]) -> list[RegionTally]:
    tally: dict[str, RegionTally] = {}
    for position in positions:
        for region in regions.get(position.delegation) or ["—"]:
            entry = tally.setdefault(region, RegionTally(regional_group=region))
            getattr(entry, position.stance.value).append(position.delegation)
    return [tally[k] for k in sorted(tally)]
