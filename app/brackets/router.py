"""Negotiation workflow over REST. Every action runs in the document's room, in order
with live edits, and is broadcast to everyone connected."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from sqlalchemy import select

from app.api.deps import CurrentUser, SessionDep
from app.auth.models import User
from app.auth.principal import Principal
from app.brackets import positions, proposals, resolutions
from app.brackets.actions import event_builder
from app.brackets.models import BracketCount, Position, Resolution
from app.brackets.schemas import (
    AlternativeCreate,
    BracketPlace,
    CountPoint,
    DocumentCounts,
    PositionHistoryRead,
    PositionRead,
    PositionSet,
    ProposalCreate,
    ProposalRead,
    ResolutionCreate,
    ResolutionRead,
)
from app.conferences.service import get_working_group
from app.delegations.models import Delegation
from app.documents.models import DraftDocument
from app.documents.service import get_document
from app.editing.pipeline import CommandContext
from app.locks import service as locks
from app.locks.schemas import LockCreate, LockRead

router = APIRouter(prefix="/api", tags=["negotiation"])
T = TypeVar("T")


async def run(
    request: Request,
    user: Principal,
    document_id: int,
    command: Callable[[CommandContext], T],
    event: Callable[[T], dict[str, Any]] | None = None,
) -> T:
    room = await request.app.state.rooms.acquire_readable(document_id, user)
    result: T = await room.execute(user, command, event)
    return result


def _event(kind: str, **fields: Any) -> Callable[[Any], dict[str, Any]]:
    build = event_builder(kind)
    return lambda result: {**build(result), **fields}


@router.post("/documents/{document_id}/proposals", response_model=ProposalRead, status_code=201)
async def propose(
    document_id: int, body: ProposalCreate, request: Request, user: CurrentUser
) -> ProposalRead:
    return await run(
        request,
        user,
        document_id,
        partial(proposals.propose, data=body),
        _event("proposal", delegation=user.delegation_code),
    )


@router.post(
    "/documents/{document_id}/brackets/{bracket_id}/alternatives",
    response_model=ProposalRead,
    status_code=201,
)
async def add_alternative(
    document_id: int, bracket_id: str, body: AlternativeCreate, request: Request, user: CurrentUser
) -> ProposalRead:
    command = partial(proposals.add_alternative, bracket_id=bracket_id, data=body)
    return await run(
        request, user, document_id, command, _event("proposal", delegation=user.delegation_code)
    )


@router.post("/documents/{document_id}/brackets/{bracket_id}/cosponsors", status_code=204)
async def cosponsor(document_id: int, bracket_id: str, request: Request, user: CurrentUser) -> None:
    await run(
        request,
        user,
        document_id,
        partial(proposals.cosponsor, bracket_id=bracket_id),
        _event("cosponsor", delegation=user.delegation_code),
    )


@router.post("/documents/{document_id}/brackets/{bracket_id}/withdraw", status_code=204)
async def withdraw(document_id: int, bracket_id: str, request: Request, user: CurrentUser) -> None:
    await run(
        request,
        user,
        document_id,
        partial(proposals.withdraw, bracket_id=bracket_id),
        _event("withdraw", delegation=user.delegation_code),
    )


@router.put("/documents/{document_id}/brackets/{bracket_id}/position", response_model=PositionRead)
async def set_position(
    document_id: int, bracket_id: str, body: PositionSet, request: Request, user: CurrentUser
) -> PositionRead:
    command = partial(positions.set_position, bracket_id=bracket_id, data=body)
    return await run(request, user, document_id, command, _event("position", bracket=bracket_id))


@router.get(
    "/documents/{document_id}/brackets/{bracket_id}/positions",
    response_model=list[PositionHistoryRead],
)
def position_history(
    document_id: int, bracket_id: str, user: CurrentUser, db: SessionDep
) -> list[PositionHistoryRead]:
    """Every position ever recorded on this wording, oldest first."""
    get_document(db, user, document_id)
    rows = db.execute(
        select(Position, Delegation.country_code, User.display_name)
        .join(Delegation, Delegation.id == Position.delegation_id)
        .outerjoin(User, User.id == Position.user_id)
        .where(Position.document_id == document_id, Position.bracket_id == bracket_id)
        .order_by(Position.id)
    ).all()
    return [
        PositionHistoryRead(
            delegation=code,
            stance=p.stance,
            note=p.note,
            wording=p.wording,
            user=name,
            at=p.created_at,
        )
        for p, code, name in rows
    ]


@router.get("/documents/{document_id}/brackets", response_model=list[BracketPlace])
async def open_brackets(
    document_id: int, request: Request, user: CurrentUser
) -> list[BracketPlace]:
    """Open brackets with alternatives, sponsors and every delegation's position."""
    return await run(request, user, document_id, positions.tallies)


