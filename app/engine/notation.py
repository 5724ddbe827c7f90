"""Bracket notation parser: the text is the source of truth (``docs/notation.md``).

``parse`` never raises on any string: flaws (unbalanced or cross-paragraph brackets,
nesting past the depth limit) become diagnostics and parsing goes on.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from app.engine.notation_model import (
    Bracket,
    Diagnostic,
    DiagnosticKind,
    Group,
    GroupKind,
    Label,
    Option,
    ParseResult,
    Span,
)
from app.engine.notation_options import OptionBlock, find_options
from app.engine.notation_scan import (
    BracketTable,
    RawGroup,
    RawScan,
    build_table,
    find_groups,
    find_labels,
    scan,
)
from app.engine.utf16 import Utf16Index

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "Bracket",
    "Diagnostic",
    "DiagnosticKind",
    "Group",
    "GroupKind",
    "Label",
    "Option",
    "ParseResult",
    "Span",
    "parse",
]

DEFAULT_MAX_DEPTH = 32


def parse(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> ParseResult:
    """Parse brackets, groups of alternatives and option blocks in ``text``.

    ``max_depth`` (at least 1) bounds nesting: deeper brackets are still matched and
    counted, flattened to that depth, and reported once per too-deep region.
    """
    limit = max(1, max_depth)
    raw = scan(text)
    table = build_table(raw, limit)
    where = _Positions(text, raw.newlines)
    labels = find_labels(text, table)
    raw_groups = find_groups(text, table, labels, limit)
    return ParseResult(
        brackets=_brackets(where, table, labels, raw_groups),
        groups=tuple(
            _group(where, table, labels, index, raw) for index, raw in enumerate(raw_groups)
        ),
        options=tuple(_option(where, block) for block in find_options(text, limit)),
        unmatched_open=tuple(table.unmatched_opens),
        unmatched_close=tuple(raw.stray_closes),
        diagnostics=_diagnostics(where, table, raw, limit),
        max_depth=max(table.true_depths, default=0),
        depth_limit=limit,
    )


def _same(offset: int) -> int:
    return offset


class _Positions:
    """Offset conversions for one text: UTF-16 offsets, labels, lines and columns."""

    def __init__(self, text: str, newlines: list[int]) -> None:
        self.u16: Callable[[int], int] = _same
        # Without astral characters both units agree. Encoding is a fast C check; the
        # index's regex scan costs far more on a large text.
        if len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text):
            self.u16 = Utf16Index(text).to_utf16
        self.text = text
        self.newlines = newlines

    def spans(self, start: int, end: int) -> tuple[Span, Span]:
        return Span(start, end), Span(self.u16(start), self.u16(end))

    def label(self, span: tuple[int, int] | None) -> Label | None:
        if span is None:
            return None
        start, end = span
        return Label(self.text[start:end], *self.spans(start, end))

    def line_start(self, offset: int) -> tuple[int, int]:
        """1-based line (paragraph) of ``offset``, and the offset that line starts at."""
        line = bisect_left(self.newlines, offset) + 1
        return line, self.newlines[line - 2] + 1 if line > 1 else 0

    def diagnostic(self, offset: int, kind: DiagnosticKind, message: str) -> Diagnostic:
        line, line_start = self.line_start(offset)
        offset_u16 = self.u16(offset)
        return Diagnostic(
            line=line,
            column=offset - line_start + 1,
            kind=kind,
            message=message,
            offset=offset,
            offset_u16=offset_u16,
            column_u16=offset_u16 - self.u16(line_start) + 1,
        )


def _brackets(
    where: _Positions,
    table: BracketTable,
    labels: list[tuple[int, int] | None],
    raw_groups: list[RawGroup],
) -> tuple[Bracket, ...]:
    group_of = {member: index for index, raw in enumerate(raw_groups) for member in raw.members}
    label_of = {index: where.label(span) for index, span in enumerate(labels) if span}
    u16 = where.u16
    # Positional arguments: this runs once per bracket on every re-parse.
    return tuple(
        Bracket(
            index,
            open_,
            close,
            u16(open_),
            u16(close),
            depth,
            parent if parent >= 0 else None,
            group_of.get(index),
            label_of.get(index),
        )
        for index, (open_, close, depth, parent) in enumerate(
            zip(table.opens, table.closes, table.depths, table.parents, strict=True)
        )
    )


def _group(
    where: _Positions,
    table: BracketTable,
    labels: list[tuple[int, int] | None],
    index: int,
    raw: RawGroup,
) -> Group:
    members = tuple(raw.members)
    start, end = table.opens[members[0]], table.closes[members[-1]] + 1
    kind: GroupKind = "adjacent"
    if any(labels[member] is not None for member in members):
        kind = "labelled"
    elif raw.has_slash or raw.has_space:
        kind = "slash" if raw.has_slash else "spaced"
    return Group(index, members, kind, *where.spans(start, end))


def _option(where: _Positions, block: OptionBlock) -> Option:
    span, span_u16 = where.spans(block.start, block.end)
    return Option(
        index=block.index,
        label=Label(
            where.text[block.label_start : block.label_end],
            *where.spans(block.label_start, block.label_end),
        ),
        group=block.sequence.group,
        parent=block.parent if block.parent >= 0 else None,
        first_line=block.first_line,
        last_line=block.last_line,
        span=span,
        span_u16=span_u16,
    )


def _diagnostics(
    where: _Positions, table: BracketTable, raw: RawScan, limit: int
) -> tuple[Diagnostic, ...]:
    found = [
        *(
            where.diagnostic(offset, DiagnosticKind.UNMATCHED_OPEN, "'[' is never closed")
            for offset in table.unmatched_opens
        ),
        *(
            where.diagnostic(offset, DiagnosticKind.UNMATCHED_CLOSE, "']' has no matching '['")
            for offset in raw.stray_closes
        ),
        *(_crossing(where, table, index) for index in table.crossing),
        *(
            where.diagnostic(
                table.opens[index],
                DiagnosticKind.MAX_DEPTH_EXCEEDED,
                f"brackets nested more than {limit} deep: this one and those inside it "
                f"are flattened to depth {limit}",
            )
            for index in table.too_deep
        ),
    ]
    return tuple(sorted(found, key=lambda diagnostic: (diagnostic.offset, diagnostic.kind)))


def _crossing(where: _Positions, table: BracketTable, index: int) -> Diagnostic:
    close = table.closes[index]
    line, line_start = where.line_start(close)
    return where.diagnostic(
        table.opens[index],
        DiagnosticKind.CROSS_PARAGRAPH,
        f"bracket spans a paragraph break: it closes at line {line}, column "
        f"{close - line_start + 1}",
    )
