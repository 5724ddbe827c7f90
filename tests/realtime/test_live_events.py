"""Bracket events, presence, authority on every message, and limits, over real sockets."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from collections.abc import Callable
from typing import Any

import websockets

from app.client import LiveClient, login
from tests.factories import utf16_offset
from tests.realtime.test_live_basics import _next_of, _raw
from tests.server import ServerProcess

DT12 = 1


async def _client(server: ServerProcess, username: str, **kwargs: Any) -> LiveClient:
    token = await login(server.url, username, "accord-demo")
    client = LiveClient(server.url, token, DT12, **kwargs)
    await client.connect()
    return client


async def test_bracket_ids_are_kept_and_events_broadcast(server: ServerProcess) -> None:
    frames: list[dict[str, Any]] = []
    author = await _client(server, "wang.lei")
    watcher = await _client(server, "camille.bernard", on_frame=frames.append)
    try:
        before = {b["id"] for b in watcher.brackets}
        # Typing at the start moves every bracket but keeps every id.
        await author.replace(0, 0, "Preamble. ")
        # A new group of alternatives at the end.
        end = utf16_offset(author.text, len(author.text))
        await author.replace(end, end, " [shall][should]")
        await author.settled()
        async with asyncio.timeout(10):
            await watcher.wait_for(
                lambda: any(f["type"] == "brackets" and f["created"] for f in frames)
            )
        created = [b for f in frames if f["type"] == "brackets" for b in f["created"]]
        assert len(created) == 2
        assert created[0]["group"] == created[1]["group"] == created[0]["id"]
        text16 = watcher.text.encode("utf-16-le")
        assert text16[created[0]["open"] * 2 : created[0]["open"] * 2 + 2] == "[".encode(
            "utf-16-le"
        )
        ended = [i for f in frames if f["type"] == "brackets" for i in f["ended"]]
        assert not ended
        # A fresh client sees the same ids (they were persisted), the old ones included.
        fresh = await _client(server, "ivan.sokolov")
        assert before | {b["id"] for b in created} == {b["id"] for b in fresh.brackets}
        await fresh.close()
        # Deleting a "[" ends that bracket.
        victim = created[1]
        await author.replace(victim["open"], victim["open"] + 1, "")
        async with asyncio.timeout(10):
            await watcher.wait_for(lambda: any(victim["id"] in f.get("ended", ()) for f in frames))
    finally:
        await author.close()
        await watcher.close()


async def test_presence_is_shared_and_cleared(server: ServerProcess) -> None:
    first = await _client(server, "wang.lei")
    second = await _client(server, "ahmed.farouk")
    try:
        await first.send_presence(10, 20)
        async with asyncio.timeout(10):
            await second.wait_for(
                lambda: any(
                    p.get("cursor") == {"anchor": 10, "head": 20} for p in second.presence.values()
                )
            )
        mine = next(p for p in second.presence.values() if p.get("cursor"))
        assert mine["delegation"] == "CHN"
        assert mine["user"]["name"] == "王磊"
        session = mine["session"]
        await first.close()
        async with asyncio.timeout(10):
            await second.wait_for(lambda: session not in second.presence)
    finally:
        await second.close()


def _deactivate(server: ServerProcess, username: str) -> None:
    with sqlite3.connect(server.data_dir / "accord.db") as db:
        db.execute("UPDATE users SET is_active = 0 WHERE username = ?", (username,))


async def test_rights_are_checked_on_every_edit(server: ServerProcess) -> None:
    ws = await _raw(server, "wang.lei")
    try:
        await ws.send(json.dumps({"type": "edit", "id": "ok", "base": 0, "changes": [[0, 0, "x"]]}))
        assert (await _next_of(ws, "ack"))["revision"] == 1
        _deactivate(server, "wang.lei")
        await ws.send(
            json.dumps({"type": "edit", "id": "late", "base": 1, "changes": [[0, 0, "y"]]})
        )
        frame = await _next_of(ws, "error")
        assert frame["code"] == "forbidden" and frame["fatal"] is True
        async with asyncio.timeout(10):
            try:
                while True:
                    await ws.recv()
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 4403
    finally:
        await ws.close()


async def test_rate_limit_refuses_a_flood(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(ACCORD_MAX_EDITS_PER_SECOND="2", ACCORD_EDIT_BURST="3")
    server.start()
    ws = await _raw(server, "wang.lei")
    try:
        for i in range(10):
            await ws.send(
                json.dumps({"type": "edit", "id": f"f{i}", "base": 0, "changes": [[0, 0, "z"]]})
            )
        frame = await _next_of(ws, "error")
        assert frame["code"] == "rate_limited" and str(frame["id"]).startswith("f")
    finally:
        await ws.close()


async def test_document_size_limit(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(ACCORD_MAX_DOCUMENT_CHARS="5000")
    server.start()
    ws = await _raw(server, "wang.lei")
    try:
        await ws.send(
            json.dumps({"type": "edit", "id": "big", "base": 0, "changes": [[0, 0, "x" * 6000]]})
        )
        frame = await _next_of(ws, "error")
        assert frame["code"] == "document_too_large" and frame["id"] == "big"
    finally:
        await ws.close()


async def test_oversized_message_is_refused(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(ACCORD_MAX_MESSAGE_BYTES="2048")
    server.start()
    ws = await _raw(server, "wang.lei")
    try:
        await ws.send(
            json.dumps({"type": "edit", "id": "huge", "base": 0, "changes": [[0, 0, "x" * 5000]]})
        )
        async with asyncio.timeout(10):
            try:
                frame = await _next_of(ws, "error")
                assert frame["code"] == "too_large"
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 1009
    finally:
        await ws.close()


async def test_a_slow_reader_is_cut_off_not_buffered(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory(ACCORD_SEND_QUEUE_FRAMES="4", ACCORD_COALESCE_WINDOW_MS="0")
    server.start()
    token = await login(server.url, "camille.bernard", "accord-demo")
    # A client that joins and then reads nothing, with a small receive window: the
    # kernel soon stops absorbing frames, and the server's bounded queue must fill and
    # cut the client off instead of buffering without end.
    sluggish = _SilentClient(server.port, token)
    writer = await _client(server, "wang.lei")
    try:
        async with asyncio.timeout(10):
            await writer.wait_for(lambda: len(writer.presence) == 2)
        (sluggish_session,) = [s for s, p in writer.presence.items() if p["delegation"] == "FRA"]
        chunk = "x" * 100_000
        for _ in range(200):  # megabytes of frames for the sluggish client
            await writer.replace(0, 0, chunk)
            await writer.replace(0, 100_000, "")
            await writer.settled()
            if sluggish_session not in writer.presence:
                break
        assert sluggish_session not in writer.presence, "the slow reader was not cut off"
        fresh = await _client(server, "ivan.sokolov")
        assert writer.text == fresh.text
        await fresh.close()
    finally:
        await writer.close()
        sluggish.close()


class _SilentClient:
    """A websocket client that joins a document, then never reads."""

    def __init__(self, port: int, token: str) -> None:
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}/ws"))
        request = protocol.connect()
        request.headers["Cookie"] = f"accord_session={token}"
        protocol.send_request(request)
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self._sock.connect(("127.0.0.1", port))
        self._send(protocol)
        protocol.receive_data(self._sock.recv(4096))  # the handshake response
        protocol.send_text(json.dumps({"type": "join", "protocol": 1, "document": DT12}).encode())
        self._send(protocol)

    def _send(self, protocol: Any) -> None:
        for data in protocol.data_to_send():
            self._sock.sendall(data)

    def close(self) -> None:
        self._sock.close()


async def test_locks_survive_a_restart(server: ServerProcess) -> None:
    import urllib.request

    chair = await login(server.url, "khalid.almansouri", "accord-demo")
    watcher = await _client(server, "wang.lei")
    text = watcher.text
    start = utf16_offset(text, text.index("households"))
    await watcher.close()
    request = urllib.request.Request(
        f"{server.url}/api/documents/{DT12}/locks",
        method="POST",
        data=json.dumps({"revision": 0, "start": start, "end": start + 3}).encode(),
        headers={"content-type": "application/json", "cookie": f"accord_session={chair}"},
    )

    def post() -> int:
        with urllib.request.urlopen(request) as response:
            return int(response.status)

    assert await asyncio.to_thread(post) == 201
    server.stop()
    server.start()
    ws = await _raw(server, "wang.lei")
    try:
        await ws.send(
            json.dumps(
                {"type": "edit", "id": "after", "base": 0, "changes": [[start, start + 1, "H"]]}
            )
        )
        frame = await _next_of(ws, "error")
        assert frame["code"] == "locked"
    finally:
        await ws.close()
