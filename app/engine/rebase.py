"""Transform and server rebase of concurrent change sets.

``transform(a, b, a_first)`` is plain operational transformation over one base: it
returns ``a'``, to apply after ``b``, with ``b.then(transform(a, b, x))`` and
``a.then(transform(b, a, not x))`` giving the same text for every pair (TP1). A
replacement counts as a deletion of its range plus an insertion of its text at its start:
- a deletion keeps only what the other side has not deleted (overlaps delete the union),
  and never deletes the other side's new text;
- inserted text is never lost. At a point strictly inside the other's replaced range, or
  at its end, it goes after the other's new text. When both start at the same point, a
  pure insertion goes before a replacement's text; two of the same kind are ordered by
  ``a_first``, a flag or a function of the tie's base position (both calls of a pair
  must agree on each position).
Clients use it to rebase their pending edits over remote ones.

``rebase(incoming, concurrent, base_text=...)`` is the server's rule, which makes a
clash visible instead of merging it blindly. ``incoming`` (I) and the concurrent change
sets composed (C) share the base text. Replacements of I and C *clash* when their ranges
overlap with positive length, or when one inserts strictly inside the other's range;
these do not clash: two insertions at one point (C's text first), anything at a
boundary, two pure deletions (the union is deleted), and an identical replacement
(already committed, so applied once). Each clashing pair starts a cluster, a base range
[s, e). Clusters grow to whole words (by a few characters at most, never splitting a
character from its combining marks or an emoji sequence), then take in the partner of
any bracket they cut, any bracket group that only spaces or ``/`` part from them (beside
the new group it would read as more alternatives) and a backslash that would escape the
new brackets; they absorb every replacement of I or C that reaches inside, and merge
when only spaces or ``/`` would separate them. This repeats until stable. A cluster
whose two versions agree is no conflict. Otherwise C's
version of ``base[s:e]`` stays where it is and becomes a group of bracketed alternatives:
``[`` + C's version + ``][`` + I's version + ``]`` — the text already committed first,
the incoming author's second. Everything of I outside clusters is transformed exactly,
with C first at ties. Nothing typed by anyone is dropped or garbled, the result is
deterministic, and valid input never raises.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from app.engine.changes import ChangeError, ChangeSet, Replace, compose_all

Priority: TypeAlias = bool | Callable[[int], bool]


def transform(a: ChangeSet, b: ChangeSet, a_first: Priority) -> ChangeSet:
    """``a`` rebased over ``b`` (both against one base): a change against ``b``'s result."""
    if a.base_length != b.base_length:
        raise ChangeError("base_mismatch", "change sets have different bases")
    if b.is_empty:
        return a
    other = _Mapped.of(b)
    out: list[Replace] = []
    for r in a.replaces:
        out.extend(other.transform_one(r, a_first))
    return ChangeSet.of(b.new_length, out)


@dataclass(frozen=True, slots=True)
class _Mapped:
    """A change set with lookup tables for mapping many positions through it."""

    changes: ChangeSet
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    new_starts: tuple[int, ...]
    deltas: tuple[int, ...]  # growth before each replacement, then the total

    @classmethod
    def of(cls, changes: ChangeSet) -> _Mapped:
        deltas = [0]
        for r in changes.replaces:
            deltas.append(deltas[-1] + r.delta)
        reps = changes.replaces
        new_starts = tuple(r.start + d for r, d in zip(reps, deltas, strict=False))
        starts = tuple(r.start for r in reps)
        return cls(changes, starts, tuple(r.end for r in reps), new_starts, tuple(deltas))

    def reaching(self, pos: int) -> int | None:
        """Index of the replacement whose closed range holds ``pos`` (at most one)."""
        i = bisect_left(self.ends, pos)
        return i if i < len(self.starts) and self.starts[i] <= pos else None

    def after(self, i: int) -> int:
        """Position just after replacement ``i``'s new text."""
        return self.new_starts[i] + len(self.changes.replaces[i].text)

    def map(self, pos: int, after: bool) -> int:
        """Map a kept position; ``after`` puts it after new text inserted right there."""
        i = self.reaching(pos)
        if i is None:
            return pos + self.deltas[bisect_right(self.starts, pos)]
        r = self.changes.replaces[i]
        before_text = pos == r.start and (r.start < r.end or not after)
        return self.new_starts[i] if before_text else self.after(i)

    def insertion_point(self, r: Replace, first: Priority) -> int:
        i = self.reaching(r.start)
        if i is None:
            return r.start + self.deltas[bisect_right(self.starts, r.start)]
        q = self.changes.replaces[i]
        if q.start < r.start:
            return self.after(i)
        pure, q_pure = r.start == r.end, q.start == q.end
        return self.new_starts[i] if _goes_first(pure, q_pure, first, r.start) else self.after(i)

    def kept_pieces(self, r: Replace) -> Iterator[tuple[int, int]]:
        """Parts of ``r``'s range that this change leaves in place (base positions)."""
        cur = r.start
        i = bisect_left(self.ends, r.start)
        while i < len(self.starts) and self.starts[i] < r.end:
            if self.starts[i] > cur:
                yield cur, self.starts[i]
            cur = max(cur, self.ends[i])
            i += 1
        if cur < r.end:
            yield cur, r.end

    def transform_one(self, r: Replace, first: Priority) -> Iterator[Replace]:
        if r.text:
            point = self.insertion_point(r, first)
            yield Replace(point, point, r.text)
        for lo, hi in self.kept_pieces(r):
            yield Replace(self.map(lo, after=True), self.map(hi, after=False), "")


