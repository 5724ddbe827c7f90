"""Change sets: validation, Unicode offsets, mapping and composition."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.changes import ChangeError, ChangeSet, Replace, compose, compose_all
from app.engine.utf16 import Utf16Index

# Emoji (astral, and a modifier sequence), Arabic, CJK, a combining mark, brackets.
INSERTS = "ab [/]😀👍🏽قر决议é\u0301"
BASES = "xyz [/]🎉ليو文é\u0301"


def texts(alphabet: str = BASES, max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, max_size=max_size)


@st.composite
def change_sets(draw: st.DrawFn, text: str, alphabet: str = INSERTS) -> ChangeSet:
    """Random replacements against ``text``; small texts make ties and touches common."""
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    pairs = zip(cuts[::2], cuts[1::2], strict=False)
    inserts = st.text(alphabet=alphabet, max_size=4)
    return ChangeSet.of(len(text), [Replace(s, e, draw(inserts)) for s, e in pairs])


@st.composite
def text_and_changes(draw: st.DrawFn) -> tuple[str, ChangeSet]:
    text = draw(texts())
    return text, draw(change_sets(text))


def wire_error(base: str, wire: Any) -> str:
    with pytest.raises(ChangeError) as info:
        ChangeSet.from_wire(base, wire)
    return info.value.code


class TestBasics:
    def test_apply_joins_slices(self) -> None:
        changes = ChangeSet.of(11, [Replace(0, 5, "Hi"), Replace(6, 11, "all")])
        assert changes.apply("hello world") == "Hi all"
        assert (changes.new_length, changes.inserted_length, changes.deleted_length) == (6, 5, 10)

    def test_apply_refuses_another_base(self) -> None:
        with pytest.raises(ChangeError) as info:
            ChangeSet.single(3, 0, 1).apply("abcd")
        assert info.value.code == "base_mismatch"

    def test_of_merges_touching_and_drops_empty(self) -> None:
        changes = ChangeSet.of(
            9, [Replace(1, 1, "a"), Replace(1, 3, ""), Replace(3, 3, "b"), Replace(5, 5, "")]
        )
        assert changes.replaces == (Replace(1, 3, "ab"),)

    def test_constructor_requires_normal_form(self) -> None:
        with pytest.raises(ChangeError, match="touching"):
            ChangeSet(5, (Replace(0, 1, ""), Replace(1, 2, "x")))
        with pytest.raises(ChangeError, match="empty"):
            ChangeSet(5, (Replace(2, 2, ""),))
        with pytest.raises(ChangeError) as info:
            ChangeSet.of(5, [Replace(3, 4, ""), Replace(1, 2, "")])
        assert info.value.code == "unordered"

    def test_empty_change_is_a_no_op(self) -> None:
        changes = ChangeSet.from_wire("abc", [])
        assert changes.is_empty and changes.apply("abc") == "abc"

    def test_invert_undoes(self) -> None:
        changes = ChangeSet.of(9, [Replace(0, 3, "a"), Replace(5, 5, "!")])
        after = changes.apply("the [cat]")
        assert after == "a [!cat]"
        assert changes.invert("the [cat]").apply(after) == "the [cat]"


class TestWireValidation:
    @pytest.mark.parametrize(
        "wire",
        [
            None,
            "[[0,0,'a']]",
            {"from": 0},
            [[0, 0]],
            [[0, 0, "a", 1]],
            [[True, 1, "a"]],
            [[0, False, ""]],
            [[0.0, 1, ""]],
            [["0", 1, ""]],
            [[0, 1, 5]],
            [[0, 1, None]],
            [(0, 1, "a"), 7],
        ],
    )
    def test_bad_shape(self, wire: Any) -> None:
        assert wire_error("abc", wire) == "bad_shape"

    @pytest.mark.parametrize("wire", [[[-1, 0, ""]], [[0, 4, ""]], [[4, 4, "x"]]])
    def test_out_of_range(self, wire: Any) -> None:
        assert wire_error("abc", wire) == "out_of_range"

    @pytest.mark.parametrize(
        "wire", [[[2, 1, ""]], [[0, 2, ""], [1, 3, ""]], [[2, 2, "x"], [0, 1, ""]]]
    )
    def test_unordered(self, wire: Any) -> None:
        assert wire_error("abc", wire) == "unordered"

    @pytest.mark.parametrize("text", ["\x00", "a\x00b", "\ud83d", "x\ude00"])
    def test_bad_text(self, text: str) -> None:
        assert wire_error("abc", [[0, 0, text]]) == "bad_text"

    def test_touching_changes_are_accepted_and_merged(self) -> None:
        changes = ChangeSet.from_wire("abcdef", [[1, 2, "X"], [2, 2, "Y"], [2, 4, ""]])
        assert changes.replaces == (Replace(1, 4, "XY"),)


class TestUnicode:
    def test_offsets_after_emoji_count_two_units(self) -> None:
        base = "a😀b"
        changes = ChangeSet.from_wire(base, [[3, 4, "c"]])
        assert changes.replaces == (Replace(2, 3, "c"),)
        assert changes.apply(base) == "a😀c"
        assert changes.to_wire(base) == [(3, 4, "c")]

    @pytest.mark.parametrize("wire", [[[2, 2, "x"]], [[0, 2, ""]], [[2, 3, ""]]])
    def test_boundary_inside_a_surrogate_pair_is_refused(self, wire: Any) -> None:
        assert wire_error("a😀b", wire) == "splits_surrogate"

    def test_deleting_a_whole_emoji(self) -> None:
        assert ChangeSet.from_wire("a😀b", [[1, 3, ""]]).apply("a😀b") == "ab"

    def test_emoji_inserts_count_in_later_offsets(self) -> None:
        base = "👍🏽 ok"
        index = Utf16Index(base)
        changes = ChangeSet.from_wire(index, [[0, 0, "🎉"], [5, 7, "OK"]])
        assert changes.apply(base) == "🎉👍🏽 OK"
        assert ChangeSet.from_wire(base, changes.to_wire(index)) == changes

    @pytest.mark.parametrize(
        ("base", "wire", "expected"),
        [
            ("مشروع القرار", [[6, 12, "المقرر"]], "مشروع المقرر"),
            ("决议草案", [[2, 2, "的"]], "决议的草案"),
            ("проект резолюции", [[0, 6, "Проект"]], "Проект резолюции"),
        ],
    )
    def test_bmp_scripts_count_one_unit(self, base: str, wire: Any, expected: str) -> None:
        changes = ChangeSet.from_wire(base, wire)
        assert changes.apply(base) == expected
        assert changes.to_wire(base) == [tuple(w) for w in wire]

    def test_combining_mark_is_its_own_code_point(self) -> None:
        # "é" as e + U+0301: the wire may address either; only surrogates are refused.
        base = "cafe\u0301"
        assert ChangeSet.from_wire(base, [[4, 5, ""]]).apply(base) == "cafe"
        assert ChangeSet.from_wire(base, [[3, 5, "é"]]).apply(base) == "café"


class TestMapping:
    changes = ChangeSet.of(10, [Replace(2, 2, "ab"), Replace(4, 6, "XYZ"), Replace(8, 10, "")])

    @pytest.mark.parametrize(
        ("pos", "before", "after"),
        [
            (0, 0, 0),
            (2, 2, 4),
            (3, 5, 5),
            (4, 6, 6),
            (5, 6, 9),
            (6, 9, 9),
            (8, 11, 11),
            (9, 11, 11),
            (10, 11, 11),
        ],
    )
    def test_map_position(self, pos: int, before: int, after: int) -> None:
        assert self.changes.map_position(pos, -1) == before
        assert self.changes.map_position(pos, 1) == after

    def test_strict_refuses_positions_inside_replaced_ranges(self) -> None:
        assert self.changes.map_position_strict(5) is None
        assert self.changes.map_position_strict(9) is None
        assert self.changes.map_position_strict(4) == 6
        assert self.changes.map_position_strict(2, 1) == 4

    def test_deleted_bracket_has_no_new_index(self) -> None:
        text = "a [b] c"
        changes = ChangeSet.single(len(text), 2, 3)  # delete the "["
        assert changes.map_chars([2, 4]) == [None, 3]
        assert changes.apply(text)[3] == "]"

    def test_positions_must_ascend(self) -> None:
        with pytest.raises(ValueError, match="ascending"):
            self.changes.map_positions([3, 1])
        with pytest.raises(ChangeError):
            self.changes.map_position(11)


class TestCompose:
    def test_example(self) -> None:
        first = ChangeSet.single(5, 1, 3, "XYZ")  # abcde -> aXYZde
        second = ChangeSet.of(6, [Replace(0, 2, ""), Replace(3, 5, "!")])  # -> Y!e
        assert compose(first, second).replaces == (Replace(0, 4, "Y!"),)
        assert first.then(second).apply("abcde") == "Y!e"

    def test_compose_all(self) -> None:
        chain = [ChangeSet.single(0, 0, 0, "ab"), ChangeSet.single(2, 1, 1, "c")]
        assert compose_all(0, chain).apply("") == "acb"
        assert compose_all(3, []).is_empty

    def test_refuses_a_mismatched_chain(self) -> None:
        with pytest.raises(ChangeError):
            compose(ChangeSet.single(3, 0, 0, "a"), ChangeSet(3))


@given(text_and_changes())
def test_apply_gives_new_length(case: tuple[str, ChangeSet]) -> None:
    text, changes = case
    assert len(changes.apply(text)) == changes.new_length


@given(st.data())
def test_compose_equals_applying_in_turn(data: st.DataObject) -> None:
    text, first = data.draw(text_and_changes())
    middle = first.apply(text)
    second = data.draw(change_sets(middle))
    assert compose(first, second).apply(text) == second.apply(middle)


@given(text_and_changes())
def test_invert_restores(case: tuple[str, ChangeSet]) -> None:
    text, changes = case
    assert changes.invert(text).apply(changes.apply(text)) == text


@given(text_and_changes())
def test_wire_round_trip(case: tuple[str, ChangeSet]) -> None:
    text, changes = case
    assert ChangeSet.from_wire(text, changes.to_wire(text)) == changes
    assert ChangeSet.from_wire(Utf16Index(text), changes.to_wire(Utf16Index(text))) == changes


@given(text_and_changes(), st.sampled_from([-1, 1]))
def test_map_position_is_monotonic(case: tuple[str, ChangeSet], assoc: Any) -> None:
    text, changes = case
    mapped = [changes.map_position(p, assoc) for p in range(len(text) + 1)]
    assert mapped == sorted(mapped)
    assert mapped == changes.map_positions(range(len(text) + 1), assoc)
    assert changes.map_position(0, -1) == 0
    assert changes.map_position(len(text), 1) == changes.new_length
    for pos, new in enumerate(mapped):
        assert changes.map_position_strict(pos, assoc) in (None, new)


@given(text_and_changes())
def test_kept_characters_map_to_themselves(case: tuple[str, ChangeSet]) -> None:
    text, changes = case
    after = changes.apply(text)
    indices = changes.map_chars(range(len(text)))
    kept = [i for i in indices if i is not None]
    assert [after[i] for i in kept] == [text[i] for i, j in enumerate(indices) if j is not None]
    assert len(kept) == len(text) - changes.deleted_length
