"""Paragraph-level option blocks (``Option 1:`` … ``Option 2:`` …)."""

from __future__ import annotations

import pytest

from app.engine.notation import Option, parse


def blocks(text: str) -> list[tuple[str, int, int, int, int | None]]:
    """(label, group, first line, last line, parent) of each option."""
    return [
        (o.label.text, o.group, o.first_line, o.last_line, o.parent) for o in parse(text).options
    ]


def test_one_line_options_end_before_the_next_paragraph() -> None:
    text = (
        "Also emphasizing the importance of food security,\n\n"
        "Option 1: Recognizing the importance of land use,\n\n"
        "Option 2: Recognizing the priority of food security,\n\n"
        "Recognizing the critical role played by sinks,\n"
    )
    assert blocks(text) == [("Option 1:", 0, 3, 3, None), ("Option 2:", 0, 5, 5, None)]


def test_option_span_covers_whole_lines() -> None:
    text = "Intro\n  Option A: first\n  Option B: second\nAfter"
    first, second = parse(text).options
    assert text[first.span.start : first.span.end] == "  Option A: first"
    assert text[second.span.start : second.span.end] == "  Option B: second"
    assert text[first.label.span.start : first.label.span.end] == "Option A:"
    assert first.span_u16 == first.span


def test_bare_labels_introduce_blocks_until_a_heading() -> None:
    text = (
        "Article 2 (purpose)\n\nOption 1:\n\n1. The purpose is to act.\n\n"
        "2. [This Agreement shall be implemented.]\n\nOption 2:\n\nNo text\n\n"
        "Article 2bis (general)\n\n1. All Parties shall act.\n"
    )
    assert blocks(text) == [("Option 1:", 0, 3, 7, None), ("Option 2:", 0, 9, 11, None)]


def test_indented_options_end_at_a_shallower_paragraph() -> None:
    text = (
        "1. Collective long-term goal\n\n"
        "    Option 1: [Parties aim to peak.]\n\n"
        "    Option 2: Parties aim to transform.\n\n"
        "2. Individual efforts\n\n"
        "    Option 1: Each Party shall act.\n"
    )
    assert blocks(text) == [
        ("Option 1:", 0, 3, 3, None),
        ("Option 2:", 0, 5, 5, None),
        ("Option 1:", 1, 9, 9, None),
    ]


def test_numbered_paragraph_before_the_label() -> None:
    text = (
        "1. Option 1: Parties hereby establish the goal.\n\n"
        "    Parties recognize that adaptation is a challenge.\n\n"
        "    Option 2: Parties share the goal.\n\n"
        "2. Option 1: [Parties recognize.]\n\n"
        "    Option 2: no text\n"
    )
    assert blocks(text) == [
        ("Option 1:", 0, 1, 3, None),
        ("Option 2:", 0, 5, 5, None),
        ("Option 1:", 1, 7, 7, None),
        ("Option 2:", 1, 9, 9, None),
    ]


def test_text_between_one_line_options_belongs_to_the_previous() -> None:
    text = (
        "    Option 1: [In tracking progress, apply the principles.]\n\n"
        "    Option 2: [In tracking progress, apply the principles.]\n\n"
        "    [The rules and guidance related to tracking.]\n\n"
        "    Option 3: No provisions\n\n"
        "5. Next\n"
    )
    assert blocks(text) == [
        ("Option 1:", 0, 1, 1, None),
        ("Option 2:", 0, 3, 5, None),
        ("Option 3:", 0, 7, 7, None),
    ]


def test_a_line_ending_with_a_colon_introduces_a_list() -> None:
    text = (
        "    3. Option 1: Exercise such other functions as required.\n\n"
        "        Option 2: Exercise the following functions:\n\n"
        "        1. [Periodical examination;]\n"
        "        2. [Promote exchange of information;]\n\n"
        "5. The financial procedures apply.\n"
    )
    assert blocks(text) == [("Option 1:", 0, 1, 1, None), ("Option 2:", 0, 3, 6, None)]


def test_nested_sequences() -> None:
    text = (
        "Option I: (paragraphs 1 to 3)\n\n"
        "1. (Establishment) A mechanism is established.\n\n"
        "2. (Objective) The objective is to:\n\n"
        "    Option 1: promote compliance\n\n"
        "    Option 2: facilitate implementation\n\n"
        "3. (Nature) Facilitative.\n\n"
        "Option II:\n\n"
        "An International Tribunal is established.\n\n"
        "Article 12 (CMA)\n"
    )
    assert blocks(text) == [
        ("Option I:", 0, 1, 11, None),
        ("Option 1:", 1, 7, 7, 0),
        ("Option 2:", 1, 9, 9, 0),
        ("Option II:", 0, 13, 15, None),
    ]


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("Option 1: text", "Option 1:"),
        ("Option1: text", "Option1:"),
        ("Option 2. [The provision]", "Option 2."),
        ("Option 3", "Option 3"),
        ("5. Option 1 [[Parties recognize]]", "Option 1"),
        ("    2. Option 1: Adopt rules", "Option 1:"),
        ("3.3bis Option A: text", "Option A:"),
        ("(a) option b: text", "option b:"),
        ("Alternative 2: text", "Alternative 2:"),
        ("Option II: No reference", "Option II:"),
    ],
)
def test_label_forms(line: str, label: str) -> None:
    (option,) = parse(f"Intro\n{line}\n").options
    assert option.label.text == label and option.first_line == 2


@pytest.mark.parametrize(
    "line",
    [
        "Option 2 would be preferred by many.",
        "Options: several",
        "[Option 1: bracketed text]",
        "The Option 1: not at the start",
        "Option 2.5 percent",
        "3.3bis Alt Each Party's NDMC",
    ],
)
def test_not_option_paragraphs(line: str) -> None:
    assert parse(f"{line}\n").options == ()


def test_sequences_follow_ids() -> None:
    text = "Option A: a\nOption B: b\nOption C: c\nOption 1: d\nOption 2: e\nOption 4: f\n"
    groups = [o.group for o in parse(text).options]
    assert groups == [0, 0, 0, 1, 1, 2]


def test_roman_and_letter_readings() -> None:
    text = "Option H: h\nOption I: i\nOption J: j\n\nOption I: x\nOption II: y\n"
    assert [o.group for o in parse(text).options] == [0, 0, 0, 1, 1]


def test_option_blocks_are_options() -> None:
    option: Option = parse("Option 1:\nText\n").options[0]
    assert (option.index, option.first_line, option.last_line) == (0, 1, 2)


def test_option_nesting_is_bounded() -> None:
    text = "".join(" " * depth + "Option 1: x\n" for depth in range(200))
    options = parse(text, max_depth=8).options
    assert len(options) == 200
    assert all(o.parent is None or options[o.parent].first_line < o.first_line for o in options)