@router.post(
    "/documents/{document_id}/brackets/{bracket_id}/resolution",
    response_model=ResolutionRead,
    status_code=201,
)
async def resolve(
    document_id: int, bracket_id: str, body: ResolutionCreate, request: Request, user: CurrentUser
) -> ResolutionRead:
    command = partial(resolutions.resolve, bracket_id=bracket_id, data=body)
    return await run(request, user, document_id, command, _event("resolution"))


@router.post(
    "/documents/{document_id}/resolutions/{resolution_id}/reopen",
    response_model=ResolutionRead,
    status_code=201,
)
async def reopen(
    document_id: int, resolution_id: int, request: Request, user: CurrentUser
) -> ResolutionRead:
    command = partial(resolutions.reopen, resolution_id=resolution_id)
    return await run(request, user, document_id, command, _event("reopen"))


@router.get("/documents/{document_id}/resolutions", response_model=list[ResolutionRead])
def list_resolutions(document_id: int, user: CurrentUser, db: SessionDep) -> list[ResolutionRead]:
    get_document(db, user, document_id)
    rows = db.scalars(
        select(Resolution).where(Resolution.document_id == document_id).order_by(Resolution.id)
    ).all()
    return [ResolutionRead.model_validate(r) for r in rows]


@router.post("/documents/{document_id}/locks", response_model=LockRead, status_code=201)
async def lock(document_id: int, body: LockCreate, request: Request, user: CurrentUser) -> LockRead:
    return await run(request, user, document_id, partial(locks.lock, data=body), _event("lock"))


@router.delete("/documents/{document_id}/locks/{lock_id}", response_model=LockRead)
async def unlock(document_id: int, lock_id: int, request: Request, user: CurrentUser) -> LockRead:
    return await run(
        request, user, document_id, partial(locks.unlock, lock_id=lock_id), _event("unlock")
    )


@router.get("/documents/{document_id}/locks", response_model=list[LockRead])
async def list_locks(document_id: int, request: Request, user: CurrentUser) -> list[LockRead]:
    return await run(request, user, document_id, locks.active)


@router.get("/documents/{document_id}/bracket-counts", response_model=DocumentCounts)
def document_counts(document_id: int, user: CurrentUser, db: SessionDep) -> DocumentCounts:
    document, _group = get_document(db, user, document_id)
    return _counts(db, document)


@router.get(
    "/working-groups/{working_group_id}/bracket-counts", response_model=list[DocumentCounts]
)
def group_counts(working_group_id: int, user: CurrentUser, db: SessionDep) -> list[DocumentCounts]:
    """Per document; a chart sums the series as step functions for the group total."""
    get_working_group(db, user, working_group_id)
    documents = db.scalars(
        select(DraftDocument)
        .where(DraftDocument.working_group_id == working_group_id)
        .order_by(DraftDocument.symbol)
    )
    return [_counts(db, d) for d in documents]


def _counts(db: SessionDep, document: DraftDocument) -> DocumentCounts:
    rows = db.scalars(
        select(BracketCount)
        .where(BracketCount.document_id == document.id)
        .order_by(BracketCount.revision, BracketCount.id)
    ).all()
    points = [
        CountPoint(
            revision=r.revision, at=r.at, brackets=r.brackets, groups=r.groups, options=r.options
        )
        for r in rows
    ]
    return DocumentCounts(document_id=document.id, symbol=document.symbol, points=points)
