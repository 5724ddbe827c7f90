"""Plain text, Markdown and HTML exports: faithful, and nothing in a draft becomes markup."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from app.engine.layout import build_layout
from app.engine.layout_model import ExportMeta, Layout, Mark, View
from app.exports.formats.html import render_html
from app.exports.formats.plain import render_markdown, render_text

DEMO_TEXTS = sorted((Path(__file__).resolve().parents[2] / "app" / "demo" / "texts").glob("*.txt"))
META = ExportMeta(symbol="PP-26/DT/12", title="Multilingualism", version="Rev.1")
ESCAPE = re.compile(r"\\([\\\[\]])")
WORLD = "[Parties 😀 / 🇶🇦] [قرار الأطراف] / [缔约方[会议]] shall act"
NASTY = [
    "[x](javascript:alert(1)) and <script>alert(1)</script>",
    "![i](http://e/x.png) <img src=x onerror=alert(1)>",
    "[a]: http://evil",
    "# not a heading",
    "=cmd|' /C calc'!A0",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "    indented code",
    "1. list\n- item\n> quote\n---\n***\nsetext\n===",
    "`code` *em* _em_ **strong** ~~gone~~ <http://x.example> &amp; &#60;b&#62;",
    '"onmouseover=alert(1) x="</style><b>',
    "[label][ref] [^1] [x]\\ trailing\\",
    "text\rwith a carriage return",
]
RENDERER = MarkdownIt("commonmark").enable("table").enable("strikethrough")
ALLOWED_TAGS = {"p", "h1", "h2", "em", "strong", "s"}


def layout_of(text: str, view: View = "compilation", **kwargs: object) -> Layout:
    return build_layout(text, META, view, **kwargs)  # type: ignore[arg-type]


def md_tags(markdown: str) -> set[str]:
    return set(re.findall(r"<([a-z0-9]+)", RENDERER.render(markdown)))


# --- plain text -----------------------------------------------------------------------


@pytest.mark.parametrize("path", DEMO_TEXTS, ids=lambda p: p.name)
def test_text_gives_the_draft_back(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert render_text(layout_of(text)) == text
    assert render_text(layout_of(text, "agreed")) == ESCAPE.sub(r"\1", text)


@given(st.text())
def test_text_round_trip(text: str) -> None:
    assert render_text(layout_of(text)) == text.replace("\r\n", "\n")


def test_text_notes_and_marks() -> None:
    layout = layout_of("a [b] [c] d", notes={"b0": "Egypt", "b1": "Chile"})
    assert render_text(layout) == "a [b]⁽¹⁾ [c]⁽²⁾ d\n\nNotes\n⁽¹⁾ Egypt\n⁽²⁾ Chile"
    segments: list[tuple[str, Mark | None]] = [("a ", None), ("b", "del"), ("c", "ins")]
    revision = build_layout("a c", META, "revision", segments=segments)
    assert render_text(revision).startswith("a ⟦-b-⟧⟦+c+⟧\n\nRevision marks:")


def test_text_keeps_every_script() -> None:
    assert WORLD in render_text(layout_of(WORLD))


# --- Markdown -------------------------------------------------------------------------


@pytest.mark.parametrize("text", NASTY)
@pytest.mark.parametrize("view", ["compilation", "agreed"])
def test_markdown_text_never_becomes_markup(text: str, view: View) -> None:
    markdown = render_markdown(layout_of(text, view))
    assert md_tags(markdown) <= {"p", "strong"}  # strong: the agreed view's warning


@given(st.text(st.characters(codec="utf-8")))
def test_markdown_of_any_text_is_paragraphs(text: str) -> None:
    assert md_tags(render_markdown(layout_of(text))) <= {"p", "strong"}  # strong: body headings


def test_markdown_titles_headings_and_items() -> None:
    text = DEMO_TEXTS[0].read_text(encoding="utf-8")
    markdown = render_markdown(layout_of(text))
    assert markdown.startswith("# RESOLUTION 246 \\(REV\\. DOHA\\, 2026\\)\n\n## Multilingualism")
    assert "\n_considering_\n" in markdown
    assert "\na\\) Resolution 154" in markdown
    rendered = RENDERER.render(markdown)
    assert rendered.count("<h1>") == 1 and rendered.count("<h2>") == 1
    assert "<em>instructs the Secretary-General</em>" in rendered
    assert md_tags(markdown) <= ALLOWED_TAGS


UNDO = re.compile(r"\\([!-/:-@^-`{-~])|&#13;|&#92;")


def unescape_markdown(paragraph: str) -> str:
    """The importer's side of the documented escapes: one pass, left to right."""
    refs = {"&#13;": "\r", "&#92;": "\\"}
    return UNDO.sub(lambda m: m.group(1) or refs[m.group()], paragraph)


@given(st.lists(st.sampled_from(["[", "]", "\\", "*", "_", "x", " ", "\n", "#", "&#92;", "`"])))
def test_markdown_escapes_can_be_undone(parts: list[str]) -> None:
    text = "".join(parts)
    layout = layout_of(text)
    lines = [
        (b.number or "") + line
        for b, line in zip(layout.blocks, render_text(layout).split("\n"), strict=True)
        if b.kind != "blank"
        for line in [line[len(b.indent) + len(b.number or "") :]]
    ]
    paragraphs = render_markdown(layout).rstrip("\n").split("\n\n") if lines else []
    kinds = [b.kind for b in layout.blocks if b.kind != "blank"]
    stripped = [
        p[2:-2] if kind == "heading" else p for p, kind in zip(paragraphs, kinds, strict=True)
    ]
    assert [unescape_markdown(p) for p in stripped] == lines


