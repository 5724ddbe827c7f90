"""The websocket endpoint: origin and session checks, then one Connection per socket."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, WebSocket

from app.auth.principal import Principal
from app.auth.service import principal_for_token
from app.config import Settings
from app.db.session import transaction
from app.realtime.connection import CLOSE_FORBIDDEN, CLOSE_NOT_AUTHENTICATED, Connection
from app.realtime.protocol import error_frame

router = APIRouter()


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    origin = websocket.headers.get("origin")
    if origin is not None and origin not in settings.allowed_origins:
        # CORS does not cover websockets: refuse foreign pages at the handshake.
        await websocket.close(CLOSE_FORBIDDEN)
        return
    token = websocket.cookies.get(settings.session_cookie, "")
    principal = await asyncio.to_thread(_principal, websocket, token) if token else None
    await websocket.accept()
    if principal is None:
        await websocket.send_text(error_frame("not_authenticated", "sign in first", fatal=True))
        await websocket.close(CLOSE_NOT_AUTHENTICATED)
        return
    await Connection(websocket, principal, token, settings).run(websocket.app.state.rooms)


def _principal(websocket: WebSocket, token: str) -> Principal | None:
    with transaction(websocket.app.state.session_factory) as db:
        return principal_for_token(db, token)
