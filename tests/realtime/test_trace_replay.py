"""A real editing history (a LaTeX paper typed keystroke by keystroke) replayed through
a live server by one client, as a delegate would type it: local edits apply at once,
at most one edit is in flight, keystrokes typed meanwhile are buffered into the next.
The server must end with exactly the trace's final text."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from pathlib import Path
from typing import Any

import pytest

from app.client import LiveClient
from app.engine.utf16 import Utf16Index, utf16_length
from tests.realtime.faults import (
    check_log_shape,
    create_document,
    fresh_join,
    read_document,
    read_edit_log,
    replay,
    sign_in,
    working_group_id,
)
from tests.server import ServerProcess

TRACE = Path("editing-traces") / "automerge-paper.json.gz"


class Utf16Patches:
    """Turns ``[pos, n_deleted, inserted]`` in code points into a UTF-16 wire change.

    Offsets go through :class:`Utf16Index`; while the text holds no astral character
    (tracked incrementally) the mapping is the identity and no index is built.
    """

    def __init__(self, text: str) -> None:
        self.astral = utf16_length(text) - len(text)

    def wire(self, text: str, pos: int, deleted: int, inserted: str) -> list[list[Any]]:
        if self.astral:
            index = Utf16Index(text)
            start, end = index.to_utf16(pos), index.to_utf16(pos + deleted)
        else:
            start, end = pos, pos + deleted
        gone = text[pos : pos + deleted]
        self.astral += utf16_length(inserted) - len(inserted) - (utf16_length(gone) - len(gone))
        return [[start, end, inserted]]


def test_patch_conversion_counts_utf16_units() -> None:
    text = "a👍b"
    patches = Utf16Patches(text)
    assert patches.wire(text, 2, 1, "😀") == [[3, 4, "😀"]]
    text = "a👍😀"
    assert patches.astral == 2
    assert patches.wire(text, 1, 2, "x") == [[1, 5, "x"]]
    assert patches.astral == 0


@pytest.mark.needs_data
@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_automerge_paper_trace_replays_to_its_final_text(
    server: ServerProcess, shared_data: Path
) -> None:
    trace = json.loads(gzip.decompress((shared_data / TRACE).read_bytes()))
    start, end = trace["startContent"], trace["endContent"]
    chair = await sign_in(server.url, "khalid.almansouri")
    group = await working_group_id(server.url, chair, "WG-PL")
    document = await create_document(
        server.url, chair, group, "WG-PL/TRACE/1", start, title="automerge-paper trace"
    )
    assert document["text"] == start and document["revision"] == 0

    acks = 0
    rate_limited = 0

    def count(frame: dict[str, Any]) -> None:
        nonlocal acks, rate_limited
        if frame.get("type") == "ack":
            acks += 1
        elif frame.get("type") == "error" and frame.get("code") == "rate_limited":
            rate_limited += 1

    token = await sign_in(server.url, "wang.lei")
    client = LiveClient(server.url, token, document["id"], on_frame=count)
    await client.connect()
    try:
        patches = Utf16Patches(client.text)
        mirror = client.text  # the trace applied in code points, for spot checks
        applied = 0
        began = time.perf_counter()
        for txn in trace["txns"]:
            for pos, deleted, inserted in txn["patches"]:
                await client.edit(patches.wire(client.text, pos, deleted, inserted))
                mirror = mirror[:pos] + inserted + mirror[pos + deleted :]
                applied += 1
                if applied % 20_000 == 0:
                    assert client.text == mirror, f"local text diverged after {applied} patches"
                # let acknowledgements in: the next keystrokes go into the next edit
                await asyncio.sleep(0)
        typed = time.perf_counter() - began
        assert client.text == end
        async with asyncio.timeout(120):
            await client.settled()
        elapsed = time.perf_counter() - began
    finally:
        await client.close()

    print(
        f"\nautomerge-paper: {applied} patches typed in {typed:.1f}s, all durable after "
        f"{elapsed:.1f}s in {acks} acknowledged edits: {applied / elapsed:.0f} patches/s, "
        f"{acks / elapsed:.1f} durable edits/s ({rate_limited} rate-limited resends)"
    )
    welcome = await fresh_join(server.url, token, document["id"])
    assert welcome["text"] == end
    assert (await read_document(server.url, chair, document["id"]))["text"] == end
    entries = read_edit_log(server.data_dir / "accord.db", document["id"])
    check_log_shape(entries)
    assert entries[-1].revision == welcome["revision"]
    assert replay(start, entries) == end
