"""Result types of the bracket notation parser (see ``docs/notation.md``).

Offsets count code points (Python string indices); every span is also given in UTF-16
code units (suffix ``_u16``), the unit browsers and the wire use. Spans are half-open.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

GroupKind = Literal["adjacent", "spaced", "slash", "labelled"]


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open range ``[start, end)``."""

    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Label:
    """A label such as ``Alt 1:`` or ``Option A:``, kept in the text and exposed here.

    ``text`` is exactly ``document[span.start:span.end]``, terminator included
    (``"Alt 1:"``, ``"Option 2."``, or ``"Option 3"`` when written without one).
    """

    text: str
    span: Span
    span_u16: Span


@dataclass(frozen=True, slots=True)
class Bracket:
    """A matched ``[`` … ``]`` pair.

    ``open`` and ``close`` are the offsets of the two delimiters. ``depth`` is 1 for an
    outermost bracket and never exceeds the parse's depth limit; ``parent`` and
    ``group`` are indices into ``ParseResult.brackets`` and ``ParseResult.groups``.
    """

    index: int
    open: int
    close: int
    open_u16: int
    close_u16: int
    depth: int
    parent: int | None
    group: int | None
    label: Label | None

    @property
    def span(self) -> Span:
        """Outer span, brackets included."""
        return Span(self.open, self.close + 1)

    @property
    def inner(self) -> Span:
        """Content between the brackets."""
        return Span(self.open + 1, self.close)

    @property
    def span_u16(self) -> Span:
        return Span(self.open_u16, self.close_u16 + 1)

    @property
    def inner_u16(self) -> Span:
        return Span(self.open_u16 + 1, self.close_u16)


@dataclass(frozen=True, slots=True)
class Group:
    """Two or more sibling brackets that are alternatives for one place.

    ``kind`` says how the members are written, strongest first: ``labelled`` (a member
    carries a label), ``slash`` (a ``/`` between members), ``spaced`` (whitespace
    between members), ``adjacent`` (``[a][b]``). Real texts also put independent
    optional brackets side by side with a space, so ``spaced`` is the least certain.
    """

    index: int
    members: tuple[int, ...]
    kind: GroupKind
    span: Span
    span_u16: Span


@dataclass(frozen=True, slots=True)
class Option:
    """A paragraph-level option block (``Option 1:`` … ``Option 2:`` …).

    ``group`` numbers the sequences of consecutive options (0, 1, …, in document
    order); ``parent`` is the index of the enclosing option block, if any. The block
    covers whole lines ``first_line`` … ``last_line`` (1-based); ``span`` runs from
    the start of the first line to the end of the last one (newline excluded).
    """

    index: int
    label: Label
    group: int
    parent: int | None
    first_line: int
    last_line: int
    span: Span
    span_u16: Span


class DiagnosticKind(StrEnum):
    UNMATCHED_OPEN = "unmatched_open"
    UNMATCHED_CLOSE = "unmatched_close"
    CROSS_PARAGRAPH = "cross_paragraph"
    MAX_DEPTH_EXCEEDED = "max_depth_exceeded"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A flaw in the text; parsing went on. ``line`` and ``column`` are 1-based,
    ``column`` counts code points and ``column_u16`` UTF-16 code units."""

    line: int
    column: int
    kind: DiagnosticKind
    message: str
    offset: int
    offset_u16: int
    column_u16: int


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Everything the parser found in one text.

    ``max_depth`` is the deepest nesting of matched brackets actually present (0 when
    there are none), which may exceed ``depth_limit``; ``unmatched_open`` and
    ``unmatched_close`` hold the code point offsets of unpaired delimiters.
    """

    brackets: tuple[Bracket, ...]
    groups: tuple[Group, ...]
    options: tuple[Option, ...]
    unmatched_open: tuple[int, ...]
    unmatched_close: tuple[int, ...]
    diagnostics: tuple[Diagnostic, ...]
    max_depth: int
    depth_limit: int
