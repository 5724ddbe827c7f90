"""What stands between a draft and an agreed text: open brackets, stray delimiters and
paragraph-level options, each with its place, so a chair can find them."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.engine.notation import ParseResult, parse

OpenKind = Literal["bracket", "group", "option", "unmatched_open", "unmatched_close"]
_EXCERPT = 60


@dataclass(frozen=True, slots=True)
class OpenItem:
    """``line`` and ``column`` are 1-based (columns in code points); ``bracket_id``
    names the bracket when the server knows it."""

    kind: OpenKind
    offset: int
    line: int
    column: int
    excerpt: str
    bracket_id: str | None = None


@dataclass(frozen=True, slots=True)
class Remaining:
    items: tuple[OpenItem, ...]  # outermost brackets and groups, options, stray delimiters
    brackets: int  # every matched bracket, nested ones included

    @property
    def agreed(self) -> bool:
        return not self.items

    @property
    def open_count(self) -> int:
        """Brackets (nested ones included), stray delimiters and paragraph options: what
        an agreed text exported anyway says remains."""
        groups = sum(1 for item in self.items if item.kind in ("bracket", "group"))
        return self.brackets + len(self.items) - groups


def remaining(
    text: str,
    *,
    result: ParseResult | None = None,
    ids: Mapping[tuple[int, int], str] | None = None,
) -> Remaining:
    """Everything still open in ``text``, in document order."""
    result = result or parse(text)
    ids = ids or {}
    lines = _LineIndex(text)
    items: list[OpenItem] = []
    seen_groups: set[int] = set()
    for bracket in result.brackets:
        if bracket.parent is not None:
            continue  # nested brackets are resolved with their outer one
        if bracket.group is not None:
            if bracket.group in seen_groups:
                continue
            seen_groups.add(bracket.group)
            span = result.groups[bracket.group].span
            kind: OpenKind = "group"
        else:
            span, kind = bracket.span, "bracket"
        bracket_id = ids.get((bracket.open, bracket.close))
        items.append(lines.item(kind, span.start, text[span.start : span.end], bracket_id))
    for option in result.options:
        items.append(lines.item("option", option.span.start, option.label.text))
    for offset in result.unmatched_open:
        items.append(lines.item("unmatched_open", offset, text[offset : offset + _EXCERPT]))
    for offset in result.unmatched_close:
        before = text[max(0, offset - _EXCERPT) : offset + 1]
        items.append(lines.item("unmatched_close", offset, before))
    items.sort(key=lambda item: item.offset)
    return Remaining(tuple(items), len(result.brackets))


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def item(
        self, kind: OpenKind, offset: int, excerpt: str, bracket_id: str | None = None
    ) -> OpenItem:
        line = bisect_right(self._starts, offset)
        column = offset - self._starts[line - 1] + 1
        short = " ".join(excerpt.split())
        if len(short) > _EXCERPT:
            short = short[: _EXCERPT - 1] + "…"
        return OpenItem(kind, offset, line, column, short, bracket_id)
