"""Standalone HTML export, also the input of the PDF export (WeasyPrint).

One document with one inline stylesheet: no script, no external resource, no event
handler, and every piece of text escaped (``html.escape``, quotes included). Print
styles: A4 pages, a serif body whose font list covers Arabic, Chinese and emoji, and
``dir="auto"`` on every paragraph so that an Arabic line runs right to left.

Markup: title blocks are ``h1``/``h2``; headings ``p.heading`` (italic in a
resolution, bold in a body); items ``p.item`` with the number in ``span.num``, hanging.
A bracket is ``span.bracket`` (``.optional`` when alone, ``.alternative`` in a group)
holding its visible ``[``/``]`` as ``span.br`` and carrying ``data-id``, ``data-group``,
``data-alternative-to`` and ``data-label``; a piece of a bracket that runs across
paragraphs has ``data-continued="before|after|both"``. Attribution anchors are
``<sup><a href="#note-n" id="ref-n">n</a></sup>`` with the notes listed at the end;
revision marks ``ins`` and ``del``, a deleted line break shown as ``¶``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html import escape

from app.engine.layout_model import Block, BracketNode, Inline, Layout, Run

__all__ = ["render_html"]

# Fonts by script, listed only when the document uses the script: every listed family
# is searched for every run of text, and the CJK families are large (the UNFCCC draft
# renders to PDF in half the time without them). Pango still falls back through
# fontconfig for any character the list does not cover.
_SCRIPT_FONTS = (
    (
        re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]"),
        '"Noto Naskh Arabic", "Noto Sans Arabic"',
    ),
    (
        re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"),
        '"Noto Serif CJK SC", "Noto Sans CJK SC"',
    ),
    (re.compile("[\u2600-\u27bf\U0001f000-\U0001faff]"), '"Noto Color Emoji"'),
)


def fonts_for(text: str) -> str:
    """The font-family list for a document holding ``text``."""
    families = ['"Noto Serif"']
    families += [fonts for pattern, fonts in _SCRIPT_FONTS if pattern.search(text)]
    return ", ".join([*families, "serif"])


_STYLE = """
@page { size: A4; margin: 25mm 20mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; } }
html { font-family: FONTS; font-size: 11pt; line-height: 1.4; color: #000; }
body { margin: 0 auto; max-width: 170mm; }
header.meta { font-size: 9pt; border-bottom: 0.5pt solid #777; margin-bottom: 1.5em; }
header.meta p { margin: 0 0 0.2em; }
.warning { font-weight: bold; color: #a00000; border: 1pt solid #a00000;
  padding: 0.3em 0.6em; }
h1.title, h2.title { text-align: center; font-weight: bold; font-size: 12pt;
  margin: 0.6em 0; page-break-after: avoid; }
h1.title { font-size: 13pt; }
p { margin: 0 0 0.6em; orphans: 2; widows: 2; }
p.formula { margin-top: 1em; }
p.heading { font-style: italic; margin: 1em 0 0.5em; page-break-after: avoid; }
p.heading.body { font-style: normal; font-weight: bold; }
p.item { padding-left: 2.5em; text-indent: -2.5em; }
p.item .num { display: inline-block; min-width: 2.5em; text-indent: 0; }
.br { font-weight: bold; color: #a00000; }
.bracket.alternative { background: #f3f0ff; }
ins { text-decoration: underline; color: #005a00; }
del { text-decoration: line-through; color: #a00000; }
sup a { text-decoration: none; color: inherit; }
section.notes { border-top: 0.5pt solid #777; margin-top: 2em; font-size: 9pt; }
"""
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_NEWLINE = re.compile(r"\r?\n")
_CONTINUED = {(True, False): "after", (False, True): "before", (False, False): "both"}


def _e(text: str) -> str:
    return escape(text, quote=True)


def render_html(layout: Layout) -> str:
    meta = layout.meta
    language = meta.language if _LANGUAGE.fullmatch(meta.language) else "und"
    title = " — ".join(part for part in (meta.symbol, meta.title) if part) or "Draft"
    body = "\n".join(
        [
            f'<body class="view-{_e(layout.view)}">',
            _header(layout),
            "<main>",
            *_blocks(layout.blocks),
            "</main>",
            *_notes(layout.notes),
            "</body>\n</html>\n",
        ]
    )
    style = _STYLE.replace("FONTS", fonts_for(body))
    head = [
        "<!doctype html>",
        f'<html lang="{_e(language)}">',
        '<head>\n<meta charset="utf-8">',
        f"<title>{_e(title)}</title>",
        f"<style>{style}</style>\n</head>",
    ]
    return "\n".join([*head, body])


def _header(layout: Layout) -> str:
    meta = layout.meta
    lines = [f'<p class="symbol" dir="auto"><strong>{_e(meta.symbol)}</strong></p>']
    if meta.title:
        lines.append(f'<p class="doc-title" dir="auto">{_e(meta.title)}</p>')
    version = " · ".join(part for part in (meta.version, meta.date) if part)
    if version:
        lines.append(f'<p class="version" dir="auto">{_e(version)}</p>')
    where = " · ".join(part for part in (meta.conference, meta.working_group) if part)
    if where:
        lines.append(f'<p class="body" dir="auto">{_e(where)}</p>')
    if layout.view == "revision":
        against = f" against {meta.compared_with}" if meta.compared_with else ""
        lines.append(
            f'<p class="legend" dir="auto">Revision marks{_e(against)}: '
            "<ins>inserted</ins>, <del>deleted</del></p>"
        )
    count = meta.open_brackets
    if layout.view == "agreed" and count > 0:
        remain = "bracket remains" if count == 1 else "brackets remain"
        lines.append(f'<p class="warning">Not agreed: {count} {remain}</p>')
    return '<header class="meta">\n' + "\n".join(lines) + "\n</header>"


def _blocks(blocks: Iterable[Block]) -> Iterator[str]:
    titles = 0
    for block in blocks:
        if block.kind == "blank":
            continue
        content = "".join(_inlines(block.content))
        if block.kind == "title":
            tag = "h1" if titles == 0 else "h2"
            titles += 1
            yield f'<{tag} class="title" dir="auto">{content}</{tag}>'
            continue
        classes = f"{block.kind} {block.part}"
        number = f'<span class="num">{_e(block.number.strip())}</span>' if block.number else ""
        yield f'<p class="{classes}" dir="auto">{number}{content}</p>'


def _inlines(inlines: Iterable[Inline]) -> Iterator[str]:
    for inline in inlines:
        if isinstance(inline, Run):
            yield _run(inline)
        elif isinstance(inline, BracketNode):
            yield from _bracket(inline)
        else:
            n = inline.number
            yield f'<sup class="noteref"><a href="#note-{n}" id="ref-{n}">{n}</a></sup>'


def _run(run: Run) -> str:
    if run.mark is None:
        return _e(run.text)
    text = _NEWLINE.sub("¶", run.text) if run.mark == "del" else run.text
    return f"<{run.mark}>{_e(text)}</{run.mark}>"


def _bracket(node: BracketNode) -> Iterator[str]:
    kind = "alternative" if node.group else "optional"
    attributes = [f'class="bracket {kind}"', f'data-id="{_e(node.id)}"']
    if node.group:
        attributes.append(f'data-group="{_e(node.group)}"')
    if node.alternative_to:
        attributes.append(f'data-alternative-to="{_e(node.alternative_to)}"')
    if node.label:
        attributes.append(f'data-label="{_e(node.label)}"')
    if not (node.opens and node.closes):
        attributes.append(f'data-continued="{_CONTINUED[(node.opens, node.closes)]}"')
    yield f"<span {' '.join(attributes)}>"
    if node.opens:
        yield '<span class="br">[</span>'
    yield from _inlines(node.children)
    if node.closes:
        yield '<span class="br">]</span>'
    yield "</span>"


def _notes(notes: tuple[str, ...]) -> Iterator[str]:
    if not notes:
        return
    yield '<section class="notes">\n<h2>Notes</h2>\n<ol>'
    for n, note in enumerate(notes, 1):
        yield (
            f'<li id="note-{n}" dir="auto">{_e(note)} '
            f'<a href="#ref-{n}" aria-label="back to the text">↑</a></li>'
        )
    yield "</ol>\n</section>"
