"""Convergence of the server rebase and the client state machine under a hostile network.

An in-memory server (text, revision, log, inverse log, edit ids seen) and several
clients exchange messages over simulated connections: FIFO per connection, delivered
in a random interleaving, with reconnects that lose what was in flight to the client,
lose or delay what was in flight to the server, and resend the pending edit with the
same id. Hypothesis drives the schedule.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.changes import ChangeSet, Replace, WireChange
from app.engine.client_state import ClientState
from app.engine.rebase import rebase

ALPHABET = "ab [/]😀👍🏽قرار决议é\u0301"
START = "Parties shall [endeavour to] report 😀 مشروع 决议 ré\u0301sumé."


@dataclass(frozen=True, slots=True)
class Commit:
    revision: int
    edit_id: str
    wire: list[WireChange]  # against the text at revision - 1


@dataclass(frozen=True, slots=True)
class Hello:
    revision: int


@dataclass(frozen=True, slots=True)
class Edit:
    edit_id: str
    base_revision: int
    wire: list[WireChange]


class Server:
    def __init__(self, text: str) -> None:
        self.initial = text
        self.text = text
        self.log: list[Commit] = []
        self.inverses: list[ChangeSet] = []  # to rebuild old texts from the current one
        self.seen: set[str] = set()

    @property
    def revision(self) -> int:
        return len(self.log)

    def text_at(self, revision: int) -> str:
        text = self.text
        for inverse in reversed(self.inverses[revision:]):
            text = inverse.apply(text)
        return text

    def handle(self, edit: Edit) -> Commit | None:
        if edit.edit_id in self.seen:
            return None
        base = self.text_at(edit.base_revision)
        incoming = ChangeSet.from_wire(base, edit.wire)
        concurrent = [self._changes(c) for c in self.log[edit.base_revision :]]
        result = rebase(incoming, concurrent, base_text=base)
        before, after = self.text, result.changes.apply(self.text)
        for r in incoming.replaces:  # present, in place or as an alternative
            assert r.text in after
        for c in result.conflicts:
            committed = after[c.committed.start : c.committed.end]
            mine = after[c.incoming.start : c.incoming.end]
            assert after[c.group.start : c.group.end] == f"[{committed}][{mine}]"
        self.inverses.append(result.changes.invert(before))
        self.text = after
        self.seen.add(edit.edit_id)
        commit = Commit(self.revision + 1, edit.edit_id, result.changes.to_wire(before))
        self.log.append(commit)
        return commit

    def _changes(self, commit: Commit) -> ChangeSet:
        return ChangeSet.from_wire(self.text_at(commit.revision - 1), commit.wire)


@dataclass
class Client:
    name: str
    state: ClientState
    up: deque[Hello | Edit] = field(default_factory=deque)  # to the server
    down: deque[Commit] = field(default_factory=deque)  # to the client
    subscribed: bool = True
    sent: int = 0
    last: Edit | None = None

    def send(self) -> None:
        self.state, out = self.state.send(f"{self.name}-{self.sent}")
        if out is not None:
            self.sent += 1
            wire = out.changes.to_wire(self.state.confirmed)
            self.last = Edit(out.edit_id, out.base_revision, wire)
            self.up.append(self.last)

    def receive(self) -> None:
        commit = self.down.popleft()
        changes = ChangeSet.from_wire(self.state.confirmed, commit.wire)
        before = self.state.text
        self.state, shown = self.state.receive(commit.revision, changes, commit.edit_id)
        assert shown.apply(before) == self.state.text  # what an editor view would apply
        check_client(self.state)


def check_client(state: ClientState) -> None:
    text = state.confirmed
    if state.inflight is not None:
        text = state.inflight.changes.apply(text)
    if state.buffer is not None:
        text = state.buffer.apply(text)
    assert text == state.text


def random_edit(rng: random.Random, text: str) -> ChangeSet:
    cuts = sorted(rng.randint(0, len(text)) for _ in range(2 * rng.randint(1, 2)))
    inserts = ["".join(rng.choices(ALPHABET, k=rng.randint(0, 4))) for _ in cuts[::2]]
    reps = [
        Replace(s, e if rng.random() < 0.7 else s, t)
        for s, e, t in zip(cuts[::2], cuts[1::2], inserts, strict=True)
    ]
    return ChangeSet.of(len(text), reps)


class Simulation:
    def __init__(self, rng: random.Random, clients: int) -> None:
        self.rng = rng
        self.server = Server(START)
        self.clients = [Client(f"c{i}", ClientState.start(START, 0)) for i in range(clients)]
        self.late: list[Edit] = []

    def deliver_up(self, client: Client) -> None:
        message = client.up.popleft()
        if isinstance(message, Hello):
            client.down.extend(self.server.log[message.revision :])
            client.subscribed = True
        else:
            self.process(message)

    def process(self, edit: Edit) -> None:
        commit = self.server.handle(edit)
        if commit is not None:
            for other in self.clients:
                if other.subscribed:
                    other.down.append(commit)

    def reconnect(self, client: Client) -> None:
        """The connection drops: the client's inbox is lost; what it sent is lost or late."""
        client.down.clear()
        for message in client.up:
            if isinstance(message, Edit) and self.rng.random() < 0.5:
                self.late.append(message)
        client.up.clear()
        client.subscribed = False
        client.up.append(Hello(client.state.revision))
        out = client.state.outgoing()
        if out is not None:
            client.up.append(
                Edit(out.edit_id, out.base_revision, out.changes.to_wire(client.state.confirmed))
            )

    def step(self, budget: int) -> int:
        client = self.rng.choice(self.clients)
        roll = self.rng.random()
        if roll < 0.25 and budget:
            client.state = client.state.edit(random_edit(self.rng, client.state.text))
            check_client(client.state)
            return budget - 1
        if roll < 0.4:
            client.send()
        elif roll < 0.6 and client.up:
            self.deliver_up(client)
        elif roll < 0.85 and client.down:
            client.receive()
        elif roll < 0.9:
            self.reconnect(client)
        elif roll < 0.95 and self.late:
            self.process(self.late.pop(self.rng.randrange(len(self.late))))
        elif client.last is not None:  # a retransmission of the same edit
            client.up.append(client.last)
        return budget

    def quiesce(self) -> None:
        while True:
            for client in self.clients:
                client.send()
            busy = [c for c in self.clients if c.up or c.down]
            if not busy and not self.late and all(c.state.is_settled for c in self.clients):
                return
            for client in busy:
                while client.up:
                    self.deliver_up(client)
                while client.down:
                    client.receive()
            while self.late:
                self.process(self.late.pop())


