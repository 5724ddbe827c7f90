"""One document's room: its connected peers, the single writer loop that serialises
every change to the document, fan-out of committed edits, bracket events and presence.

Frames are encoded once per broadcast and queued to each peer; edits arriving within
the coalescing window share one frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from app.auth.principal import Principal
from app.broker import Broker
from app.config import Settings
from app.editing.pipeline import (
    BatchResult,
    CommandContext,
    Committed,
    DocumentWriter,
    Submission,
    apply_remote,
)
from app.engine.live import BracketDelta
from app.logs import get_logger
from app.realtime.fastsend import BroadcastFrame
from app.realtime.protocol import PROTOCOL_VERSION, Edit, Join, Presence, encode, error_frame

log = get_logger(__name__)
T = TypeVar("T")
PROCESS_ID = uuid.uuid4().hex


class Peer(Protocol):
    session: str
    principal: Principal
    token: str
    can_edit: bool

    def send(self, frame: str | BroadcastFrame) -> None: ...
    def revoke(self, code: str, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class _Remote:
    edits: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _Command:
    principal: Principal
    run: Callable[[CommandContext], Any]
    done: asyncio.Future[Any]
    event: Callable[[Any], dict[str, Any] | None] | None


@dataclass(frozen=True, slots=True)
class _Queued:
    peer: Peer
    submission: Submission


class Room:
    def __init__(
        self,
        document_id: int,
        writer: DocumentWriter,
        settings: Settings,
        broker: Broker,
        on_idle: Callable[[Room], None],
    ) -> None:
        self.document_id = document_id
        self.peers: dict[str, Peer] = {}
        self._writer = writer
        self._settings = settings
        self._broker = broker
        self._on_idle = on_idle
        self._channel = f"{settings.channel_prefix}:document:{document_id}"
        self._queue: asyncio.Queue[_Queued | _Remote | _Command] = asyncio.Queue()
        self._recent: deque[dict[str, Any]] = deque(maxlen=settings.edit_history_window)
        self._text = ""
        self._revision = 0
        self._brackets: list[dict[str, object]] = []
        self._presence: dict[str, dict[str, Any]] = {}
        self._presence_dirty: set[str] = set()
        self._presence_task: asyncio.Task[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_flush = 0.0
        self._last_refresh = 0.0
        self._last_follow = time.monotonic()
        self._idle_handle: asyncio.TimerHandle | None = None

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        await asyncio.to_thread(self._writer.load)
        self._sync_view()
        await self._broker.subscribe(self._channel, self._on_broker)
        self._task = asyncio.create_task(self._run(), name=f"room-{self.document_id}")

    async def stop(self) -> None:
        await self._broker.unsubscribe(self._channel, self._on_broker)
        for task in (self._task, self._presence_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    @property
    def scope(self) -> Any:
        return self._writer.scope

    @property
    def revision(self) -> int:
        return self._revision

    # -- peers -----------------------------------------------------------------------

    async def committed(self, peer: Peer, pending: tuple[str, ...]) -> dict[str, int]:
        """Which of a reconnecting client's unacknowledged edits were committed (from
        memory, or the database after a restart or beyond the history window)."""
        if not pending:
            return {}
        return await asyncio.to_thread(self._writer.committed_ids, peer.principal.user_id, pending)

    def join(self, peer: Peer, join: Join, committed: dict[str, int] | None = None) -> None:
        """Register the peer and send its welcome; later frames follow in order."""
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        self.peers[peer.session] = peer
        peer.send(encode(self._welcome(peer, join, committed or {})))
        self._presence[peer.session] = _presence_of(peer, None, self._revision)
        self._mark_presence(peer.session)

    def leave(self, peer: Peer) -> None:
        if self.peers.pop(peer.session, None) is None:
            return
        self._presence.pop(peer.session, None)
        self._mark_presence(peer.session)
        if not self.peers:
            loop = asyncio.get_running_loop()
            self._idle_handle = loop.call_later(
                self._settings.room_idle_close_s, self._on_idle, self
            )

    def submit(self, peer: Peer, edit: Edit) -> None:
        submission = Submission(
            peer.session, peer.token, edit.id, edit.base, edit.changes, peer.principal
        )
        self._queue.put_nowait(_Queued(peer, submission))

    async def execute(
        self,
        principal: Principal,
        run: Callable[[CommandContext], T],
        event: Callable[[T], dict[str, Any] | None] | None = None,
    ) -> T:
        """Run a workflow command in order with the edits; its text changes and an
        optional event (built from its result) are broadcast to everyone here."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Command(principal, run, done, event))
        result: T = await done
        return result

    def presence(self, peer: Peer, presence: Presence) -> None:
        cursor = (
            None if presence.anchor is None else {"anchor": presence.anchor, "head": presence.head}
        )
        self._presence[peer.session] = _presence_of(peer, cursor, presence.revision)
        self._mark_presence(peer.session)

    def resync(self, peer: Peer) -> None:
        peer.send(
            encode(
                {
                    "type": "snapshot",
                    "revision": self._revision,
                    "text": self._text,
                    "brackets": self._brackets,
                }
            )
        )

    def _welcome(self, peer: Peer, join: Join, committed: dict[str, int]) -> dict[str, Any]:
        frame: dict[str, Any] = {
            "type": "welcome",
            "protocol": PROTOCOL_VERSION,
            "document": self.document_id,
            "session": peer.session,
            "revision": self._revision,
            "user": {"id": peer.principal.user_id, "name": peer.principal.display_name},
            "delegation": peer.principal.delegation_code,
            "can_edit": peer.can_edit,
            "presence": list(self._presence.values()),
            # Only what the welcome's text already holds; later ones arrive as edits.
            "committed": {i: r for i, r in committed.items() if r <= self._revision},
        }
        catchup = self._catchup(join.revision)
        if catchup is None:
            frame.update(text=self._text, brackets=self._brackets)
        else:
            frame.update(base=join.revision, edits=catchup, brackets=self._brackets)
        return frame

    def _catchup(self, revision: int | None) -> list[dict[str, Any]] | None:
        if revision is None or revision > self._revision:
            return None
        missing = self._revision - revision
        if missing > len(self._recent):
            return None
        return list(self._recent)[len(self._recent) - missing :] if missing else []

    # -- the writer loop -------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("room step failed", document=self.document_id)
                await asyncio.sleep(0.05)

    async def _step(self) -> None:
        refresh, follow = self._refresh_timeout(), self._follow_timeout()
        timeouts = [t for t in (refresh, follow) if t is not None]
        try:
            first = await asyncio.wait_for(self._queue.get(), min(timeouts, default=None))
        except TimeoutError:
            if follow is not None and follow <= (refresh if refresh is not None else follow):
                await self._poll_database()
            else:
                await self._refresh_brackets()
            return
        if isinstance(first, _Command):
            await self._command(first)
            return
        await self._coalesce()
        items: list[_Queued | _Remote | _Command] = [first]
        while not self._queue.empty() and len(items) < self._settings.max_batch_edits:
            items.append(self._queue.get_nowait())
        commands = [item for item in items if isinstance(item, _Command)]
        remote = [e for item in items if isinstance(item, _Remote) for e in item.edits]
        if remote:
            await self._follow(remote)
        queued = [item for item in items if isinstance(item, _Queued)]
        if queued:
            await self._write(queued)
        for command in commands:
            await self._command(command)
        if self._refresh_timeout() == 0:
            await self._refresh_brackets()

    async def _command(self, command: _Command) -> None:
        try:
            result = await asyncio.to_thread(self._writer.execute, command.principal, command.run)
        except BaseException as exc:
            self._after_failure()
            if not command.done.done():
                command.done.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        edits = [_edit_frame(c) for c in [*result.followed, *result.committed]]
        if edits:
            self._publish_local(edits)
            await self._publish_remote([_edit_frame(c) for c in result.committed])
        for delta in result.deltas:
            self._publish_brackets(delta)
        # The command is committed: its caller hears so even if its event cannot be sent.
        if not command.done.done():
            command.done.set_result(result.value)
        try:
            event = command.event(result.value) if command.event else None
        except Exception:
            log.exception("event of a committed command could not be built")
            return
        if event is not None:
            self.broadcast_event(event)
            await self._publish_payload({"origin": PROCESS_ID, "event": event})

    def broadcast_event(self, event: dict[str, Any]) -> None:
        """A negotiation event (position, proposal, resolution, lock...) for everyone."""
        frame = BroadcastFrame(encode({"type": "event", "revision": self._revision, **event}))
        for peer in list(self.peers.values()):
            peer.send(frame)

    async def _coalesce(self) -> None:
        wait = self._last_flush + self._settings.coalesce_window_ms / 1000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _write(self, queued: list[_Queued]) -> None:
        peers = {q.submission.session: q.peer for q in queued}
        try:
            result = await asyncio.to_thread(self._writer.submit, [q.submission for q in queued])
        except Exception:
            log.exception("edit batch not committed", document=self.document_id)
            self._after_failure()
            for q in queued:
                q.peer.send(
                    error_frame(
                        "internal",
                        "the edit was not saved; send it again",
                        edit_id=q.submission.edit_id,
                    )
                )
            return
        self._last_flush = time.monotonic()
        edits = [_edit_frame(c) for c in [*result.followed, *result.committed]]
        if edits:
            self._publish_local(edits)
        if self._writer.live.revision != self._revision:
            self._after_failure()  # the writer reloaded: peers cannot follow by edits
        self._answer(result, peers)
        if result.committed:
            await self._publish_remote([_edit_frame(c) for c in result.committed])

    def _answer(self, result: BatchResult, peers: dict[str, Peer]) -> None:
        for outcome in result.outcomes:
            peer = peers[outcome.session]
            if outcome.revoke and outcome.error:
                peer.revoke(*outcome.error)
            elif outcome.error:
                code, message = outcome.error
                peer.send(error_frame(code, message, edit_id=outcome.edit_id))
            else:
                peer.send(
                    encode(
                        {
                            "type": "ack",
                            "id": outcome.edit_id,
                            "revision": outcome.revision,
                            "duplicate": outcome.duplicate,
                        }
                    )
                )

    def _publish_local(self, edits: list[dict[str, Any]]) -> None:
        self._recent.extend(edits)
        self._sync_view()
        frame = BroadcastFrame(encode({"type": "edits", "edits": edits}))
        for peer in list(self.peers.values()):
            peer.send(frame)

    async def _publish_remote(self, edits: list[dict[str, Any]]) -> None:
        await self._publish_payload({"origin": PROCESS_ID, "edits": edits})

    async def _publish_payload(self, data: dict[str, Any]) -> None:
        if not self._broker.crosses_processes:
            return  # rooms only relay to other processes; this one already broadcast it
        payload = json.dumps(data, ensure_ascii=False)
        try:
            await self._broker.publish(self._channel, payload.encode())
        except Exception:
            log.exception(
                "broker publish failed; other processes will catch up on the next event",
                document=self.document_id,
            )

    def _on_broker(self, _channel: str, message: bytes) -> None:
        data = json.loads(message)
        if data.get("origin") == PROCESS_ID:
            return
        if "event" in data:
            self.broadcast_event(data["event"])
        else:
            self._queue.put_nowait(_Remote(list(data.get("edits", []))))

    async def _follow(self, edits: list[dict[str, Any]]) -> None:
        """Apply edits committed by another process, in revision order."""
        fresh = sorted(
            (e for e in edits if e.get("revision", 0) > self._revision),
            key=lambda e: int(e["revision"]),
        )
        if not fresh:
            return
        if await asyncio.to_thread(apply_remote, self._writer, fresh):
            self._publish_local(fresh)
            return
        committed = await asyncio.to_thread(self._writer.follow)
        self._last_follow = time.monotonic()
        self._publish_local([_edit_frame(c) for c in committed])

    def _follow_timeout(self) -> float | None:
        if not self._settings.redis_url:
            return None  # one process: every edit goes through this room
        due = self._last_follow + self._settings.follow_interval_s
        return max(0.0, due - time.monotonic())

    async def _poll_database(self) -> None:
        self._last_follow = time.monotonic()
        committed = await asyncio.to_thread(self._writer.follow)
        if committed:
            self._publish_local([_edit_frame(c) for c in committed])

    # -- brackets --------------------------------------------------------------------

    def _refresh_timeout(self) -> float | None:
        if not self._writer.live.brackets_stale:
            return None
        due = self._last_refresh + self._settings.bracket_refresh_ms / 1000
        return max(0.0, due - time.monotonic())

    async def _refresh_brackets(self) -> None:
        self._last_refresh = time.monotonic()
        delta, followed = await asyncio.to_thread(self._writer.refresh_brackets)
        if followed:
            self._publish_local([_edit_frame(c) for c in followed])
        self._publish_brackets(delta)

    def _publish_brackets(self, delta: BracketDelta) -> None:
        self._brackets = [v.wire() for v in self._writer.live.brackets()]
        if not delta.is_empty:
            frame = BroadcastFrame(encode(_bracket_frame(delta)))
            for peer in list(self.peers.values()):
                peer.send(frame)

    # -- presence --------------------------------------------------------------------

    def _mark_presence(self, session: str) -> None:
        self._presence_dirty.add(session)
        if self._presence_task is None or self._presence_task.done():
            self._presence_task = asyncio.create_task(self._flush_presence())

    async def _flush_presence(self) -> None:
        await asyncio.sleep(self._settings.presence_interval_ms / 1000)
        dirty, self._presence_dirty = self._presence_dirty, set()
        updates = [self._presence.get(s) or {"session": s, "left": True} for s in sorted(dirty)]
        frame = BroadcastFrame(encode({"type": "presence", "updates": updates}))
        for peer in list(self.peers.values()):
            peer.send(frame)

    def _after_failure(self) -> None:
        """The writer may have reloaded: if the text moved, every peer resyncs."""
        before = self._revision
        self._sync_view()
        if self._revision != before:
            for peer in list(self.peers.values()):
                self.resync(peer)

    def _sync_view(self) -> None:
        live = self._writer.live
        self._text, self._revision = live.text, live.revision
        if not self._brackets or not live.brackets_stale:
            self._brackets = [v.wire() for v in live.brackets()]


def _edit_frame(committed: Committed) -> dict[str, Any]:
    author = committed.author
    return {
        "revision": committed.applied.revision,
        "id": committed.edit_id,
        "author": {"id": author.user_id, "name": author.name},
        "delegation": author.delegation,
        "changes": [list(c) for c in committed.applied.wire],
        "conflicts": committed.applied.conflicts_wire,
    }


def _bracket_frame(delta: BracketDelta) -> dict[str, Any]:
    return {
        "type": "brackets",
        "revision": delta.revision,
        "created": [v.wire() for v in delta.created],
        "ended": list(delta.ended),
        "changed": [v.wire() for v in delta.changed],
    }


def _presence_of(peer: Peer, cursor: dict[str, int | None] | None, revision: int) -> dict[str, Any]:
    return {
        "session": peer.session,
        "user": {"id": peer.principal.user_id, "name": peer.principal.display_name},
        "delegation": peer.principal.delegation_code,
        "cursor": cursor,
        "revision": revision,
    }
