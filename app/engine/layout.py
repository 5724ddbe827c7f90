"""Lays a draft out into blocks of inline content for the export formats (pure).

One block per line (the notation's paragraph), so that ``indent + number + content``
of every block, joined by ``"\\n"``, gives back the text (a ``"\\r"`` before a ``"\\n"``
is dropped). Blocks are classified for the ITU resolution layout: title lines, the
enacting formula, preambular and operative headings with their items. A text without
an enacting formula followed by an operative heading (``resolves``, ``instructs``, …)
is laid out as a plain ``body``: a wrong guess there would misplace whole sections.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.engine.layout_model import (
    Block,
    BlockKind,
    BracketNode,
    ExportMeta,
    Inline,
    Layout,
    Mark,
    NoteRef,
    Part,
    Run,
    View,
)
from app.engine.notation import DEFAULT_MAX_DEPTH, ParseResult, parse

__all__ = ["build_layout"]

Piece = tuple[str, Mark | None]

_INDENT = re.compile(r"[^\S\n]*")
# "a) ", "(iv) ", "1 ", "1. ", "1.1 ", "3bis ", "10. ", "IV. ": a number or a single
# letter; letters and roman numerals need punctuation, so "a " (the article) is text.
_NUMBER = re.compile(
    r"(?:\((?:[0-9]{1,3}[a-z]{0,6}|[a-zA-Z]|[ivxlc]{1,7}|[IVXLC]{1,7})\)"
    r"|(?:[0-9]{1,3}(?:\.[0-9]{1,3})*[a-z]{0,6}|[a-zA-Z]|[ivxlc]{1,7}|[IVXLC]{1,7})[.)]"
    r"|[0-9]{1,3}(?:\.[0-9]{1,3})*[a-z]{0,6})"
    r"[^\S\n]+"
)
_FORMULA_BODY = re.compile(r"\b(?:Conference|Assembly|Council|Meeting|Parties)\b")
_BODY_HEADING = re.compile(
    r"\[?(?:article|chapter|section|part|annex|appendix|preamble)\b", re.IGNORECASE
)
_SENTENCE_END = ".,;:!?…。，；：！？؛،"
_HEADING_MAX = 80
_BODY_HEADING_MAX = 120  # as the notation's headings
_FORMULA_WITHIN = 6  # non-blank lines: a formula further down is not the enacting one
_OPERATIVE = frozenset({
    "resolves", "decides", "instructs", "invites", "requests", "urges", "encourages",
    "calls", "appeals", "recommends", "approves", "adopts", "authorizes", "authorises",
    "endorses", "agrees", "declares", "directs", "charges", "entrusts", "proclaims",
    "reaffirms", "affirms",
})  # fmt: skip
_ADVERBS = frozenset({"further", "also", "furthermore", "moreover", "additionally", "finally"})
_WORD = re.compile(r"\w+")
_ESCAPE = re.compile(r"\\([\\\[\]])")
_LINE_BREAK = re.compile(r"\r?\n")


def build_layout(
    text: str,
    meta: ExportMeta,
    view: View,
    *,
    bracket_ids: Mapping[tuple[int, int], str] | None = None,
    notes: Mapping[str, str] | None = None,
    segments: Sequence[Piece] | None = None,
    parsed: ParseResult | None = None,
) -> Layout:
    """Lay ``text`` out for ``view``.

    ``bracket_ids`` maps the code point offsets of a bracket's ``[`` and ``]`` to its
    server id (default ``b<index>``); ``notes`` maps a bracket id to an attribution,
    anchored after the bracket wherever brackets are nodes (compilation and agreed
    views). In the revision view ``segments`` (text, mark) is the comparison, whose
    non-deleted text is ``text``; brackets stay plain text there. ``parsed`` is the
    parse of ``text`` when the caller already has it.
    """
    if view == "revision":
        pieces = segments if segments is not None else [(text, None)]
        return Layout(meta, view, _revision_blocks(pieces))
    result = parsed if parsed is not None else parse(text)
    inliner = _Inliner(text, result, view == "agreed", bracket_ids or {}, notes or {})
    blocks: list[Block] = []
    spans = _line_spans(text)
    shapes = _classify([text[start:end] for start, end in spans])
    for shape, (start, end) in zip(shapes, spans, strict=True):
        head = start + shape.indent + shape.number
        content = inliner.line(head, end)
        blocks.append(_block(shape, text[start:head], content))
    return Layout(meta, view, tuple(blocks), tuple(inliner.note_texts))


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, the line break and a ``\\r`` before it excluded."""
    breaks = list(_LINE_BREAK.finditer(text))
    starts = [0, *(m.end() for m in breaks)]
    return list(zip(starts, [*(m.start() for m in breaks), len(text)], strict=True))


