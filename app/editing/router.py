"""Text edits over REST: the same pipeline as the websocket (rebase, locks, limits,
idempotency by edit id), answered once the edit is committed."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.api.deps import CurrentUser, SettingsDep
from app.auth.principal import Principal
from app.errors import DomainError, Forbidden, InvalidInput, Locked, RateLimited, TooLarge
from app.realtime.fastsend import BroadcastFrame
from app.realtime.protocol import Edit

router = APIRouter(prefix="/api", tags=["editing"])

_ERRORS: dict[str, type[DomainError]] = {
    "locked": Locked,
    "forbidden": Forbidden,
    "rate_limited": RateLimited,
    "document_too_large": TooLarge,
}


class EditCreate(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1, max_length=64)
    base: int = Field(ge=0)
    changes: list[Any]


class EditRead(BaseModel):
    id: str
    revision: int
    duplicate: bool


class _Reply:
    """A one-shot peer: receives the answer to one edit."""

    def __init__(self, principal: Principal, token: str, edit_id: str) -> None:
        self.session = f"rest-{uuid.uuid4().hex[:8]}"
        self.principal = principal
        self.token = token
        self.can_edit = True
        self._edit_id = edit_id
        self.answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    def send(self, frame: str | BroadcastFrame) -> None:
        text = frame.text if isinstance(frame, BroadcastFrame) else frame
        data = json.loads(text)
        if data.get("id") == self._edit_id and not self.answer.done():
            self.answer.set_result(data)

    def revoke(self, code: str, message: str) -> None:
        if not self.answer.done():
            self.answer.set_result({"type": "error", "code": code, "message": message})


@router.post("/documents/{document_id}/edits", response_model=EditRead)
async def edit(
    document_id: int, body: EditCreate, request: Request, user: CurrentUser, settings: SettingsDep
) -> EditRead:
    """Apply ``changes`` (UTF-16 ``[[from, to, insert], ...]`` against revision ``base``)."""
    room = await request.app.state.rooms.acquire_readable(document_id, user)
    scope = room.scope
    if not user.can_edit(scope.conference_id, scope.working_group_id):
        raise Forbidden("observers may watch, not edit")
    token = request.cookies.get(settings.session_cookie, "")
    reply = _Reply(user, token, body.id)
    room.submit(reply, Edit(body.id, body.base, body.changes))
    answer = await asyncio.wait_for(reply.answer, 60)
    if answer["type"] == "error":
        error = _ERRORS.get(answer["code"], InvalidInput)
        raise error(answer["message"], edit_code=answer["code"])
    return EditRead(id=body.id, revision=answer["revision"], duplicate=answer["duplicate"])
