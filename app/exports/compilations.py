"""Compiling proposals (ADD/MOD/SUP/NOC) for one text into a new bracketed draft.

The compiled draft is an ordinary document: each alternative is a bracket whose
proposers are recorded as sponsorships, and a proposal to delete a place is recorded
as that delegation's opposing position, so attributions live on as the text is edited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.principal import Principal
from app.brackets.common import wording_hash
from app.brackets.models import (
    Bracket,
    BracketOrigin,
    Position,
    SponsorRole,
    Sponsorship,
    Stance,
)
from app.conferences.models import RegionalGroup
from app.conferences.service import get_working_group
from app.delegations.models import Delegation
from app.documents.schemas import DocumentCreate
from app.documents.service import create_document, get_document
from app.engine.compilation import Compilation, CompilationError, Proposal, compile_proposals
from app.errors import InvalidInput, TooLarge
from app.exports.importing import identify_brackets
from app.exports.schemas import CompilationCreate, CompilationRead, PlaceRead, ProposalIn
from app.exports.service import DELETION_NOTE
from app.revisions.service import resolve_version


@dataclass(frozen=True, slots=True)
class _Proposer:
    """Who stands behind one proposal: delegations, and the regional group if common."""

    label: str
    delegation_ids: tuple[int, ...]
    regional_group_id: int | None


def compile_document(
    db: Session,
    who: Principal,
    working_group_id: int,
    data: CompilationCreate,
    max_chars: int,
    diff_timeout_s: float,
) -> CompilationRead:
    group = get_working_group(db, who, working_group_id)
    base, base_label = _base(db, who, data)
    proposers = [_proposer(db, group.conference_id, p) for p in data.proposals]
    proposals = [
        Proposal(proposer.label, p.action, p.text)
        for proposer, p in zip(proposers, data.proposals, strict=True)
    ]
    try:
        compiled = compile_proposals(base, proposals, timeout_s=diff_timeout_s)
    except CompilationError as exc:
        raise InvalidInput(str(exc)) from exc
    if len(compiled.text) > max_chars:
        raise TooLarge(f"the compilation exceeds {max_chars} characters")
    document = create_document(
        db,
        who,
        working_group_id,
        DocumentCreate(symbol=data.symbol, title=data.title, kind=data.kind, text=compiled.text),
        max_chars,
    )
    document.base_text, document.base_label = (base or None), (base_label if base else None)
    live = identify_brackets(db, document, 64)
    ids = {(o, c): i for i, o, c in live.bracket_table()}
    places = _attribute(db, who, document.id, compiled, proposers, ids)
    record(
        db,
        who,
        "document.compile",
        "document",
        str(document.id),
        document.id,
        {
            "base": base_label,
            "proposals": [
                {"proposer": p.label, "action": q.action, "reasons": q.reasons[:500]}
                for p, q in zip(proposers, data.proposals, strict=True)
            ],
        },
    )
    return CompilationRead(
        document_id=document.id,
        symbol=document.symbol,
        text=compiled.text,
        coarse=compiled.coarse,
        places=places,
    )


def _base(db: Session, who: Principal, data: CompilationCreate) -> tuple[str, str]:
    if data.base_document_id is None:
        return data.base_text or "", data.base_label or "the base text"
    document, _group = get_document(db, who, data.base_document_id)
    version = resolve_version(db, document, data.base_version, "base_version")
    label = version.ref.name or f"{document.symbol} (revision {version.ref.revision})"
    return version.text, data.base_label or label


def _proposer(db: Session, conference_id: int, proposal: ProposalIn) -> _Proposer:
    code = proposal.proposer.strip().upper()
    delegations = _delegations(db, conference_id, [code, *proposal.signatories])
    if code in delegations:
        ids = [delegations[code].id] + [
            d.id for c, d in delegations.items() if c != code and c in _upper(proposal.signatories)
        ]
        return _Proposer(code, tuple(ids), None)
    region = db.scalar(select(RegionalGroup).where(RegionalGroup.code == code))
    if region is None:
        raise InvalidInput(f"{proposal.proposer!r} is neither a delegation nor a regional group")
    signatories = [delegations[c] for c in _upper(proposal.signatories) if c in delegations]
    if not signatories:
        raise InvalidInput(f"a common proposal of {code} needs its signatories")
    for delegation in signatories:
        if region not in delegation.regional_groups:
            raise InvalidInput(f"{delegation.country_code} is not a member of {code}")
    return _Proposer(code, tuple(d.id for d in signatories), region.id)


def _delegations(db: Session, conference_id: int, codes: list[str]) -> dict[str, Delegation]:
    wanted = _upper(codes)
    found = db.scalars(
        select(Delegation).where(
            Delegation.conference_id == conference_id, Delegation.country_code.in_(wanted)
        )
    ).all()
    by_code = {d.country_code: d for d in found}
    unknown = [c for c in wanted[1:] if c not in by_code]
    if unknown:
        raise InvalidInput(f"no delegation {', '.join(unknown)} at this conference")
    return by_code


def _upper(codes: list[str]) -> list[str]:
    return [c.strip().upper() for c in codes]


def _attribute(
    db: Session,
    who: Principal,
    document_id: int,
    compiled: Compilation,
    proposers: list[_Proposer],
    ids: dict[tuple[int, int], str],
) -> list[PlaceRead]:
    places: list[PlaceRead] = []
    for place in compiled.places:
        members = [ids[(option.start, option.end - 1)] for option in place.options]
        for option, bracket_id in zip(place.options, members, strict=True):
            for index in option.proposers:
                _sponsor(db, who, bracket_id, proposers[index])
        for bracket_id, option in zip(members, place.options, strict=True):
            for index in place.omitted_by:
                _oppose(db, who, document_id, bracket_id, option.text, proposers[index])
        places.append(
            PlaceRead(
                bracket_ids=members,
                wordings=[option.text for option in place.options],
                proposers=[[proposers[i].label for i in o.proposers] for o in place.options],
                omitted_by=[proposers[i].label for i in place.omitted_by],
            )
        )
    if ids:
        db.execute(
            update(Bracket)
            .where(Bracket.id.in_([i for p in places for i in p.bracket_ids]))
            .values(origin=BracketOrigin.proposal, created_by_user_id=who.user_id)
        )
    return places


def _sponsor(db: Session, who: Principal, bracket_id: str, proposer: _Proposer) -> None:
    for position, delegation_id in enumerate(proposer.delegation_ids):
        common = proposer.regional_group_id is not None
        db.add(
            Sponsorship(
                bracket_id=bracket_id,
                delegation_id=delegation_id,
                role=SponsorRole.proposer if common or position == 0 else SponsorRole.cosponsor,
                regional_group_id=proposer.regional_group_id,
                user_id=who.user_id,
            )
        )


def _oppose(
    db: Session,
    who: Principal,
    document_id: int,
    bracket_id: str,
    wording: str,
    proposer: _Proposer,
) -> None:
    for delegation_id in proposer.delegation_ids:
        db.add(
            Position(
                document_id=document_id,
                bracket_id=bracket_id,
                delegation_id=delegation_id,
                stance=Stance.oppose,
                note=DELETION_NOTE,
                wording=wording,
                wording_hash=wording_hash(wording),
                user_id=who.user_id,
            )
        )