def _goes_first(pure: bool, other_pure: bool, first: Priority, pos: int) -> bool:
    """Whether new text at ``pos`` goes before the other side's new text there."""
    if pure != other_pure:
        return pure  # a pure insertion precedes a replacement's text
    return first if isinstance(first, bool) else first(pos)


@dataclass(frozen=True, slots=True)
class Span:
    """A code point range ``[start, end)``."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Conflict:
    """A group of bracketed alternatives made by :func:`rebase`.

    Spans are in the resulting text: ``group`` from its ``[`` to its last ``]``, the
    alternatives without their brackets. ``base`` is the clashing range in the incoming
    change's base text.
    """

    group: Span
    committed: Span
    incoming: Span
    base: Span

    @property
    def alternatives(self) -> tuple[Span, Span]:
        return self.committed, self.incoming


@dataclass(frozen=True, slots=True)
class RebaseResult:
    """``changes`` is against the current text (the base with the concurrent changes)."""

    changes: ChangeSet
    conflicts: tuple[Conflict, ...] = ()


def rebase(incoming: ChangeSet, concurrent: Sequence[ChangeSet], *, base_text: str) -> RebaseResult:
    """Rebase ``incoming`` (against ``base_text``) over the changes committed since.

    ``concurrent`` are in commit order, each against the previous one's result. The
    base text is needed because a conflict shows the incoming author's version of text
    that the concurrent changes may have deleted.
    """
    if incoming.base_length != len(base_text):
        raise ChangeError("base_mismatch", "incoming change is not against the base text")
    committed = compose_all(len(base_text), concurrent)
    if committed.is_empty:
        return RebaseResult(incoming)
    mine = _drop_noops(incoming, base_text)
    theirs = _drop_noops(committed, base_text)
    clusters = _Clusters(mine, theirs, base_text).find()
    return _Renderer(mine, theirs, base_text).render(clusters)


def _drop_noops(changes: ChangeSet, text: str) -> ChangeSet:
    """Drop replacements that rewrite text with itself: they change nothing."""
    kept = tuple(r for r in changes.replaces if text[r.start : r.end] != r.text)
    return changes if len(kept) == len(changes.replaces) else ChangeSet(len(text), kept)


def _reaches(r: Replace, start: int, end: int) -> bool:
    """``r`` overlaps ``[start, end)`` or inserts strictly inside it."""
    return r.start < end and r.end > start


def _clash(x: Replace, y: Replace) -> bool:
    if x == y or not (x.text or y.text):
        return False
    return _reaches(x, y.start, y.end) and _reaches(y, x.start, x.end)


_JOINERS = frozenset("\u200d\u200c\u034f")
_MAX_GROW = 24


def _cjk(ch: str) -> bool:
    # Scripts written without spaces: a character is already a word.
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or ch >= "\U00020000"


def _joined(left: str, right: str) -> bool:
    """Whether a bracket between these two characters would split a word or a glyph."""
    if left in _JOINERS or right in _JOINERS or unicodedata.category(right)[0] == "M":
        return True
    if "\U0001f3fb" <= right <= "\U0001f3ff":  # skin tone modifiers
        return True
    if "\U0001f1e6" <= left <= "\U0001f1ff" and "\U0001f1e6" <= right <= "\U0001f1ff":
        return True  # the two regional indicators of a flag
    return all((c.isalnum() or c == "_") and not _cjk(c) for c in (left, right))


def _separator_only(text: str) -> bool:
    """Whether brackets around ``text`` would read as one group (DESIGN §2)."""
    return not text.strip().replace("/", "").strip()


_SEPARATORS = frozenset(" \t\n\r/")
_BRACKETS = re.compile(r"[\[\]]")
_BRACKET_SCAN = 2000  # bounds the search for a partner bracket in flawed texts


def _bracket_safe(text: str, span: Span) -> Span:
    """Widen ``span`` until brackets put around it keep the text's structure.

    No bracket inside is left without its partner, no bracket group stands right beside
    it (it would read as more alternatives of the new group, DESIGN §2), and no
    backslash escapes the new brackets.
    """
    while True:
        start, end = _balanced(text, span.start, span.end)
        while (wider := _group_after(text, end)) is not None:
            end = wider
        while (wider := _group_before(text, start)) is not None:
            start = wider
        if start > 0 and text[start - 1] == "\\":
            start -= 1
        if end < len(text) and text[end - 1] == "\\":
            end += 1
        if (start, end) == (span.start, span.end):
            return span
        span = Span(start, end)


def _balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen to the partners of brackets inside that have none inside."""
    opened: list[int] = []
    lone_close: int | None = None
    for match in _BRACKETS.finditer(text, start, end):
        i = match.start()
        if _escaped(text, i):
            continue
        if text[i] == "[":
            opened.append(i)
        elif opened:
            opened.pop()
        elif lone_close is None:
            lone_close = i
    if lone_close is not None:
        scan = range(lone_close, max(-1, lone_close - _BRACKET_SCAN), -1)
        partner = _partner(text, scan, "]", 0)
        start = start if partner is None else min(start, partner)
    if opened:
        scan = range(opened[0], min(len(text), opened[0] + _BRACKET_SCAN))
        partner = _partner(text, scan, "[", 1)
        end = end if partner is None else max(end, partner)
    return start, end


