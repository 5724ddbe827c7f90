"""Durability under SIGKILL: an edit that reached any client survives a crash of the
server, exactly once, and clients that were connected ride out the crash by themselves.

Every insertion is a unique token ``⟨tag.n|payload⟩`` (payloads in CJK, Arabic, emoji
with modifiers, flags, ZWJ sequences and combining marks) typed at a random place that
is not inside another token, so each token must end up in the text exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from app.client import LiveClient
from tests.realtime.faults import (
    PAYLOADS,
    TOKEN,
    FaultyProxy,
    FrameLog,
    check_log_shape,
    eventually,
    fresh_join,
    outside_tokens,
    read_document,
    read_edit_log,
    relay,
    replay,
    sign_in,
    token_ids,
    u16,
)
from tests.server import ServerProcess

DT12 = 1
TYPISTS = ("wang.lei", "chen.yu", "camille.bernard", "ivan.sokolov", "ahmed.farouk")
CHECKER = "minjun.park"


def _database(server: ServerProcess) -> Path:
    return server.data_dir / "accord.db"


async def _type_tokens(
    client: LiveClient, tag: str, rng: random.Random, stop: asyncio.Event, typed: list[str]
) -> None:
    """Type tokens at random places, like a delegate typing fast, until told to stop."""
    n = 0
    while not stop.is_set():
        text = client.text
        pos = outside_tokens(text, rng.randint(0, len(text)))
        token = f"⟨{tag}.{n}|{rng.choice(PAYLOADS)}⟩"
        n += 1
        offset = u16(text, pos)
        await client.replace(offset, offset, token)
        typed.append(token)
        await asyncio.sleep(rng.uniform(0.0, 0.012))


def _reached(client: LiveClient, revision: int) -> Callable[[], bool]:
    return lambda: client.revision >= revision


def _assert_each_once(text: str, tokens: set[str], what: str) -> None:
    missing = sorted(t for t in tokens if t not in text)
    assert not missing, f"{len(missing)} {what} tokens lost, e.g. {missing[:5]}"
    twice = sorted(t for t in tokens if text.count(t) != 1)
    assert not twice, f"{what} tokens present more than once: {twice[:5]}"


def _assert_no_token_twice(text: str) -> None:
    repeated = {i: n for i, n in Counter(token_ids(text)).items() if n > 1}
    assert not repeated, f"tokens applied more than once: {sorted(repeated.items())[:10]}"


async def test_acknowledged_edits_survive_sigkill_and_clients_recover(
    server: ServerProcess,
) -> None:
    rng = random.Random(20240611)
    checker = await sign_in(server.url, CHECKER)
    initial = await read_document(server.url, checker, DT12)
    assert initial["revision"] == 0

    async with relay(server.port) as proxy, contextlib.AsyncExitStack() as stack:
        tokens = [await sign_in(server.url, name) for name in TYPISTS]
        logs = [FrameLog() for _ in TYPISTS]
        clients = [
            LiveClient(proxy.url, token, DT12, origin=server.url, on_frame=log)
            for token, log in zip(tokens, logs, strict=True)
        ]
        for client in clients:
            stack.push_async_callback(client.close)
            await client.connect()
        typed: list[list[str]] = [[] for _ in TYPISTS]
        stop = asyncio.Event()
        typists = [
            asyncio.create_task(_type_tokens(c, f"t{i}", rng_i, stop, typed[i]))
            for i, (c, rng_i) in enumerate((c, random.Random(rng.random())) for c in clients)
        ]
        try:
            # Let everyone type for a while, then crash with edits in flight.
            async with asyncio.timeout(30):
                await eventually(lambda: sum(len(log.acks) for log in logs) >= 150)
                await eventually(lambda: all(c.state.inflight for c in clients[:3]), poll=0)
            proxy.refusing = True
            server.kill()
            in_flight = {c.state.inflight.edit_id for c in clients if c.state.inflight is not None}
            assert in_flight
            # They keep typing while the server is down, then pause.
            await asyncio.sleep(0.4)
            stop.set()
            await asyncio.gather(*typists)
        finally:
            stop.set()
            for task in typists:
                task.cancel()
            await asyncio.gather(*typists, return_exceptions=True)

        # Every token some client saw committed (in an edits frame) was durable.
        acknowledged = {
            m.group(0)
            for log in logs
            for inserted in log.inserted()
            for m in TOKEN.finditer(inserted)
        }
        assert len(acknowledged) >= 150
        seen = [(c.revision, c.state.confirmed) for c in clients]

        await asyncio.to_thread(server.start)
        # The old clients are still held off by the relay: check what the disk kept.
        welcome = await fresh_join(server.url, checker, DT12)
        rest = await read_document(server.url, checker, DT12)
        durable = welcome["text"]
        assert rest["text"] == durable and rest["revision"] == welcome["revision"]
        assert welcome["revision"] >= max(log.max_revision() for log in logs)
        _assert_each_once(durable, acknowledged, "acknowledged")
        _assert_no_token_twice(durable)
        log_entries = read_edit_log(_database(server), DT12)
        check_log_shape(log_entries)
        assert log_entries[-1].revision == welcome["revision"]
        assert replay(initial["text"], log_entries) == durable
        for revision, confirmed in seen:
            # each client's view of the server's text matches the durable log
            assert replay(initial["text"], log_entries, upto=revision) == confirmed

        # Let the old clients back in: they reconnect, resend and converge on their own.
        proxy.refusing = False
        async with asyncio.timeout(60):
            for client in clients:
                await client.settled()
            final = await fresh_join(server.url, checker, DT12)
            for client in clients:
                await client.wait_for(_reached(client, final["revision"]))
        assert proxy.accepted > len(clients)  # they did reconnect
        text = final["text"]
        for client in clients:
            assert client.text == text and client.state.is_settled
        everything = {t for tokens_typed in typed for t in tokens_typed}
        _assert_each_once(text, everything, "typed")
        _assert_no_token_twice(text)
        log_entries = read_edit_log(_database(server), DT12)
        check_log_shape(log_entries)
        assert replay(initial["text"], log_entries) == text
        assert (await read_document(server.url, checker, DT12))["text"] == text


@pytest.mark.parametrize("how", ["link-cut", "beyond-history", "sigkill"])
async def test_committed_but_unacknowledged_edit_is_not_applied_twice(
    server_factory: Callable[..., ServerProcess], how: str
) -> None:
    """The author's edit is committed (another client sees it), but the frames that
    would acknowledge it never reach the author: its link is cut. On reconnect (with
    ``pending: [id]``) the author must learn that its in-flight edit landed, and not
    apply it a second time:

    - ``link-cut``: it reconnects at once and gets catch-up edits;
    - ``beyond-history``: more edits than the history window are committed before it
      is back, so the welcome brings the whole text and ``committed`` must tell;
    - ``sigkill``: the server is SIGKILLed and restarted meanwhile (the same, after a
      crash).
    """
    extra = {"ACCORD_EDIT_HISTORY_WINDOW": "3"} if how == "beyond-history" else {}
    server = server_factory(**extra)
    server.start()
    author_token = await sign_in(server.url, "wang.lei")
    watcher_token = await sign_in(server.url, "camille.bernard")
    proxy: FaultyProxy
    async with relay(server.port) as proxy, contextlib.AsyncExitStack() as stack:
        author = LiveClient(proxy.url, author_token, DT12, origin=server.url)
        watcher = LiveClient(server.url, watcher_token, DT12)
        stack.push_async_callback(author.close)
        stack.push_async_callback(watcher.close)
        await author.connect()
        await watcher.connect()
        # some history for the catch-up path
        await watcher.replace(0, 0, "⟨w.0|Préambule⟩ ")
        async with asyncio.timeout(10):
            await author.wait_for(lambda: "Préambule" in author.text)
        proxy.hold_downstream()
        token = "⟨a.1|决议 سلام 👍🏽⟩"
        await author.replace(10, 10, token)
        assert author.state.inflight is not None
        pending = author.state.inflight.edit_id
        async with asyncio.timeout(10):
            await watcher.wait_for(lambda: token in watcher.text)
        assert author.state.inflight is not None and author.state.inflight.edit_id == pending
        proxy.refusing = True
        if how == "sigkill":
            server.kill()
        proxy.cut()
        proxy.release_downstream()
        if how == "sigkill":
            await asyncio.to_thread(server.start)
        if how == "beyond-history":
            for n in range(1, 6):
                await watcher.replace(0, 0, f"⟨w.{n}|مشروع⟩ ")
                async with asyncio.timeout(10):
                    await watcher.settled()
        proxy.refusing = False
        async with asyncio.timeout(20):
            await author.settled()
            final = await fresh_join(server.url, watcher_token, DT12)
            await author.wait_for(_reached(author, final["revision"]))
        assert final["text"].count(token) == 1, (
            f"the in-flight edit was applied twice; the reconnect welcome said "
            f"committed={author.welcome.get('committed')} for pending {pending}"
        )
        assert author.text == final["text"]
        entries = read_edit_log(_database(server), DT12)
        check_log_shape(entries)
        assert sum(1 for e in entries for c in e.changes if token in c[2]) == 1
