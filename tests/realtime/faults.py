"""Helpers for fault-injection tests against a real server: a loopback relay that can
hold back, cut and refuse connections, plain HTTP and websocket calls that bypass the
client library, the durable edit log read straight from SQLite, and frame recorders."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
import unicodedata
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

from app.client import LiveClient, login
from app.engine.utf16 import Utf16Index

PASSWORD = "accord-demo"

# -- HTTP ---------------------------------------------------------------------------------


def _http_json_sync(method: str, url: str, token: str | None, body: object | None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json", "accept": "application/json"}
    if token is not None:
        headers["cookie"] = f"accord_session={token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


async def http_json(method: str, url: str, token: str | None = None, body: object = None) -> Any:
    return await asyncio.to_thread(_http_json_sync, method, url, token, body)


async def sign_in(base_url: str, username: str) -> str:
    return await login(base_url, username, PASSWORD)


async def read_document(base_url: str, token: str, document_id: int) -> dict[str, Any]:
    url = f"{base_url}/api/documents/{document_id}"
    document: dict[str, Any] = await http_json("GET", url, token)
    return document


async def working_group_id(base_url: str, token: str, code: str) -> int:
    for conference in await http_json("GET", f"{base_url}/api/conferences", token):
        groups = await http_json(
            "GET", f"{base_url}/api/conferences/{conference['id']}/working-groups", token
        )
        for group in groups:
            if group["code"] == code:
                return int(group["id"])
    raise LookupError(f"no working group {code}")


async def create_document(
    base_url: str, token: str, group_id: int, symbol: str, text: str, title: str = "Test draft"
) -> dict[str, Any]:
    body = {"symbol": symbol, "title": title, "kind": "resolution", "text": text}
    document: dict[str, Any] = await http_json(
        "POST", f"{base_url}/api/working-groups/{group_id}/documents", token, body
    )
    return document


# -- websockets ---------------------------------------------------------------------------


async def fresh_join(base_url: str, token: str, document_id: int) -> dict[str, Any]:
    """The welcome a brand-new client gets (the whole text at the current revision)."""
    async with (
        asyncio.timeout(20),
        websockets.connect(
            base_url.replace("http", "ws", 1) + "/ws",
            additional_headers={"Cookie": f"accord_session={token}"},
            max_size=None,
        ) as ws,
    ):
        await ws.send(json.dumps({"type": "join", "protocol": 1, "document": document_id}))
        welcome: dict[str, Any] = json.loads(await ws.recv())
    assert welcome.get("type") == "welcome", welcome
    return welcome


async def send_and_await_answer(
    base_url: str, token: str, document_id: int, edit: dict[str, Any]
) -> dict[str, Any]:
    """Send one edit on a separate connection (same user, new session); its ack or error."""
    async with (
        asyncio.timeout(20),
        websockets.connect(
            base_url.replace("http", "ws", 1) + "/ws",
            additional_headers={"Cookie": f"accord_session={token}"},
            max_size=None,
        ) as ws,
    ):
        await ws.send(json.dumps({"type": "join", "protocol": 1, "document": document_id}))
        welcome = json.loads(await ws.recv())
        assert welcome.get("type") == "welcome", welcome
        await ws.send(json.dumps({"type": "edit", **edit}, ensure_ascii=False))
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame.get("type") in ("ack", "error") and frame.get("id") == edit["id"]:
                return frame


async def eventually(predicate: Callable[[], bool], poll: float = 0.005) -> None:
    """Wait until ``predicate()`` holds (bound it with ``asyncio.timeout``)."""
    while True:
        if predicate():
            return
        await asyncio.sleep(poll)


def wire_edit(client: LiveClient) -> dict[str, Any] | None:
    """The client's in-flight edit as it sends it (again): same id, its current revision
    as the base, the changes transformed up to it, in UTF-16 units."""
    outgoing = client.state.outgoing()
    if outgoing is None:
        return None
    changes = outgoing.changes.to_wire(client.state.confirmed)
    return {
        "id": outgoing.edit_id,
        "base": outgoing.base_revision,
        "changes": [list(c) for c in changes],
    }


def u16(text: str, cp_offset: int) -> int:
    return Utf16Index(text).to_utf16(cp_offset)


# -- frames -------------------------------------------------------------------------------


@dataclass
class FrameLog:
    """Everything one client received after its welcome (``LiveClient(on_frame=...)``)."""

    edits: list[dict[str, Any]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    other: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "edits":
            self.edits.extend(frame["edits"])
        elif kind == "ack":
            self.acks.append(frame)
        elif kind == "error":
            self.errors.append(frame)
        else:
            self.other.append(frame)

    def inserted(self) -> Iterable[str]:
        """Text inserted by every committed edit seen (conflict markup included)."""
        for edit in self.edits:
            for _start, _end, text in edit["changes"]:
                yield text

    def max_revision(self) -> int:
        return max((int(e["revision"]) for e in self.edits), default=0)


# -- the durable edit log -----------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    revision: int
    base_revision: int
    user_id: int | None
    client_edit_id: str | None
    changes: list[tuple[int, int, str]]  # code points, against the previous revision


def read_edit_log(database: Path, document_id: int) -> list[LogEntry]:
    """The edit log as the server stored it (read-only, safe while it runs)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        rows = connection.execute(
            "SELECT revision, base_revision, user_id, client_edit_id, changes"
            " FROM edit_log WHERE document_id = ? ORDER BY revision, id",
            (document_id,),
        ).fetchall()
    finally:
        connection.close()
    return [
        LogEntry(
            int(revision),
            int(base),
            user,
            client_id,
            [(int(s), int(e), str(t)) for s, e, t in json.loads(changes)],
        )
        for revision, base, user, client_id, changes in rows
    ]


