"""Sync engine figures: per-edit costs on a 100 KB text, and trace replay speed.

Run: ``.venv/bin/python bench/bench_engine.py``. Prints the median time per operation,
with diff-match-patch and plain string slicing measured in the same run as references.
"""

from __future__ import annotations

import gzip
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diff_match_patch import diff_match_patch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engine.changes import ChangeSet, Replace, compose_all  # noqa: E402
from app.engine.rebase import rebase  # noqa: E402
from app.engine.utf16 import Utf16Index  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SIZE = 100_000


def median_us(fn: Callable[[], object], repeat: int = 7, number: int = 0) -> float:
    """Median over ``repeat`` rounds of the mean time per call, in microseconds."""
    if not number:
        number = max(1, int(0.05 / max(_once(fn), 1e-7)))
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds) * 1e6


def _once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def document() -> str:
    """100 KB of a real negotiating text when available (it has non-ASCII characters)."""
    path = DATA / "negotiating-texts" / "unfccc-draft-agreement-2015-10-23.txt"
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        text = "The Parties shall [endeavour to] report [biennially][annually] — ° é. " * 2000
    return (text * (SIZE // len(text) + 1))[:SIZE]


def scattered_edits(rng: random.Random, text: str, count: int, avoid: range) -> list[ChangeSet]:
    """``count`` small edits, each against the previous result, away from ``avoid``."""
    chain: list[ChangeSet] = []
    length = len(text)
    for _ in range(count):
        pos = rng.randrange(length - 20)
        while pos in avoid:
            pos = rng.randrange(length - 20)
        change = ChangeSet.single(length, pos, pos + rng.randint(0, 3), "inserted")
        chain.append(change)
        length = change.new_length
    return chain


def row(label: str, micros: float, reference: float) -> None:
    print(f"  {label:<52} {micros:10.1f} µs   x{micros / reference:8.1f} slicing")


def per_edit(text: str) -> None:
    rng = random.Random(7)
    pos = len(text) // 2
    insert = "shall, as appropriate,"
    wire = [[pos, pos + 5, insert]]
    new = text[:pos] + insert + text[pos + 5 :]
    emoji_text = text[: pos - 1] + "😀" + text[pos:]  # same length, one astral character
    emoji_index = Utf16Index(emoji_text)
    emoji_wire = [[pos + 1, pos + 6, insert]]
    dmp = diff_match_patch()

    slicing = median_us(lambda: text[:pos] + insert + text[pos + 5 :])
    print(f"Per edit on a {len(text) // 1000} KB text, median of 7 rounds:")
    row("plain string slicing", slicing, slicing)
    row(
        "apply on current revision (validate wire + apply)",
        median_us(lambda: ChangeSet.from_wire(text, wire).apply(text)),
        slicing,
    )
    row(
        "  same, text with emoji, index of the revision kept",
        median_us(lambda: ChangeSet.from_wire(emoji_index, emoji_wire).apply(emoji_text)),
        slicing,
    )
    row(
        "  same, text with emoji, index built per edit",
        median_us(lambda: ChangeSet.from_wire(emoji_text, emoji_wire).apply(emoji_text)),
        slicing,
    )
    incoming = ChangeSet.from_wire(text, wire)
    for count in (1, 10):
        chain = scattered_edits(rng, text, count, range(pos - 30, pos + 30))
        current = compose_all(len(text), chain).apply(text)

        def rebased(chain: list[ChangeSet] = chain, current: str = current) -> str:
            return rebase(incoming, chain, base_text=text).changes.apply(current)

        row(f"rebase over {count} concurrent edit(s) + apply", median_us(rebased), slicing)
        undo = compose_all(len(current), reversed(_inverses(text, chain)))

        def undone(undo: ChangeSet = undo, current: str = current) -> str:
            return undo.apply(current)

        row(f"  base text from {count} composed inverse(s)", median_us(undone), slicing)
    dmp_us = median_us(lambda: dmp.patch_apply(dmp.patch_make(text, new), text), repeat=5)
    row("diff-match-patch patch_make + patch_apply", dmp_us, slicing)
    applied = median_us(lambda: ChangeSet.from_wire(text, wire).apply(text))
    print(f"  => applying an edit is x{dmp_us / applied:.0f} faster than diff-match-patch")


def _inverses(text: str, chain: list[ChangeSet]) -> list[ChangeSet]:
    inverses = []
    for change in chain:
        inverses.append(change.invert(text))
        text = change.apply(text)
    return inverses


def replay() -> None:
    path = DATA / "editing-traces" / "automerge-paper.json.gz"
    if not path.exists():
        print(f"(skipping trace replay: {path} is missing)")
        return
    with gzip.open(path, "rt", encoding="utf-8") as f:
        trace: dict[str, Any] = json.load(f)
    patches = [p for txn in trace["txns"] for p in txn["patches"]]

    def with_changes() -> str:
        text: str = trace["startContent"]
        for pos, deleted, inserted in patches:
            text = ChangeSet(len(text), (Replace(pos, pos + deleted, inserted),)).apply(text)
        return text

    def with_slicing() -> str:
        text: str = trace["startContent"]
        for pos, deleted, inserted in patches:
            text = text[:pos] + inserted + text[pos + deleted :]
        return text

    print(f"Replaying automerge-paper ({len(patches):,} edits), best of 3:")
    for label, fn in (("ChangeSet.apply", with_changes), ("plain slicing", with_slicing)):
        seconds = min(_timed(fn, trace["endContent"]) for _ in range(3))
        print(f"  {label:<20} {len(patches) / seconds:12,.0f} edits/s")


def _timed(fn: Callable[[], str], expected: str) -> float:
    start = time.perf_counter()
    assert fn() == expected
    return time.perf_counter() - start


if __name__ == "__main__":
    per_edit(document())
    replay()
