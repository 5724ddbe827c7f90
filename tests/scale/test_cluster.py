"""Two server processes, one PostgreSQL database, one Redis: clients on either process
edit one document and converge, with the same bracket ids everywhere."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from app.client import LiveClient, login
from tests.server import ServerProcess, converged

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
DOCUMENT = 1
EDITORS = ["wang.lei", "camille.bernard", "ivan.sokolov", "ahmed.farouk"]


async def _connect(server: ServerProcess, username: str) -> LiveClient:
    token = await login(server.url, username, "accord-demo")
    client = LiveClient(server.url, token, DOCUMENT)
    await client.connect()
    return client


def _outside_tokens(text: str, at: int) -> int:
    """Move a position out of any token, so that tokens stay whole."""
    opening = text.rfind("⟨", 0, at)
    closing = text.rfind("⟩", 0, at)
    return text.index("⟩", opening) + 1 if opening > closing else at


def _utf16(text: str, at: int) -> int:
    return len(text[:at].encode("utf-16-le")) // 2


async def test_edits_on_two_processes_converge(
    cluster: Callable[..., list[ServerProcess]],
) -> None:
    first, second = cluster(2)
    clients = [await _connect((first, second)[i % 2], name) for i, name in enumerate(EDITORS)]
    rng = random.Random(7)
    tokens: list[str] = []
    for round_ in range(15):
        for index, client in enumerate(clients):
            token = f"⟨{index}-{round_}-{'🙂ق决'[round_ % 3]}⟩"
            tokens.append(token)
            at = _outside_tokens(client.text, rng.randint(0, len(client.text)))
            await client.replace(_utf16(client.text, at), _utf16(client.text, at), token)
        await asyncio.sleep(rng.random() * 0.02)
    await converged(clients)
    target = clients[0]
    texts = {client.text for client in clients}
    assert len(texts) == 1
    final = texts.pop()
    for token in tokens:
        assert final.count(token) == 1, token
    # a fresh client on either process sees the same text and the same bracket ids
    fresh = [await _connect(server, "minjun.park") for server in (first, second)]
    assert {c.text for c in fresh} == {final}
    ids = [[b["id"] for b in c.welcome["brackets"]] for c in fresh]
    assert ids[0] == ids[1]
    assert target.revision == fresh[0].revision
    for client in [*clients, *fresh]:
        await client.close()


async def test_alternating_processes_follow_each_other(
    cluster: Callable[..., list[ServerProcess]],
) -> None:
    first, second = cluster(2)
    a = await _connect(first, "wang.lei")
    b = await _connect(second, "camille.bernard")
    # Alternate edits through both processes: each must follow the other's commits,
    # whether they arrive over Redis or are found stale at commit time.
    for i in range(20):
        client = (a, b)[i % 2]
        await client.replace(0, 0, f"⟦{i}⟧")
    try:
        await converged([a, b])
        assert a.text == b.text
        assert all(a.text.count(f"⟦{i}⟧") == 1 for i in range(20))
    finally:
        await a.close()
        await b.close()


async def test_lost_broker_messages_are_caught_up_from_the_database(
    cluster: Callable[..., list[ServerProcess]],
) -> None:
    # Each process on its own channel prefix: no broker message ever crosses over,
    # the worst case of at-most-once delivery.
    first, second = cluster(2, isolated=True)
    writer = await _connect(first, "wang.lei")
    watcher = await _connect(second, "camille.bernard")
    try:
        await writer.replace(0, 0, "⟦lost⟧")
        await writer.settled()
        await converged([writer, watcher], within=15)
        assert watcher.text.startswith("⟦lost⟧")
    finally:
        await writer.close()
        await watcher.close()
