"""The layout every export format reads: lines, classification, brackets, notes, marks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.layout import build_layout
from app.engine.layout_model import (
    Block,
    BracketNode,
    ExportMeta,
    Inline,
    Layout,
    Mark,
    NoteRef,
    Run,
)

DEMO = Path(__file__).resolve().parents[2] / "app" / "demo" / "texts"
DEMO_TEXTS = sorted(DEMO.glob("*.txt"))
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "negotiating-texts"
UNFCCC = DATA / "unfccc-draft-agreement-2015-10-23.txt"
META = ExportMeta(symbol="PP-26/DT/12", title="Multilingualism")
ESCAPE = re.compile(r"\\([\\\[\]])")

piece = st.sampled_from(
    [
        "[", "]", "[", "]", "\\", "\n", "\n\n", " ", "/", "\r\n", "\r", "\t", "Alt 1:",
        "1. ", "a) ", "(iv) ", "3bis ", "considering", "resolves", "The Conference of X,",
        "😀", "قرار", "决议", "a", ":", "\\[", "\\]", "\\\\",
    ]
)  # fmt: skip
notation_text = st.one_of(
    st.text(),
    st.lists(st.one_of(piece, st.text(max_size=3)), max_size=60).map("".join),
)


def draw(inlines: Iterable[Inline]) -> str:
    """The text of inline content, brackets drawn where their pieces open and close."""
    out = []
    for inline in inlines:
        if isinstance(inline, Run):
            out.append(inline.text)
        elif isinstance(inline, BracketNode):
            out.append(("[" if inline.opens else "") + draw(inline.children))
            out.append("]" if inline.closes else "")
    return "".join(out)


def written(layout: Layout) -> str:
    return "\n".join(b.indent + (b.number or "") + draw(b.content) for b in layout.blocks)


def nodes(inlines: Iterable[Inline]) -> list[BracketNode]:
    found = []
    for inline in inlines:
        if isinstance(inline, BracketNode):
            found.append(inline)
            found.extend(nodes(inline.children))
    return found


def depth(inlines: Iterable[Inline]) -> int:
    return max((1 + depth(i.children) for i in inlines if isinstance(i, BracketNode)), default=0)


# --- lines and round trip -----------------------------------------------------------


@pytest.mark.parametrize("path", DEMO_TEXTS, ids=lambda p: p.name)
def test_demo_texts_round_trip(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert written(build_layout(text, META, "compilation")) == text
    assert written(build_layout(text, META, "agreed")) == ESCAPE.sub(r"\1", text)


@given(notation_text)
def test_round_trip_in_compilation_view(text: str) -> None:
    layout = build_layout(text, META, "compilation")
    assert written(layout) == text.replace("\r\n", "\n")
    assert len(layout.blocks) == text.count("\n") + 1


@given(notation_text)
def test_agreed_view_resolves_escapes_only(text: str) -> None:
    layout = build_layout(text, META, "agreed")
    assert written(layout) == ESCAPE.sub(r"\1", text.replace("\r\n", "\n"))


def test_line_endings() -> None:
    layout = build_layout("one\r\ntwo\rstill two\n\n", META, "compilation")
    assert [draw(b.content) for b in layout.blocks] == ["one", "two\rstill two", "", ""]
    assert [b.kind for b in layout.blocks] == ["paragraph", "paragraph", "blank", "blank"]
    assert build_layout("", META, "compilation").blocks == (Block("blank", "body"),)


def test_indent_and_whitespace_lines() -> None:
    layout = build_layout("  \t1.1 text\n   \nend", META, "compilation")
    first, blank, _ = layout.blocks
    assert (first.indent, first.number, first.kind) == ("  \t", "1.1 ", "item")
    assert (blank.kind, blank.indent, blank.content) == ("blank", "   ", ())


# --- classification ----------------------------------------------------------------


def test_resolution_layout() -> None:
    text = (DEMO / "multilingualism.txt").read_text(encoding="utf-8")
    layout = build_layout(text, META, "compilation")
    shape = [(b.kind, b.part) for b in layout.blocks if b.kind != "blank"]
    assert shape[:5] == [
        ("title", "preface"),
        ("title", "preface"),
        ("formula", "preamble"),
        ("heading", "preamble"),
        ("item", "preamble"),
    ]
    headings = [(draw(b.content), b.part) for b in layout.blocks if b.kind == "heading"]
    assert headings == [
        ("considering", "preamble"),
        ("recognizing", "preamble"),
        ("noting", "preamble"),
        ("resolves", "operative"),
        ("instructs the Secretary-General", "operative"),
        ("invites Member States", "operative"),
    ]
    numbers = [b.number for b in layout.blocks if b.kind == "item"]
    assert numbers[:4] == ["a) ", "b) ", "c) ", "d) "]
    assert "1 " in numbers
    resolves = next(i for i, b in enumerate(layout.blocks) if draw(b.content) == "resolves")
    assert {b.part for b in layout.blocks[resolves:]} == {"operative"}


def test_headings_and_numbers() -> None:
    text = "\n".join(
        [
            "RESOLUTION 1 (DOHA, 2026)",
            "The Assembly of Test,",
            "considering further",
            "(iv) roman",
            "3bis added",
            "10. ten",
            "1\ttabbed",
            "a paragraph, not an item.",
            "[instructs][requests] the Director",
            "further resolves",
            "A. Section",
        ]
    )
    blocks = build_layout(text, META, "compilation").blocks
    kinds = [(b.kind, b.part, b.number) for b in blocks]
    assert kinds == [
        ("title", "preface", None),
        ("formula", "preamble", None),
        ("heading", "preamble", None),
        ("item", "preamble", "(iv) "),
        ("item", "preamble", "3bis "),
        ("item", "preamble", "10. "),
        ("item", "preamble", "1\t"),
        ("paragraph", "preamble", None),
        ("heading", "operative", None),
        ("heading", "operative", None),
        ("item", "operative", "A. "),
    ]


def test_without_operative_heading_everything_is_body() -> None:
    text = "Title\n\nThe Conference of the Parties,\n\nRecalling that,\n1. Decides to act;"
    blocks = build_layout(text, META, "compilation").blocks
    assert {b.part for b in blocks} == {"body"}
    assert [b.kind for b in blocks if b.kind != "blank"] == ["paragraph"] * 3 + ["item"]


def test_formula_far_down_is_not_the_enacting_one() -> None:
    lines = [f"Line {n}." for n in range(7)]
    text = "\n".join([*lines, "The Conference of the Parties,", "resolves", "1 to act"])
    assert {b.part for b in build_layout(text, META, "compilation").blocks} == {"body"}


@pytest.mark.needs_data
@pytest.mark.skipif(not UNFCCC.is_file(), reason=f"shared test data not found at {UNFCCC}")
def test_unfccc_draft_is_a_body() -> None:
    text = UNFCCC.read_text(encoding="utf-8")
    layout = build_layout(text, META, "compilation")
    assert written(layout) == text
    assert {b.part for b in layout.blocks} == {"body"}
    headings = [draw(b.content) for b in layout.blocks if b.kind == "heading"]
    assert "Preamble" in headings
    assert any(h.startswith("Article 2") for h in headings)
    pieces = [n for b in layout.blocks for n in nodes(b.content) if not (n.opens and n.closes)]
    assert pieces  # brackets spanning lines are split


# --- brackets ------------------------------------------------------------------------


def test_groups_labels_and_nesting() -> None:
    text = "Each Party [shall][should] act [Alt 1: x [y]] [Alt 2: z], [lone]"
    (block,) = build_layout(text, META, "compilation").blocks
    shall, should, alt1, y, alt2, lone = nodes(block.content)
    assert (shall.id, shall.group, shall.alternative_to) == ("b0", "b0", None)
    assert (should.id, should.group, should.alternative_to) == ("b1", "b0", "b0")
    assert (alt1.label, alt2.label, alt2.group, alt2.alternative_to) == (
        "Alt 1:",
        "Alt 2:",
        alt1.id,
        alt1.id,
    )
    assert y in alt1.children and y.group is None
    assert (lone.group, lone.alternative_to, lone.label) == (None, None, None)


def test_server_ids_and_unmatched_brackets() -> None:
    text = "] a [b] c ["
    (block,) = build_layout(text, META, "compilation", bracket_ids={(4, 6): "srv-9"}).blocks
    assert block.content == (Run("] a "), BracketNode("srv-9", (Run("b"),)), Run(" c ["))


def test_bracket_across_lines_is_split() -> None:
    text = "1 [chapeau:\n\na) first\nb) second] after"
    blocks = build_layout(text, META, "compilation").blocks
    first, blank, a, b = blocks
    assert first.content == (BracketNode("b0", (Run("chapeau:"),), closes=False),)
    assert blank.content == ()
    assert a.number == "a) "
    assert a.content == (BracketNode("b0", (Run("first"),), opens=False, closes=False),)
    assert b.content == (BracketNode("b0", (Run("second"),), opens=False), Run(" after"))


def test_escapes_kept_or_resolved() -> None:
    text = r"\[x\] \\[y] US\$1"
    (kept,) = build_layout(text, META, "compilation").blocks
    (resolved,) = build_layout(text, META, "agreed").blocks
    assert kept.content[0] == Run(r"\[x\] \\")
    assert resolved.content[0] == Run("[x] \\")
    assert resolved.content[-1] == Run(r" US\$1")


def test_nesting_past_the_limit_stays_text() -> None:
    text = "[" * 40 + "x" + "]" * 40
    (block,) = build_layout(text, META, "compilation").blocks
    assert depth(block.content) == 32
    assert draw(block.content) == text


# --- notes ---------------------------------------------------------------------------


def test_notes_follow_their_bracket_in_document_order() -> None:
    text = "[outer [inner]] and [b\nc] [none]"
    notes = {"b0": "outer note", "b1": "inner note", "b2": "across", "nope": "unused"}
    layout = build_layout(text, META, "compilation", notes=notes)
    first, second = layout.blocks
    outer = first.content[0]
    assert isinstance(outer, BracketNode)
    assert outer.children[-1] == NoteRef(1)  # the inner bracket closes first
    assert first.content[1] == NoteRef(2)
    assert second.content[1] == NoteRef(3)  # after the piece that closes
    assert layout.notes == ("inner note", "outer note", "across")


# --- revision view -------------------------------------------------------------------


def flatten(layout: Layout) -> list[tuple[str, str | None]]:
    chars: list[tuple[str, str | None]] = []
    for index, block in enumerate(layout.blocks):
        if index:
            chars.append(("\n", "break"))
        chars.extend((c, None) for c in block.indent + (block.number or ""))
        for inline in block.content:
            assert isinstance(inline, Run)
            chars.extend((c, inline.mark) for c in inline.text)
    return chars


def expected_chars(segments: list[tuple[str, Mark | None]]) -> list[tuple[str, object]]:
    return [
        (c, "break" if c == "\n" and mark != "del" else mark)
        for text, mark in segments
        for c in text
    ]


segment = st.tuples(
    st.lists(piece, min_size=1, max_size=4).map("".join).map(lambda t: t.replace("\r", "")),
    st.sampled_from([None, "ins", "del"]),
)


@given(st.lists(segment, max_size=12))
def test_revision_never_loses_a_character(segments: list[tuple[str, Mark | None]]) -> None:
    current = "".join(t for t, mark in segments if mark != "del")
    layout = build_layout(current, META, "revision", segments=segments)
    assert flatten(layout) == expected_chars(segments)
    assert len(layout.blocks) == current.count("\n") + 1


def test_revision_blocks() -> None:
    segments: list[tuple[str, Mark | None]] = [
        ("considering\n", None),
        ("a) [shall]", "del"),
        ("b) [should]", "ins"),
        (" act;\r\n1 to ", None),
        ("old\npara", "del"),
        ("do\n", None),
        ("gone", "del"),
    ]
    current = "".join(t for t, m in segments if m != "del")
    layout = build_layout(current, META, "revision", segments=segments)
    heading, changed, item, last = layout.blocks
    assert heading.content == (Run("considering"),)
    assert changed.number is None  # the number itself changed
    assert changed.content == (Run("a) [shall]", "del"), Run("b) [should]", "ins"), Run(" act;"))
    assert (item.kind, item.number) == ("item", "1 ")
    assert item.content == (Run("to "), Run("old\npara", "del"), Run("do"))
    assert (last.kind, last.content) == ("paragraph", (Run("gone", "del"),))
    assert build_layout("x", META, "revision").blocks == (Block("paragraph", "body", (Run("x"),)),)
