"""The parser on real negotiating texts (UNFCCC, 2015), flaws included."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.notation import Bracket, DiagnosticKind, ParseResult, parse
from app.engine.report import bracket_report

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "negotiating-texts"
DRAFT = DATA / "unfccc-draft-agreement-2015-10-23.txt"
PARIS = DATA / "unfccc-paris-agreement-2015-12-12-clean.txt"

pytestmark = [
    pytest.mark.needs_data,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"shared test data not found at {DATA}"),
]


@pytest.fixture(scope="module")
def draft() -> str:
    return DRAFT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(draft: str) -> ParseResult:
    return parse(draft)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def bracket_at(text: str, result: ParseResult, line: int, prefix: str) -> Bracket:
    """The first bracket on ``line`` whose text starts with ``prefix``."""
    for bracket in result.brackets:
        if line_of(text, bracket.open) == line and text.startswith(prefix, bracket.open):
            return bracket
    raise AssertionError(f"no bracket {prefix!r} on line {line}")


def test_counts_and_invariants(draft: str, parsed: ParseResult) -> None:
    assert (draft.count("["), draft.count("]")) == (1023, 1024)
    assert "\\[" not in draft and "\\]" not in draft
    assert len(parsed.brackets) == 1022
    assert len(parsed.brackets) + len(parsed.unmatched_open) == 1023
    assert len(parsed.brackets) + len(parsed.unmatched_close) == 1024


def test_unbalanced_brackets_are_located(draft: str, parsed: ParseResult) -> None:
    assert [line_of(draft, offset) for offset in parsed.unmatched_close] == [11, 17]
    assert draft.startswith("[to [be applied or actions", parsed.unmatched_open[0])
    assert line_of(draft, parsed.unmatched_open[0]) == 853
    unmatched = [d for d in parsed.diagnostics if d.kind != DiagnosticKind.CROSS_PARAGRAPH]
    assert [(d.line, d.column, d.kind.value) for d in unmatched] == [
        (11, 285, "unmatched_close"),
        (17, 709, "unmatched_close"),
        (853, 143, "unmatched_open"),
    ]


def test_cross_paragraph_brackets(draft: str, parsed: ParseResult) -> None:
    crossing = [d for d in parsed.diagnostics if d.kind == DiagnosticKind.CROSS_PARAGRAPH]
    assert len(crossing) == 24
    # A bracketed chapeau over its list of items, closing after item 16.
    features = bracket_at(draft, parsed, 148, "[Each Party' s NDMC/NDMCC")
    assert line_of(draft, features.close) == 165
    assert any(d.offset == features.open and "line 165" in d.message for d in crossing)
    # Line 37 leaves a bracket open; the stack pairs it with a stray "]" on line 776.
    stray = bracket_at(draft, parsed, 37, "[recognizing that sustainable lifestyles")
    assert line_of(draft, stray.close) == 776


def test_four_deep_nesting_in_article_3(draft: str, parsed: ParseResult) -> None:
    carbon = bracket_at(draft, parsed, 100, "[carbon]")
    chain = [carbon]
    while chain[-1].parent is not None:
        chain.append(parsed.brackets[chain[-1].parent])
    starts = [draft[b.open : b.open + 17] for b in chain]
    assert starts[:4] == [
        "[carbon][emission",
        "[low-[carbon][emi",
        "[long-term global",
        "[Parties aim [to ",
    ]
    # Two brackets left open earlier (lines 37 and 68) enclose the whole paragraph.
    assert [line_of(draft, b.open) for b in chain[4:]] == [68, 37]
    assert [b.depth for b in chain] == [6, 5, 4, 3, 2, 1]
    assert parsed.max_depth == 7


def test_group_of_three_alternatives(draft: str, parsed: ParseResult) -> None:
    shall = bracket_at(draft, parsed, 108, "[shall]")
    assert shall.group is not None
    group = parsed.groups[shall.group]
    assert draft[group.span.start : group.span.end] == "[shall][should][other]"
    assert group.kind == "adjacent" and len(group.members) == 3
    spaced = bracket_at(draft, parsed, 27, "[migrants]")
    assert spaced.group is not None
    assert parsed.groups[spaced.group].kind == "spaced"


def test_option_blocks(draft: str, parsed: ParseResult) -> None:
    article_2 = [o for o in parsed.options if 64 < o.first_line < 80]
    assert [(o.label.text, o.first_line, o.last_line) for o in article_2] == [
        ("Option 1:", 66, 74),
        ("Option 2:", 76, 78),
    ]
    assert article_2[0].group == article_2[1].group
    article_11 = [o for o in parsed.options if 796 < o.first_line < 867]
    outer = [o for o in article_11 if o.parent is None]
    assert [(o.label.text, o.first_line, o.last_line) for o in outer] == [
        ("Option I:", 798, 857),
        ("Option II:", 859, 861),
        ("Option III:", 863, 865),
    ]
    assert all(o.parent == outer[0].index for o in article_11[1:-2])
    assert len(parsed.options) == 153


def test_report_of_the_draft(draft: str) -> None:
    report = bracket_report(draft)
    assert (report["brackets"], report["unmatched_open"], report["unmatched_close"]) == (
        1022,
        1,
        2,
    )
    assert report["options"] == 153 and report["max_depth"] == 7
    assert len(report["diagnostics"]) == 27


def test_adopted_text_is_clean() -> None:
    text = PARIS.read_text(encoding="utf-8")
    result = parse(text)
    assert not (result.brackets or result.diagnostics or result.options)
    assert text.count("[") == text.count("]") == 0
