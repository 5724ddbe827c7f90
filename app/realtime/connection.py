"""One websocket client: a bounded send queue drained by its own task, and a receive
loop that checks every message before it reaches the room."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

from starlette.websockets import WebSocket, WebSocketDisconnect

from app.auth.principal import Principal
from app.brackets.actions import command_for, event_builder, to_json
from app.config import Settings
from app.errors import DomainError
from app.logs import get_logger
from app.realtime.fastsend import EXTENSION, BroadcastFrame, RawSender
from app.realtime.protocol import (
    Action,
    ClientMessage,
    Edit,
    Join,
    Ping,
    Presence,
    ProtocolError,
    Resync,
    encode,
    error_frame,
    parse_message,
)
from app.realtime.registry import RoomRegistry
from app.realtime.room import Room

log = get_logger(__name__)

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SLOW_CONSUMER = 4408
CLOSE_PROTOCOL = 4400


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self._rate, self._burst = rate, float(burst)
        self._tokens, self._stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class Connection:
    def __init__(
        self, websocket: WebSocket, principal: Principal, token: str, settings: Settings
    ) -> None:
        self.session = uuid.uuid4().hex[:12]
        self.principal = principal
        self.token = token
        self.can_edit = False
        self._websocket = websocket
        self._settings = settings
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue(settings.send_queue_frames)
        self._edits = TokenBucket(settings.max_edits_per_second, settings.edit_burst)
        self._presence = TokenBucket(20.0, 40)
        self._room: Room | None = None
        self._close_code: int | None = None
        self._closing = asyncio.Event()
        self._sending = False
        extensions = websocket.scope.get("extensions") or {}
        self._raw: RawSender | None = extensions.get(EXTENSION)

    # -- Peer ------------------------------------------------------------------------

    def send(self, frame: str | BroadcastFrame) -> None:
        if self._close_code is not None:
            return
        if isinstance(frame, BroadcastFrame):
            # Straight to the socket when nothing is queued ahead of it (order holds).
            raw = self._raw
            if (
                raw is not None
                and not self._sending
                and self._outbox.empty()
                and raw.write(frame.wire)
            ):
                return
            frame = frame.text
        try:
            self._outbox.put_nowait(frame)
        except asyncio.QueueFull:
            self._cut_off()

    def revoke(self, code: str, message: str) -> None:
        self.send(error_frame(code, message, fatal=True))
        self._close(CLOSE_FORBIDDEN)

    def _cut_off(self) -> None:
        """A reader too slow for the document: drop its backlog, tell it to resync."""
        while not self._outbox.empty():
            self._outbox.get_nowait()
        self._outbox.put_nowait(
            error_frame(
                "slow_consumer", "too many frames were waiting; reconnect and resync", fatal=True
            )
        )
        self._close(CLOSE_SLOW_CONSUMER)

    def _close(self, code: int) -> None:
        if self._close_code is None:
            self._close_code = code
            self._closing.set()
            with contextlib.suppress(asyncio.QueueFull):
                self._outbox.put_nowait(None)

    # -- loops -----------------------------------------------------------------------

    async def run(self, registry: RoomRegistry) -> None:
        sender = asyncio.create_task(self._send_loop())
        receiver = asyncio.create_task(self._receive_loop(registry))
        closing = asyncio.create_task(self._closing.wait())
        try:
            # A server-side close (revoked, slow reader) must not wait for the client
            # to send something: stop reading at once.
            await asyncio.wait({receiver, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (receiver, closing):
                task.cancel()
            if self._room is not None:
                self._room.leave(self)
            self._close(self._close_code or 1000)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sender, self._settings.close_flush_s)
            sender.cancel()
            with contextlib.suppress(BaseException):
                await receiver

    async def _send_loop(self) -> None:
        websocket = self._websocket
        try:
            while (frame := await self._outbox.get()) is not None:
                self._sending = True
                await websocket.send_text(frame)
                self._sending = False
            await websocket.close(self._close_code or 1000)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self._close_code = self._close_code or 1006

    async def _receive_loop(self, registry: RoomRegistry) -> None:
        while self._close_code is None:
            message = await self._websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes") or b""
            await self._handle(raw, registry)

    async def _handle(self, raw: str | bytes, registry: RoomRegistry) -> None:
        try:
            await self._dispatch(parse_message(raw, self._settings.max_message_bytes), registry)
        except ProtocolError as exc:
            self.send(error_frame(exc.code, exc.message, edit_id=exc.edit_id, fatal=exc.fatal))
            if exc.fatal:
                self._close(CLOSE_PROTOCOL)
        except DomainError as exc:
            self.send(error_frame(exc.code, exc.message, fatal=True))
            self._close(CLOSE_FORBIDDEN)

    async def _dispatch(self, message: ClientMessage, registry: RoomRegistry) -> None:
        if isinstance(message, Ping):
            self.send(encode({"type": "pong", "nonce": message.nonce}))
        elif isinstance(message, Join):
            await self._join(message, registry)
        elif self._room is None:
            raise ProtocolError("not_joined", "send a join message first")
        elif isinstance(message, Edit):
            self._edit(self._room, message)
        elif isinstance(message, Presence):
            if self._presence.take():
                self._room.presence(self, message)
        elif isinstance(message, Resync):
            self._room.resync(self)
        elif isinstance(message, Action):
            await self._action(self._room, message)

    async def _action(self, room: Room, message: Action) -> None:
        """The same commands as the REST API, answered with ``result`` or ``error``."""
        try:
            command, kind = command_for(message.action, message.params)
            value = await room.execute(
                self.principal, command, event_builder(kind) if kind else None
            )
        except DomainError as exc:
            self.send(error_frame(exc.code, exc.message, edit_id=message.id))
            return
        self.send(encode({"type": "result", "id": message.id, "data": to_json(value)}))

    async def _join(self, join: Join, registry: RoomRegistry) -> None:
        if self._room is not None:
            raise ProtocolError("already_joined", "one document per connection")
        room = await registry.acquire(join.document)
        scope = room.scope
        if not self.principal.can_read_conference(scope.conference_id):
            raise ProtocolError("not_found", f"no document {join.document}", fatal=True)
        self.can_edit = self.principal.can_edit(scope.conference_id, scope.working_group_id)
        committed = await room.committed(self, join.pending)
        self._room = room
        room.join(self, join, committed)

    def _edit(self, room: Room, edit: Edit) -> None:
        if not self.can_edit:
            raise ProtocolError("forbidden", "observers may watch, not edit", edit_id=edit.id)
        if not self._edits.take():
            raise ProtocolError(
                "rate_limited", "too many edits; slow down and resend", edit_id=edit.id
            )
        room.submit(self, edit)
