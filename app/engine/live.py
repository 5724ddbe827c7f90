"""The authoritative in-memory state of one document under live editing.

The server keeps the current text and revision, a bounded window of recent change sets
(to rebase edits made on an older revision) and the bracket ids. Pure: the caller
persists what :meth:`LiveDocument.apply` returns before acknowledging it.

Bracket parsing costs milliseconds on a 100 KB text, so it does not run per keystroke:
:meth:`LiveDocument.refresh_brackets` re-parses on demand (the room calls it on a short
debounce) and carries ids through every change since the last parse, exactly.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from app.engine.changes import ChangeError, ChangeSet, Replace
from app.engine.identity import carry_ids
from app.engine.notation import DEFAULT_MAX_DEPTH, Bracket, ParseResult, parse
from app.engine.rebase import Conflict, rebase
from app.engine.utf16 import Utf16Index

Author = int | None


class EditRejected(Exception):
    """An edit that cannot be applied; ``code`` is stable and safe to send to a client."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def new_bracket_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True, slots=True)
class _Entry:
    revision: int  # the revision this change produced
    changes: ChangeSet
    inverse: ChangeSet
    author: Author


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    """A clash turned into ``[committed][incoming]``; spans in the text at ``revision``."""

    group: tuple[int, int]
    committed: tuple[int, int]
    incoming: tuple[int, int]
    committed_authors: tuple[int, ...]
    incoming_author: Author


@dataclass(frozen=True, slots=True)
class Prepared:
    """An edit ready to commit: ``changes`` apply to the current text."""

    base_revision: int
    changes: ChangeSet
    conflicts: tuple[ConflictRecord, ...]
    rebased: bool


@dataclass(frozen=True, slots=True)
class Applied:
    """A committed edit: ``wire`` is its UTF-16 form against the previous revision."""

    revision: int
    changes: ChangeSet
    wire: list[tuple[int, int, str]]
    conflicts: tuple[ConflictRecord, ...]
    conflicts_wire: list[dict[str, list[int]]]


@dataclass(frozen=True, slots=True)
class BracketView:
    """A bracket with its id, as clients see it (code point and UTF-16 offsets)."""

    id: str
    open: int
    close: int
    open_u16: int
    close_u16: int
    depth: int
    parent: str | None
    group: str | None  # id of the group's first member
    label: str | None
    origin: str  # "text" or "conflict"

    def wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "open": self.open_u16,
            "close": self.close_u16,
            "depth": self.depth,
            "parent": self.parent,
            "group": self.group,
            "label": self.label,
            "origin": self.origin,
        }


@dataclass(frozen=True, slots=True)
class BracketDelta:
    revision: int
    created: tuple[BracketView, ...]
    ended: tuple[str, ...]
    changed: tuple[BracketView, ...]  # wording changed since the last refresh

    @property
    def is_empty(self) -> bool:
        return not (self.created or self.ended or self.changed)


@dataclass(slots=True)
class _Pending:
    """Changes since the last parse, and conflicts whose brackets are not yet known."""

    changes: list[ChangeSet] = field(default_factory=list)
    conflicts: list[tuple[int, ConflictRecord]] = field(default_factory=list)