def _group_after(text: str, pos: int) -> int | None:
    """End of a bracket group opening after separators from ``pos``, if any."""
    while pos < len(text) and text[pos] in _SEPARATORS:
        pos += 1
    if pos == len(text) or text[pos] != "[" or _escaped(text, pos):
        return None
    return _partner(text, range(pos, min(len(text), pos + _BRACKET_SCAN)), "[", 1)


def _group_before(text: str, pos: int) -> int | None:
    """Start of a bracket group closing before separators from ``pos``, if any."""
    while pos > 0 and text[pos - 1] in _SEPARATORS:
        pos -= 1
    if pos == 0 or text[pos - 1] != "]" or _escaped(text, pos - 1):
        return None
    return _partner(text, range(pos - 1, max(-1, pos - 1 - _BRACKET_SCAN), -1), "]", 0)


def _partner(text: str, scan: range, opener: str, past: int) -> int | None:
    """Scanning from a bracket, the index where its partner is (plus ``past``)."""
    depth = 0
    for i in scan:
        ch = text[i]
        if ch in "[]" and not _escaped(text, i):
            depth += 1 if ch == opener else -1
            if depth == 0:
                return i + past
    return None


def _escaped(text: str, i: int) -> bool:
    return i > 0 and text[i - 1] == "\\"


class _Clusters:
    """Base ranges where the incoming and committed changes clash."""

    __slots__ = ("_base", "_mine", "_theirs")

    def __init__(self, mine: ChangeSet, theirs: ChangeSet, base: str) -> None:
        self._mine = mine
        self._theirs = theirs
        self._base = base

    def find(self) -> list[Span]:
        ranges = self._merge(self._seeds())
        settled: set[Span] = set()  # growing a word again would not stop
        while True:
            spans = [s if s in settled else self._settle(s) for s in ranges]
            settled.update(spans)
            merged = self._merge(spans)
            if merged == ranges:
                return ranges
            ranges = merged

    def _seeds(self) -> list[Span]:
        theirs = self._theirs.replaces
        ends = [y.end for y in theirs]
        seeds: list[Span] = []
        for x in self._mine.replaces:
            i = bisect_left(ends, x.start)
            while i < len(theirs) and theirs[i].start <= x.end:
                y = theirs[i]
                if _clash(x, y):
                    seeds.append(Span(min(x.start, y.start), max(x.end, y.end)))
                i += 1
        return seeds

    def _settle(self, span: Span) -> Span:
        """Grow to whole words, take in neighbouring bracket groups and everything
        reaching inside, until nothing more joins."""
        span = self._grow(span)
        while True:
            wider = self._absorb(_bracket_safe(self._base, span))
            if wider == span:
                return span
            span = self._grow(wider)

    def _grow(self, span: Span) -> Span:
        text, start, end = self._base, span.start, span.end
        low, high = max(0, start - _MAX_GROW), min(len(text), end + _MAX_GROW)
        while start > low and _joined(text[start - 1], text[start]):
            start -= 1
        while end < high and _joined(text[end - 1], text[end]):
            end += 1
        return Span(start, end)

    def _absorb(self, span: Span) -> Span:
        start, end = span.start, span.end
        for changes in (self._mine, self._theirs):
            for r in _reaching(changes, start, end):
                start, end = min(start, r.start), max(end, r.end)
        return Span(start, end)

    def _merge(self, spans: list[Span]) -> list[Span]:
        out: list[Span] = []
        for span in sorted(spans, key=lambda s: (s.start, s.end)):
            if out and self._adjacent(out[-1], span):
                out[-1] = Span(out[-1].start, max(out[-1].end, span.end))
            else:
                out.append(span)
        return out

    def _adjacent(self, left: Span, right: Span) -> bool:
        if right.start <= left.end:
            return True
        gap = (left.end, right.start)
        versions = (
            self._base[gap[0] : gap[1]],
            _version(self._mine, self._base, *gap),
            _version(self._theirs, self._base, *gap),
        )
        return any(_separator_only(v) for v in versions)


