"""Stable bracket ids: position maps and carrying ids through edits."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from diff_match_patch import diff_match_patch
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.identity import (
    IdAssignment,
    PositionMap,
    carry_ids,
    compose,
    diff_position_map,
    splice_position_map,
)
from app.engine.notation import Bracket, parse


def counter(prefix: str = "b", start: int = 1) -> Callable[[], str]:
    numbers = itertools.count(start)
    return lambda: f"{prefix}{next(numbers)}"


def nothing_survives(offset: int) -> int | None:
    return None


def ids_of(text: str, make: Callable[[], str]) -> list[tuple[str, Bracket]]:
    """A first parse: every bracket gets a fresh id."""
    return list(carry_ids([], parse(text).brackets, nothing_survives, make).assigned)


def edit(
    old: list[tuple[str, Bracket]], new_text: str, mapping: PositionMap
) -> IdAssignment[Bracket]:
    return carry_ids(old, parse(new_text).brackets, mapping, counter("n", 100))


def test_fresh_ids_for_a_first_parse() -> None:
    assigned = ids_of("[a] [b [c]]", counter())
    assert [bracket_id for bracket_id, _ in assigned] == ["b1", "b2", "b3"]


def test_content_edit_keeps_the_id() -> None:
    old_text, new_text = "Parties [shall] act", "Parties [shall, where possible,] act"
    old = ids_of(old_text, counter())
    result = edit(old, new_text, diff_position_map(old_text, new_text, 1.0))
    assert [i for i, _ in result.assigned] == ["b1"]
    assert result.created == result.ended == ()


def test_deleted_delimiter_ends_the_bracket() -> None:
    old_text, new_text = "Parties [shall] act [now]", "Parties shall] act [now]"
    old = ids_of(old_text, counter())
    result = edit(old, new_text, diff_position_map(old_text, new_text, 1.0))
    assert [i for i, _ in result.assigned] == ["b2"]
    assert result.ended == ("b1",)


def test_deleting_a_whole_alternative_keeps_its_neighbour() -> None:
    old_text, new_text = "a [x] [y] b", "a [y] b"
    old = ids_of(old_text, counter())
    result = edit(old, new_text, diff_position_map(old_text, new_text, 1.0))
    assert [i for i, _ in result.assigned] == ["b2"] and result.ended == ("b1",)


def test_new_brackets_get_new_ids() -> None:
    old_text, new_text = "Parties shall act", "Parties [shall][should] act"
    result = edit([], new_text, diff_position_map(old_text, new_text, 1.0))
    assert result.created == ("n100", "n101")
    assert [i for i, _ in result.assigned] == ["n100", "n101"]


def test_repaired_pairing_is_a_new_bracket() -> None:
    # "[a [b] c" -> "[a [b] c]": the outer "[" now closes, the inner keeps its id.
    old_text, new_text = "[a [b] c", "[a [b] c]"
    old = ids_of(old_text, counter())
    result = edit(old, new_text, diff_position_map(old_text, new_text, 1.0))
    assert [i for i, _ in result.assigned] == ["n100", "b1"]


def test_first_claim_wins() -> None:
    (bracket,) = parse("[a]").brackets
    result = carry_ids([("x", bracket), ("y", bracket)], [bracket], lambda o: o, counter())
    assert [i for i, _ in result.assigned] == ["x"] and result.ended == ("y",)


def test_identical_texts_map_identically() -> None:
    mapping = diff_position_map("same", "same", 1.0)
    assert [mapping(i) for i in range(4)] == [0, 1, 2, 3]


def test_splice_and_compose() -> None:
    first = splice_position_map(2, 4, 1)  # "abcdef" -> "abXef"
    assert [first(i) for i in range(6)] == [0, 1, None, None, 3, 4]
    both = compose(first, splice_position_map(0, 0, 2))  # then prefix two characters
    assert [both(i) for i in range(6)] == [2, 3, None, None, 5, 6]


texts = st.text(st.sampled_from("ab [] \n😀"), max_size=40)


@given(texts, texts)
@settings(max_examples=200)
def test_diff_map_agrees_with_diff_xindex_on_kept_characters(old: str, new: str) -> None:
    engine = diff_match_patch()
    diffs = engine.diff_main(old, new)
    engine.diff_cleanupSemanticLossless(diffs)
    mapping = diff_position_map(old, new, 5.0)
    for offset in range(len(old)):
        mapped = mapping(offset)
        if mapped is not None:
            assert mapped == engine.diff_xIndex(diffs, offset)
            assert new[mapped] == old[offset]
    assert mapping(-1) is None and mapping(len(old)) is None


# Edits that never touch a bracket's delimiters: bracket-free text in and out.
plain = st.text(st.sampled_from("abc ,.\n😀é"), max_size=6)
bracketed = st.lists(st.one_of(plain, st.sampled_from(["[", "]", "[x]", "[y][z]"])), max_size=20)


@st.composite
def edit_scripts(draw: st.DrawFn, max_edits: int = 4) -> tuple[str, list[tuple[int, int, str]]]:
    """A text and a few edits, each replacing a bracket-free stretch with plain text."""
    text = "".join(draw(bracketed))
    edits, current = [], text
    for _ in range(draw(st.integers(1, max_edits))):
        start = draw(st.integers(0, len(current)))
        end = start
        while end < len(current) and end - start < 5 and current[end] not in "[]":
            end += 1
        end = draw(st.integers(start, end))
        inserted = draw(plain)
        edits.append((start, end, inserted))
        current = current[:start] + inserted + current[end:]
    return text, edits


def apply(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, PositionMap]:
    mapping: PositionMap = lambda offset: offset  # noqa: E731
    for start, end, inserted in edits:
        text = text[:start] + inserted + text[end:]
        mapping = compose(mapping, splice_position_map(start, end, len(inserted)))
    return text, mapping


@given(edit_scripts())
@settings(max_examples=300)
def test_edits_elsewhere_keep_every_id_exact_map(
    script: tuple[str, list[tuple[int, int, str]]],
) -> None:
    text, edits = script
    new_text, mapping = apply(text, edits)
    old = ids_of(text, counter())
    result = edit(old, new_text, mapping)
    assert result.ended == result.created == ()
    assert [i for i, _ in result.assigned] == [i for i, _ in old]


@given(edit_scripts(max_edits=1))
@settings(max_examples=300)
def test_one_edit_elsewhere_keeps_every_id_diff_map(
    script: tuple[str, list[tuple[int, int, str]]],
) -> None:
    text, edits = script
    new_text, _ = apply(text, edits)
    old = ids_of(text, counter())
    result = edit(old, new_text, diff_position_map(text, new_text, 5.0))
    assert result.ended == result.created == ()
