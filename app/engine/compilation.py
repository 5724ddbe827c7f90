"""Compilation of proposals: one text showing where delegations agree and differ.

Each proposal (ADD, MOD, SUP or NOC) gives a version of the text. Every version is
compared word by word with a pivot (the base, or the first ADD when there is no base),
the edits of all proposals are gathered into clusters, and each cluster where the
versions differ becomes bracketed alternatives attributed to their proposers:
``to [shall][should] be``. Where every proposal says the same, the text stays clean.

Resolving each place for one proposal (keeping its option, or dropping the place when
it proposes nothing there) gives that proposal's version back exactly. The result is
checked with the notation parser, so every place reads as exactly one lone bracket or
one group of alternatives, never joined to a neighbouring bracket.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

from app.engine.compare import _Codec, tokens
from app.engine.notation import DiagnosticKind, ParseResult, parse

Action = Literal["ADD", "MOD", "SUP", "NOC"]
_ACTIONS = frozenset(("ADD", "MOD", "SUP", "NOC"))


@dataclass(frozen=True, slots=True)
class Proposal:
    proposer: str  # attribution label, e.g. "EGY" or "ATU"
    action: Action
    text: str = ""  # the full proposed text for MOD and ADD; ignored for SUP and NOC


@dataclass(frozen=True, slots=True)
class CompiledOption:
    start: int  # code point span of this bracket in Compilation.text, brackets included
    end: int
    text: str  # the wording between the brackets
    proposers: tuple[int, ...]  # indices into the proposals


@dataclass(frozen=True, slots=True)
class Place:
    """One lone optional bracket (one option) or one group of alternatives."""

    options: tuple[CompiledOption, ...]
    omitted_by: tuple[int, ...]  # proposers whose version has no text here


@dataclass(frozen=True, slots=True)
class Compilation:
    text: str
    places: tuple[Place, ...]  # in text order
    coarse: bool = False  # a diff hit its time limit: still exact, less minimal


class CompilationError(ValueError):
    """The proposals cannot be compiled; the message says why."""


def compile_proposals(
    base: str, proposals: Sequence[Proposal], *, timeout_s: float = 1.0
) -> Compilation:
    """Compile ``proposals`` for ``base`` (empty when the proposals ADD a new text).

    ``timeout_s`` bounds each word diff (0 = unbounded); past it the diff is coarser.
    """
    versions = _versions(base, proposals)
    pivot = base if base.strip() else versions[_first_add(proposals)]
    codec = _UnitCodec()
    pivot_units = _units(pivot)
    encoded_pivot = codec.encode_units(pivot_units)
    edits: list[_Edit] = []
    coarse = False
    for who, version in enumerate(versions):
        if version != pivot:
            found, timed_out = _diff(codec, encoded_pivot, _units(version), timeout_s)
            edits.extend(_Edit(start, end, who, text) for start, end, text in found)
            coarse = coarse or timed_out
    n = len(versions)
    stretches = _balance_all(_stretches(pivot_units, edits, n), n)
    pieces = _coalesce((piece for stretch in stretches for piece in _trim(stretch)), n)
    return _settle(pieces, proposals, coarse)


# --- versions -------------------------------------------------------------------------


def _versions(base: str, proposals: Sequence[Proposal]) -> list[str]:
    if not proposals:
        raise CompilationError("no proposals to compile")
    has_base = bool(base.strip())
    if has_base:
        _check_balanced(base, "the base text")
    versions: list[str] = []
    for proposal in proposals:
        action, who = proposal.action, proposal.proposer
        if action not in _ACTIONS:
            raise CompilationError(f"{who}: unknown action {action!r}")
        if has_base and action == "ADD":
            raise CompilationError(
                f"{who}: ADD proposes a new text; use MOD to change an existing one"
            )
        if not has_base and action != "ADD":
            raise CompilationError(f"{who}: {action} needs an existing text; use ADD")
        text = {"NOC": base, "SUP": ""}.get(action, proposal.text)
        _check_balanced(text, who)
        versions.append(text)
    return versions


def _first_add(proposals: Sequence[Proposal]) -> int:
    return next(i for i, p in enumerate(proposals) if p.action == "ADD")


def _check_balanced(text: str, who: str) -> None:
    unmatched = (DiagnosticKind.UNMATCHED_OPEN, DiagnosticKind.UNMATCHED_CLOSE)
    for found in parse(text).diagnostics:
        if found.kind in unmatched:
            raise CompilationError(
                f"{who}: unbalanced brackets: {found.message} "
                f"(line {found.line}, column {found.column})"
            )


# --- word diff --------------------------------------------------------------------------


class _UnitCodec(_Codec):
    """The word codec of ``compare``, fed units instead of raw text."""

    def encode_units(self, units: Sequence[str]) -> str:
        chars: list[str] = []
        for i, unit in enumerate(units):
            if len(self.table) >= self._limit and unit not in self._index:
                chars.append(self._char("".join(units[i:])))  # out of code points
                break
            chars.append(self._char(unit))
        return "".join(chars)


def _units(text: str) -> list[str]:
    """Word tokens, with a backslash glued to what follows it.

    A backslash that is not itself escaped would escape a bracket written right after
    it, so no bracket may ever be placed there: no unit ends with such a backslash,
    except possibly the last one.
    """
    units: list[str] = []
    glue = False
    for token in tokens(text):
        if glue:
            units[-1] += token
        else:
            units.append(token)
        glue = _ends_escaping(units[-1])
    return units


def _ends_escaping(text: str) -> bool:
    """Whether the text ends with an odd run of backslashes (read from a fresh start)."""
    return (len(text) - len(text.rstrip("\\"))) % 2 == 1


def _diff(
    codec: _UnitCodec, encoded_pivot: str, units: Sequence[str], timeout_s: float
) -> tuple[list[tuple[int, int, str]], bool]:
    """Edits turning the pivot into a version: (first unit, end unit, new text)."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout_s
    started = time.monotonic()
    diffs: list[tuple[int, str]] = dmp.diff_main(encoded_pivot, codec.encode_units(units), False)
    timed_out = timeout_s > 0 and time.monotonic() - started >= timeout_s
    dmp.diff_cleanupSemantic(diffs)  # whole phrases read better than scattered words
    edits: list[tuple[int, int, str]] = []
    position, start = 0, -1
    inserted: list[str] = []
    for op, chunk in [*diffs, (0, "")]:
        if op == 0:
            if start >= 0:
                edits.append((start, position, "".join(inserted)))
                start, inserted = -1, []
            position += len(chunk)
            continue
        start = position if start < 0 else start
        if op < 0:
            position += len(chunk)
        else:
            inserted.extend(codec.decode(chunk))
    return edits, timed_out