def replay(initial: str, entries: Iterable[LogEntry], upto: int | None = None) -> str:
    """The text after applying the logged edits in order (up to revision ``upto``)."""
    text = initial
    for entry in entries:
        if upto is not None and entry.revision > upto:
            break
        parts: list[str] = []
        pos = 0
        for start, end, inserted in entry.changes:
            assert pos <= start <= end <= len(text), (entry.revision, start, end, len(text))
            parts += [text[pos:start], inserted]
            pos = end
        parts.append(text[pos:])
        text = "".join(parts)
    return text


def check_log_shape(entries: list[LogEntry]) -> None:
    """Revisions 1..n without gaps, and no client edit id applied twice."""
    assert [e.revision for e in entries] == list(range(1, len(entries) + 1))
    seen: dict[tuple[int | None, str], int] = {}
    for entry in entries:
        if entry.client_edit_id is None:
            continue
        key = (entry.user_id, entry.client_edit_id)
        assert key not in seen, f"edit {key} applied at {seen[key]} and {entry.revision}"
        seen[key] = entry.revision


# -- tokens -------------------------------------------------------------------------------

# Unique, recognisable insertions: ⟨tag.n|payload⟩. The delimiters are not bracket
# notation, and the payload never holds ⟨ or ⟩.
TOKEN = re.compile(r"⟨([a-z]+\d*\.\d+)\|[^⟨⟩]*⟩")
PAYLOADS = (
    "决议草案",
    "سلام عليكم",
    "👍🏽",
    "🇫🇷🇨🇳",
    "e\u0301te\u0301",
    "한국어",
    "Привет",
    "👩🏽\u200d⚖️",
    "中文😀",
    "مشروع قرار",
    "plain",
)


_JOINERS = frozenset("\u200d\u200c\u034f")


def inside_glyph(text: str, pos: int) -> bool:
    """Whether ``pos`` falls inside what reads as one character: before a combining
    mark or variation selector, next to a joiner, before a skin tone modifier, between
    regional indicators. Edits there are valid (UTF-16-wise) but move marks onto other
    text, where the server rightly keeps them with their new base character."""
    if not 0 < pos < len(text):
        return False
    left, right = text[pos - 1], text[pos]
    return (
        unicodedata.category(right)[0] == "M"
        or left in _JOINERS
        or right in _JOINERS
        or "\U0001f3fb" <= right <= "\U0001f3ff"
        or ("\U0001f1e6" <= left <= "\U0001f1ff" and "\U0001f1e6" <= right <= "\U0001f1ff")
        or "\U000e0020" <= right <= "\U000e007f"
    )


def glyph_boundary(text: str, pos: int) -> int:
    """``pos``, or the next position that does not split a glyph."""
    while inside_glyph(text, pos):
        pos += 1
    return pos


def token_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(text)]


def outside_tokens(text: str, pos: int) -> int:
    """``pos`` moved to the end of the token it falls strictly inside, if any."""
    for start, end in token_spans(text):
        if start < pos < end:
            return end
    return pos


def whereabouts(text: str, token: str, width: int = 40) -> list[str]:
    """What surrounds each trace of ``token`` (its ``⟨id|`` head) in ``text``: for
    assertion messages."""
    head = token[: token.index("|") + 1]
    out: list[str] = []
    start = text.find(head)
    while start != -1:
        out.append(repr(text[max(0, start - width) : start + len(token) + width]))
        start = text.find(head, start + 1)
    return out or [f"no {head!r} at all"]


def token_ids(text: str) -> list[str]:
    return [m.group(1) for m in TOKEN.finditer(text)]


# -- a relay with faults ------------------------------------------------------------------


class FaultyProxy:
    """A loopback TCP relay in front of a server.

    - ``hold_downstream()`` stops passing server-to-client bytes (they wait in the relay
      and in socket buffers: the client falls behind, or never sees an acknowledgement
      if the link is cut meanwhile);
    - ``cut()`` aborts every relayed connection at once (RST both ways), dropping
      whatever was held;
    - ``refusing = True`` closes new connections immediately (a server that is down or
      unreachable, from the client's side).
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.refusing = False
        self.accepted = 0
        self.port = 0
        self._down_open = asyncio.Event()
        self._down_open.set()
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FaultyProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def hold_downstream(self) -> None:
        self._down_open.clear()

    def release_downstream(self) -> None:
        self._down_open.set()

    def cut(self) -> None:
        for client, upstream in list(self._links):
            client.transport.abort()
            upstream.transport.abort()

    async def close(self) -> None:
        self.refusing = True
        if self._server is not None:
            self._server.close()
        self.cut()
        self._down_open.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            if self.refusing:
                writer.transport.abort()
                return
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            except OSError:
                writer.transport.abort()
                return
            self.accepted += 1
            link = (writer, up_writer)
            self._links.add(link)
            try:
                await asyncio.gather(
                    self._pump(reader, up_writer, None, link),
                    self._pump(up_reader, writer, self._down_open, link),
                )
            finally:
                self._links.discard(link)
                writer.transport.abort()
                up_writer.transport.abort()
        finally:
            self._tasks.discard(task)

    @staticmethod
    async def _pump(
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        gate: asyncio.Event | None,
        link: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        try:
            while data := await source.read(65536):
                if gate is not None:
                    await gate.wait()
                if sink.transport.is_closing():
                    return
                sink.write(data)
                await sink.drain()
            if not sink.transport.is_closing() and sink.can_write_eof():
                sink.write_eof()
        except (ConnectionError, OSError):
            for side in link:
                side.transport.abort()


@contextlib.asynccontextmanager
async def relay(target_port: int) -> Any:
    proxy = await FaultyProxy(target_port).start()
    try:
        yield proxy
    finally:
        await proxy.close()
