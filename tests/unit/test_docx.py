"""Word export: ITU layout, real footnotes, revision marks, and the round trip
through the importer."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.layout import build_layout
from app.engine.layout_model import (
    Block,
    BlockKind,
    BracketNode,
    ExportMeta,
    Inline,
    Layout,
    NoteRef,
    Run,
    View,
)
from app.exports.formats.docx import render_docx
from app.exports.reading import read_docx

META = ExportMeta(symbol="PP-26/DT/12", title="Multilingualism", version="Rev.2")
ARABIC = "تُنشر المحاضر الموجزة والوثائق الختامية"
CHINESE = "国际电信联盟"
EMOJI = "🌍🤝"


def make_layout(
    blocks: tuple[Block, ...],
    *,
    view: View = "compilation",
    notes: tuple[str, ...] = (),
    meta: ExportMeta = META,
) -> Layout:
    return Layout(meta=meta, view=view, blocks=blocks, notes=notes)


def para(*content: Inline, kind: BlockKind = "paragraph", number: str | None = None) -> Block:
    return Block(kind=kind, part="body", content=content, number=number)


def flatten(inlines: tuple[Inline, ...]) -> str:
    out = []
    for inline in inlines:
        if isinstance(inline, Run):
            out.append(inline.text)
        elif isinstance(inline, BracketNode):
            children = flatten(inline.children)
            out.append(("[" if inline.opens else "") + children + ("]" if inline.closes else ""))
    return "".join(out)


def source_text(layout: Layout) -> str:
    return "\n".join(b.indent + (b.number or "") + flatten(b.content) for b in layout.blocks)


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def xml_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith((".xml", ".rels"))
        }


RESOLUTION = make_layout(
    (
        Block("title", "preface", (Run("RESOLUTION 246 (REV. DOHA, 2026)"),)),
        Block("blank", "preface"),
        Block("title", "preface", (Run("Multilingualism in ITU documents"),)),
        Block("formula", "preface", (Run("The Plenipotentiary Conference (Doha, 2026),"),)),
        Block("heading", "preamble", (Run("considering"),)),
        Block(
            "item",
            "preamble",
            (
                Run(f"that the languages include Arabic ({ARABIC}) and Chinese ({CHINESE}) "),
                BracketNode("b1", (Run("shall"),), group="g1"),
                BracketNode("b2", (Run("should"),), group="g1", alternative_to="b1"),
                NoteRef(1),
                Run(f" be equal {EMOJI};"),
            ),
            number="a)\t",
        ),
        Block("heading", "operative", (Run("resolves"),)),
        Block(
            "item",
            "operative",
            (Run("to publish "), BracketNode("b3", (Run("in all languages"),)), NoteRef(2)),
            number="1 ",
            indent="  ",
        ),
        Block("paragraph", "operative", (Run(ARABIC),)),
    ),
    notes=("Proposed by Egypt (العربية)", "Supported by China 中国 🇨🇳"),
)


def test_round_trip_of_a_resolution() -> None:
    imported = read_docx(render_docx(RESOLUTION))
    assert imported.text == source_text(RESOLUTION)
    assert imported.format == "docx"


def test_page_header_and_properties() -> None:
    document = open_docx(render_docx(RESOLUTION))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert section.header.paragraphs[0].text == "PP-26/DT/12 Rev.2"
    assert document.core_properties.title == "Multilingualism"
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) and fonts.get(qn("w:cs")) == "Times New Roman"


def style_of(paragraph: Paragraph) -> ParagraphStyle:
    assert paragraph.style is not None
    return paragraph.style


def test_titles_bold_centred_headings_italic_items_numbered() -> None:
    paragraphs = open_docx(render_docx(RESOLUTION)).paragraphs
    titles = [p for p in paragraphs if p.text.startswith(("RESOLUTION", "Multilingualism"))]
    assert len(titles) == 2
    for title in titles:
        assert style_of(title).font.bold
        assert style_of(title).paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    headings = [p for p in paragraphs if p.text in ("considering", "resolves")]
    assert len(headings) == 2 and all(style_of(h).font.italic for h in headings)
    item = next(p for p in paragraphs if p.text.startswith("a)\t"))
    assert item.runs[0].text == "a)\t"
    indent = style_of(item).paragraph_format.first_line_indent
    assert indent is not None and indent < 0  # a hanging number


def test_body_headings_are_bold() -> None:
    layout = make_layout((para(Run("Article 1"), kind="heading"), para(Run("Text."))))
    heading = open_docx(render_docx(layout)).paragraphs[0]
    assert style_of(heading).font.bold and not style_of(heading).font.italic


def test_brackets_are_visible_characters_in_their_own_bold_style() -> None:
    paragraph = next(p for p in open_docx(render_docx(RESOLUTION)).paragraphs if "[" in p.text)
    brackets = [r for r in paragraph.runs if r.text in ("[", "]")]
    assert [r.text for r in brackets] == ["[", "]", "[", "]"]
    assert all(r.style.name == "Accord Bracket" and r.style.font.bold for r in brackets)


def test_attributions_are_real_footnotes() -> None:
    data = render_docx(RESOLUTION)
    parts = xml_parts(data)
    assert "footnotes+xml" in parts["[Content_Types].xml"]
    assert "relationships/footnotes" in parts["word/_rels/document.xml.rels"]
    footnotes = parts["word/footnotes.xml"]
    assert 'w:id="-1"' in footnotes and 'w:id="0"' in footnotes
    assert "Proposed by Egypt (العربية)" in footnotes
    assert "Supported by China 中国 🇨🇳" in footnotes
    assert "Proposed by" not in parts["word/document.xml"]
    runs = [run for p in open_docx(data).paragraphs for run in p.runs]
    references = [(run, ref) for run in runs for ref in run._r.findall(qn("w:footnoteReference"))]
    assert [ref.get(qn("w:id")) for _, ref in references] == ["1", "2"]
    for run, _ in references:
        assert run.text == ""  # the number is Word's, not text
        assert run.style.name == "footnote reference" and run.style.font.superscript


def test_references_to_missing_notes_are_left_out() -> None:
    layout = make_layout((para(Run("text"), NoteRef(3), NoteRef(0)),), notes=("only one",))
    parts = xml_parts(render_docx(layout))
    assert "footnoteReference" not in parts["word/document.xml"]
    assert "only one" in parts["word/footnotes.xml"]


def test_no_notes_no_footnotes_part() -> None:
    data = render_docx(make_layout((para(Run("text")),)))
    assert "word/footnotes.xml" not in xml_parts(data)


def test_revision_marks_are_underline_and_strike() -> None:
    layout = make_layout(
        (para(Run("kept "), Run(f"added {CHINESE}", mark="ins"), Run(ARABIC, mark="del")),),
        view="revision",
        meta=ExportMeta(symbol="S", title="T", compared_with="Rev.1"),
    )
    data = render_docx(layout)
    document = open_docx(data)
    runs = {run.text: run for run in document.paragraphs[0].runs}
    assert not runs["kept "].font.underline and not runs["kept "].font.strike
    assert runs[f"added {CHINESE}"].font.underline and not runs[f"added {CHINESE}"].font.strike
    assert runs[ARABIC].font.strike and not runs[ARABIC].font.underline
    assert "Rev.1" in document.sections[0].header.paragraphs[0].text
    assert "w:ins " not in xml_parts(data)["word/document.xml"]  # formatting, not tracking


def test_a_deleted_line_break_is_a_visible_pilcrow() -> None:
    layout = build_layout(
        "a\nc",
        META,
        "revision",
        segments=[("a", None), ("\nb", "del"), ("\nc", None)],
    )
    paragraphs = open_docx(render_docx(layout)).paragraphs
    assert [p.text for p in paragraphs] == ["a¶b", "c"]
    assert paragraphs[0].runs[-1].font.strike


def test_mainly_arabic_lines_are_right_to_left() -> None:
    layout = make_layout((para(Run(ARABIC + " (ITU)")), para(Run(f"English {ARABIC[:5]}"))))
    arabic, english = (p._p for p in open_docx(render_docx(layout)).paragraphs)
    assert arabic.find(f"{qn('w:pPr')}/{qn('w:bidi')}") is not None
    assert english.find(f"{qn('w:pPr')}/{qn('w:bidi')}") is None


@pytest.mark.parametrize(("count", "message"), [(3, "3 brackets remain"), (1, "1 bracket remains")])
def test_agreed_view_with_open_brackets_warns_first(count: int, message: str) -> None:
    meta = ExportMeta(symbol="S", title="T", open_brackets=count)
    layout = make_layout((para(Run("Agreed "), BracketNode("b", (Run("open"),))),), meta=meta)
    agreed = Layout(meta=meta, view="agreed", blocks=layout.blocks)
    data = render_docx(agreed)
    first = open_docx(data).paragraphs[0]
    assert first.text == f"Not agreed: {message}"
    imported = read_docx(data)  # the notice is not part of the text
    assert imported.text == "Agreed [open]"
    assert any("notice" in warning for warning in imported.warnings)


PAYLOADS = (
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "+1",
    "-1",
    "<script>alert(1)</script>",
    "]]><w:fldSimple w:instr='PAGE'/>",
    "&amp; &lt; & <",
    '{ HYPERLINK "http://example.com" }',
    "PAGE \\* MERGEFORMAT",
    "=1+1",
)


def test_formulas_markup_and_field_codes_are_just_text() -> None:
    blocks = (*(para(Run(payload)) for payload in PAYLOADS), para(Run("x"), NoteRef(1)))
    layout = make_layout(blocks, notes=PAYLOADS)
    data = render_docx(layout)
    for name, xml in xml_parts(data).items():
        for forbidden in ("fldSimple", "instrText", "fldChar", "hyperlink"):
            assert f"<w:{forbidden}" not in xml, (name, forbidden)
    assert read_docx(data).text == "\n".join((*PAYLOADS, "x"))


def test_characters_xml_cannot_hold_are_replaced() -> None:
    layout = make_layout((para(Run("a\x00b\x1fc\ufffe")),))
    assert read_docx(render_docx(layout)).text == "a\ufffdb\ufffdc\ufffd"


def test_long_or_odd_metadata_is_accepted() -> None:
    meta = ExportMeta(symbol="S\x01" * 200, title="T" * 300, language="x" * 300, date="2026-05")
    data = render_docx(make_layout((para(Run("text")),), meta=meta))
    assert open_docx(data).core_properties.title == "T" * 255


# Property: any compilation or agreed layout reads back as its text.

TEXT = st.text(
    alphabet=st.sampled_from(
        list("ab Z09 \t.,;:()/-\\'\"<>&=+@#*_~") + list("لمسعة") + list("中文字") + ["😀", "🇺", "🇳"]
    ),
    max_size=12,
)


def inlines(depth: int) -> st.SearchStrategy[tuple[Inline, ...]]:
    leaf: st.SearchStrategy[Inline] = st.one_of(
        st.builds(Run, TEXT), st.builds(NoteRef, st.integers(1, 2))
    )
    if depth == 0:
        return st.lists(leaf, max_size=3).map(tuple)
    bracket = st.builds(
        BracketNode,
        id=st.just("b"),
        children=inlines(depth - 1),
        opens=st.booleans(),
        closes=st.booleans(),
    )
    return st.lists(st.one_of(leaf, bracket), max_size=4).map(tuple)


BLOCKS = st.builds(
    Block,
    kind=st.sampled_from(["title", "formula", "heading", "item", "paragraph", "blank"]),
    part=st.just("body"),
    content=inlines(2),
    number=st.sampled_from([None, "a) ", "1\t", "3bis. ", "(iv)\t"]),
    indent=st.sampled_from(["", " ", "  ", "\t", " \t "]),
)


@settings(max_examples=40, deadline=None)
@given(
    blocks=st.lists(BLOCKS, min_size=1, max_size=5), view=st.sampled_from(["compilation", "agreed"])
)
def test_round_trip_property(blocks: list[Block], view: View) -> None:
    layout = make_layout(tuple(blocks), view=view, notes=("note 1", "ملاحظة ٢"))
    assert read_docx(render_docx(layout)).text == source_text(layout)


# Through the real layout: the text a delegate wrote comes back from Word.

DEMO = (Path(__file__).parents[2] / "app/demo/texts/multilingualism.txt").read_text("utf-8")


@pytest.mark.parametrize("view", ["compilation", "agreed"])
def test_demo_resolution_round_trip(view: View) -> None:
    layout = build_layout(DEMO, META, view, notes={"b0": "Proposed by Egypt", "b3": "中国 🇨🇳"})
    data = render_docx(layout)
    assert read_docx(data).text == DEMO
    footnotes = xml_parts(data)["word/footnotes.xml"]
    assert "Proposed by Egypt" in footnotes and "中国 🇨🇳" in footnotes


PIECES = ["a", "b", " ", "  ", "\t", "\n", "1 ", "a) ", "[", "]", "\\", "/", "Alt 1:"]
DRAFT_TEXT = st.lists(
    st.sampled_from([*PIECES, "resolves", "considering", "العربية", "中文", "😀"]), max_size=30
).map("".join)


@settings(max_examples=40, deadline=None)
@given(text=DRAFT_TEXT, view=st.sampled_from(["compilation", "agreed"]))
def test_round_trip_through_the_layout(text: str, view: View) -> None:
    layout = build_layout(text, META, view)
    imported = read_docx(render_docx(layout)).text
    assert imported == source_text(layout)
    if view == "compilation":  # the agreed view shows escaped brackets unescaped
        assert imported == text
