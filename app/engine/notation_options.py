"""Paragraph-level option blocks (internal to the parser; rules in ``docs/notation.md``).

Every line is a paragraph. A paragraph whose text starts, after indentation and an
optional paragraph number, with an option label (``Option 1:``, ``1. Option A:``,
``Option II``) opens an option. Options whose ids follow each other (1, 2, 3 / A, B /
I, II) form one sequence, numbered as a group. A block runs over the following
non-blank paragraphs until one of them ends it:

* the next option of the same (or an enclosing) sequence;
* a new sequence starting at the same or a shallower indentation (deeper nests);
* a heading (``Article 3 (mitigation)``, ``Annex``, ``Section``, ...);
* a paragraph indented less than the option's own line;
* a paragraph at the same indentation, when the option is written on one line and
  is not the first of its sequence, and every earlier option of the sequence was a
  single paragraph: in ``Option 1: x`` / ``Option 2: y`` / ``z``, ``z`` follows the
  options rather than belonging to ``Option 2``. An option whose line ends with a
  colon (``Option 2:`` or ``Option 2: the following:``) introduces what follows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from app.engine.notation_scan import LABEL_ID, LABEL_WORD

# A paragraph number before the label: "1.", "10.", "3.3bis", "a)", "(iv)".
_NUMBER = (
    r"(?:\d+(?:\.\d+)*[a-z]*[.)]?|[a-z][.)]|[ivxlc]+[.)]|\((?:\d+[a-z]*|[a-z]|[ivxlc]+)\))"
    r"[^\S\n]+"
)
# Real texts write "Option 1:", "Option 2.", "Option 3" alone, or "Option 1 [text]".
_TERMINATOR = r"(?:[^\S\n]*:|\.(?=\s|$)|(?=[^\S\n]*(?:$|\[)))"
_OPTION = rf"(?:{_NUMBER})?(?P<label>{LABEL_WORD}{LABEL_ID}{_TERMINATOR})"
_HEADING = r"(?P<heading>\[?(?:article|chapter|section|part|annex|appendix|preamble)\b)"
_LINE = re.compile(rf"(?P<indent>[^\S\n]*)(?:{_OPTION}|{_HEADING})?", re.IGNORECASE | re.MULTILINE)
_FIRST_OPTION = re.compile(rf"^[^\S\n]*{_OPTION}", re.IGNORECASE | re.MULTILINE)
_HEADING_MAX = 120
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}

IdValues = frozenset[tuple[str, int]]


@dataclass(slots=True)
class Sequence:
    group: int
    last: IdValues
    count: int = 1
    multi: bool = False  # an earlier option of the sequence spanned several paragraphs


@dataclass(slots=True)
class OptionBlock:
    """One option; ``last_line`` and ``end`` grow while its block is open."""

    index: int
    label_start: int
    label_end: int
    sequence: Sequence
    parent: int
    indent: int
    open_ended: bool
    first_line: int
    last_line: int
    start: int
    end: int
    paragraphs: int = 1
    # A paragraph after a one-line option, held back until we know whether the next
    # option of the sequence follows (then it belongs to this option) or not.
    pending_line: int = 0
    pending_end: int = -1


def find_options(text: str, max_nesting: int) -> list[OptionBlock]:
    """All option blocks, in document order, nested at most ``max_nesting`` deep."""
    walker = _Walker(text, max_nesting)
    lines = text.split("\n")  # cheap C work; blank lines are then skipped without a regex
    starts = list(accumulate((len(line) + 1 for line in lines), initial=0))
    number = 0
    while number < len(lines):
        if not walker.stack:
            # Outside any block only a label matters: let the regex find the next one.
            found = _FIRST_OPTION.search(text, starts[number])
            if found is None:
                break
            number = bisect_right(starts, found.start()) - 1
        line = lines[number]
        if line and not line.isspace():
            walker.feed(starts[number], starts[number] + len(line), number + 1)
        number += 1
    walker.close_all()
    return walker.blocks


class _Walker:
    def __init__(self, text: str, max_nesting: int) -> None:
        self.text = text
        self.max_nesting = max_nesting
        self.blocks: list[OptionBlock] = []
        self.stack: list[OptionBlock] = []
        self.groups = 0

    def feed(self, start: int, end: int, line: int) -> None:
        """Take the next non-blank paragraph, ``text[start:end]``."""
        match = _LINE.match(self.text, start, end)
        if match is None:  # pragma: no cover - every part of the pattern is optional
            return
        indent = match.end("indent") - start
        if match.group("label") is not None:
            self._option(match, indent, line, end)
        elif match.group("heading") is not None and _is_heading(self.text[start:end]):
            self.close_all()
        else:
            self._paragraph(indent, line, end)

    def _option(self, match: re.Match[str], indent: int, line: int, end: int) -> None:
        values = _id_values(match)
        sequence = self._resume(values)
        if sequence is None:
            self._close_for_new_sequence(indent)
            self.groups += 1
            sequence = Sequence(self.groups - 1, values)
        else:
            sequence.last, sequence.count = values, sequence.count + 1
        self._push(match, sequence, indent, line, end)

    def _resume(self, values: IdValues) -> Sequence | None:
        """The open sequence that an option with ``values`` continues, if any.

        Its current option ends here, with what it held back, and so does all inside it.
        """
        for depth in range(len(self.stack) - 1, -1, -1):
            sequence = self.stack[depth].sequence
            if _follows(sequence.last, values):
                while len(self.stack) > depth + 1:
                    self._close_top()
                previous = self.stack[-1]
                if previous.pending_end >= 0:
                    _extend(previous, previous.pending_line, previous.pending_end)
                self._close_top()
                return sequence
        return None

    def _close_for_new_sequence(self, indent: int) -> None:
        """A new sequence ends the blocks at its indentation or deeper; deeper ones nest."""
        stack = self.stack
        while stack and (stack[-1].indent >= indent or stack[-1].pending_end >= 0):
            self._close_top()
        if len(stack) >= self.max_nesting:
            self._close_top()  # bounded, like bracket nesting

    def _push(
        self, match: re.Match[str], sequence: Sequence, indent: int, line: int, end: int
    ) -> None:
        parent = self.stack[-1] if self.stack else None
        if parent is not None:
            parent.paragraphs += 1
        rest = self.text[match.end("label") : end].strip()
        block = OptionBlock(
            index=len(self.blocks),
            label_start=match.start("label"),
            label_end=match.end("label"),
            sequence=sequence,
            parent=parent.index if parent is not None else -1,
            indent=indent,
            open_ended=not rest or rest.endswith(":"),
            first_line=line,
            last_line=line,
            start=match.start(),
            end=end,
        )
        self.blocks.append(block)
        self.stack.append(block)

    def _paragraph(self, indent: int, line: int, end: int) -> None:
        while self.stack and indent < self.stack[-1].indent:
            self._close_top()
        if not self.stack:
            return
        top = self.stack[-1]
        if top.pending_end >= 0 or not _continues(top, indent):
            top.pending_line, top.pending_end = line, end
        else:
            _extend(top, line, end)

    def _close_top(self) -> None:
        """End the innermost block; what it held back goes to the enclosing one."""
        block = self.stack.pop()
        block.sequence.multi = block.sequence.multi or block.paragraphs > 1
        if self.stack:
            parent = self.stack[-1]
            held = block.pending_end >= 0
            parent.last_line = max(
                parent.last_line, block.pending_line if held else block.last_line
            )
            parent.end = max(parent.end, block.pending_end if held else block.end)

    def close_all(self) -> None:
        while self.stack:
            self._close_top()


def _extend(block: OptionBlock, line: int, end: int) -> None:
    block.paragraphs += 1
    block.last_line, block.end, block.pending_end = line, end, -1


def _continues(block: OptionBlock, indent: int) -> bool:
    """Whether a paragraph indented at least as much as ``block`` belongs to it."""
    if indent > block.indent or block.open_ended or block.paragraphs > 1:
        return True
    return block.sequence.count == 1 or block.sequence.multi


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= _HEADING_MAX and stripped[-1] not in ".,;:"


def _id_values(match: re.Match[str]) -> IdValues:
    """Readings of an option id: "1" is arabic 1; "C" is letter 3 and roman 100."""
    if match.group("num") is not None:
        return frozenset({("arabic", int(match.group("num")))})
    alpha = match.group("alpha").lower()
    values = {("roman", value)} if (value := _roman(alpha)) else set()
    if len(alpha) == 1:
        values.add(("letter", ord(alpha) - ord("a") + 1))
    return frozenset(values)


def _follows(previous: IdValues, current: IdValues) -> bool:
    return any((style, value - 1) in previous for style, value in current)


def _roman(numeral: str) -> int:
    """Value of a canonical roman numeral (i … cccxcix), else 0."""
    if not all(char in _ROMAN for char in numeral):
        return 0
    values = [_ROMAN[char] for char in numeral]
    total = sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))
    return total if total > 0 and _to_roman(total) == numeral else 0


def _to_roman(value: int) -> str:
    parts = []
    for number, numeral in (
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        count, value = divmod(value, number)
        parts.append(numeral * count)
    return "".join(parts)