class LiveDocument:
    def __init__(
        self,
        text: str,
        revision: int,
        *,
        known_ids: Iterable[tuple[str, int, int]] = (),
        origins: dict[str, str] | None = None,
        max_depth: int = DEFAULT_MAX_DEPTH,
        history_limit: int = 1000,
        history_chars: int = 20_000_000,
        new_id: Callable[[], str] = new_bracket_id,
    ) -> None:
        self._text = text
        self._revision = revision
        self._index: Utf16Index | None = None
        self._history: deque[_Entry] = deque(maxlen=history_limit)
        # Old revisions cost memory in proportion to the text they changed: bound both.
        self._history_chars = 0
        self._history_chars_limit = history_chars
        self._max_depth = max_depth
        self._new_id = new_id
        self._origins: dict[str, str] = dict(origins or {})
        self._pending = _Pending()
        self._locks: dict[int, tuple[int, int]] = {}
        self._parse, self._ids = self._initial_ids(known_ids)
        self._wordings = self._current_wordings()

    # -- reading ---------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def index(self) -> Utf16Index:
        if self._index is None:
            self._index = Utf16Index(self._text)
        return self._index

    @property
    def brackets_stale(self) -> bool:
        return bool(self._pending.changes)

    def brackets(self) -> tuple[BracketView, ...]:
        """Brackets of the current text (refresh first for an up-to-date view)."""
        return self._views(range(len(self._parse.brackets)))

    def bracket_table(self) -> list[tuple[str, int, int]]:
        """Ids and delimiter offsets at the last parse, for snapshots."""
        return [(i, b.open, b.close) for i, b in zip(self._ids, self._parse.brackets, strict=True)]

    @property
    def parsed_revision(self) -> int:
        return self._revision - len(self._pending.changes)

    @property
    def parse_result(self) -> ParseResult:
        return self._parse

    # -- editing ---------------------------------------------------------------------

    def prepare(self, base_revision: int, wire: object, *, author: Author = None) -> Prepared:
        """Validate a client's UTF-16 edit against ``base_revision``; rebase it if stale."""
        if base_revision > self._revision or base_revision < 0:
            raise EditRejected(
                "bad_base",
                f"revision {base_revision} is not known here (current: {self._revision})",
            )
        if base_revision == self._revision:
            return Prepared(base_revision, self._from_wire(self.index, wire), (), False)
        concurrent = self._since(base_revision)
        base_text = self._text_at(concurrent)
        incoming = self._from_wire(base_text, wire)
        result = rebase(incoming, [e.changes for e in concurrent], base_text=base_text)
        authors = tuple(sorted({e.author for e in concurrent if e.author is not None}))
        conflicts = tuple(_record(c, authors, author) for c in result.conflicts)
        return Prepared(base_revision, result.changes, conflicts, True)

    def apply(self, prepared: Prepared, *, author: Author = None) -> Applied:
        """Advance to the next revision with a prepared edit (call after it is durable)."""
        return self._advance(prepared.changes, prepared.conflicts, author)

    def apply_committed(
        self,
        revision: int,
        changes: ChangeSet,
        *,
        author: Author = None,
        conflicts: Sequence[ConflictRecord] = (),
    ) -> Applied:
        """Follow an edit committed elsewhere (another process, or a replay on load)."""
        if revision != self._revision + 1:
            raise EditRejected("gap", f"expected revision {self._revision + 1}, got {revision}")
        return self._advance(changes, tuple(conflicts), author)

    def _advance(
        self, changes: ChangeSet, conflicts: tuple[ConflictRecord, ...], author: Author
    ) -> Applied:
        before = self.index
        new_text = changes.apply(self._text)
        self._remember(_Entry(self._revision + 1, changes, changes.invert(self._text), author))
        self._text, self._revision, self._index = new_text, self._revision + 1, None
        self._pending.changes.append(changes)
        self._locks = {k: _map_range(changes, r) for k, r in self._locks.items()}
        self._pending.conflicts.extend((self._revision, c) for c in conflicts)
        return Applied(
            self._revision,
            changes,
            changes.to_wire(before),
            conflicts,
            [_conflict_wire(c, self.index) for c in conflicts],
        )

    def _remember(self, entry: _Entry) -> None:
        if len(self._history) == self._history.maxlen:
            self._history_chars -= _size(self._history[0])
        self._history.append(entry)
        self._history_chars += _size(entry)
        while self._history_chars > self._history_chars_limit and len(self._history) > 1:
            self._history_chars -= _size(self._history.popleft())

    # -- locked ranges ---------------------------------------------------------------

    @property
    def locks(self) -> dict[int, tuple[int, int]]:
        """Locked ranges (code points) by lock id, carried through every edit."""
        return dict(self._locks)

    def lock(self, lock_id: int, start: int, end: int) -> None:
        self._locks[lock_id] = (start, end)

    def unlock(self, lock_id: int) -> None:
        self._locks.pop(lock_id, None)

    def locks_touched(self, changes: ChangeSet) -> list[int]:
        """Locks whose text ``changes`` would alter (insertions at their edges do not)."""
        return [
            k
            for k, (start, end) in self._locks.items()
            if any(_touches(r, start, end) for r in changes.replaces)
        ]

    # -- positions from older revisions ------------------------------------------------

    def range_now(self, revision: int, start_u16: int, end_u16: int) -> tuple[int, int]:
        """A UTF-16 range in the text at ``revision`` as code points now; refused when
        edits since touched it."""
        if revision > self._revision or revision < 0:
            raise EditRejected("bad_base", f"revision {revision} is not known here")
        concurrent = self._since(revision) if revision < self._revision else []
        base = self._text_at(concurrent) if concurrent else self._text
        index = Utf16Index(base) if concurrent else self.index
        try:
            start, end = index.to_codepoint(start_u16), index.to_codepoint(end_u16)
        except ValueError as exc:
            raise EditRejected("out_of_range", str(exc)) from None
        if start > end:
            raise EditRejected("unordered", "the range ends before it starts")
        for entry in concurrent:
            if any(_touches(r, start, end) for r in entry.changes.replaces):
                raise EditRejected(
                    "stale_selection", "the selected text changed meanwhile; select it again"
                )
            start, end = _map_range(entry.changes, (start, end))
        return start, end

    def adopt_ids(self, ids_by_span: dict[tuple[int, int], str]) -> None:
        """Give the brackets at these (open, close) offsets these ids (after a refresh),
        e.g. to restore the ids of a group a chair's resolution had removed."""
        if self._pending.changes:
            raise EditRejected("stale_brackets", "refresh brackets first")
        self._ids = tuple(
            ids_by_span.get((b.open, b.close), i)
            for i, b in zip(self._ids, self._parse.brackets, strict=True)
        )
        self._wordings = self._current_wordings()

    def rollback(self, revision: int) -> None:
        """Return to an earlier revision (undo edits whose commit failed)."""
        movable = self._revision - revision <= len(self._pending.changes) and not (
            self._locks and revision < self._revision  # locked ranges do not map back
        )
        if revision > self._revision or not movable:
            raise EditRejected("rollback", f"cannot roll back to revision {revision}")
        while self._revision > revision:
            entry = self._history.pop()
            self._history_chars -= _size(entry)
            self._text = entry.inverse.apply(self._text)
            self._revision -= 1
            self._pending.changes.pop()
        self._pending.conflicts = [(r, c) for r, c in self._pending.conflicts if r <= revision]
        self._index = None

    # -- brackets --------------------------------------------------------------------

    def refresh_brackets(self, preferred: dict[tuple[int, int], str] | None = None) -> BracketDelta:
        """Re-parse and carry ids through every change since the last parse. A new
        bracket at an (open, close) in ``preferred`` takes that id (a restored one)."""
        if not self._pending.changes:
            return BracketDelta(self._revision, (), (), ())
        old = list(zip(self._ids, self._parse.brackets, strict=True))
        mapped = _map_through(old, self._pending.changes)
        new_parse = parse(self._text, max_depth=self._max_depth)
        assignment = carry_ids(mapped, new_parse.brackets, _identity, self._new_id)
        fresh = set(assignment.created)
        wanted = preferred or {}
        ids = tuple(
            wanted.get((b.open, b.close), i) if i in fresh else i for i, b in assignment.assigned
        )
        created = {i for i in ids if i in fresh or i in wanted.values()}
        self._parse, self._ids = new_parse, ids
        self._mark_conflicts()
        self._pending = _Pending()
        kept = set(self._ids)
        return self._delta(created, tuple(i for i, _ in old if i not in kept))

    def _delta(self, created: set[str], ended: tuple[str, ...]) -> BracketDelta:
        wordings = self._current_wordings()
        changed = [
            k
            for k, i in enumerate(self._ids)
            if i not in created and self._wordings.get(i) != wordings[i]
        ]
        self._wordings = wordings
        for gone in ended:
            self._origins.pop(gone, None)
        return BracketDelta(
            self._revision,
            self._views(k for k, i in enumerate(self._ids) if i in created),
            ended,
            self._views(changed),
        )

    def _mark_conflicts(self) -> None:
        opens = {b.open: i for i, b in zip(self._ids, self._parse.brackets, strict=True)}
        for revision, record in self._pending.conflicts:
            later = self._pending.changes[
                len(self._pending.changes) - (self._revision - revision) :
            ]
            for start in (record.committed[0] - 1, record.incoming[0] - 1):
                where = _map_char_through(start, later)
                if where is not None and where in opens:
                    self._origins[opens[where]] = "conflict"

    def origin(self, bracket_id: str) -> str:
        return self._origins.get(bracket_id, "text")

    # -- helpers ---------------------------------------------------------------------

    def _initial_ids(
        self, known: Iterable[tuple[str, int, int]]
    ) -> tuple[ParseResult, tuple[str, ...]]:
        result = parse(self._text, max_depth=self._max_depth)
        by_span = {(o, c): i for i, o, c in known}
        ids = tuple(by_span.get((b.open, b.close)) or self._new_id() for b in result.brackets)
        return result, ids

    def _current_wordings(self) -> dict[str, str]:
        text = self._text
        return {
            i: text[b.open + 1 : b.close]
            for i, b in zip(self._ids, self._parse.brackets, strict=True)
        }

    def _views(self, indices: Iterable[int]) -> tuple[BracketView, ...]:
        parse_result, ids = self._parse, self._ids
        views = []
        for k in indices:
            b = parse_result.brackets[k]
            views.append(
                BracketView(
                    id=ids[k],
                    open=b.open,
                    close=b.close,
                    open_u16=b.open_u16,
                    close_u16=b.close_u16,
                    depth=b.depth,
                    parent=ids[b.parent] if b.parent is not None else None,
                    group=self._group_id(b),
                    label=b.label.text if b.label else None,
                    origin=self.origin(ids[k]),
                )
            )
        return tuple(views)

    def _group_id(self, bracket: Bracket) -> str | None:
        if bracket.group is None:
            return None
        return self._ids[self._parse.groups[bracket.group].members[0]]

    def _since(self, base_revision: int) -> list[_Entry]:
        count = self._revision - base_revision
        if count > len(self._history):
            raise EditRejected(
                "base_too_old",
                f"revision {base_revision} is too old to rebase onto; resync and resend",
            )
        return list(self._history)[-count:]

    def _text_at(self, concurrent: Sequence[_Entry]) -> str:
        text = self._text
        for entry in reversed(concurrent):
            text = entry.inverse.apply(text)
        return text

    @staticmethod
    def _from_wire(base: str | Utf16Index, wire: object) -> ChangeSet:
        try:
            return ChangeSet.from_wire(base, wire)
        except ChangeError as exc:
            raise EditRejected(exc.code, exc.message) from None