def test_markdown_agreed_view_writes_escapes_back() -> None:
    layout = layout_of(r"\[x\] \\ [y] US\$1", "agreed")
    assert render_markdown(layout) == "\\[x\\] \\\\ [y] US\\\\\\$1\n"


def test_markdown_notes_warning_and_marks() -> None:
    layout = layout_of("a [b] c", notes={"b0": "Proposed by [x](javascript:alert(1))"})
    markdown = render_markdown(layout)
    assert markdown.endswith(
        "a [b][^1] c\n\n[^1]: Proposed by [x]\\(javascript\\:alert\\(1\\)\\)\n"
    )
    assert "<a" not in RENDERER.render(markdown)
    agreed = build_layout("[b]", ExportMeta("S", "T", open_brackets=1), "agreed")
    assert render_markdown(agreed).startswith("**Not agreed: 1 bracket remains**\n\n")
    segments: list[tuple[str, Mark | None]] = [
        ("shall", None),
        (",", "ins"),
        (" act ", None),
        ("now\nthen", "del"),
    ]
    revision = render_markdown(build_layout("shall, act ", META, "revision", segments=segments))
    rendered = RENDERER.render(revision)
    assert "<strong>,</strong>" in rendered
    assert "<s>now¶then</s>" in rendered


def test_markdown_keeps_every_script() -> None:
    assert "[Parties 😀 \\/ 🇶🇦] [قرار الأطراف]" in render_markdown(layout_of(WORLD))
    assert "[缔约方[会议]]" in render_markdown(layout_of(WORLD))


# --- HTML ---------------------------------------------------------------------------------


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)


def parsed(document: str) -> Collector:
    collector = Collector()
    collector.feed(document)
    return collector


HOSTILE_META = ExportMeta(
    symbol='<script>alert(1)</script>"',
    title='"onmouseover="alert(1)',
    conference="</style><script>x</script>",
    working_group="<b onclick=x>",
    version="'><img src=x>",
    language='en" onload="x',
    open_brackets=2,
)


@pytest.mark.parametrize("view", ["compilation", "agreed", "revision"])
def test_html_escapes_everything(view: View) -> None:
    text = "\n".join(NASTY)
    layout = build_layout(text, HOSTILE_META, view, notes={"b0": "<script>n</script>"})
    document = render_html(layout)
    tags = parsed(document).tags
    names = {tag for tag, _ in tags}
    assert names <= {
        "html", "head", "meta", "title", "style", "body", "header", "main", "p", "strong",
        "h1", "h2", "span", "sup", "a", "section", "ol", "li", "ins", "del",
    }  # fmt: skip
    assert [tag for tag, _ in tags].count("style") == 1
    for _, attributes in tags:
        assert not any(name.startswith("on") for name in attributes)
        assert not any(name in ("src", "srcset", "style") for name in attributes)
        assert all(value is None or "javascript" not in value for value in attributes.values())
    assert "</style><script>" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert '<html lang="und">' in document
    assert "url(" not in document and "@import" not in document and "<link" not in document


def test_html_document_shape() -> None:
    text = DEMO_TEXTS[0].read_text(encoding="utf-8")
    document = render_html(layout_of(text, notes={"b0": "Egypt"}))
    assert document.startswith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
    assert '"Noto Naskh Arabic", "Noto Sans Arabic", "Noto Serif CJK SC"' in document
    assert "@page" in document and "size: A4" in document
    collector = parsed(document)
    paragraphs = [attrs for tag, attrs in collector.tags if tag in ("p", "h1", "li")]
    assert all(a.get("dir") == "auto" for a in paragraphs)
    assert '<h1 class="title" dir="auto">RESOLUTION 246 (REV. DOHA, 2026)</h1>' in document
    assert '<p class="heading preamble" dir="auto">considering</p>' in document
    assert '<p class="item preamble" dir="auto"><span class="num">a)</span>' in document
    assert '<sup class="noteref"><a href="#note-1" id="ref-1">1</a></sup>' in document
    assert '<li id="note-1" dir="auto">Egypt' in document
    assert 'data-group="b' in document and 'data-alternative-to="b' in document
    assert "Not agreed" not in document


def test_html_warning_marks_and_pieces() -> None:
    agreed = build_layout("[a] [b\nc]", ExportMeta("S", "T", open_brackets=2), "agreed")
    document = render_html(agreed)
    assert '<p class="warning">Not agreed: 2 brackets remain</p>' in document
    assert 'data-continued="after"' in document and 'data-continued="before"' in document
    segments: list[tuple[str, Mark | None]] = [("a ", None), ("b\n", "del"), ("<c>", "ins")]
    revision = render_html(build_layout("a <c>", META, "revision", segments=segments))
    assert "a <del>b¶</del><ins>&lt;c&gt;</ins>" in revision


def test_html_keeps_every_script() -> None:
    text = "".join(parsed(render_html(layout_of(WORLD))).text)
    assert "[Parties 😀 / 🇶🇦] [قرار الأطراف] / [缔约方[会议]] shall act" in html.unescape(text)


def test_fonts_are_listed_for_the_scripts_the_document_uses() -> None:
    from app.exports.formats.html import fonts_for

    assert fonts_for("Parties shall report.") == '"Noto Serif", serif'
    mixed = fonts_for("العربية and 中文 and 🎉")
    assert "Noto Naskh Arabic" in mixed and "Noto Serif CJK SC" in mixed
    assert "Noto Color Emoji" in mixed and mixed.endswith("serif")
    assert "CJK" not in fonts_for("Русский текст ε") and "Arabic" in fonts_for("ﷺ")
