"""The negotiation actions by name, for the websocket's ``action`` messages: the same
commands, checks and events as the REST endpoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import BaseModel, ValidationError

from app.brackets import positions, proposals, resolutions
from app.brackets.schemas import AlternativeCreate, PositionSet, ProposalCreate, ResolutionCreate
from app.editing.pipeline import CommandContext
from app.errors import InvalidInput
from app.locks import service as locks
from app.locks.schemas import LockCreate


class _BracketRef(BaseModel):
    bracket: str


class _AlternativeParams(AlternativeCreate):
    bracket: str


class _PositionParams(PositionSet):
    bracket: str


class _ResolutionParams(ResolutionCreate):
    bracket: str


class _ReopenParams(BaseModel):
    resolution: int


class _UnlockParams(BaseModel):
    lock: int


class _NoParams(BaseModel):
    pass


@dataclass(frozen=True, slots=True)
class Action:
    params: type[BaseModel]
    command: Callable[[Any], Callable[[CommandContext], Any]]
    event: str | None


def _fields(p: BaseModel, *drop: str) -> dict[str, Any]:
    return {k: getattr(p, k) for k in type(p).model_fields if k not in drop}


ACTIONS: dict[str, Action] = {
    "propose": Action(ProposalCreate, lambda p: partial(proposals.propose, data=p), "proposal"),
    "add_alternative": Action(
        _AlternativeParams,
        lambda p: partial(
            proposals.add_alternative,
            bracket_id=p.bracket,
            data=AlternativeCreate(**_fields(p, "bracket")),
        ),
        "proposal",
    ),
    "cosponsor": Action(
        _BracketRef, lambda p: partial(proposals.cosponsor, bracket_id=p.bracket), "cosponsor"
    ),
    "withdraw": Action(
        _BracketRef, lambda p: partial(proposals.withdraw, bracket_id=p.bracket), "withdraw"
    ),
    "position": Action(
        _PositionParams,
        lambda p: partial(
            positions.set_position, bracket_id=p.bracket, data=PositionSet(**_fields(p, "bracket"))
        ),
        "position",
    ),
    "tallies": Action(_NoParams, lambda _p: positions.tallies, None),
    "resolve": Action(
        _ResolutionParams,
        lambda p: partial(
            resolutions.resolve,
            bracket_id=p.bracket,
            data=ResolutionCreate(**_fields(p, "bracket")),
        ),
        "resolution",
    ),
    "reopen": Action(
        _ReopenParams, lambda p: partial(resolutions.reopen, resolution_id=p.resolution), "reopen"
    ),
    "lock": Action(LockCreate, lambda p: partial(locks.lock, data=p), "lock"),
    "unlock": Action(_UnlockParams, lambda p: partial(locks.unlock, lock_id=p.lock), "unlock"),
    "locks": Action(_NoParams, lambda _p: locks.active, None),
}


def command_for(name: str, params: object) -> tuple[Callable[[CommandContext], Any], str | None]:
    action = ACTIONS.get(name)
    if action is None:
        raise InvalidInput(f"unknown action {name!r}; known: {', '.join(sorted(ACTIONS))}")
    try:
        parsed = action.params.model_validate(params if params is not None else {})
    except ValidationError as exc:
        raise InvalidInput(f"bad parameters for {name}: {exc.errors()[0]['msg']}") from None
    return action.command(parsed), action.event


def to_json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def event_builder(kind: str) -> Callable[[Any], dict[str, Any]]:
    """The live event broadcast after an action of this kind."""

    def build(result: Any) -> dict[str, Any]:
        return {"kind": kind, "data": to_json(result)}

    return build
