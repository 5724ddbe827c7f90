"""The load generator of ``bench_fanout.py``: many websocket clients in one process.

Each client is a ``websockets`` Sans-I/O :class:`~websockets.client.ClientProtocol` on an
asyncio transport, so a received frame costs one parse and one regex, with no task
switch and no message queue. Watchers only look for edit ids in the frames they receive
and time-stamp them; editors type single characters on a schedule, keep at most one
edit in flight and buffer what they type meanwhile (docs/protocol.md, *A client's
state*). Every timestamp is ``time.monotonic_ns()``, which is one clock for all the
processes of the machine, so the parent can merge send and receipt times.

A worker process is driven over a pipe by the parent:

    parent -> worker   plan (``WorkerPlan``)
    worker -> parent   ("connected", count, errors, frames, bytes, compressed count)
    parent -> worker   ("phase", PhasePlan) ... ("stop",)
    worker -> parent   ("phase-done", PhaseResult) after each phase
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Origin
from websockets.uri import parse_uri

KEY_SPAN = 10**9  # edit key = editor * KEY_SPAN + phase * PHASE_SPAN + sequence
PHASE_SPAN = 10**6
ID_PATTERN = re.compile(rb'"id":"k(\d+)"')
TYPIST_TEXT = "the parties agree to cooperate on affordable connectivity for all schools "
CONNECT_CONCURRENCY = 32
POLL_S = 0.02


def edit_id(key: int) -> str:
    return f"k{key}"


def author_of(key: int) -> int:
    return key // KEY_SPAN


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class ClientPlan:
    index: int  # 0..N-1; editors are 0..editors-1
    token: str
    editor: bool


@dataclass(frozen=True)
class WorkerPlan:
    host: str
    port: int
    origin: str
    document: int
    clients: list[ClientPlan]
    compression: bool
    connect_timeout_s: float


@dataclass(frozen=True)
class PhasePlan:
    phase: int  # distinguishes the edit ids of successive phases
    start_ns: int  # monotonic; the first keystroke of editor 0
    duration_s: float
    rate_per_editor: float  # keystrokes per second per editor
    editors: int  # total number of editors (for the phase offsets)
    grace_s: float  # longest wait for stragglers after the last keystroke
    quiet_s: float  # the phase ends after this long without any frame


@dataclass
class PhaseResult:
    sent_key: array[int] = field(default_factory=lambda: array("q"))
    sent_ns: array[int] = field(default_factory=lambda: array("q"))
    first_key_ns: array[int] = field(default_factory=lambda: array("q"))
    chars: array[int] = field(default_factory=lambda: array("q"))
    acked_key: array[int] = field(default_factory=lambda: array("q"))
    acked_ns: array[int] = field(default_factory=lambda: array("q"))
    recv_client: array[int] = field(default_factory=lambda: array("q"))
    recv_key: array[int] = field(default_factory=lambda: array("q"))
    recv_ns: array[int] = field(default_factory=lambda: array("q"))
    keystrokes: int = 0
    unsent_keystrokes: int = 0
    frames: int = 0
    frame_bytes: int = 0
    frame_types: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    closed: int = 0  # connections the server closed during the phase
    cpu_s: float = 0.0  # this worker's CPU time during the phase
    end_ns: int = 0


class Client(asyncio.Protocol):
    """One websocket connection, driven by hand from ``data_received``."""

    def __init__(self, plan: ClientPlan, worker: Worker) -> None:
        self.plan = plan
        self.index = plan.index
        self.worker = worker
        extensions = enable_client_permessage_deflate(None) if worker.plan.compression else None
        self.protocol = ClientProtocol(
            parse_uri(f"ws://{worker.plan.host}:{worker.plan.port}/ws"),
            origin=Origin(worker.plan.origin),
            extensions=extensions,
            max_size=None,
        )
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.welcomed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self.on_text: Callable[[bytes], None] = self._watch

    # -- transport -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        request = self.protocol.connect()
        request.headers["Cookie"] = f"accord_session={self.plan.token}"
        self.protocol.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        protocol = self.protocol
        protocol.receive_data(data)
        for event in protocol.events_received():
            if type(event) is Frame:
                if event.opcode is Opcode.TEXT or event.opcode is Opcode.BINARY:
                    self.on_text(bytes(event.data))
                elif event.opcode is Opcode.CLOSE:
                    self._closed_by_server()
            elif isinstance(event, Response):
                self._handshake(event)
        if protocol.writes:
            self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed_by_server()
        for future in (self.opened, self.welcomed):
            if not future.done():
                future.set_exception(ConnectionError(f"connection lost: {exc}"))

    def _flush(self) -> None:
        transport = self.transport
        if transport is None:
            return
        for chunk in self.protocol.data_to_send():
            if chunk:
                transport.write(chunk)
            else:
                transport.close()

    def _handshake(self, response: Response) -> None:
        if self.protocol.state is State.OPEN:
            if self.protocol.extensions:
                self.worker.deflate_connections += 1
            self.opened.set_result(None)
        elif not self.opened.done():
            detail = self.protocol.handshake_exc or response.status_code
            self.opened.set_exception(ConnectionError(f"handshake refused: {detail}"))

    def _closed_by_server(self) -> None:
        if not self.closed:
            self.closed = True
            self.worker.on_closed(self)

    def send_json(self, message: dict[str, Any]) -> None:
        if self.closed or self.transport is None:
            return
        self.protocol.send_text(json.dumps(message, separators=(",", ":")).encode())
        self._flush()

    def close(self) -> None:
        if self.transport is None:
            return
        with contextlib.suppress(Exception):
            if self.protocol.state is State.OPEN:
                self.protocol.send_close(1000)
                self._flush()
        self.closed = True
        self.transport.close()

    # -- frames ----------------------------------------------------------------------

    def welcome(self, data: bytes) -> None:
        """The first text frame after ``join``: the welcome (or an error)."""
        if not self.welcomed.done():
            self.worker.outside_frames += 1
            self.worker.outside_bytes += len(data)
            if data.startswith(b'{"type":"welcome"'):
                self.welcomed.set_result(None)
            else:
                self.welcomed.set_exception(ConnectionError(data[:200].decode(errors="replace")))

    def _watch(self, data: bytes) -> None:
        """The hot path: time-stamp the edit ids in one received frame."""
        now = time.monotonic_ns()
        worker = self.worker
        worker.last_frame_ns = now
        result = worker.result
        if result is None:
            worker.outside_frames += 1
            worker.outside_bytes += len(data)
            return
        result.frames += 1
        result.frame_bytes += len(data)
        if data.startswith(b'{"type":"error"'):
            worker.count_other(data)
            return
        ids = ID_PATTERN.findall(data)
        if ids:
            index = self.index
            for raw in ids:
                result.recv_client.append(index)
                result.recv_key.append(int(raw))
                result.recv_ns.append(now)
        else:
            worker.count_other(data)


class Editor:
    """A typist: one keystroke per tick, appended at the end of the document."""

    def __init__(self, client: Client, editor: int) -> None:
        self.client = client
        self.editor = editor
        self.revision = 0
        self.length = 0  # UTF-16 length of the text at ``revision``
        self.inflight: int | None = None  # edit key
        self.inflight_text = ""
        self.buffer = ""
        self.buffer_since = 0
        self.sequence = 0
        self.phase = 0
        self.sending = False
        client.on_text = self.frame

    def frame(self, data: bytes) -> None:
        if not self.client.welcomed.done():
            self._welcome(data)
            return
        now = time.monotonic_ns()
        self.client._watch(data)
        message = json.loads(data)
        kind = message.get("type")
        if kind == "edits":
            for edit in message["edits"]:
                revision = edit["revision"]
                if revision != self.revision + 1:
                    # Every edit exactly once, in revision order: anything else is a fault.
                    self.client.worker.count_error(
                        "revision_repeated" if revision <= self.revision else "revision_gap"
                    )
                    if revision <= self.revision:
                        continue
                for start, end, text in edit["changes"]:
                    self.length += utf16_len(text) - (end - start)
                self.revision = revision
                if edit.get("id") == _id_or_none(self.inflight):
                    self._acknowledged(now)
        elif kind == "ack":
            if message.get("id") == _id_or_none(self.inflight):
                revision = message["revision"]
                if revision > self.revision:
                    # A relay does not echo the author's own edit: account for it here.
                    self.length += utf16_len(self.inflight_text)
                    self.revision = revision
                self._acknowledged(now)
        elif kind == "error" and message.get("id") == _id_or_none(self.inflight):
            # The in-flight edit was refused (not applied): go on with the buffer.
            self.inflight = None
            self.inflight_text = ""
            self._send()

    def _welcome(self, data: bytes) -> None:
        self.client.welcome(data)
        if data.startswith(b'{"type":"welcome"'):
            message = json.loads(data)
            self.revision = int(message["revision"])
            self.length = utf16_len(message.get("text", ""))

    def _acknowledged(self, now: int) -> None:
        result = self.client.worker.result
        if result is not None and self.inflight is not None:
            result.acked_key.append(self.inflight)
            result.acked_ns.append(now)
        self.inflight = None
        self.inflight_text = ""
        if self.sending:
            self._send()

    def keystroke(self, position: int) -> None:
        if not self.buffer:
            self.buffer_since = time.monotonic_ns()
        self.buffer += TYPIST_TEXT[position % len(TYPIST_TEXT)]
        result = self.client.worker.result
        if result is not None:
            result.keystrokes += 1
        self._send()

    def _send(self) -> None:
        if self.inflight is not None or not self.buffer or self.client.closed:
            return
        result = self.client.worker.result
        self.sequence += 1
        key = self.editor * KEY_SPAN + self.phase * PHASE_SPAN + self.sequence
        text, self.buffer = self.buffer, ""
        message = {
            "type": "edit",
            "id": edit_id(key),
            "base": self.revision,
            "changes": [[self.length, self.length, text]],
        }
        self.inflight, self.inflight_text = key, text
        now = time.monotonic_ns()
        self.client.send_json(message)
        if result is not None:
            result.sent_key.append(key)
            result.sent_ns.append(now)
            result.first_key_ns.append(self.buffer_since)
            result.chars.append(len(text))

    async def type_for(self, plan: PhasePlan, first_keystroke: int) -> int:
        """Type until the end of the phase; returns the number of keystrokes made."""
        period_ns = int(1e9 / plan.rate_per_editor)
        offset_ns = period_ns * self.editor // max(1, plan.editors)
        end_ns = plan.start_ns + int(plan.duration_s * 1e9)
        count = int(plan.duration_s * plan.rate_per_editor) + 1
        self.phase, self.sequence, self.sending = plan.phase, 0, True
        made = 0
        for tick in range(count):
            due = plan.start_ns + offset_ns + tick * period_ns
            if due >= end_ns:
                break
            delay = (due - time.monotonic_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            self.keystroke(first_keystroke + tick)
            made += 1
        self.sending = False
        return made

    def drop_buffer(self) -> int:
        dropped, self.buffer = len(self.buffer), ""
        return dropped


def _id_or_none(key: int | None) -> str | None:
    return None if key is None else edit_id(key)


class Worker:
    def __init__(self, plan: WorkerPlan) -> None:
        self.plan = plan
        self.clients: list[Client] = []
        self.editors: list[Editor] = []
        self.result: PhaseResult | None = None
        self.last_frame_ns = 0
        self.closed_total = 0
        self.outside_frames = 0  # frames received outside phases (welcomes, presence)
        self.outside_bytes = 0
        self.deflate_connections = 0  # connections on which the server accepted compression

    def on_closed(self, _client: Client) -> None:
        self.closed_total += 1
        if self.result is not None:
            self.result.closed += 1

    def count_other(self, data: bytes) -> None:
        result = self.result
        if result is None:
            return
        end = data.find(b'"', 9)
        kind = data[9:end].decode(errors="replace") if end > 9 else "?"
        result.frame_types[kind] = result.frame_types.get(kind, 0) + 1
        if kind == "error":
            try:
                code = str(json.loads(data).get("code"))
            except ValueError:
                code = "unparsable"
            self.count_error(code)

    def count_error(self, code: str) -> None:
        if self.result is not None:
            self.result.errors[code] = self.result.errors.get(code, 0) + 1

    async def connect_all(self) -> list[str]:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        errors: list[str] = []

        async def one(plan: ClientPlan) -> None:
            async with gate:
                client = Client(plan, self)
                editor = Editor(client, plan.index) if plan.editor else None
                if editor is None:
                    client.on_text = client.welcome
                try:
                    async with asyncio.timeout(self.plan.connect_timeout_s):
                        await loop.create_connection(lambda: client, self.plan.host, self.plan.port)
                        await client.opened
                        client.send_json(
                            {"type": "join", "protocol": 1, "document": self.plan.document}
                        )
                        await client.welcomed
                except (OSError, TimeoutError, ConnectionError) as exc:
                    errors.append(f"client {plan.index}: {type(exc).__name__}: {exc}")
                    client.close()
                    return
                if editor is None:
                    client.on_text = client._watch
                else:
                    self.editors.append(editor)
                self.clients.append(client)

        await asyncio.gather(*(one(plan) for plan in self.plan.clients))
        return errors

    async def run_phase(self, plan: PhasePlan) -> PhaseResult:
        result = PhaseResult()
        self.result = result
        cpu_before = _cpu_s()
        made = await asyncio.gather(
            *(e.type_for(plan, first_keystroke=e.editor * 7) for e in self.editors)
        )
        del made
        for editor in self.editors:
            result.unsent_keystrokes += editor.drop_buffer()
        end_ns = plan.start_ns + int(plan.duration_s * 1e9)
        deadline = end_ns + int(plan.grace_s * 1e9)
        quiet_ns = int(plan.quiet_s * 1e9)
        while time.monotonic_ns() < deadline:
            now = time.monotonic_ns()
            settled = all(e.inflight is None or e.client.closed for e in self.editors)
            if settled and now - max(self.last_frame_ns, end_ns) > quiet_ns:
                break
            await asyncio.sleep(POLL_S)
        result.end_ns = time.monotonic_ns()
        result.cpu_s = _cpu_s() - cpu_before
        self.result = None
        return result

    def close_all(self) -> None:
        for client in self.clients:
            client.close()


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


async def _serve(pipe: Connection, plan: WorkerPlan) -> None:
    worker = Worker(plan)
    errors = await worker.connect_all()
    await asyncio.sleep(1.0)  # let the presence updates of the last joins arrive
    pipe.send(
        (
            "connected",
            len(worker.clients),
            errors,
            worker.outside_frames,
            worker.outside_bytes,
            worker.deflate_connections,
        )
    )
    try:
        for _ in range(1000):
            message = await _receive(pipe, timeout_s=900.0)
            if message[0] == "phase":
                result = await worker.run_phase(message[1])
                pipe.send(("phase-done", result))
            else:
                break
    finally:
        worker.close_all()
        await asyncio.sleep(0.2)


async def _receive(pipe: Connection, timeout_s: float) -> tuple[Any, ...]:
    """Wait for the parent without blocking the event loop (bounded)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pipe.poll():
            message: tuple[Any, ...] = pipe.recv()
            return message
        await asyncio.sleep(POLL_S)
    return ("stop",)


def worker_main(pipe: Connection, plan: WorkerPlan) -> None:
    """Entry point of a load-generator process."""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_serve(pipe, plan))
