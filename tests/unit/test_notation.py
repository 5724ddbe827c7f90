"""Bracket notation: brackets, nesting, groups, labels, escapes, diagnostics, UTF-16."""

from __future__ import annotations

import pytest

from app.engine.notation import Bracket, DiagnosticKind, ParseResult, Span, parse


def texts(text: str, result: ParseResult) -> list[str]:
    return [text[b.open : b.close + 1] for b in result.brackets]


def kinds(result: ParseResult) -> list[str]:
    return [d.kind.value for d in result.diagnostics]


def test_plain_text_has_nothing() -> None:
    result = parse("The Parties to this Agreement,\n\nHave agreed as follows:")
    assert not (result.brackets or result.groups or result.options or result.diagnostics)
    assert result.max_depth == 0
    assert parse("").brackets == ()


def test_lone_bracket_spans() -> None:
    text = "In [furtherance] of"
    (bracket,) = parse(text).brackets
    assert (bracket.open, bracket.close, bracket.depth, bracket.parent) == (3, 15, 1, None)
    assert bracket.span == Span(3, 16)
    assert text[bracket.inner.start : bracket.inner.end] == "furtherance"
    assert bracket.span_u16 == bracket.span and bracket.inner_u16 == bracket.inner
    assert bracket.group is None and bracket.label is None


def test_nesting_from_the_design_notes() -> None:
    text = "[below 1.5 °C [or] [well] below 2 °C]"
    result = parse(text)
    assert texts(text, result) == [text, "[or]", "[well]"]
    assert [b.depth for b in result.brackets] == [1, 2, 2]
    assert [b.parent for b in result.brackets] == [None, 0, 0]
    assert result.max_depth == 2


def test_brackets_are_in_opening_order() -> None:
    result = parse("[a [b [c]] [d]] [e]")
    assert [b.open for b in result.brackets] == sorted(b.open for b in result.brackets)
    assert [b.index for b in result.brackets] == list(range(5))
    assert [b.parent for b in result.brackets] == [None, 0, 1, 0, None]
    assert [b.depth for b in result.brackets] == [1, 2, 3, 2, 1]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Each Party [shall][should] act", "adjacent"),
        ("Each Party [shall] [should] act", "spaced"),
        ("Each Party [shall] / [should] act", "slash"),
        ("Each Party [shall]/[should] act", "slash"),
        ("[Alt 1: shall] [Alt 2: should]", "labelled"),
    ],
)
def test_group_of_two(text: str, kind: str) -> None:
    result = parse(text)
    (group,) = result.groups
    assert group.members == (0, 1) and group.kind == kind
    assert [b.group for b in result.brackets] == [0, 0]
    assert group.span == Span(result.brackets[0].open, result.brackets[1].close + 1)


def test_group_of_three_with_mixed_separators() -> None:
    text = "[by 2030][20XX] [as soon as possible]"
    (group,) = parse(text).groups
    assert group.members == (0, 1, 2) and group.kind == "spaced"


def test_only_siblings_group() -> None:
    text = "[x [a]][b] and [c [d]] [e]"
    result = parse(text)
    assert texts(text, result) == ["[x [a]]", "[a]", "[b]", "[c [d]]", "[d]", "[e]"]
    assert [g.members for g in result.groups] == [(0, 2), (3, 5)]
    assert result.brackets[1].group is None


@pytest.mark.parametrize(
    "text",
    ["[a], [b]", "[a] and [b]", "[a] \\[ [b]", "[a]\n[b]", "[a]\n\n[b]", "[a] ] [b]"],
)
def test_not_a_group(text: str) -> None:
    assert parse(text).groups == ()


def test_labelled_alternatives_group_across_lines() -> None:
    text = "[Alt 1: Parties shall report.]\n\n[Alt 2: Parties should report.]"
    result = parse(text)
    (group,) = result.groups
    assert group.kind == "labelled" and group.members == (0, 1)
    assert parse("[Alt 1: shall]\n[should]").groups == ()


@pytest.mark.parametrize(
    ("content", "label"),
    [
        ("Alt 1: shall", "Alt 1:"),
        ("  alt. A: shall", "alt. A:"),
        ("Alt.B: shall", "Alt.B:"),
        ("Option A: shall", "Option A:"),
        ("OPTION 2 : shall", "OPTION 2 :"),
        ("Alternative 3: shall", "Alternative 3:"),
        ("Option IV: shall", "Option IV:"),
        ("Option1: shall", "Option1:"),
    ],
)
def test_labels(content: str, label: str) -> None:
    text = f"x [{content}] [other]"
    bracket = parse(text).brackets[0]
    assert bracket.label is not None
    assert bracket.label.text == label
    assert text[bracket.label.span.start : bracket.label.span.end] == label
    assert bracket.label.span_u16 == bracket.label.span