# --- clusters ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int  # pivot units
    end: int
    who: int
    text: str


@dataclass(slots=True)
class _Piece:
    """A stretch of the pivot and each proposal's wording of it.

    ``texts`` is None when every proposal keeps the pivot's wording. ``pivot`` is None
    once it is unknown (after trimming), which only affects the order of options.
    """

    pivot: str | None
    texts: tuple[str, ...] | None

    def text(self, who: int) -> str:
        if self.texts is not None:
            return self.texts[who]
        assert self.pivot is not None
        return self.pivot

    @property
    def clean(self) -> bool:
        return self.texts is None or all(t == self.texts[0] for t in self.texts)


def _stretches(units: list[str], edits: list[_Edit], n: int) -> list[_Piece]:
    """Unchanged pivot units one by one, and one piece per cluster of touching edits."""
    pieces: list[_Piece] = []
    position = 0
    for start, end, members in _clusters(edits):
        pieces.extend(_Piece(unit, None) for unit in units[position:start])
        pivot = "".join(units[start:end])
        by_who: dict[int, list[_Edit]] = {}
        for edit in members:
            by_who.setdefault(edit.who, []).append(edit)
        texts = tuple(
            _apply(units, start, end, by_who[who]) if who in by_who else pivot for who in range(n)
        )
        pieces.append(_Piece(pivot, texts))
        position = end
    pieces.extend(_Piece(unit, None) for unit in units[position:])
    return pieces


