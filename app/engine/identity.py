"""Stable bracket ids across edits.

Bracket identity is server-side metadata: when the text changes, each bracket keeps
its id by mapping its two delimiters through the change. A *position map* takes the
offset of a character in the old text and returns the offset of that same character
in the new text, or ``None`` when the character was deleted. Offsets count code
points. Any function of that shape works: one built from a diff (below), or an exact
one built from known edit operations.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from diff_match_patch import diff_match_patch

PositionMap = Callable[[int], int | None]


class Delimited(Protocol):
    """Anything with the offsets of its ``[`` and ``]``, such as a ``Bracket``."""

    @property
    def open(self) -> int: ...

    @property
    def close(self) -> int: ...


B = TypeVar("B", bound=Delimited)


@dataclass(frozen=True, slots=True)
class IdAssignment(Generic[B]):
    """Ids of the brackets of a new text.

    ``assigned`` pairs every new bracket with its id, in the order given; ``created``
    lists the fresh ids among them; ``ended`` the old ids that no bracket carries on,
    in the order the old brackets were given.
    """

    assigned: tuple[tuple[str, B], ...]
    created: tuple[str, ...]
    ended: tuple[str, ...]


def carry_ids(
    old: Iterable[tuple[str, Delimited]],
    new: Sequence[B],
    position_map: PositionMap,
    new_id: Callable[[], str],
) -> IdAssignment[B]:
    """Give each new bracket the id of the old bracket whose delimiters map onto its own.

    An old bracket survives when both its ``[`` and its ``]`` survive and map exactly
    onto a new bracket's ``[`` and ``]``; its content may have changed. Otherwise its
    id ends, and any new bracket no old one maps onto gets ``new_id()``. If two old
    brackets claim the same new one, the first given wins.
    """
    claimed, old_ids = _claims(old, position_map)
    assigned: list[tuple[str, B]] = []
    created: list[str] = []
    kept: set[str] = set()
    for bracket in new:
        carried = claimed.pop((bracket.open, bracket.close), None)
        if carried is None:
            carried = new_id()
            created.append(carried)
        else:
            kept.add(carried)
        assigned.append((carried, bracket))
    ended = tuple(old_id for old_id in old_ids if old_id not in kept)
    return IdAssignment(tuple(assigned), tuple(created), ended)


def _claims(
    old: Iterable[tuple[str, Delimited]], position_map: PositionMap
) -> tuple[dict[tuple[int, int], str], list[str]]:
    """Where each surviving old bracket's delimiters land, and all old ids in order."""
    claimed: dict[tuple[int, int], str] = {}
    old_ids: list[str] = []
    for old_id, bracket in old:
        old_ids.append(old_id)
        open_, close = position_map(bracket.open), position_map(bracket.close)
        if open_ is not None and close is not None:
            claimed.setdefault((open_, close), old_id)
    return claimed, old_ids


def diff_position_map(old_text: str, new_text: str, timeout: float) -> PositionMap:
    """Map positions through a diff-match-patch diff of ``old_text`` into ``new_text``.

    ``timeout`` is diff-match-patch's ``Diff_Timeout`` in seconds (0 means none); past
    it the diff is coarser, and fewer characters are recognised as kept. Equalities
    are slid to word boundaries first, so deleting ``[x] `` before ``[y]`` keeps
    ``[y]``'s delimiters. A kept character maps where ``diff_xIndex`` maps it; a
    deleted one maps to ``None``. Lookups cost O(log k) for k kept runs.

    A diff is a guess at the edit: it is exact for one contiguous edit, but across
    several a minimal diff may keep a neighbouring equal character instead of a
    delimiter (``[x]aa`` -> ``[a]``). Prefer an exact map when the edits are known.
    """
    if old_text == new_text:
        return _EqualRuns([(diff_match_patch.DIFF_EQUAL, old_text)])
    engine = diff_match_patch()
    engine.Diff_Timeout = timeout
    diffs: list[tuple[int, str]] = engine.diff_main(old_text, new_text)
    engine.diff_cleanupSemanticLossless(diffs)
    return _EqualRuns(diffs)


def splice_position_map(start: int, end: int, inserted: int) -> PositionMap:
    """Exact map for one edit replacing ``old[start:end]`` with ``inserted`` characters."""
    shift = inserted - (end - start)

    def position(offset: int) -> int | None:
        if offset < start:
            return offset
        return None if offset < end else offset + shift

    return position


def compose(first: PositionMap, then: PositionMap) -> PositionMap:
    """The map of ``first`` followed by ``then``."""

    def position(offset: int) -> int | None:
        middle = first(offset)
        return None if middle is None else then(middle)

    return position


class _EqualRuns:
    """The kept runs of a diff, searchable by old offset."""

    __slots__ = ("_lengths", "_new_starts", "_old_starts")

    def __init__(self, diffs: list[tuple[int, str]]) -> None:
        self._old_starts: list[int] = []
        self._new_starts: list[int] = []
        self._lengths: list[int] = []
        old = new = 0
        for operation, text in diffs:
            if operation == diff_match_patch.DIFF_EQUAL:
                self._old_starts.append(old)
                self._new_starts.append(new)
                self._lengths.append(len(text))
            if operation != diff_match_patch.DIFF_INSERT:
                old += len(text)
            if operation != diff_match_patch.DIFF_DELETE:
                new += len(text)

    def __call__(self, offset: int) -> int | None:
        run = bisect_right(self._old_starts, offset) - 1
        if run < 0 or offset >= self._old_starts[run] + self._lengths[run]:
            return None
        return self._new_starts[run] + offset - self._old_starts[run]
