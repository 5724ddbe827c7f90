"""A real server on loopback, real websocket clients."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from app.client import LiveClient, login
from tests.server import ServerProcess

DT12 = 1  # WG-PL/DT/12 in the seeded demo


async def _client(server: ServerProcess, username: str, document: int = DT12) -> LiveClient:
    token = await login(server.url, username, "accord-demo")
    client = LiveClient(server.url, token, document)
    await client.connect()
    return client


async def test_two_delegates_see_each_others_edits(server: ServerProcess) -> None:
    china = await _client(server, "wang.lei")
    france = await _client(server, "camille.bernard")
    assert china.text == france.text and china.revision == france.revision
    await china.replace(0, 0, "决议 ")
    await france.replace(len(france.text), len(france.text), "\nFin 👍")
    async with asyncio.timeout(10):
        await china.settled()
        await france.settled()
        await china.wait_for(lambda: china.text == france.text and "👍" in china.text)
        await france.wait_for(lambda: france.text == china.text and "决议" in france.text)
    assert china.text.startswith("决议 ") and china.text.endswith("\nFin 👍")
    await china.close()
    await france.close()


async def test_welcome_carries_text_brackets_and_identity(server: ServerProcess) -> None:
    client = await _client(server, "wang.lei")
    welcome = client.welcome
    assert welcome["protocol"] == 1
    assert welcome["delegation"] == "CHN"
    assert welcome["can_edit"] is True
    assert welcome["brackets"] and all("id" in b for b in welcome["brackets"])
    text = client.text
    for bracket in welcome["brackets"][:20]:
        assert text.encode("utf-16-le")[bracket["open"] * 2 : bracket["open"] * 2 + 2] == b"[\x00"
    await client.close()


async def test_observer_may_watch_not_edit(server: ServerProcess) -> None:
    observer = await _client(server, "tomas.rivera")
    assert observer.welcome["can_edit"] is False
    ws = await _raw(server, "tomas.rivera")
    await ws.send(json.dumps({"type": "edit", "id": "x1", "base": 0, "changes": [[0, 0, "hi"]]}))
    frame = await _next_of(ws, "error")
    assert frame["code"] == "forbidden" and frame["id"] == "x1"
    await ws.close()
    await observer.close()


async def _raw(
    server: ServerProcess, username: str, document: int = DT12
) -> websockets.ClientConnection:
    token = await login(server.url, username, "accord-demo")
    ws = await websockets.connect(
        server.url.replace("http", "ws") + "/ws",
        additional_headers={"Cookie": f"accord_session={token}"},
    )
    await ws.send(json.dumps({"type": "join", "protocol": 1, "document": document}))
    await _next_of(ws, "welcome")
    return ws


async def _next_of(ws: websockets.ClientConnection, kind: str) -> dict[str, object]:
    async with asyncio.timeout(10):
        while True:
            frame: dict[str, object] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "bad_json"),
        ('{"type": "dance"}', "unknown_type"),
        ("[1, 2]", "bad_message"),
        ('{"type": "edit", "id": "e", "base": 0, "changes": [[0, 0, "\\ud800"]]}', "bad_text"),
        ('{"type": "edit", "id": "e", "base": 0, "changes": [[0, 0, "a\\u0000"]]}', "bad_text"),
        ('{"type": "edit", "id": "e", "base": 0, "changes": [[5, 2, "x"]]}', "unordered"),
        (
            '{"type": "edit", "id": "e", "base": 0, "changes": [[999999, 999999, "x"]]}',
            "out_of_range",
        ),
        (
            '{"type": "edit", "id": "e", "base": 0, "changes": [[1, 1, "x"], [0, 0, "y"]]}',
            "unordered",
        ),
        ('{"type": "edit", "id": "", "base": 0, "changes": []}', "bad_message"),
        ('{"type": "edit", "id": "e", "base": -1, "changes": []}', "bad_message"),
        ('{"type": "edit", "id": "e", "base": true, "changes": []}', "bad_message"),
        ('{"type": "join", "protocol": 1, "document": 1}', "already_joined"),
        ('{"type": "edit", "id": "e", "base": 0, "changes": "nope"}', "bad_shape"),
        ('{"type": "edit", "id": "e", "base": 99999, "changes": []}', "bad_base"),
        (
            '{"type": "edit", "id": "e", "base": 0, "changes": [[0, 0, "' + "[" * 40 + '"]]}',
            "nesting_too_deep",
        ),
        ("[" * 100_000, "bad_json"),
    ],
)
async def test_bad_input_gets_an_error_frame_and_changes_nothing(
    server: ServerProcess, message: str, code: str
) -> None:
    watcher = await _client(server, "camille.bernard")
    ws = await _raw(server, "wang.lei")
    try:
        before = watcher.text
        await ws.send(message)
        frame = await _next_of(ws, "error")
        assert frame["code"] == code, frame
        # the connection still works and the document is untouched
        await ws.send(json.dumps({"type": "ping", "nonce": 7}))
        assert (await _next_of(ws, "pong"))["nonce"] == 7
        assert watcher.text == before and watcher.revision == 0
    finally:
        await ws.close()
        await watcher.close()


async def test_foreign_origin_is_refused_at_the_handshake(server: ServerProcess) -> None:
    token = await login(server.url, "wang.lei", "accord-demo")
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(
            server.url.replace("http", "ws") + "/ws",
            additional_headers={"Cookie": f"accord_session={token}"},
            origin=websockets.typing.Origin("https://evil.example"),
        )


async def test_no_session_is_refused(server: ServerProcess) -> None:
    ws = await websockets.connect(server.url.replace("http", "ws") + "/ws")
    frame = json.loads(await ws.recv())
    assert frame["code"] == "not_authenticated" and frame["fatal"] is True
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
