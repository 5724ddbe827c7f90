"""The in-memory authoritative document: exact edits, rebases, conflicts, bracket ids."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.live import EditRejected, LiveDocument
from app.engine.utf16 import utf16_length


def _ids() -> itertools.count[int]:
    return itertools.count(1)


def make(text: str, **kwargs: object) -> LiveDocument:
    counter = _ids()
    return LiveDocument(text, 0, new_id=lambda: f"b{next(counter)}", **kwargs)  # type: ignore[arg-type]


def edit(doc: LiveDocument, base: int, wire: list[list[object]], author: int = 1) -> str:
    doc.apply(doc.prepare(base, wire, author=author), author=author)
    return doc.text


def test_edit_on_current_revision_applies_exactly() -> None:
    doc = make("We [shall][should] act.")
    assert edit(doc, 0, [[0, 2, "They"]]) == "They [shall][should] act."
    assert doc.revision == 1


def test_wire_offsets_are_utf16() -> None:
    doc = make("👍 قرار 决议")
    # the emoji is two UTF-16 units: offset 2 is after it
    assert edit(doc, 0, [[2, 2, "!"]]) == "👍! قرار 决议"
    applied = doc.apply(doc.prepare(1, [[utf16_length(doc.text), utf16_length(doc.text), "✓"]]))
    assert applied.wire == [(utf16_length("👍! قرار 决议"), utf16_length("👍! قرار 决议"), "✓")]


def test_offset_inside_a_surrogate_pair_is_refused() -> None:
    doc = make("a👍b")
    with pytest.raises(EditRejected) as caught:
        doc.prepare(0, [[2, 2, "x"]])
    assert caught.value.code == "splits_surrogate"
    assert doc.text == "a👍b" and doc.revision == 0


def test_unknown_and_too_old_bases_are_refused() -> None:
    doc = make("abc", history_limit=2)
    with pytest.raises(EditRejected, match="bad_base"):
        doc.prepare(5, [[0, 0, "x"]])
    for revision in range(3):
        edit(doc, revision, [[0, 0, "x"]])
    with pytest.raises(EditRejected) as caught:
        doc.prepare(0, [[0, 0, "y"]])
    assert caught.value.code == "base_too_old"


def test_stale_edit_elsewhere_is_rebased_exactly() -> None:
    doc = make("resolves to act")
    edit(doc, 0, [[0, 0, "1 "]], author=1)
    # author 2 still on revision 0 appends at the end
    prepared = doc.prepare(0, [[15, 15, " now"]], author=2)
    assert prepared.rebased and not prepared.conflicts
    doc.apply(prepared, author=2)
    assert doc.text == "1 resolves to act now"


def test_clashing_edits_become_visible_alternatives() -> None:
    doc = make("Member States shall act")
    edit(doc, 0, [[14, 19, "should"]], author=1)
    prepared = doc.prepare(0, [[14, 19, "must"]], author=2)
    applied = doc.apply(prepared, author=2)
    assert doc.text == "Member States [should][must] act"
    (conflict,) = applied.conflicts
    assert conflict.committed_authors == (1,)
    assert conflict.incoming_author == 2
    assert doc.text[conflict.committed[0] : conflict.committed[1]] == "should"
    assert doc.text[conflict.incoming[0] : conflict.incoming[1]] == "must"
    delta = doc.refresh_brackets()
    assert {b.origin for b in delta.created} == {"conflict"}
    assert len({b.group for b in delta.created}) == 1


def test_bracket_ids_survive_edits_and_end_with_their_delimiters() -> None:
    doc = make("a [x] b [y] c")
    first = {b.open: b.id for b in doc.brackets()}
    edit(doc, 0, [[0, 0, "Preamble: "]])
    doc.refresh_brackets()
    assert [b.id for b in doc.brackets()] == [first[2], first[8]]
    # delete the second bracket's "["
    edit(doc, 1, [[18, 19, ""]])
    delta = doc.refresh_brackets()
    assert delta.ended == (first[8],)
    assert [b.id for b in doc.brackets()] == [first[2]]


def test_new_brackets_and_wording_changes_are_reported() -> None:
    doc = make("a [x] b")
    (old,) = doc.brackets()
    edit(doc, 0, [[3, 4, "xyz"]])
    edit(doc, 1, [[9, 9, " [new]"]])
    delta = doc.refresh_brackets()
    assert [b.id for b in delta.changed] == [old.id]
    assert [doc.text[b.open : b.close + 1] for b in delta.created] == ["[new]"]
    assert doc.refresh_brackets().is_empty


def test_known_ids_are_restored_from_a_snapshot() -> None:
    doc = make("[a][b]")
    table = doc.bracket_table()
    again = LiveDocument("[a][b]", 7, known_ids=table)
    assert [b.id for b in again.brackets()] == [b.id for b in doc.brackets()]
    assert again.brackets()[1].group == again.brackets()[0].id


def test_apply_committed_refuses_a_gap() -> None:
    doc = make("abc")
    other = make("abc")
    prepared = other.prepare(0, [[0, 0, "x"]])
    with pytest.raises(EditRejected, match="gap"):
        doc.apply_committed(2, prepared.changes)
    doc.apply_committed(1, prepared.changes)
    assert doc.text == "xabc"


plain = st.text(st.sampled_from("abc é决ق👍 "), max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3), plain), max_size=8))
def test_ids_of_untouched_brackets_survive_random_edits(
    edits: list[tuple[int, int, str]],
) -> None:
    doc = make("intro [keep this] and [that][other] end")
    start = {b.id: doc.text[b.open : b.close + 1] for b in doc.brackets()}
    for position, length, insert in edits:
        text = doc.text
        cp = min(position, len(text))
        end = min(cp + length, len(text))
        if "[" in text[cp:end] or "]" in text[cp:end]:
            continue
        index = doc.index
        edit(doc, doc.revision, [[index.to_utf16(cp), index.to_utf16(end), insert]])
    doc.refresh_brackets()
    assert {b.id for b in doc.brackets()} == set(start)


def test_history_is_bounded_by_the_text_it_holds() -> None:
    doc = make("", history_chars=1000)
    for revision in range(10):
        edit(doc, revision, [[0, 0, "x" * 300]])
    # only the last few revisions can still be rebased onto
    doc.prepare(8, [[0, 0, "y"]])
    with pytest.raises(EditRejected) as caught:
        doc.prepare(2, [[0, 0, "y"]])
    assert caught.value.code == "base_too_old"
