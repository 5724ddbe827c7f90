"""The rendering model every export format reads (pure, no I/O).

A draft is laid out once into blocks of inline content; each format (plain text,
Markdown, HTML, DOCX, PDF, Akoma Ntoso) only decides how blocks and inlines look.
Negotiation brackets are nodes, not characters, so a format can keep them visible
and still know which alternative belongs to which group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

View = Literal["agreed", "compilation", "revision"]
Mark = Literal["ins", "del"]
BlockKind = Literal["title", "formula", "heading", "item", "paragraph", "blank"]
Part = Literal["preface", "preamble", "operative", "body"]


@dataclass(frozen=True, slots=True)
class Run:
    """Plain text. In the revision view ``mark`` says it was inserted or deleted
    against the text compared with."""

    text: str
    mark: Mark | None = None


@dataclass(frozen=True, slots=True)
class NoteRef:
    """A footnote anchor; ``number`` (from 1) indexes ``Layout.notes``."""

    number: int


@dataclass(frozen=True, slots=True)
class BracketNode:
    """A negotiation bracket. Formats draw its ``[`` and ``]`` themselves.

    A bracket that spans paragraphs is split into one node per block: ``opens`` is
    False on the pieces after the first and ``closes`` False on those before the last.
    ``group`` is the id of its group of alternatives (None for a lone, optional
    bracket); ``alternative_to`` is the id of the group's first member, set on every
    later member. ``label`` (``Alt 1:``) is informational: its text is in ``children``.
    """

    id: str
    children: tuple[Inline, ...]
    opens: bool = True
    closes: bool = True
    group: str | None = None
    alternative_to: str | None = None
    label: str | None = None


Inline = Run | NoteRef | BracketNode


@dataclass(frozen=True, slots=True)
class Block:
    """One line of the draft (the notation's paragraph).

    ``number`` is the item's number exactly as written, with the whitespace after it
    (``"a) "``, ``"1\\t"``, ``"3bis. "``); it is not repeated in ``content``, and writing
    ``number`` then ``content`` gives back the line. ``indent`` is the leading
    whitespace of the line, kept for the same reason. A ``blank`` block is an empty line.
    """

    kind: BlockKind
    part: Part
    content: tuple[Inline, ...] = ()
    number: str | None = None
    indent: str = ""


@dataclass(frozen=True, slots=True)
class ExportMeta:
    """Who and what the export is about; shown in headers and Akoma Ntoso metadata."""

    symbol: str
    title: str
    kind: str = "resolution"
    conference: str = ""
    working_group: str = ""
    version: str = ""  # "Rev.2", "revision 418"
    date: str = ""  # ISO date of the exported version
    language: str = "en"  # ISO 639-1 of the main language
    compared_with: str = ""  # revision view: what the marks are against
    open_brackets: int = 0  # brackets left in an agreed text exported anyway


@dataclass(frozen=True, slots=True)
class Layout:
    meta: ExportMeta
    view: View
    blocks: tuple[Block, ...]
    notes: tuple[str, ...] = field(default=())