def _touches(replace: Replace, start: int, end: int) -> bool:
    """Does the replacement alter text inside [start, end)?"""
    if replace.start == replace.end:  # an insertion
        return start < replace.start < end
    return replace.start < end and replace.end > start


def _map_range(changes: ChangeSet, span: tuple[int, int]) -> tuple[int, int]:
    start = changes.map_position(span[0], 1)
    return start, max(start, changes.map_position(span[1], -1))


def _size(entry: _Entry) -> int:
    return entry.changes.inserted_length + entry.inverse.inserted_length


def _identity(offset: int) -> int | None:
    return offset


class _At:
    """Delimiter offsets of a bracket mapped into the current text."""

    __slots__ = ("close", "open")

    def __init__(self, open_: int, close: int) -> None:
        self.open = open_
        self.close = close


def _map_through(
    old: list[tuple[str, Bracket]], changes: Sequence[ChangeSet]
) -> list[tuple[str, _At]]:
    """Map every bracket's delimiters through the changes; drop those deleted."""
    alive = [(i, b.open, b.close) for i, b in old]
    for change in changes:
        opens = _map_sorted(change, [o for _, o, _ in alive])
        closes = _map_sorted(change, [c for _, _, c in alive])
        alive = [
            (i, o, c)
            for (i, _, _), o, c in zip(alive, opens, closes, strict=True)
            if o is not None and c is not None
        ]
    return [(i, _At(o, c)) for i, o, c in alive]