def _clusters(edits: list[_Edit]) -> list[tuple[int, int, list[_Edit]]]:
    """Edits of all proposals merged where they overlap or touch (an insertion at the
    edge of another edit joins it: two places side by side would read as one group)."""
    clusters: list[tuple[int, int, list[_Edit]]] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end, e.who)):
        if clusters and edit.start <= clusters[-1][1]:
            start, end, members = clusters[-1]
            members.append(edit)
            clusters[-1] = (start, max(end, edit.end), members)
        else:
            clusters.append((edit.start, edit.end, [edit]))
    return clusters


def _apply(units: list[str], start: int, end: int, edits: list[_Edit]) -> str:
    out: list[str] = []
    position = start
    for edit in edits:
        out.extend(units[position : edit.start])
        out.append(edit.text)
        position = edit.end
    out.extend(units[position:end])
    return "".join(out)


# --- brackets: never cut one ------------------------------------------------------------

_DELIMITERS = re.compile(r"[\\\[\]]")
_ESCAPABLE = ("\\", "[", "]")
Profile = list[tuple[int, int]]  # per text: (net depth change, lowest depth reached)


def _depths(text: str) -> tuple[int, int]:
    """Bracket balance of a text read from a fresh start, escapes as the parser reads
    them: (net change of depth, lowest depth reached)."""
    net = low = 0
    escaped = -1
    for match in _DELIMITERS.finditer(text):
        position = match.start()
        char = text[position]
        if position == escaped:
            continue
        if char == "[":
            net += 1
        elif char == "]":
            net -= 1
            low = min(low, net)
        elif text.startswith(_ESCAPABLE, position + 1):
            escaped = position + 1
    return net, low


def _profile(piece: _Piece, n: int) -> Profile:
    pivot = _depths(piece.pivot or "")
    if piece.texts is None:
        return [pivot] * (n + 1)
    return [pivot, *map(_depths, piece.texts)]


def _chain(left: Profile, right: Profile) -> Profile:
    pairs = zip(left, right, strict=True)
    return [(a + b, min(low_a, a + low_b)) for (a, low_a), (b, low_b) in pairs]


def _balance_all(stretches: list[_Piece], n: int) -> list[_Piece]:
    """Widen each cluster until the pivot and every version of it are balanced.

    Every whole text is balanced, so widening always ends. A cluster missing an
    opening bracket takes in what lies before it (possibly an earlier cluster), one
    missing a closing bracket what follows.
    """
    out: list[_Piece] = []
    profiles: list[Profile | None] = []
    queue = deque(stretches)
    while queue:
        piece = queue.popleft()
        if piece.texts is None:
            out.append(piece)
            profiles.append(None)
            continue
        parts, profile = deque([piece]), _profile(piece, n)
        while True:
            if out and any(low < 0 for _, low in profile):
                before, known = out.pop(), profiles.pop()
                profile = _chain(known or _profile(before, n), profile)
                parts.appendleft(before)
            elif queue and any(net > low for net, low in profile):
                after = queue.popleft()
                profile = _chain(profile, _profile(after, n))
                parts.append(after)
            else:
                break
        out.append(_join(parts, n))
        profiles.append(profile)
    return out


def _join(parts: Iterable[_Piece], n: int) -> _Piece:
    parts = list(parts)
    pivots = [p.pivot for p in parts]
    pivot = None if None in pivots else "".join(p for p in pivots if p is not None)
    if all(p.texts is None for p in parts):
        return _Piece(pivot, None)
    if all(p.clean for p in parts):  # one string shared, not one copy per proposal
        return _Piece(pivot, ("".join(p.text(0) for p in parts),) * n)
    return _Piece(pivot, tuple("".join(p.text(who) for p in parts) for who in range(n)))


