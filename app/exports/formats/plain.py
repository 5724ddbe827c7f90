"""Plain text and Markdown exports.

Plain text (``render_text``) writes every block as ``indent + number + content``, lines
joined by ``"\\n"``: in the compilation and agreed views, without attributions, that is
the draft's text exactly. Conventions, chosen so that nothing added can be mistaken for
a negotiation bracket:

* attribution anchors are superscript numbers in parentheses (``⁽¹⁾``), and the
  attributions follow the text under a ``Notes`` line, one per line (``⁽¹⁾ Egypt``);
* revision marks: ``⟦+inserted+⟧`` and ``⟦-deleted-⟧`` (U+27E6, U+27E7), with a legend
  at the end.

Markdown (``render_markdown``): title blocks become ``#`` (the first) and ``##``
headings; headings of the preamble and operative parts are italic (``_considering_``),
body headings bold; every other block is a paragraph, items with their number as
written; indentation and blank lines are not kept. Negotiation brackets stay ``[`` and
``]``. Attributions are footnotes (``[^1]`` after the bracket, definitions at the end).
Revision marks: ``**inserted**`` and ``~~deleted~~`` (GFM strikethrough); no raw HTML
anywhere. Nothing in the draft can become Markdown syntax; the escapes added are:

* a backslash before every ASCII punctuation character other than ``[``, ``]`` and
  ``\\``, so the notation's own escapes (``\\[``, ``\\]``, ``\\\\``) stay as written;
* in the agreed view, whose text has the notation's escapes resolved, they are written
  back: a literal ``\\``, ``[`` or ``]`` becomes ``\\\\``, ``\\[`` or ``\\]``;
* a carriage return is written ``&#13;``; a backslash that would escape the Markdown
  syntax right after it is written ``&#92;``;
* revision view only: leading spaces and tabs of a paragraph become ``&#32;`` /
  ``&#9;``, and ``&#8203;`` (zero width space) lets an emphasis mark sit between a
  letter and punctuation (``shall&#8203;**\\,**``); a deleted line break is shown as
  ``¶``.

Undoing them gives the draft back, in one pass from left to right (so that an escaped
``\\&#92;`` stays text): drop each backslash that stands before ASCII punctuation other
than ``[``, ``]`` and ``\\``, and decode ``&#13;`` and ``&#92;``. Renderers with
GFM's extended autolinks may still link a bare ``www.`` or ``http://`` address.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Iterator

from app.engine.layout_model import Block, BracketNode, Inline, Layout, Run

__all__ = ["render_markdown", "render_text"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_TEXT_MARKS = {"ins": ("⟦+", "+⟧"), "del": ("⟦-", "-⟧")}


def note_marker(number: int) -> str:
    return f"⁽{str(number).translate(_SUPERSCRIPT)}⁾"


# --- plain text ----------------------------------------------------------------------


def render_text(layout: Layout) -> str:
    body = "\n".join(
        block.indent + (block.number or "") + "".join(_text(block.content))
        for block in layout.blocks
    )
    tail: list[str] = []
    if layout.notes:
        notes = (f"{note_marker(n)} {text}" for n, text in enumerate(layout.notes, 1))
        tail.append("\n".join(["Notes", *notes]))
    if layout.view == "revision":
        against = layout.meta.compared_with
        legend = "Revision marks: ⟦+inserted+⟧, ⟦-deleted-⟧"
        tail.append(f"{legend} (against {against})" if against else legend)
    return "\n\n".join([body, *tail])


def _text(inlines: Iterable[Inline]) -> Iterator[str]:
    for inline in inlines:
        if isinstance(inline, Run):
            start, end = _TEXT_MARKS[inline.mark] if inline.mark else ("", "")
            yield start + inline.text + end
        elif isinstance(inline, BracketNode):
            yield "[" if inline.opens else ""
            yield from _text(inline.children)
            yield "]" if inline.closes else ""
        else:
            yield note_marker(inline.number)


# --- Markdown ------------------------------------------------------------------------

_ACTIVE = frozenset(string.punctuation) - {"[", "]", "\\"}
_ESCAPES = {ord(c): "\\" + c for c in _ACTIVE} | {ord("\r"): "&#13;"}
_AGREED_ESCAPES = _ESCAPES | {ord(c): "\\" + c for c in "[]\\"}
_MD_MARKS = {"ins": "**", "del": "~~"}
_NEWLINE = re.compile(r"\r?\n")
_LEADING_SPACE = re.compile(r"^[ \t]+")
_ZWSP = "&#8203;"


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _is_free(char: str) -> bool:
    """Whitespace, punctuation or nothing: what lets an emphasis mark open or close."""
    return not char or char.isspace() or _is_punctuation(char)


class _Out:
    """Markdown of one paragraph: escaped text and syntax, kept apart so that a
    backslash at the end of a text stretch never escapes the syntax after it."""

    def __init__(self, escapes: dict[int, str]) -> None:
        self.escapes = escapes
        self.parts: list[str] = []
        self.text = ""
        self.closed_on_punctuation = False

    def add_text(self, text: str) -> None:
        escaped = text.translate(self.escapes)
        if self.closed_on_punctuation and not _is_free(escaped[:1]):
            self.add_syntax(_ZWSP)  # or the mark just closed would not close
        self.closed_on_punctuation = False
        self.text += escaped

    def add_syntax(self, syntax: str) -> None:
        self._flush(before_syntax=True)
        self.parts.append(syntax)
        self.closed_on_punctuation = False

    def add_mark(self, mark: str, core: str) -> None:
        """``core`` (no surrounding whitespace) between emphasis marks. CommonMark's
        flanking rules keep a mark between a letter and punctuation from opening or
        closing: an invisible character separates them."""
        before = (self.text or "".join(self.parts))[-1:]
        if not _is_free(before) and _is_punctuation(core[0]):
            self.add_syntax(_ZWSP)
        self.add_syntax(mark)
        self.add_text(core)
        self.add_syntax(mark)
        self.closed_on_punctuation = _is_punctuation(core[-1])

    def result(self) -> str:
        self._flush(before_syntax=False)
        return "".join(self.parts)

    def _flush(self, *, before_syntax: bool) -> None:
        text, self.text = self.text, ""
        trailing = len(text) - len(text.rstrip("\\"))
        if before_syntax and trailing % 2:
            text = text[:-1] + "&#92;"
        self.parts.append(text)


def render_markdown(layout: Layout) -> str:
    escapes = _AGREED_ESCAPES if layout.view == "agreed" else _ESCAPES
    warning = _warning(layout)
    paragraphs = [warning] if warning else []
    titles = 0
    for block in layout.blocks:
        if block.kind == "blank":
            continue
        out = _Out(escapes)
        prefix = ""
        if block.kind == "title":
            prefix = "# " if titles == 0 else "## "
            titles += 1
        _md_block(out, block)
        paragraphs.append(prefix + _fix_start(out.result()))
    for number, note in enumerate(layout.notes, 1):
        out = _Out(escapes)
        out.add_text(_NEWLINE.sub(" ", note).strip())
        paragraphs.append(f"[^{number}]: {out.result()}")
    if layout.view == "revision":
        paragraphs.append(_legend(layout.meta.compared_with))
    return "\n\n".join(paragraphs) + "\n"


def _warning(layout: Layout) -> str:
    count = layout.meta.open_brackets
    if layout.view != "agreed" or count <= 0:
        return ""
    return f"**Not agreed: {count} {'bracket remains' if count == 1 else 'brackets remain'}**"


def _legend(against: str) -> str:
    out = _Out(_ESCAPES)
    out.add_text(f" (against {against})" if against else "")
    return "Revision marks: **inserted**, ~~deleted~~" + out.result()


def _md_block(out: _Out, block: Block) -> None:
    emphasis = ""
    if block.kind == "heading":
        emphasis = "**" if block.part == "body" else "_"
    if emphasis:
        out.add_syntax(emphasis)
    if block.number:
        out.add_text(block.number)
    _md_inlines(out, block.content)
    if emphasis:
        out.add_syntax(emphasis)


def _md_inlines(out: _Out, inlines: Iterable[Inline]) -> None:
    for inline in inlines:
        if isinstance(inline, Run):
            _md_run(out, inline)
        elif isinstance(inline, BracketNode):
            if inline.opens:
                out.add_syntax("[")
            _md_inlines(out, inline.children)
            if inline.closes:
                out.add_syntax("]")
        else:
            out.add_syntax(f"[^{inline.number}]")


def _md_run(out: _Out, run: Run) -> None:
    if run.mark is None:
        out.add_text(run.text)
        return
    text = _NEWLINE.sub("¶", run.text)  # a deleted paragraph break, made visible
    core = text.strip()
    if not core:
        out.add_text(text)  # changed whitespace alone cannot carry a mark
        return
    start = len(text) - len(text.lstrip())
    out.add_text(text[:start])
    out.add_mark(_MD_MARKS[run.mark], core)
    out.add_text(text[start + len(core) :])


def _fix_start(paragraph: str) -> str:
    """Leading whitespace (revision view only) would make the paragraph a code block."""
    return _LEADING_SPACE.sub(
        lambda m: m.group().replace(" ", "&#32;").replace("\t", "&#9;"), paragraph
    )