def check_quiescent(sim: Simulation) -> None:
    server = sim.server
    for client in sim.clients:
        assert client.state.text == client.state.confirmed == server.text
        assert client.state.revision == server.revision
    ids = [c.edit_id for c in server.log]
    assert len(ids) == len(set(ids)), "an edit was applied twice"
    sent = {f"{c.name}-{i}" for c in sim.clients for i in range(c.sent)}
    assert set(ids) == sent, "an edit was lost"
    assert server.text_at(0) == START


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64), st.integers(3, 5), st.integers(10, 400))
def test_clients_converge(seed: int, clients: int, steps: int) -> None:
    sim = Simulation(random.Random(seed), clients)
    budget = 40
    for _ in range(steps):
        budget = sim.step(budget)
    sim.quiesce()
    check_quiescent(sim)


def test_conflict_reaches_every_client_and_the_author_keeps_typing() -> None:
    sim = Simulation(random.Random(0), 3)
    alice, bob, carol = sim.clients
    shall = START.index("shall")
    alice.state = alice.state.edit(ChangeSet.single(len(START), shall, shall + 5, "must"))
    bob.state = bob.state.edit(ChangeSet.single(len(START), shall, shall + 5, "should"))
    alice.send()
    bob.send()
    sim.deliver_up(alice)
    sim.deliver_up(bob)  # bob's edit is rebased over alice's: a clash
    typed_at = bob.state.text.index("should") + len("should")
    bob.state = bob.state.edit(ChangeSet.single(len(bob.state.text), typed_at, typed_at, " not"))
    sim.quiesce()
    check_quiescent(sim)
    # The group takes in the neighbouring bracket: "[must][should not] [endeavour to]"
    # would read as one group of three alternatives.
    assert "[must [endeavour to]][should not [endeavour to]] report" in sim.server.text
    assert carol.state.text == sim.server.text