# --- classification -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Shape:
    kind: BlockKind
    part: Part
    indent: int  # length of the leading whitespace
    number: int  # length of the item number with its whitespace, 0 for none


def _prefix(line: str) -> tuple[int, int]:
    indent = _INDENT.match(line)
    start = indent.end() if indent else 0
    number = _NUMBER.match(line, start)
    return start, number.end() - start if number else 0


def _is_formula(rest: str) -> bool:
    stripped = rest.rstrip()
    return (
        stripped.startswith("The ")
        and stripped.endswith(",")
        and _FORMULA_BODY.search(stripped) is not None
    )


def _is_heading(rest: str) -> bool:
    stripped = rest.rstrip()
    if not stripped or len(stripped) > _HEADING_MAX or stripped[-1] in _SENTENCE_END:
        return False
    return stripped.lstrip("[")[:1].islower()


def _is_operative(rest: str) -> bool:
    for word in _WORD.findall(rest):
        if word not in _ADVERBS:
            return word in _OPERATIVE
    return False


def _is_body_heading(rest: str) -> bool:
    stripped = rest.rstrip()
    return (
        len(stripped) <= _BODY_HEADING_MAX
        and stripped[-1] not in ".,;:"
        and _BODY_HEADING.match(stripped) is not None
    )


def _find_formula(lines: Sequence[str]) -> int | None:
    """Index of the enacting formula, if the text is laid out as a resolution."""
    seen = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        indent, number = _prefix(line)
        if number or seen == _FORMULA_WITHIN:
            return None
        if _is_formula(line[indent:]):
            rest = lines[index + 1 :]
            operative = any(
                not _prefix(other)[1] and _is_heading(o := other.lstrip()) and _is_operative(o)
                for other in rest
            )
            return index if operative else None
        seen += 1
    return None


def _classify(lines: Sequence[str]) -> list[_Shape]:
    formula = _find_formula(lines)
    if formula is None:
        return [_body_shape(line) for line in lines]
    shapes: list[_Shape] = []
    part: Part = "preface"
    for index, line in enumerate(lines):
        indent, number = _prefix(line)
        rest = line[indent + number :]
        kind: BlockKind
        if not line.strip():
            kind, indent, number = "blank", len(line), 0
        elif index < formula:
            kind, number = "title", 0
        elif index == formula:
            kind, number, part = "formula", 0, "preamble"
        elif number:
            kind = "item"
        elif _is_heading(rest):
            kind = "heading"
            if part == "preamble" and _is_operative(rest):
                part = "operative"
        else:
            kind = "paragraph"
        shapes.append(_Shape(kind, part, indent, number))
    return shapes


def _body_shape(line: str) -> _Shape:
    if not line.strip():
        return _Shape("blank", "body", len(line), 0)
    indent, number = _prefix(line)
    if number:
        return _Shape("item", "body", indent, number)
    kind: BlockKind = "heading" if _is_body_heading(line[indent:]) else "paragraph"
    return _Shape(kind, "body", indent, 0)


def _block(shape: _Shape, prefix: str, content: tuple[Inline, ...]) -> Block:
    indent, number = prefix[: shape.indent], prefix[shape.indent :]
    if shape.kind == "blank":
        content = ()  # pieces of brackets running across an empty line hold nothing
    return Block(shape.kind, shape.part, content, number or None, indent)


# --- brackets as nodes ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Info:
    id: str
    open: int
    group: str | None
    alternative_to: str | None
    label: str | None


@dataclass(slots=True)
class _Frame:
    bracket: int  # -1 for the block itself
    children: list[Inline]
    opens: bool


def _bracket_info(result: ParseResult, ids: Mapping[tuple[int, int], str]) -> list[_Info]:
    names = [ids.get((b.open, b.close), f"b{b.index}") for b in result.brackets]
    first = {m: g.members[0] for g in result.groups for m in g.members}
    infos: list[_Info] = []
    for b in result.brackets:
        leader = first.get(b.index)
        group = names[leader] if leader is not None else None
        later = group if leader != b.index else None
        label = b.label.text if b.label else None
        infos.append(_Info(names[b.index], b.open, group, later, label))
    return infos


def _delimiters(result: ParseResult) -> dict[int, int]:
    """Offset of each ``[`` and ``]`` drawn as a node -> bracket index.

    Brackets nested deeper than the parser's limit stay text, so that formats can
    recurse over nodes without bound.
    """
    at: dict[int, int] = {}
    closes: list[int] = []  # of the brackets enclosing the current one
    for b in result.brackets:  # in the order of their "["
        while closes and closes[-1] < b.open:
            closes.pop()
        closes.append(b.close)
        if len(closes) <= DEFAULT_MAX_DEPTH:
            at[b.open] = at[b.close] = b.index
    return at


