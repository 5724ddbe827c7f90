"""The client side of live editing, as an immutable state machine.

The client of ot.js and ShareDB: at most one edit in flight (sent, not yet committed)
and a buffer of local edits made meanwhile. Every commit the server makes reaches every
client, in order, tagged with its revision and the client edit id it came from; a
client recognises its own edit by the id, which serves as the acknowledgement.

- Remote commit: transform the in-flight edit and the buffer over it (the server's
  change goes first at ties, as :func:`app.engine.rebase.rebase` does).
- Own commit: the server may have committed something else than the in-flight edit
  (it was rebased, or turned into a bracketed conflict). The difference between what the
  client assumed and what the server made is transformed over the buffer; text typed
  right after one's own new text stays with it (in one's own alternative).
- Reconnect: ask for the commits after :attr:`ClientState.revision`, then send the
  in-flight edit again with the same id; the server applies an id only once.

Invariant: ``text == buffer.apply(inflight.apply(confirmed))``.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, replace

from app.engine.changes import ChangeSet
from app.engine.rebase import Priority, transform
from app.engine.textdiff import refine

# Refinement is local to a conflict, so it is short; past this it is merely coarser.
_REFINE_TIMEOUT_S = 0.05


class RevisionGap(Exception):
    """A commit arrived out of sequence: the client must resynchronise."""


@dataclass(frozen=True, slots=True)
class Pending:
    """An edit sent to the server, against the confirmed text."""

    edit_id: str
    changes: ChangeSet


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What to send: apply ``changes`` (against revision ``base_revision``) once."""

    edit_id: str
    base_revision: int
    changes: ChangeSet


@dataclass(frozen=True, slots=True)
class ClientState:
    """One client's view of one document; every method returns a new state."""

    confirmed: str  # the server's text at ``revision``
    revision: int
    text: str  # what the user sees
    inflight: Pending | None = None
    buffer: ChangeSet | None = None  # against inflight's result, or confirmed if none

    @classmethod
    def start(cls, text: str, revision: int) -> ClientState:
        return cls(confirmed=text, revision=revision, text=text)

    @property
    def is_settled(self) -> bool:
        """Nothing in flight or buffered: the user sees the server's text."""
        return self.inflight is None and self.buffer is None

    def edit(self, changes: ChangeSet) -> ClientState:
        """A local edit against :attr:`text`."""
        buffer = changes if self.buffer is None else self.buffer.then(changes)
        return replace(self, text=changes.apply(self.text), buffer=_unless_empty(buffer))

    def send(self, edit_id: str) -> tuple[ClientState, Outgoing | None]:
        """Put the buffer in flight if nothing is; the message to send, if any."""
        if self.inflight is not None or self.buffer is None:
            return self, None
        state = replace(self, inflight=Pending(edit_id, self.buffer), buffer=None)
        return state, state.outgoing()

    def outgoing(self) -> Outgoing | None:
        """The in-flight edit as a message: to send again after a reconnect."""
        if self.inflight is None:
            return None
        return Outgoing(self.inflight.edit_id, self.revision, self.inflight.changes)

    def receive(
        self, revision: int, changes: ChangeSet, edit_id: str | None
    ) -> tuple[ClientState, ChangeSet]:
        """A commit from the server; returns the new state and the change to show.

        The change shown is against the previous :attr:`text`. Commits already seen
        (after a reconnect) change nothing.
        """
        if revision <= self.revision:
            return self, ChangeSet(len(self.text))
        if revision != self.revision + 1:
            raise RevisionGap(f"expected revision {self.revision + 1}, got {revision}")
        if self.inflight is not None and edit_id == self.inflight.edit_id:
            return self._acknowledged(changes)
        return self._remote(changes)

    def _remote(self, changes: ChangeSet) -> tuple[ClientState, ChangeSet]:
        if self.inflight is None:
            return self._advance(changes, None, changes, False)
        mine = self.inflight.changes
        inflight = Pending(self.inflight.edit_id, transform(mine, changes, False))
        return self._advance(changes, inflight, transform(changes, mine, True), False)

    def _acknowledged(self, committed: ChangeSet) -> tuple[ClientState, ChangeSet]:
        assert self.inflight is not None
        assumed = self.inflight.changes
        # What turns the text the client assumed into the text the server made.
        if committed == assumed:
            shown = ChangeSet(assumed.new_length)
        else:
            difference = assumed.invert(self.confirmed).then(committed)
            shown = refine(difference, assumed.apply(self.confirmed), _REFINE_TIMEOUT_S)
        return self._advance(committed, None, shown, _AfterOwnText.of(assumed))

    def _advance(
        self,
        committed: ChangeSet,
        inflight: Pending | None,
        shown: ChangeSet,
        buffer_first: Priority,
    ) -> tuple[ClientState, ChangeSet]:
        """Commit ``committed``; ``shown`` is against the text before the buffer."""
        buffer = self.buffer
        if buffer is not None:
            buffer, shown = (
                transform(buffer, shown, buffer_first),
                transform(shown, buffer, _negate(buffer_first)),
            )
            buffer = _unless_empty(buffer)
        state = ClientState(
            confirmed=committed.apply(self.confirmed),
            revision=self.revision + 1,
            text=shown.apply(self.text),
            inflight=inflight,
            buffer=buffer,
        )
        return state, shown


@dataclass(frozen=True, slots=True)
class _AfterOwnText:
    """Tie rule for when the server's version of one's own edit arrives.

    Text typed right after one's own new text stays with it (inside one's alternative
    of a conflict, say); text typed before it or elsewhere goes after the server's
    markup. Positions are in the text the in-flight edit made.
    """

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, own: ChangeSet) -> _AfterOwnText:
        starts: list[int] = []
        delta = 0
        for r in own.replaces:
            starts.append(r.start + delta)
            delta += r.delta
        ends = tuple(s + len(r.text) for s, r in zip(starts, own.replaces, strict=True))
        return cls(tuple(starts), ends)

    def __call__(self, pos: int) -> bool:
        i = bisect_left(self.ends, pos)
        return i < len(self.ends) and self.starts[i] < pos


def _negate(priority: Priority) -> Priority:
    if isinstance(priority, bool):
        return not priority
    first = priority
    return lambda pos: not first(pos)


def _unless_empty(changes: ChangeSet) -> ChangeSet | None:
    return None if changes.is_empty else changes
