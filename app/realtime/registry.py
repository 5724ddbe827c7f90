"""Rooms by document id: loaded on first join, closed when idle."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

from sqlalchemy.orm import Session, sessionmaker

from app.auth.principal import Principal
from app.auth.service import principal_for_token
from app.broker import Broker
from app.config import Settings
from app.db.session import transaction
from app.editing.pipeline import DocumentWriter, EditGuard, WriterLimits
from app.errors import NotFound
from app.realtime.room import PROCESS_ID, Peer, Room


class RoomRegistry:
    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        broker: Broker,
        guard: EditGuard | None = None,
    ) -> None:
        self._settings = settings
        self._factory = factory
        self._broker = broker
        self._guard = guard
        self._rooms: dict[int, Room] = {}
        self._loading: dict[int, asyncio.Lock] = {}
        self._closing: set[asyncio.Task[None]] = set()

    async def acquire_readable(self, document_id: int, who: Principal) -> Room:
        """The document's room, for someone who may read it (else: no such document)."""
        room = await self.acquire(document_id)
        if not who.can_read_conference(room.scope.conference_id):
            raise NotFound(f"no document {document_id}")
        return room

    async def acquire(self, document_id: int) -> Room:
        room = self._rooms.get(document_id)
        if room is not None:
            return room
        lock = self._loading.setdefault(document_id, asyncio.Lock())
        async with lock:
            room = self._rooms.get(document_id)
            if room is None:
                room = Room(
                    document_id, self._writer(document_id), self._settings, self._broker, self._idle
                )
                await room.start()
                self._rooms[document_id] = room
        return room

    def _writer(self, document_id: int) -> DocumentWriter:
        limits = WriterLimits.of(self._settings, shared=bool(self._settings.redis_url))
        return DocumentWriter(self._factory, document_id, limits, self._guard)

    def _idle(self, room: Room) -> None:
        if not room.peers and self._rooms.get(room.document_id) is room:
            del self._rooms[room.document_id]
            task = asyncio.get_running_loop().create_task(room.stop())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def room(self, document_id: int) -> Room | None:
        return self._rooms.get(document_id)

    def peers(self) -> Iterator[Peer]:
        for room in self._rooms.values():
            yield from room.peers.values()

    async def start(self) -> None:
        await self._broker.subscribe(self._users_channel, self._on_user_changed)

    @property
    def _users_channel(self) -> str:
        return f"{self._settings.channel_prefix}:users"

    async def recheck_user(self, user_id: int) -> None:
        """Apply a change of a user's account or roles to their open connections at once,
        in this process and (through the broker) in every other one."""
        await self._recheck_here(user_id)
        message = json.dumps({"user": user_id, "origin": PROCESS_ID}).encode()
        await self._broker.publish(self._users_channel, message)

    def _on_user_changed(self, _channel: str, message: bytes) -> None:
        data = json.loads(message)
        if data.get("origin") != PROCESS_ID and isinstance(data.get("user"), int):
            task = asyncio.get_running_loop().create_task(self._recheck_here(data["user"]))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _recheck_here(self, user_id: int) -> None:
        """Connections that lost their rights are closed; the others get the new rights."""
        for room in list(self._rooms.values()):
            scope = room.scope
            for peer in [p for p in room.peers.values() if p.principal.user_id == user_id]:
                principal = await asyncio.to_thread(self._principal, peer.token)
                if principal is None or not principal.can_read_conference(scope.conference_id):
                    peer.revoke("forbidden", "your access to this document was withdrawn")
                    continue
                peer.principal = principal
                peer.can_edit = principal.can_edit(scope.conference_id, scope.working_group_id)

    def _principal(self, token: str) -> Principal | None:
        with transaction(self._factory) as db:
            return principal_for_token(db, token)

    async def close(self) -> None:
        await self._broker.unsubscribe(self._users_channel, self._on_user_changed)
        rooms, self._rooms = list(self._rooms.values()), {}
        for room in rooms:
            await room.stop()
