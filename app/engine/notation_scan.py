"""Bracket matching, nesting, labels and groups of alternatives (internal to the parser).

Works on plain lists of ints: the public objects are built once at the end by
``app.engine.notation``. The scan visits only structural characters, found by one
compiled regex, so the Python work follows the number of brackets and lines, not of
characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Label vocabulary shared with paragraph-level options. A letter or roman numeral id
# needs a space or a dot after the word, so that "Options:" is not "Option s:".
# Numbers are ASCII and short, so converting them can never fail.
LABEL_WORD = r"(?:alternative|alt|option)\.?"
LABEL_ID = (
    r"(?:[^\S\n]*(?P<num>[0-9]{1,6})[a-z]*"
    r"|(?:[^\S\n]+|(?<=\.))(?P<alpha>[ivxlc]+|[a-z]))"
)

_TOKEN = re.compile(r"[\\\[\]\n]")
_ESCAPABLE = ("\\", "[", "]")
_LABEL = re.compile(rf"[^\S\n]*({LABEL_WORD}{LABEL_ID}[^\S\n]*:)", re.IGNORECASE)
# Between two alternatives: whitespace and slashes only.
_GAP = re.compile(r"[\s/]*")


@dataclass(slots=True)
class RawScan:
    """Delimiters in opening order ("slots"); a slot's close is -1 while unmatched."""

    opens: list[int] = field(default_factory=list)
    closes: list[int] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    crossing: list[int] = field(default_factory=list)
    stray_closes: list[int] = field(default_factory=list)
    newlines: list[int] = field(default_factory=list)


@dataclass(slots=True)
class BracketTable:
    """Matched brackets in opening order, as parallel lists (-1 stands for None)."""

    opens: list[int] = field(default_factory=list)
    closes: list[int] = field(default_factory=list)
    depths: list[int] = field(default_factory=list)
    true_depths: list[int] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    crossing: list[int] = field(default_factory=list)
    too_deep: list[int] = field(default_factory=list)
    unmatched_opens: list[int] = field(default_factory=list)


def scan(text: str) -> RawScan:
    """Pair delimiters with a stack, in one pass over the structural characters.

    Kept as one loop on purpose: this is the hot path re-run after every live edit.
    """
    raw = RawScan()
    opens, closes, parents, newlines = raw.opens, raw.closes, raw.parents, raw.newlines
    open_lines: list[int] = []
    stack: list[int] = []
    escaped = -1
    for match in _TOKEN.finditer(text):
        pos = match.start()
        char = text[pos]
        if pos == escaped:
            continue
        if char == "[":
            parents.append(stack[-1] if stack else -1)
            stack.append(len(opens))
            opens.append(pos)
            closes.append(-1)
            open_lines.append(len(newlines))
        elif char == "]":
            if stack:
                slot = stack.pop()
                closes[slot] = pos
                if open_lines[slot] != len(newlines):
                    raw.crossing.append(slot)
            else:
                raw.stray_closes.append(pos)
        elif char == "\n":
            newlines.append(pos)
        elif text.startswith(_ESCAPABLE, pos + 1):
            escaped = pos + 1
    return raw


def build_table(raw: RawScan, depth_limit: int) -> BracketTable:
    """Keep matched pairs, number them, and bound their nesting.

    A bracket nested deeper than ``depth_limit`` is flattened: it gets depth
    ``depth_limit`` and the parent of the limit-level bracket that contains it.
    Unmatched opens are not ancestors: once a ``[`` stays open to the end, every
    ``[`` below it on the stack does too, so a matched bracket's nearest open ancestor
    is either matched or it has no matched ancestor at all.
    """
    table = BracketTable()
    index_of = [-1] * len(raw.opens)
    for slot, close in enumerate(raw.closes):
        if close < 0:
            table.unmatched_opens.append(raw.opens[slot])
            continue
        index_of[slot] = len(table.opens)
        raw_parent = raw.parents[slot]
        _add_bracket(
            table,
            raw.opens[slot],
            close,
            index_of[raw_parent] if raw_parent >= 0 else -1,
            depth_limit,
        )
    table.crossing = sorted(index_of[slot] for slot in raw.crossing)
    return table


def _add_bracket(table: BracketTable, open_: int, close: int, parent: int, limit: int) -> None:
    true_depth = table.true_depths[parent] + 1 if parent >= 0 else 1
    if true_depth > limit:
        if true_depth == limit + 1:
            table.too_deep.append(len(table.opens))
        parent = table.parents[parent]
    table.opens.append(open_)
    table.closes.append(close)
    table.true_depths.append(true_depth)
    table.depths.append(min(true_depth, limit))
    table.parents.append(parent)


def find_labels(text: str, table: BracketTable) -> list[tuple[int, int] | None]:
    """Span of the label at the start of each bracket's content, if any."""
    labels: list[tuple[int, int] | None] = []
    for open_, close in zip(table.opens, table.closes, strict=True):
        match = _LABEL.match(text, open_ + 1, close)
        labels.append(match.span(1) if match else None)
    return labels


@dataclass(slots=True)
class RawGroup:
    members: list[int]
    has_slash: bool = False
    has_space: bool = False


def find_groups(
    text: str, table: BracketTable, labels: list[tuple[int, int] | None], limit: int
) -> list[RawGroup]:
    """Chain consecutive siblings separated only by whitespace and slashes.

    A separator holding a line break joins only two labelled brackets: unlabelled
    bracketed paragraphs one after another are independent, not alternatives.
    Flattened (too deep) brackets overlap their siblings and never join a group.
    """
    groups: list[RawGroup] = []
    group_of: dict[int, RawGroup] = {}
    last_child: dict[int, int] = {}
    for index, parent in enumerate(table.parents):
        if table.true_depths[index] > limit:
            continue
        previous = last_child.get(parent)
        last_child[parent] = index
        if previous is not None and _joins(text, table, labels, previous, index):
            group = group_of.get(previous)
            if group is None:
                group = group_of[previous] = RawGroup([previous])
                groups.append(group)
            _add_member(text, table, group, index)
            group_of[index] = group
    return groups


def _joins(
    text: str, table: BracketTable, labels: list[tuple[int, int] | None], left: int, right: int
) -> bool:
    start, end = table.closes[left] + 1, table.opens[right]
    if _GAP.fullmatch(text, start, end) is None:
        return False
    if text.find("\n", start, end) < 0:
        return True
    return labels[left] is not None and labels[right] is not None


def _add_member(text: str, table: BracketTable, group: RawGroup, index: int) -> None:
    start, end = table.closes[group.members[-1]] + 1, table.opens[index]
    group.has_slash = group.has_slash or text.find("/", start, end) >= 0
    group.has_space = group.has_space or end > start
    group.members.append(index)
