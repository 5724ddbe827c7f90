"""A live-editing client: joins a document, applies local edits optimistically, keeps
at most one edit in flight, follows everyone else's edits in revision order, and
reconnects without losing or duplicating anything.

    client = LiveClient("http://127.0.0.1:8000", token, document_id)
    await client.connect()
    await client.replace(0, 0, "Hello ")   # UTF-16 offsets, like a browser
    await client.settled()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Origin

from app.engine.changes import ChangeSet
from app.engine.client_state import ClientState, RevisionGap
from app.engine.rebase import transform
from app.engine.textdiff import diff_to_changes

PROTOCOL_VERSION = 1
RETRYABLE = {"internal", "rate_limited", "stale_document"}


class LiveError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class LiveClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        document_id: int,
        *,
        origin: str | None = None,
        reconnect: bool = True,
        on_frame: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._url = base_url.replace("http", "ws", 1).rstrip("/") + "/ws"
        self._token = token
        self._origin = origin or base_url.rstrip("/")
        self.document_id = document_id
        self.reconnect = reconnect
        self.on_frame = on_frame
        self.state = ClientState.start("", 0)
        self.brackets: list[dict[str, Any]] = []
        self.presence: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.welcome: dict[str, Any] = {}
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        self._joined = asyncio.Event()
        self._closed = False
        self._retry_after: asyncio.TimerHandle | None = None

    # -- public ----------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.state.text

    @property
    def revision(self) -> int:
        return self.state.revision

    async def connect(self) -> dict[str, Any]:
        await self._open(first=True)
        self._reader = asyncio.create_task(self._read_forever())
        return self.welcome

    async def close(self) -> None:
        self._closed = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            await self._ws.close()

    async def drop_connection(self) -> None:
        """Simulate a network failure: the socket goes, the client reconnects."""
        if self._ws is not None:
            await self._ws.close()

    async def replace(self, start: int, end: int, text: str) -> None:
        """Replace UTF-16 range [start, end) of the current text."""
        await self.edit([[start, end, text]])

    async def edit(self, wire: list[list[Any]]) -> None:
        """A local edit in wire form (UTF-16 offsets against :attr:`text`)."""
        changes = ChangeSet.from_wire(self.state.text, wire)  # no index for emoji-free text
        self.state = self.state.edit(changes)
        await self._flush()

    async def settled(self) -> None:
        """Wait until every local edit is committed and acknowledged (wrap in
        ``asyncio.timeout`` to bound the wait)."""
        await self.wait_for(lambda: self.state.is_settled)

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        async with self._changed:
            await self._changed.wait_for(predicate)

    async def send_presence(self, anchor: int | None, head: int | None = None) -> None:
        cursor = None if anchor is None else {"anchor": anchor, "head": head or anchor}
        await self._send({"type": "presence", "revision": self.revision, "cursor": cursor})

    # -- connection ------------------------------------------------------------------

    async def _open(self, *, first: bool) -> None:
        self._joined.clear()
        self._ws = await websockets.connect(
            self._url,
            additional_headers={"Cookie": f"accord_session={self._token}"},
            origin=Origin(self._origin),
            max_size=None,
        )
        join: dict[str, Any] = {
            "type": "join",
            "protocol": PROTOCOL_VERSION,
            "document": self.document_id,
        }
        if not first:
            join["revision"] = self.state.revision
            if self.state.inflight is not None:
                join["pending"] = [self.state.inflight.edit_id]
        await self._ws.send(json.dumps(join))
        frame = json.loads(await self._ws.recv())
        if frame.get("type") == "error":
            raise LiveError(frame["code"], frame["message"])
        self._on_welcome(frame, first=first)
        await self._resend()

    async def _read_forever(self) -> None:
        while not self._closed:
            try:
                assert self._ws is not None
                async for raw in self._ws:
                    await self._on_frame(json.loads(raw))
            except (websockets.ConnectionClosed, OSError):
                pass
            if self._closed or not self.reconnect:
                return
            await self._reconnect()

    async def _reconnect(self) -> None:
        delay = 0.05
        while not self._closed:
            try:
                await self._open(first=False)
                return
            except (OSError, websockets.WebSocketException, LiveError):
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

    async def _send(self, frame: dict[str, Any]) -> None:
        if self._ws is None:
            return
        with contextlib.suppress(websockets.ConnectionClosed):
            await self._ws.send(json.dumps(frame, ensure_ascii=False))

    # -- state -----------------------------------------------------------------------

    def _on_welcome(self, frame: dict[str, Any], *, first: bool) -> None:
        self.welcome = frame
        self.brackets = frame.get("brackets", [])
        self.presence = {p["session"]: p for p in frame.get("presence", [])}
        if "text" in frame:
            self._reset(frame["text"], frame["revision"], frame.get("committed", {}), first)
        else:
            for edit in frame.get("edits", []):
                self._receive(edit)
        self._joined.set()

    def _reset(self, text: str, revision: int, committed: dict[str, int], first: bool) -> None:
        """Adopt a server snapshot, carrying over local edits not yet committed."""
        old = self.state
        if first or old.is_settled:
            self.state = ClientState.start(text, revision)
            return
        base, mine = old.confirmed, ChangeSet(len(old.confirmed))
        if old.inflight is not None:
            if old.inflight.edit_id in committed:
                base = old.inflight.changes.apply(base)
            else:
                mine = old.inflight.changes
            mine_base = base if old.inflight.edit_id in committed else old.confirmed
        else:
            mine_base = base
        if old.buffer is not None:
            mine = mine.then(old.buffer) if not mine.is_empty else old.buffer
        theirs = diff_to_changes(mine_base, text, 1.0)
        ours = transform(mine, theirs, False) if not mine.is_empty else mine
        self.state = ClientState.start(text, revision)
        if not ours.is_empty:
            self.state = self.state.edit(ours)

    def _receive(self, edit: dict[str, Any]) -> None:
        changes = ChangeSet.from_wire(self.state.confirmed, edit["changes"])
        self.state, _shown = self.state.receive(edit["revision"], changes, edit.get("id"))

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if self.on_frame is not None:
            self.on_frame(frame)
        try:
            if kind == "edits":
                for edit in frame["edits"]:
                    self._receive(edit)
            elif kind == "snapshot":
                self._reset(frame["text"], frame["revision"], {}, False)
                self.brackets = frame.get("brackets", [])
            elif kind == "brackets":
                self._on_brackets(frame)
            elif kind == "presence":
                self._on_presence(frame)
            elif kind == "error":
                await self._on_error(frame)
        except RevisionGap:
            await self._send({"type": "resync"})
        await self._flush()
        async with self._changed:
            self._changed.notify_all()

    def _on_brackets(self, frame: dict[str, Any]) -> None:
        gone = set(frame["ended"]) | {b["id"] for b in frame["changed"]}
        kept = [b for b in self.brackets if b["id"] not in gone]
        self.brackets = sorted(
            [*kept, *frame["created"], *frame["changed"]], key=lambda b: b["open"]
        )

    def _on_presence(self, frame: dict[str, Any]) -> None:
        for update in frame["updates"]:
            if update.get("left"):
                self.presence.pop(update["session"], None)
            else:
                self.presence[update["session"]] = update

    async def _on_error(self, frame: dict[str, Any]) -> None:
        self.errors.append(frame)
        inflight = self.state.inflight
        if inflight is None or frame.get("id") != inflight.edit_id:
            return
        if frame["code"] in RETRYABLE:
            await asyncio.sleep(0.2)
            await self._resend()
        elif frame["code"] == "base_too_old":
            await self._send({"type": "resync"})
        else:
            raise LiveError(frame["code"], frame["message"])

    async def _flush(self) -> None:
        if not self._joined.is_set():
            return
        self.state, outgoing = self.state.send(uuid.uuid4().hex)
        if outgoing is not None:
            await self._send_edit(outgoing.edit_id, outgoing.base_revision, outgoing.changes)

    async def _resend(self) -> None:
        outgoing = self.state.outgoing()
        if outgoing is not None:
            await self._send_edit(outgoing.edit_id, outgoing.base_revision, outgoing.changes)
        else:
            await self._flush()

    async def _send_edit(self, edit_id: str, base: int, changes: ChangeSet) -> None:
        confirmed = self.state.confirmed
        await self._send(
            {
                "type": "edit",
                "id": edit_id,
                "base": base,
                "changes": [list(c) for c in changes.to_wire(confirmed)],
            }
        )