@pytest.mark.parametrize(
    "content", ["Options: a", "Alternatively: a", "Option 2 would", "Alt: a", "a Alt 1: b"]
)
def test_not_labels(content: str) -> None:
    assert parse(f"[{content}]").brackets[0].label is None


def test_escapes_are_literal() -> None:
    text = r"a \[not\] b \\[yes] c\d"
    result = parse(text)
    assert texts(text, result) == ["[yes]"]
    assert result.diagnostics == ()
    assert parse("\\").brackets == () and parse("\\\\\\[").brackets == ()


def test_unmatched_open_and_close() -> None:
    text = "[a] ] b\nc [d"
    result = parse(text)
    assert result.unmatched_close == (4,)
    assert result.unmatched_open == (10,)
    close, open_ = result.diagnostics
    assert (close.line, close.column, close.kind) == (1, 5, DiagnosticKind.UNMATCHED_CLOSE)
    assert (open_.line, open_.column, open_.kind) == (2, 3, DiagnosticKind.UNMATCHED_OPEN)
    assert (open_.offset, open_.offset_u16, open_.column_u16) == (10, 10, 3)


def test_unmatched_open_is_no_parent() -> None:
    result = parse("[ never closed [inner]")
    (inner,) = result.brackets
    assert (inner.parent, inner.depth) == (None, 1)
    assert result.unmatched_open == (0,)


def test_cross_paragraph_bracket_is_matched_and_reported() -> None:
    text = "1. [Each Party shall:\n    (a) report;\n    (b) review.]\n2. Next"
    result = parse(text)
    (bracket,) = result.brackets
    assert text[bracket.close] == "]"
    (diagnostic,) = result.diagnostics
    assert diagnostic.kind == DiagnosticKind.CROSS_PARAGRAPH
    assert (diagnostic.line, diagnostic.column) == (1, 4)
    assert "line 3" in diagnostic.message


def test_crlf_line_breaks_count_as_paragraph_breaks() -> None:
    result = parse("[a\r\nb]")
    assert kinds(result) == ["cross_paragraph"]


def test_utf16_spans_and_columns_after_emoji() -> None:
    text = "😀 [shall]\n🌍🌍 ]"
    result = parse(text)
    (bracket,) = result.brackets
    assert (bracket.open, bracket.open_u16, bracket.close, bracket.close_u16) == (2, 3, 8, 9)
    assert bracket.span_u16 == Span(3, 10) and bracket.inner_u16 == Span(4, 9)
    (diagnostic,) = result.diagnostics
    assert (diagnostic.line, diagnostic.column, diagnostic.column_u16) == (2, 4, 6)
    assert (diagnostic.offset, diagnostic.offset_u16) == (13, 16)


def test_depth_limit_flattens_and_reports_once() -> None:
    text = "[1 [2 [3 [4 [5]]]]] [x]"
    result = parse(text, max_depth=3)
    assert [b.depth for b in result.brackets] == [1, 2, 3, 3, 3, 1]
    assert [b.parent for b in result.brackets] == [None, 0, 1, 1, 1, None]
    assert (result.max_depth, result.depth_limit) == (5, 3)
    (diagnostic,) = result.diagnostics
    assert diagnostic.kind == DiagnosticKind.MAX_DEPTH_EXCEEDED
    assert diagnostic.offset == text.index("[4")
    assert [g.members for g in result.groups] == [(0, 5)]


def test_flattened_brackets_do_not_group() -> None:
    result = parse("[[[a][b]]]", max_depth=2)
    assert result.groups == ()
    assert [b.depth for b in result.brackets] == [1, 2, 2, 2]


def test_depth_limit_below_one_means_one() -> None:
    result = parse("[a [b]]", max_depth=0)
    assert result.depth_limit == 1
    assert [b.depth for b in result.brackets] == [1, 1]


def test_very_deep_nesting_is_bounded() -> None:
    depth = 100_000
    result = parse("[" * depth + "x" + "]" * depth)
    assert len(result.brackets) == depth and result.max_depth == depth
    assert max(b.depth for b in result.brackets) == 32
    assert kinds(result) == ["max_depth_exceeded"]


def test_results_are_frozen() -> None:
    bracket: Bracket = parse("[a]").brackets[0]
    with pytest.raises(AttributeError):
        bracket.open = 1  # type: ignore[misc]
