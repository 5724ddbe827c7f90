"""Transform (TP1) and the server rebase that turns clashes into bracketed alternatives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.changes import ChangeError, ChangeSet, Replace
from app.engine.rebase import Conflict, RebaseResult, Span, rebase, transform
from app.engine.textdiff import diff_to_changes, refine
from tests.unit.test_changes import change_sets, texts

# Disjoint alphabets: nothing the incoming side inserts can equal the other side's text.
MINE = "ab😀قر"
THEIRS = "XY决👍🏽"


def merged(base: str, mine: str, theirs: str) -> tuple[str, RebaseResult]:
    """Rebase the edit base -> mine over the commit base -> theirs."""
    incoming = diff_to_changes(base, mine, 1.0)
    committed = diff_to_changes(base, theirs, 1.0)
    result = rebase(incoming, [committed], base_text=base)
    return result.changes.apply(theirs), result


def check_groups(text: str, conflicts: tuple[Conflict, ...]) -> None:
    for c in conflicts:
        committed = text[c.committed.start : c.committed.end]
        incoming = text[c.incoming.start : c.incoming.end]
        assert text[c.group.start : c.group.end] == f"[{committed}][{incoming}]"


class TestTransform:
    def test_insertion_inside_a_deleted_range_survives_after_the_deletion(self) -> None:
        base = "abcdef"
        insert = ChangeSet.single(6, 3, 3, "X")
        delete = ChangeSet.single(6, 1, 5, "yz")
        assert transform(insert, delete, True).apply(delete.apply(base)) == "ayzXf"
        assert transform(delete, insert, False).apply(insert.apply(base)) == "ayzXf"

    @pytest.mark.parametrize(("a_first", "expected"), [(True, "abAB"), (False, "abBA")])
    def test_same_point_insertions_follow_priority(self, a_first: bool, expected: str) -> None:
        a, b = ChangeSet.single(2, 2, 2, "A"), ChangeSet.single(2, 2, 2, "B")
        assert b.then(transform(a, b, a_first)).apply("ab") == expected

    def test_pure_insertion_goes_before_a_replacement_starting_there(self) -> None:
        insert, rewrite = ChangeSet.single(3, 1, 1, "I"), ChangeSet.single(3, 1, 2, "R")
        for first in (True, False):
            assert rewrite.then(transform(insert, rewrite, first)).apply("abc") == "aIRc"

    def test_overlapping_deletions_delete_the_union(self) -> None:
        a, b = ChangeSet.single(6, 1, 4), ChangeSet.single(6, 2, 5)
        assert b.then(transform(a, b, True)).apply("abcdef") == "af"

    def test_refuses_different_bases(self) -> None:
        with pytest.raises(ChangeError):
            transform(ChangeSet(2), ChangeSet(3), True)


@given(st.data(), st.booleans())
def test_transform_converges(data: st.DataObject, a_first: bool) -> None:
    text = data.draw(texts())
    a = data.draw(change_sets(text))
    b = data.draw(change_sets(text))
    left = b.then(transform(a, b, a_first)).apply(text)
    right = a.then(transform(b, a, not a_first)).apply(text)
    assert left == right
    for r in (*a.replaces, *b.replaces):
        assert r.text in left


@given(st.data(), st.frozensets(st.integers(0, 12)))
def test_transform_converges_with_priority_by_position(
    data: st.DataObject, firsts: frozenset[int]
) -> None:
    text = data.draw(texts())
    a = data.draw(change_sets(text))
    b = data.draw(change_sets(text))
    left = b.then(transform(a, b, lambda pos: pos in firsts)).apply(text)
    right = a.then(transform(b, a, lambda pos: pos not in firsts)).apply(text)
    assert left == right


class TestRebase:
    def test_rival_words_become_alternatives(self) -> None:
        text, result = merged(
            "Member States shall take measures.",
            "Member States should take measures.",
            "Member States must take measures.",
        )
        assert text == "Member States [must][should] take measures."
        (conflict,) = result.conflicts
        assert text[conflict.committed.start : conflict.committed.end] == "must"
        assert text[conflict.incoming.start : conflict.incoming.end] == "should"
        assert conflict.base == Span(14, 19)
        check_groups(text, result.conflicts)

    def test_separate_edits_merge_exactly(self) -> None:
        text, result = merged(
            "Member States shall take measures.",
            "Member States should take measures.",
            "Member States shall take urgent measures.",
        )
        assert text == "Member States should take urgent measures."
        assert result.conflicts == ()

    def test_identical_change_is_applied_once(self) -> None:
        text, result = merged("shall take", "should take", "should take")
        assert (text, result.conflicts) == ("should take", ())

    def test_deleted_sentence_edited_concurrently(self) -> None:
        base = "Keep this. Drop that one."
        text, result = merged(base, "Keep this.", "Keep this. Drop that two.")
        assert text == "Keep this.[ Drop that two.][]"
        check_groups(text, result.conflicts)

    def test_insertion_at_a_boundary_does_not_clash(self) -> None:
        base = "one two three"
        incoming = ChangeSet.single(len(base), 4, 4, "and ")
        committed = ChangeSet.single(len(base), 4, 7, "2")
        result = rebase(incoming, [committed], base_text=base)
        assert result.changes.apply(committed.apply(base)) == "one and 2 three"
        assert result.conflicts == ()

    def test_insertion_inside_a_deleted_range_is_a_conflict(self) -> None:
        base = "aaa bbb ccc"
        incoming = ChangeSet.single(len(base), 5, 5, "X")
        committed = ChangeSet.single(len(base), 3, 8)
        result = rebase(incoming, [committed], base_text=base)
        text = result.changes.apply(committed.apply(base))
        assert text == "aaa[][ bXbb ]ccc"
        check_groups(text, result.conflicts)

    def test_overlapping_deletions_do_not_clash(self) -> None:
        base = "0123456789"
        incoming, committed = ChangeSet.single(10, 2, 6), ChangeSet.single(10, 4, 8)
        result = rebase(incoming, [committed], base_text=base)
        assert result.changes.apply(committed.apply(base)) == "0189"
        assert result.conflicts == ()

    def test_same_point_insertions_put_the_committed_first(self) -> None:
        base = "ab"
        incoming, committed = ChangeSet.single(2, 1, 1, "I"), ChangeSet.single(2, 1, 1, "C")
        result = rebase(incoming, [committed], base_text=base)
        assert result.changes.apply(committed.apply(base)) == "aCIb"

    def test_several_concurrent_changes_are_composed(self) -> None:
        base = "shall take measures"
        first = ChangeSet.single(len(base), 0, 5, "must")
        second = ChangeSet.single(first.new_length, 4, 4, " urgently")
        incoming = ChangeSet.single(len(base), 0, 5, "should")
        result = rebase(incoming, [first, second], base_text=base)
        text = result.changes.apply(second.apply(first.apply(base)))
        # Composed, "must" and " urgently" are one change: both stand against "should".
        assert text == "[must urgently][should] take measures"

    def test_no_concurrent_change_commits_as_is(self) -> None:
        incoming = ChangeSet.single(3, 1, 2, "X")
        assert rebase(incoming, [], base_text="abc") == RebaseResult(incoming)

    def test_refuses_a_wrong_base(self) -> None:
        with pytest.raises(ChangeError):
            rebase(ChangeSet(3), [ChangeSet(4)], base_text="abcd")

    @pytest.mark.parametrize(
        ("base", "mine", "theirs", "expected"),
        [
            ("القرار رقم ٥", "القرار رقم ٦", "القرار رقم ٧", "القرار رقم [٧][٦]"),
            ("决议草案第五条", "决议草案第六条", "决议草案第七条", "决议草案第[七][六]条"),
            ("прое́кт A", "прое́кт B", "прое́кт C", "прое́кт [C][B]"),
            (
                "we agree 👍🏽 today",
                "we agree 👍🏿 today",
                "we agree 👎🏿 today",
                "we agree [👎🏿][👍🏿] today",
            ),
        ],
    )
    def test_conflicts_across_scripts(
        self, base: str, mine: str, theirs: str, expected: str
    ) -> None:
        text, result = merged(base, mine, theirs)
        assert text == expected
        check_groups(text, result.conflicts)

    def test_group_never_separates_a_combining_mark(self) -> None:
        base = "cafe\u0301 au lait"
        incoming = ChangeSet.single(len(base), 4, 5)  # drop the accent
        committed = ChangeSet.single(len(base), 3, 5, "é!")
        text, conflicts = _apply(incoming, committed, base)
        assert text == "[café!][cafe] au lait"
        check_groups(text, conflicts)

    def test_word_growth_is_bounded(self) -> None:
        base = "x" * 100
        incoming = ChangeSet.single(100, 50, 51, "a")
        committed = ChangeSet.single(100, 50, 51, "b")
        text, (conflict,) = _apply(incoming, committed, base)
        assert conflict.base.end - conflict.base.start < 60
        assert text.startswith("x" * 20) and text.endswith("x" * 20)

    def test_groups_separated_only_by_spaces_merge(self) -> None:
        far = "aa and cc"
        text, conflicts = _apply(
            ChangeSet.of(9, [Replace(0, 2, "AA"), Replace(7, 9, "CC")]),
            ChangeSet.of(9, [Replace(0, 2, "xx"), Replace(7, 9, "zz")]),
            far,
        )
        assert (text, len(conflicts)) == ("[xx][AA] and [zz][CC]", 2)
        # "[xx][AA] / [zz][CC]" would read as one group of four alternatives.
        near = "aa / cc"
        text, conflicts = _apply(
            ChangeSet.of(7, [Replace(0, 2, "AA"), Replace(5, 7, "CC")]),
            ChangeSet.of(7, [Replace(0, 2, "xx"), Replace(5, 7, "zz")]),
            near,
        )
        assert (text, len(conflicts)) == ("[xx / zz][AA / CC]", 1)


class TestBracketStructure:
    """A new group must not change how the brackets around it read."""

    def test_neighbouring_group_joins_both_alternatives(self) -> None:
        text, result = merged(
            "Parties [shall] take measures",
            "Parties [shall] implement measures",
            "Parties [shall] adopt measures",
        )
        assert text == "Parties [[shall] adopt][[shall] implement] measures"
        check_groups(text, result.conflicts)

    def test_escaped_brackets_are_not_a_group(self) -> None:
        text, _ = merged("see \\[1\\] take", "see \\[1\\] do", "see \\[1\\] make")
        assert text == "see \\[1\\] [make][do]"

    def test_a_bracket_cut_by_the_clash_brings_its_partner(self) -> None:
        base = "Parties [shall take] measures"
        incoming = ChangeSet.single(len(base), 9, 14, "should")
        committed = ChangeSet.single(len(base), 8, 14, "must")  # also drops the "["
        text, conflicts = _apply(incoming, committed, base)
        assert text == "Parties [must take]][[should take]] measures"
        check_groups(text, conflicts)

    def test_no_backslash_escapes_the_new_brackets(self) -> None:
        base = "ab\\cd"
        text, _ = _apply(ChangeSet.single(5, 3, 5, "XX"), ChangeSet.single(5, 3, 5, "YY"), base)
        assert text == "ab[\\YY][\\XX]"


def _apply(
    incoming: ChangeSet, committed: ChangeSet, base: str
) -> tuple[str, tuple[Conflict, ...]]:
    result = rebase(incoming, [committed], base_text=base)
    return result.changes.apply(committed.apply(base)), result.conflicts


def _resolve(text: str, conflicts: tuple[Conflict, ...], keep_incoming: bool) -> str:
    for c in sorted(conflicts, key=lambda c: -c.group.start):
        kept = c.incoming if keep_incoming else c.committed
        text = text[: c.group.start] + text[kept.start : kept.end] + text[c.group.end :]
    return text


@given(st.data())
def test_rebase_keeps_everything_and_shows_clashes(data: st.DataObject) -> None:
    base = data.draw(texts())
    incoming = data.draw(change_sets(base, MINE))
    committed = data.draw(change_sets(base, THEIRS))
    result = rebase(incoming, [committed], base_text=base)
    assert result == rebase(incoming, [committed], base_text=base)
    text = result.changes.apply(committed.apply(base))
    check_groups(text, result.conflicts)
    for r in (*incoming.replaces, *committed.replaces):
        assert r.text in text
    # Keeping the committed alternative everywhere is the exact transform of what
    # did not clash.
    rest = [
        x
        for x in incoming.replaces
        if not any(x.start < c.base.end and x.end > c.base.start for c in result.conflicts)
    ]
    expected = transform(ChangeSet.of(len(base), rest), committed, False)
    assert _resolve(text, result.conflicts, False) == expected.apply(committed.apply(base))


@given(st.data())
def test_rebase_over_a_chain(data: st.DataObject) -> None:
    base = data.draw(texts())
    chain = [data.draw(change_sets(base, THEIRS))]
    chain.append(data.draw(change_sets(chain[0].apply(base), THEIRS)))
    incoming = data.draw(change_sets(base, MINE))
    result = rebase(incoming, chain, base_text=base)
    text = result.changes.apply(chain[1].apply(chain[0].apply(base)))
    check_groups(text, result.conflicts)
    for r in incoming.replaces:
        assert r.text in text


class TestTextDiff:
    def test_diff_to_changes(self) -> None:
        old, new = "Parties shall report 😀 annually", "Parties should report 🎉 annually"
        changes = diff_to_changes(old, new, 1.0)
        assert changes.apply(old) == new
        assert diff_to_changes(old, old, 1.0).is_empty

    def test_refine_narrows_and_drops_rewrites_with_itself(self) -> None:
        base = "the same text"
        coarse = ChangeSet.of(13, [Replace(0, 3, "the"), Replace(4, 8, "sane")])
        assert refine(coarse, base, 1.0).replaces == (Replace(6, 7, "n"),)


@given(texts(), texts())
def test_diff_to_changes_is_exact(old: str, new: str) -> None:
    assert diff_to_changes(old, new, 1.0).apply(old) == new
    assert diff_to_changes(old, new, 1.0, semantic=False).apply(old) == new