def _reaching(changes: ChangeSet, start: int, end: int) -> Iterator[Replace]:
    """Replacements that reach inside ``[start, end)``, in order."""
    reps = changes.replaces
    i = bisect_right(reps, start, key=lambda r: r.end)
    while i < len(reps) and reps[i].start < end:
        if _reaches(reps[i], start, end):
            yield reps[i]
        i += 1


def _version(changes: ChangeSet, base: str, start: int, end: int) -> str:
    """``base[start:end]`` as ``changes`` left it (replacements reaching outside are cut)."""
    parts: list[str] = []
    pos = start
    for r in _reaching(changes, start, end):
        parts.append(base[pos : max(pos, r.start)])
        parts.append(r.text)
        pos = max(pos, min(r.end, end))
    parts.append(base[pos:end])
    return "".join(parts)


class _Renderer:
    """Builds the committed change: I's rest transformed, clusters as bracket groups."""

    __slots__ = ("_base", "_mine", "_theirs", "_theirs_mapped")

    def __init__(self, mine: ChangeSet, theirs: ChangeSet, base: str) -> None:
        self._mine = mine
        self._theirs = theirs
        self._theirs_mapped = _Mapped.of(theirs)
        self._base = base

    def render(self, clusters: list[Span]) -> RebaseResult:
        # (base position, rank, replacement or cluster): I's pieces at a cluster's start
        # go before its group, those at its end after.
        items: list[tuple[int, int, Replace | Span]] = []
        items.extend((c.start, 1, c) for c in clusters)
        items.extend((x.start, 0, x) for x in self._rest(clusters))
        items.sort(key=lambda item: (item[0], item[1]))
        out: list[Replace] = []
        conflicts: list[Conflict] = []
        delta = 0
        for _, _, item in items:
            pieces, conflict = self._pieces(item, delta)
            out.extend(pieces)
            delta += sum(p.delta for p in pieces)
            if conflict is not None:
                conflicts.append(conflict)
        return RebaseResult(ChangeSet.of(self._theirs.new_length, out), tuple(conflicts))

    def _rest(self, clusters: list[Span]) -> Iterator[Replace]:
        """I's replacements outside clusters and not already made identically by C."""
        starts = [c.start for c in clusters]
        theirs = set(self._theirs.replaces)
        for x in self._mine.replaces:
            i = bisect_right(starts, x.start) - 1
            inside = i >= 0 and _reaches(x, clusters[i].start, clusters[i].end)
            if not inside and x not in theirs:
                yield x

    def _pieces(self, item: Replace | Span, delta: int) -> tuple[list[Replace], Conflict | None]:
        if isinstance(item, Replace):
            return list(self._theirs_mapped.transform_one(item, first=False)), None
        committed = _version(self._theirs, self._base, item.start, item.end)
        incoming = _version(self._mine, self._base, item.start, item.end)
        if committed == incoming:
            return [], None
        start = self._theirs_mapped.map(item.start, after=True)
        end = start + len(committed)
        pieces = [Replace(start, start, "["), Replace(end, end, "][" + incoming + "]")]
        at = start + delta  # where the group starts in the result
        mid = at + 1 + len(committed)
        conflict = Conflict(
            group=Span(at, mid + 2 + len(incoming) + 1),
            committed=Span(at + 1, mid),
            incoming=Span(mid + 2, mid + 2 + len(incoming)),
            base=item,
        )
        return pieces, conflict