# --- places -----------------------------------------------------------------------------


def _trim(piece: _Piece) -> list[_Piece]:
    """Move the whitespace all versions share out of the brackets: ``to [a][b] be``."""
    if piece.clean:
        return [piece]
    assert piece.texts is not None
    texts = piece.texts
    head = _shared_start([t[: len(t) - len(t.lstrip())] for t in texts])
    texts = tuple(t[len(head) :] for t in texts)
    tail = _shared_start([t[len(t.rstrip()) :][::-1] for t in texts])[::-1]
    # A backslash before the moved whitespace would escape the closing bracket.
    while tail and any(_ends_escaping(t[: len(t) - len(tail)]) for t in texts):
        tail = tail[1:]
    texts = tuple(t[: len(t) - len(tail)] for t in texts)
    pivot = piece.pivot
    if pivot is not None and pivot.startswith(head) and pivot[len(head) :].endswith(tail):
        pivot = pivot[len(head) : len(pivot) - len(tail)]
    else:
        pivot = None  # no version keeps it, so it no longer matters
    trimmed = [_Piece(head, None), _Piece(pivot, texts), _Piece(tail, None)]
    return [p for p in trimmed if p.texts is not None or p.pivot]


def _shared_start(texts: Sequence[str]) -> str:
    first = min(texts, key=len)
    for i, char in enumerate(first):
        if any(text[i] != char for text in texts):
            return first[:i]
    return first


def _coalesce(pieces: Iterable[_Piece], n: int) -> list[_Piece]:
    """Runs of clean pieces joined into one; empty ones (everyone deletes) dropped."""
    out: list[_Piece] = []
    run: list[_Piece] = []
    for piece in pieces:
        if piece.clean:
            if piece.text(0):
                run.append(piece)
            continue
        if run:
            out.append(_join(run, n))
            run = []
        out.append(piece)
    if run:
        out.append(_join(run, n))
    return out


def _choices(piece: _Piece) -> tuple[list[tuple[str, list[int]]], list[int]]:
    """Distinct wordings with their proposers (the pivot's first), and who omits it."""
    assert piece.texts is not None
    wordings: dict[str, list[int]] = {}
    omitted: list[int] = []
    for who, text in enumerate(piece.texts):
        (wordings.setdefault(text, []) if text else omitted).append(who)
    order = sorted(wordings, key=lambda text: (text != piece.pivot, wordings[text][0]))
    return [(text, wordings[text]) for text in order], omitted


@dataclass(frozen=True, slots=True)
class _Rendered:
    text: str
    spans: list[tuple[int, int]]  # per piece
    places: dict[int, Place]  # by piece index


def _render(pieces: list[_Piece]) -> _Rendered:
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    places: dict[int, Place] = {}
    position = 0
    for index, piece in enumerate(pieces):
        start = position
        if piece.clean:
            out.append(piece.text(0))
            position += len(out[-1])
        else:
            wordings, omitted = _choices(piece)
            options: list[CompiledOption] = []
            for text, proposers in wordings:
                out.append(f"[{text}]")
                options.append(
                    CompiledOption(position, position + len(text) + 2, text, tuple(proposers))
                )
                position += len(text) + 2
            places[index] = Place(tuple(options), tuple(omitted))
        spans.append((start, position))
    return _Rendered("".join(out), spans, places)


