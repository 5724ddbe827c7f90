"""Replay real editing histories (josephg/editing-traces) through change sets."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from app.engine.changes import ChangeSet, Replace, compose_all

TRACES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "editing-traces"

pytestmark = pytest.mark.needs_data


def load(name: str) -> dict[str, Any]:
    path = TRACES / name
    if not path.exists():
        pytest.skip(f"editing trace {path} is missing (see ../shared/data/README.md)")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        trace: dict[str, Any] = json.load(f)
    return trace


def txn_changes(text_length: int, patches: list[list[Any]]) -> list[ChangeSet]:
    """One change set per patch; a transaction's patches apply one after another."""
    out: list[ChangeSet] = []
    for pos, deleted, inserted in patches:
        change = ChangeSet.of(text_length, (Replace(pos, pos + deleted, inserted),))
        out.append(change)
        text_length = change.new_length
    return out


@pytest.mark.parametrize("name", ["automerge-paper.json.gz", "seph-blog1.json.gz"])
def test_replay_gives_end_content(name: str) -> None:
    trace = load(name)
    text: str = trace["startContent"]
    for txn in trace["txns"]:
        for change in txn_changes(len(text), txn["patches"]):
            text = change.apply(text)
    assert text == trace["endContent"]


def test_composed_chunks_give_end_content() -> None:
    """Thousand-edit chunks composed into one change set each, as a log compaction would."""
    trace = load("automerge-paper.json.gz")
    text: str = trace["startContent"]
    txns = trace["txns"]
    for first in range(0, len(txns), 1000):
        chain: list[ChangeSet] = []
        length = len(text)
        for txn in txns[first : first + 1000]:
            chain.extend(txn_changes(length, txn["patches"]))
            length = chain[-1].new_length
        text = compose_all(len(text), chain).apply(text)
    assert text == trace["endContent"]