class _Inliner:
    """Turns the lines of one text into inline trees, carrying the brackets still open
    at the end of a line over to the next one as continued pieces."""

    def __init__(
        self,
        text: str,
        result: ParseResult,
        unescape: bool,
        bracket_ids: Mapping[tuple[int, int], str],
        notes: Mapping[str, str],
    ) -> None:
        self.text = text
        self.unescape = unescape
        self.notes = notes
        self.note_texts: list[str] = []
        self.info = _bracket_info(result, bracket_ids)
        self.at = _delimiters(result)
        self.events = sorted(self.at)
        self.cursor = 0
        self.open_now: list[int] = []

    def line(self, start: int, end: int) -> tuple[Inline, ...]:
        """Inline content of ``text[start:end]``, which holds no line break."""
        root = _Frame(-1, [], True)
        frames = [root, *(_Frame(b, [], False) for b in self.open_now)]
        pos = start
        events = self.events
        while self.cursor < len(events) and events[self.cursor] < end:
            at = events[self.cursor]
            self.cursor += 1
            self._text(frames[-1], pos, at)
            pos = at + 1
            bracket = self.at[at]
            if self.info[bracket].open == at:
                frames.append(_Frame(bracket, [], True))
                self.open_now.append(bracket)
            else:
                self.open_now.pop()
                self._close(frames, closes=True)
        self._text(frames[-1], pos, end)
        while len(frames) > 1:
            self._close(frames, closes=False)
        return tuple(root.children)

    def _text(self, frame: _Frame, start: int, end: int) -> None:
        if end > start:
            chunk = self.text[start:end]
            frame.children.append(Run(_ESCAPE.sub(r"\1", chunk) if self.unescape else chunk))

    def _close(self, frames: list[_Frame], *, closes: bool) -> None:
        frame = frames.pop()
        info = self.info[frame.bracket]
        parent = frames[-1].children
        parent.append(
            BracketNode(
                info.id,
                tuple(frame.children),
                opens=frame.opens,
                closes=closes,
                group=info.group,
                alternative_to=info.alternative_to,
                label=info.label,
            )
        )
        note = self.notes.get(info.id) if closes else None
        if note is not None:
            self.note_texts.append(note)
            parent.append(NoteRef(len(self.note_texts)))


# --- revision view ----------------------------------------------------------------------


def _revision_lines(segments: Sequence[Piece]) -> list[list[Piece]]:
    """Pieces per line of the current text. Deleted text, line breaks included, stays
    in the line where it was deleted: it is no paragraph of the current text."""
    lines: list[list[Piece]] = [[]]
    for text, mark in segments:
        if not text:
            continue
        if mark == "del":
            lines[-1].append((text, mark))
            continue
        for index, part in enumerate(_LINE_BREAK.split(text)):
            if index:
                lines.append([])
            if part:
                lines[-1].append((part, mark))
    return lines


def _take_prefix(pieces: list[Piece], size: int) -> tuple[str, list[Piece]] | None:
    """Split off the first ``size`` characters if they are unchanged text."""
    taken = 0
    count = 0
    while taken < size:
        text, mark = pieces[count]
        if mark is not None:
            return None
        taken += len(text)
        count += 1
    head = "".join(text for text, _ in pieces[:count])
    rest = [(head[size:], None)] if len(head) > size else []
    return head[:size], rest + pieces[count:]


def _merged(pieces: list[Piece]) -> tuple[Inline, ...]:
    runs: list[Run] = []
    for text, mark in pieces:
        if runs and runs[-1].mark == mark:
            runs[-1] = Run(runs[-1].text + text, mark)
        else:
            runs.append(Run(text, mark))
    return tuple(runs)


def _revision_blocks(segments: Sequence[Piece]) -> tuple[Block, ...]:
    lines = _revision_lines(segments)
    current = ["".join(t for t, mark in pieces if mark != "del") for pieces in lines]
    blocks: list[Block] = []
    for shape, pieces in zip(_classify(current), lines, strict=True):
        kind = shape.kind
        indent, number = "", ""
        split = _take_prefix(pieces, shape.indent + shape.number)
        if split is not None:
            prefix, pieces = split
            indent, number = prefix[: shape.indent], prefix[shape.indent :]
        if kind == "blank" and pieces:
            kind = "paragraph"  # only deleted or changed whitespace
        blocks.append(Block(kind, shape.part, _merged(pieces), number or None, indent))
    return tuple(blocks)