def _settle(pieces: list[_Piece], proposals: Sequence[Proposal], coarse: bool) -> Compilation:
    """Render, parse, and widen every place the parser joins to a neighbouring bracket
    (``x [a] [y][z]`` would be one group of three) until each place stands alone."""
    while True:
        rendered = _render(pieces)
        ranges = _misfits(parse(rendered.text), rendered)
        if not ranges:
            break
        pieces = _absorb(pieces, rendered, ranges)
    for place in rendered.places.values():
        for option in place.options:
            if _ends_escaping(option.text):
                who = proposals[option.proposers[0]].proposer
                raise CompilationError(
                    f"{who}: the text ends with a backslash, which would escape "
                    "the closing bracket of its alternative"
                )
    return Compilation(rendered.text, tuple(rendered.places.values()), coarse)


def _misfits(result: ParseResult, rendered: _Rendered) -> list[tuple[int, int]]:
    """Output ranges to merge: each misread place with the group the parser put it in."""
    by_open = {bracket.open: bracket for bracket in result.brackets}
    ranges: list[tuple[int, int]] = []
    for place in rendered.places.values():
        brackets = [by_open.get(option.start) for option in place.options]
        groups = {b.group for b in brackets if b is not None}
        if None not in brackets and _fits(result, place, groups):
            continue
        start, end = place.options[0].start, place.options[-1].end
        for group in groups:
            if group is not None:
                span = result.groups[group].span
                start, end = min(start, span.start), max(end, span.end)
        if (start, end) != (place.options[0].start, place.options[-1].end):
            ranges.append((start, end))  # else not fixable by widening (too deep)
    return ranges


def _fits(result: ParseResult, place: Place, groups: set[int | None]) -> bool:
    if len(place.options) == 1:
        return groups == {None}
    if len(groups) != 1 or None in groups:
        return False
    (group,) = groups
    assert group is not None
    starts = [result.brackets[m].open for m in result.groups[group].members]
    return starts == [option.start for option in place.options]


def _absorb(
    pieces: list[_Piece], rendered: _Rendered, ranges: list[tuple[int, int]]
) -> list[_Piece]:
    """Merge the pieces within each output range into one place."""
    n = len(next(p.texts for p in pieces if p.texts is not None))
    snapped = _snap(ranges, rendered)
    starts = [start for start, _ in snapped]
    edges = sorted({edge for span in snapped for edge in span})
    out: list[_Piece] = []
    inside: list[_Piece] = []
    current: int | None = None  # the range being gathered
    for index, piece in enumerate(pieces):
        for part, part_start in _split(piece, rendered.spans[index], edges):
            k = bisect_right(starts, part_start) - 1
            at = k if k >= 0 and part_start < snapped[k][1] else None
            if inside and at != current:
                out.append(_join(inside, n))
                inside = []
            current = at
            (out if at is None else inside).append(part)
    if inside:
        out.append(_join(inside, n))
    return _coalesce(out, n)


def _snap(ranges: list[tuple[int, int]], rendered: _Rendered) -> list[tuple[int, int]]:
    """Ranges widened to whole places, those that overlap or touch joined."""
    snapped: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        for index in rendered.places:
            piece_start, piece_end = rendered.spans[index]
            if piece_start < end and start < piece_end:
                start, end = min(start, piece_start), max(end, piece_end)
        if snapped and start <= snapped[-1][1]:
            snapped[-1] = (snapped[-1][0], max(snapped[-1][1], end))
        else:
            snapped.append((start, end))
    return snapped


def _split(piece: _Piece, span: tuple[int, int], edges: list[int]) -> list[tuple[_Piece, int]]:
    """A clean piece cut at the range edges inside it, each part with its output start."""
    start, end = span
    cuts = edges[bisect_right(edges, start) : bisect_left(edges, end)]
    if not cuts:
        return [(piece, start)]
    text = piece.text(0)
    parts: list[tuple[_Piece, int]] = []
    for a, b in zip([start, *cuts], [*cuts, end], strict=True):
        part = text[a - start : b - start]
        if piece.texts is None:
            parts.append((_Piece(part, None), a))
        else:  # an agreed change: the pivot's wording cannot be cut alike
            parts.append((_Piece(None, (part,) * len(piece.texts)), a))
    return parts
