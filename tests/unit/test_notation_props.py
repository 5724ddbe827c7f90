"""Properties of the parser over arbitrary text: it never raises and stays consistent."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.notation import ParseResult, parse
from app.engine.utf16 import Utf16Index

# Any code point, lone surrogates and NUL included.
any_char = st.characters(codec=None, exclude_categories=())
piece = st.sampled_from(
    [
        "[", "]", "[", "]", "\\", "\n", "\n\n", " ", "/", "\r\n", "\t",
        "Alt 1:", "Option 2:", "Option II", "Option B.", "1. ", "Article 3",
        "😀", "🌍", "\ud800", "\udfff", "\x00", "قرار", "决议", "a", ":",
    ]
)  # fmt: skip
notation_text = st.one_of(
    st.text(any_char),
    st.lists(st.one_of(piece, st.text(any_char, max_size=3)), max_size=80).map("".join),
)


def reference_pairs(text: str) -> tuple[set[tuple[int, int]], list[int], list[int]]:
    """A character-by-character stack matcher, the obvious reading of the rules."""
    pairs, stack, stray, index = set(), [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] in ("\\", "[", "]"):
            index += 2
            continue
        if char == "[":
            stack.append(index)
        elif char == "]":
            if stack:
                pairs.add((stack.pop(), index))
            else:
                stray.append(index)
        index += 1
    return pairs, stack, stray


@given(notation_text, st.integers(-1, 6))
@settings(max_examples=400)
def test_matches_the_reference(text: str, max_depth: int) -> None:
    result = parse(text, max_depth=max_depth)
    pairs, unmatched_open, stray = reference_pairs(text)
    assert {(b.open, b.close) for b in result.brackets} == pairs
    assert list(result.unmatched_open) == unmatched_open
    assert list(result.unmatched_close) == stray


@given(notation_text)
def test_count_invariants(text: str) -> None:
    result = parse(text)
    escaped = text.replace("\\\\", "").replace("\\[", "").replace("\\]", "")
    assert len(result.brackets) + len(result.unmatched_open) == escaped.count("[")
    assert len(result.brackets) + len(result.unmatched_close) == escaped.count("]")


@given(notation_text, st.integers(1, 4))
@settings(max_examples=300)
def test_tree_is_consistent(text: str, max_depth: int) -> None:
    result = parse(text, max_depth=max_depth)
    assert [b.index for b in result.brackets] == list(range(len(result.brackets)))
    assert [b.open for b in result.brackets] == sorted(b.open for b in result.brackets)
    for bracket in result.brackets:
        assert text[bracket.open] == "[" and text[bracket.close] == "]"
        assert 1 <= bracket.depth <= result.depth_limit == max_depth
        if bracket.parent is None:
            assert bracket.depth == 1
        else:
            parent = result.brackets[bracket.parent]
            assert parent.depth == bracket.depth - 1
            assert parent.open < bracket.open and bracket.close < parent.close
    assert result.max_depth >= max((b.depth for b in result.brackets), default=0)


@given(notation_text)
def test_groups_are_consecutive_siblings(text: str) -> None:
    result = parse(text)
    for group in result.groups:
        members = [result.brackets[index] for index in group.members]
        assert len(members) >= 2
        assert len({m.parent for m in members}) == 1
        assert all(m.group == group.index for m in members)
        for left, right in itertools.pairwise(members):
            gap = text[left.close + 1 : right.open]
            assert all(char == "/" or char.isspace() for char in gap)
            if "\n" in gap:
                assert left.label is not None and right.label is not None


@given(notation_text)
def test_every_span_has_its_utf16_twin(text: str) -> None:
    result = parse(text)
    index = Utf16Index(text)
    spans = [(b.span, b.span_u16) for b in result.brackets]
    spans += [(b.inner, b.inner_u16) for b in result.brackets]
    spans += [(g.span, g.span_u16) for g in result.groups]
    spans += [(o.span, o.span_u16) for o in result.options]
    spans += [(o.label.span, o.label.span_u16) for o in result.options]
    spans += [(b.label.span, b.label.span_u16) for b in result.brackets if b.label]
    for cp, u16 in spans:
        assert (index.to_utf16(cp.start), index.to_utf16(cp.end)) == (u16.start, u16.end)


@given(notation_text)
def test_diagnostics_point_at_their_offsets(text: str) -> None:
    result: ParseResult = parse(text)
    lines = text.split("\n")
    offsets = [d.offset for d in result.diagnostics]
    assert offsets == sorted(offsets)
    for diagnostic in result.diagnostics:
        line_start = sum(len(line) + 1 for line in lines[: diagnostic.line - 1])
        assert line_start + diagnostic.column - 1 == diagnostic.offset
        assert text[diagnostic.offset] in "[]"


@given(notation_text)
def test_labels_and_options_quote_the_text(text: str) -> None:
    result = parse(text)
    labels = [b.label for b in result.brackets if b.label] + [o.label for o in result.options]
    for label in labels:
        assert text[label.span.start : label.span.end] == label.text
    for option in result.options:
        assert option.first_line <= option.last_line
        assert option.span.start <= option.label.span.start < option.span.end