def _map_sorted(change: ChangeSet, offsets: list[int]) -> list[int | None]:
    """map_chars needs ascending input; closes are not sorted, so sort and restore."""
    order = sorted(range(len(offsets)), key=offsets.__getitem__)
    mapped = change.map_chars([offsets[k] for k in order])
    result: list[int | None] = [None] * len(offsets)
    for position, k in enumerate(order):
        result[k] = mapped[position]
    return result


def _map_char_through(index: int, changes: Sequence[ChangeSet]) -> int | None:
    where: int | None = index
    for change in changes:
        if where is None:
            return None
        where = change.map_char(where)
    return where


def _record(conflict: Conflict, committed: tuple[int, ...], incoming: Author) -> ConflictRecord:
    return ConflictRecord(
        group=(conflict.group.start, conflict.group.end),
        committed=(conflict.committed.start, conflict.committed.end),
        incoming=(conflict.incoming.start, conflict.incoming.end),
        committed_authors=committed,
        incoming_author=incoming,
    )


def _conflict_wire(record: ConflictRecord, index: Utf16Index) -> dict[str, list[int]]:
    def span(pair: tuple[int, int]) -> list[int]:
        return [index.to_utf16(pair[0]), index.to_utf16(pair[1])]

    return {
        "group": span(record.group),
        "committed": span(record.committed),
        "incoming": span(record.incoming),
    }
