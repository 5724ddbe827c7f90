"""Change sets: the unit of editing, in Python code points.

A change set is an immutable, sorted tuple of replacements against a base text of known
length. It is kept in normal form: replacements neither overlap nor touch (touching ones
are merged) and none is empty, so two change sets are equal exactly when they do the same
to every text, and at most one replacement meets any position.

The wire form, ``[[from, to, insert], ...]``, counts UTF-16 code units, as browsers and
CodeMirror do; :meth:`ChangeSet.from_wire` validates it and converts it through
:mod:`app.engine.utf16`. Errors carry a stable code for the protocol layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

from app.engine.utf16 import PositionError, Utf16Index, has_lone_surrogate

ErrorCode: TypeAlias = Literal[
    "bad_shape", "out_of_range", "unordered", "splits_surrogate", "bad_text", "base_mismatch"
]
WireChange: TypeAlias = tuple[int, int, str]
Assoc: TypeAlias = Literal[-1, 1]


class ChangeError(ValueError):
    """An invalid change set; ``code`` is stable and safe to show to a client."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: ErrorCode = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Replace:
    """Replace ``base[start:end]`` with ``text``; an insertion when start == end."""

    start: int
    end: int
    text: str

    @property
    def delta(self) -> int:
        """How much longer the text gets."""
        return len(self.text) - (self.end - self.start)


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Replacements against a text of ``base_length`` code points, in normal form.

    The constructor only accepts normal form; :meth:`of` normalises.
    """

    base_length: int
    replaces: tuple[Replace, ...] = ()

    def __post_init__(self) -> None:
        _check_normal(self.base_length, self.replaces)

    @classmethod
    def of(cls, base_length: int, replaces: Iterable[Replace]) -> ChangeSet:
        """Sorted, non-overlapping replacements; touching ones merge, empty ones vanish."""
        return cls(base_length, _normalise(base_length, replaces))

    @classmethod
    def single(cls, base_length: int, start: int, end: int, text: str = "") -> ChangeSet:
        return cls.of(base_length, (Replace(start, end, text),))

    @classmethod
    def from_wire(cls, base: str | Utf16Index, wire: object) -> ChangeSet:
        """Validate ``[[from, to, insert], ...]`` in UTF-16 units against ``base``."""
        index = _offsets(base)
        replaces: list[Replace] = []
        floor = 0
        for start_u16, end_u16, text in _parse_wire(wire):
            _check_wire_range(start_u16, end_u16, floor, index.length_u16)
            _check_text(text)
            replaces.append(Replace(_codepoint(index, start_u16), _codepoint(index, end_u16), text))
            floor = end_u16
        return cls.of(index.length_cp, replaces)

    def to_wire(self, base: str | Utf16Index) -> list[WireChange]:
        """The wire form against ``base`` (UTF-16 units); round-trips with from_wire."""
        index = _offsets(base)
        if index.length_cp != self.base_length:
            raise ChangeError("base_mismatch", "base text length differs")
        return [(index.to_utf16(r.start), index.to_utf16(r.end), r.text) for r in self.replaces]

    @property
    def is_empty(self) -> bool:
        return not self.replaces

    @property
    def new_length(self) -> int:
        return self.base_length + sum(r.delta for r in self.replaces)

    @property
    def inserted_length(self) -> int:
        return sum(len(r.text) for r in self.replaces)

    @property
    def deleted_length(self) -> int:
        return sum(r.end - r.start for r in self.replaces)

    def apply(self, text: str) -> str:
        """The text after the change: slices joined once."""
        if len(text) != self.base_length:
            raise ChangeError("base_mismatch", f"text has {len(text)}, not {self.base_length}")
        if not self.replaces:
            return text
        parts: list[str] = []
        pos = 0
        for r in self.replaces:
            parts.append(text[pos : r.start])
            parts.append(r.text)
            pos = r.end
        parts.append(text[pos:])
        return "".join(parts)

    def then(self, other: ChangeSet) -> ChangeSet:
        """This change followed by ``other`` (made against this change's result)."""
        return compose(self, other)

    def invert(self, base_text: str) -> ChangeSet:
        """The change that undoes this one, against the new text."""
        if len(base_text) != self.base_length:
            raise ChangeError("base_mismatch", "base text length differs")
        inverse: list[Replace] = []
        delta = 0
        for r in self.replaces:
            start = r.start + delta
            inverse.append(Replace(start, start + len(r.text), base_text[r.start : r.end]))
            delta += r.delta
        return ChangeSet(self.new_length, tuple(inverse))

    def map_position(self, pos: int, assoc: Assoc = -1) -> int:
        """Where a position (a gap between characters) lands in the new text.

        Boundaries of a replaced range stay outside it: its start maps before the new
        text, its end after. At an insertion point or strictly inside a replaced range,
        ``assoc`` picks the side: -1 before the new text, 1 after.
        """
        mapped = self._map(pos, assoc, strict=False)
        assert mapped is not None
        return mapped

    def map_position_strict(self, pos: int, assoc: Assoc = -1) -> int | None:
        """Like :meth:`map_position`, but None for a position strictly inside a replaced range."""
        return self._map(pos, assoc, strict=True)

    def map_positions(self, positions: Sequence[int], assoc: Assoc = -1) -> list[int]:
        """:meth:`map_position` for many ascending positions in one pass."""
        out: list[int] = []
        walker = _Walker(self)
        for pos in positions:
            mapped = walker.map(pos, assoc, strict=False)
            assert mapped is not None
            out.append(mapped)
        return out

    def map_char(self, index: int) -> int | None:
        """New index of the character at ``index``; None when it was deleted or replaced.

        This is what bracket identity needs: a ``[`` is a character, and deleting it
        (a replacement ``[i, i+1)``) leaves no position strictly inside to test.
        """
        return self.map_chars((index,))[0]

    def map_chars(self, indices: Sequence[int]) -> list[int | None]:
        """:meth:`map_char` for many ascending indices in one pass."""
        walker = _Walker(self)
        out: list[int | None] = []
        for index in indices:
            if not 0 <= index < self.base_length:
                raise ChangeError("out_of_range", f"character {index} outside the text")
            out.append(walker.map_char(index))
        return out

    def _map(self, pos: int, assoc: Assoc, *, strict: bool) -> int | None:
        return _Walker(self).map(pos, assoc, strict=strict)


class _Walker:
    """Maps ascending positions through a change set, keeping its place between calls."""

    __slots__ = ("_changes", "_delta", "_i", "_last")

    def __init__(self, changes: ChangeSet) -> None:
        self._changes = changes
        self._i = 0
        self._delta = 0
        self._last = 0

    def _advance(self, pos: int) -> Replace | None:
        """Skip replacements wholly before ``pos``; return the one reaching it, if any."""
        if not 0 <= pos <= self._changes.base_length:
            raise ChangeError("out_of_range", f"position {pos} outside the text")
        if pos < self._last:
            raise ValueError("positions must be ascending")
        self._last = pos
        replaces = self._changes.replaces
        while self._i < len(replaces) and replaces[self._i].end < pos:
            self._delta += replaces[self._i].delta
            self._i += 1
        if self._i < len(replaces) and replaces[self._i].start <= pos:
            return replaces[self._i]
        return None

    def map(self, pos: int, assoc: Assoc, *, strict: bool) -> int | None:
        r = self._advance(pos)
        if r is None:
            return pos + self._delta
        start = r.start + self._delta
        if r.start < r.end and pos in (r.start, r.end):
            return start if pos == r.start else start + len(r.text)
        if strict and r.start < pos:
            return None
        return start if assoc < 0 else start + len(r.text)

    def map_char(self, index: int) -> int | None:
        r = self._advance(index + 1)
        # Replacements ending at or before the character were skipped (their growth
        # counted); one still returned ends after it, so it covers it iff it starts at or
        # before it.
        return None if r is not None and r.start <= index else index + self._delta


def compose(first: ChangeSet, second: ChangeSet) -> ChangeSet:
    """One change set against ``first``'s base with the effect of ``first`` then ``second``.

    Works in the intermediate text: each of ``first``'s replacements occupies a span
    there (its new text). Spans and ``second``'s replacements that overlap or touch form
    a cluster; every character of a cluster is either new text of ``first`` or replaced
    by ``second``, so its result is known without the texts themselves.
    """
    if first.new_length != second.base_length:
        raise ChangeError("base_mismatch", "second change is not against the first's result")
    if first.is_empty or second.is_empty:
        return second if first.is_empty else first
    return ChangeSet.of(first.base_length, _Composer(first, second).run())


class _Composer:
    __slots__ = ("_a", "_b", "_ia", "_ib", "_spans")

    def __init__(self, first: ChangeSet, second: ChangeSet) -> None:
        self._a = first.replaces
        self._b = second.replaces
        self._spans = _new_spans(first)
        self._ia = 0
        self._ib = 0

    def run(self) -> list[Replace]:
        out: list[Replace] = []
        delta = 0  # growth from first's replacements before the cluster
        while self._ia < len(self._a) or self._ib < len(self._b):
            a_lo, b_lo = self._ia, self._ib
            start, end = self._cluster()
            if b_lo == self._ib and self._ia == a_lo + 1:  # untouched: keep as it is
                out.append(self._a[a_lo])
                delta += self._a[a_lo].delta
                continue
            text = self._text(a_lo, b_lo, start, end)
            after = delta + sum(r.delta for r in self._a[a_lo : self._ia])
            out.append(Replace(start - delta, end - after, text))
            delta = after
        return out

    def _cluster(self) -> tuple[int, int]:
        """Consume the next cluster; its span in the intermediate text."""
        a_next = self._spans[self._ia][0] if self._ia < len(self._a) else None
        b_next = self._b[self._ib].start if self._ib < len(self._b) else None
        start = min(x for x in (a_next, b_next) if x is not None)
        end = start
        while True:
            if self._ia < len(self._a) and self._spans[self._ia][0] <= end:
                end = max(end, self._spans[self._ia][1])
                self._ia += 1
            elif self._ib < len(self._b) and self._b[self._ib].start <= end:
                end = max(end, self._b[self._ib].end)
                self._ib += 1
            else:
                return start, end

    def _text(self, a_lo: int, b_lo: int, start: int, end: int) -> str:
        parts: list[str] = []
        pos, k = start, a_lo
        for r in self._b[b_lo : self._ib]:
            k = self._first_text(k, pos, r.start, parts)
            parts.append(r.text)
            pos = r.end
        self._first_text(k, pos, end, parts)
        return "".join(parts)

    def _first_text(self, k: int, lo: int, hi: int, parts: list[str]) -> int:
        """Append the intermediate text in [lo, hi), which is new text of first's
        replacements from the k-th on; return where the next call may start."""
        while k < self._ia and self._spans[k][1] <= lo:
            k += 1
        for j in range(k, self._ia):
            span_start, span_end = self._spans[j]
            if span_start >= hi:
                break
            text = self._a[j].text
            parts.append(text[max(lo, span_start) - span_start : min(hi, span_end) - span_start])
        return k


def _new_spans(changes: ChangeSet) -> list[tuple[int, int]]:
    """Where each replacement's new text lies in the new text."""
    spans: list[tuple[int, int]] = []
    delta = 0
    for r in changes.replaces:
        start = r.start + delta
        spans.append((start, start + len(r.text)))
        delta += r.delta
    return spans


def compose_all(base_length: int, changes: Iterable[ChangeSet]) -> ChangeSet:
    """Compose a chain of change sets, each against the previous one's result.

    Pairs are composed level by level: folding one change at a time into a growing
    result costs quadratic time on long chains of scattered edits.
    """
    level = list(changes)
    if not level:
        return ChangeSet(base_length)
    if level[0].base_length != base_length:
        raise ChangeError("base_mismatch", "the chain does not start at the base length")
    while len(level) > 1:
        pairs = zip(level[::2], level[1::2], strict=False)
        level = [compose(a, b) for a, b in pairs] + level[len(level) - len(level) % 2 :]
    return level[0]


class _Offsets(Protocol):
    @property
    def length_cp(self) -> int: ...
    @property
    def length_u16(self) -> int: ...
    def to_utf16(self, cp_offset: int) -> int: ...
    def to_codepoint(self, u16_offset: int) -> int: ...


@dataclass(frozen=True, slots=True)
class _BmpOffsets:
    """Identity offsets, for a text without astral characters."""

    length_cp: int

    @property
    def length_u16(self) -> int:
        return self.length_cp

    def to_utf16(self, cp_offset: int) -> int:
        return self._checked(cp_offset)

    def to_codepoint(self, u16_offset: int) -> int:
        return self._checked(u16_offset)

    def _checked(self, offset: int) -> int:
        if not 0 <= offset <= self.length_cp:
            raise PositionError(f"offset {offset} outside 0..{self.length_cp}")
        return offset


def _offsets(base: str | Utf16Index) -> _Offsets:
    """An offset index for ``base``; most texts have no astral character and need none.

    Encoding to UTF-16 runs in C (about 7 µs for 100 KB), building a
    :class:`Utf16Index` scans with a regex (about 50 times longer): callers with emoji
    in the text should keep the index of the current revision.
    """
    if isinstance(base, Utf16Index):
        return base
    if base.isascii() or len(base.encode("utf-16-le", "surrogatepass")) == 2 * len(base):
        return _BmpOffsets(len(base))
    return Utf16Index(base)


def _parse_wire(wire: object) -> list[WireChange]:
    if not isinstance(wire, list | tuple):
        raise ChangeError("bad_shape", "changes must be a list of [from, to, insert]")
    entries: list[WireChange] = []
    for entry in wire:
        if not (isinstance(entry, list | tuple) and len(entry) == 3):
            raise ChangeError("bad_shape", "each change must be [from, to, insert]")
        start, end, text = entry
        # bool is an int subclass: compare exact types.
        if type(start) is not int or type(end) is not int or type(text) is not str:
            raise ChangeError("bad_shape", "each change must be [int, int, string]")
        entries.append((start, end, text))
    return entries


def _check_wire_range(start: int, end: int, floor: int, length: int) -> None:
    if start < 0 or end > length or start > length:
        raise ChangeError("out_of_range", f"[{start}, {end}] outside 0..{length}")
    if start > end or start < floor:
        raise ChangeError("unordered", "changes must be sorted and must not overlap")


def _check_text(text: str) -> None:
    # Both would fail later in UTF-8 encoding or in the database, as a server error.
    if "\x00" in text or has_lone_surrogate(text):
        raise ChangeError("bad_text", "inserted text holds NUL or a lone surrogate")


def _codepoint(index: _Offsets, u16_offset: int) -> int:
    try:
        return index.to_codepoint(u16_offset)
    except PositionError as exc:
        raise ChangeError("splits_surrogate", str(exc)) from exc


def _check_range(r: Replace, floor: int, base_length: int) -> None:
    if r.start < 0 or r.end > base_length:
        raise ChangeError("out_of_range", f"[{r.start}, {r.end}) outside 0..{base_length}")
    if r.start > r.end or r.start < floor:
        raise ChangeError("unordered", "replacements must be sorted and must not overlap")


def _normalise(base_length: int, replaces: Iterable[Replace]) -> tuple[Replace, ...]:
    out: list[Replace] = []
    floor = 0
    for r in replaces:
        _check_range(r, floor, base_length)
        floor = r.end
        if r.start == r.end and not r.text:
            continue
        if out and out[-1].end == r.start:
            last = out[-1]
            out[-1] = Replace(last.start, r.end, last.text + r.text)
        else:
            out.append(r)
    return tuple(out)


def _check_normal(base_length: int, replaces: tuple[Replace, ...]) -> None:
    if base_length < 0:
        raise ChangeError("out_of_range", "negative base length")
    floor = 0
    for i, r in enumerate(replaces):
        _check_range(r, floor, base_length)
        if i and r.start == floor:
            raise ChangeError("unordered", "touching replacements must be merged (ChangeSet.of)")
        if r.start == r.end and not r.text:
            raise ChangeError("unordered", "empty replacement (ChangeSet.of drops them)")
        floor = r.end
