"""Regenerate test/vectors.json: cases computed by the Python engine (the reference)
that the TypeScript port must reproduce exactly, in UTF-16 units.

    cd frontend && ../.venv/bin/python scripts/gen_vectors.py

Texts mix ASCII, brackets, emoji (astral: 2 UTF-16 units), CJK and Arabic.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.engine.changes import ChangeSet, Replace  # noqa: E402
from app.engine.client_state import ClientState, RevisionGap  # noqa: E402
from app.engine.rebase import rebase, transform  # noqa: E402

ALPHABET = list("ab c[]/") + ["😀", "👍🏽", "中", "文", "ع", "ر", "ب", "\n"]


def rand_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def rand_changes(rng: random.Random, text: str, k: int | None = None) -> ChangeSet:
    n = len(text)
    k = rng.randint(0, 3) if k is None else k
    points = sorted(rng.randint(0, n) for _ in range(2 * k))
    reps = []
    for i in range(k):
        a, b = points[2 * i], points[2 * i + 1]
        if rng.random() < 0.4:
            b = a
        ins = rand_text(rng, rng.randint(0, 3)) if rng.random() < 0.8 else ""
        reps.append(Replace(a, b, ins))
    return ChangeSet.of(n, reps)


def wire(cs: ChangeSet, base: str) -> list[list[object]]:
    return [list(x) for x in cs.to_wire(base)]


def transform_cases(rng: random.Random, count: int) -> list[dict[str, object]]:
    out = []
    for _ in range(count):
        base = rand_text(rng, rng.randint(0, 12))
        a, b = rand_changes(rng, base), rand_changes(rng, base)
        flag = rng.random() < 0.5
        ta = transform(a, b, flag)
        out.append(
            {
                "base": base,
                "a": wire(a, base),
                "b": wire(b, base),
                "a_first": flag,
                "result": wire(ta, b.apply(base)),
                "text": ta.apply(b.apply(base)),
            }
        )
    return out


def compose_cases(rng: random.Random, count: int) -> list[dict[str, object]]:
    out = []
    for _ in range(count):
        base = rand_text(rng, rng.randint(0, 12))
        a = rand_changes(rng, base)
        mid = a.apply(base)
        b = rand_changes(rng, mid)
        c = a.then(b)
        out.append(
            {"base": base, "a": wire(a, base), "b": wire(b, mid), "result": wire(c, base)}
        )
    return out


class Server:
    def __init__(self, text: str) -> None:
        self.texts = [text]
        self.log: list[tuple[ChangeSet, str | None]] = []

    def commit(self, base: int, changes: ChangeSet, edit_id: str) -> ChangeSet:
        concurrent = [c for c, _ in self.log[base:]]
        result = rebase(changes, concurrent, base_text=self.texts[base]).changes
        self.log.append((result, edit_id))
        self.texts.append(result.apply(self.texts[-1]))
        return result


def client_traces(rng: random.Random, count: int) -> list[dict[str, object]]:
    """Two clients and a server (with the server's real rebase). Each trace is client
    A's view: its events and the text it must show after each one."""
    traces = []
    for t in range(count):
        start = rand_text(rng, rng.randint(0, 10))
        server = Server(start)
        clients = [ClientState.start(start, 0), ClientState.start(start, 0)]
        delivered = [0, 0]  # revisions each client has received
        sent: list[tuple[int, str, int, ChangeSet] | None] = [None, None]  # queued at server
        events: list[dict[str, object]] = []
        counter = 0
        for _step in range(rng.randint(20, 50)):
            who = rng.randint(0, 1)
            action = rng.random()
            st = clients[who]
            if action < 0.3:  # local edit
                cs = rand_changes(rng, st.text, rng.randint(1, 2))
                w = wire(cs, st.text)
                clients[who] = st.edit(cs)
                if who == 0:
                    events.append({"kind": "edit", "changes": w, "text": clients[0].text})
            elif action < 0.5:  # send
                counter += 1
                edit_id = f"e{t}-{who}-{counter}"
                clients[who], outgoing = st.send(edit_id)
                if outgoing is not None:
                    sent[who] = (outgoing.base_revision, edit_id, who, outgoing.changes)
                    if who == 0:
                        events.append({"kind": "send", "id": edit_id, "base": outgoing.base_revision,
                                       "changes": wire(outgoing.changes, clients[0].confirmed)})
            elif action < 0.72:  # server commits a queued edit
                if sent[who] is not None:
                    base, edit_id, _w, changes = sent[who]  # type: ignore[misc]
                    server.commit(base, changes, edit_id)
                    sent[who] = None
            else:  # deliver the next commit to this client
                rev = delivered[who]
                if rev < len(server.log):
                    changes, edit_id = server.log[rev]
                    before = server.texts[rev]
                    clients[who], _shown = clients[who].receive(rev + 1, changes, edit_id)
                    delivered[who] = rev + 1
                    if who == 0:
                        events.append({"kind": "receive", "revision": rev + 1, "id": edit_id,
                                       "changes": wire(changes, before), "text": clients[0].text,
                                       "confirmed": clients[0].confirmed})
        # Drain: everything is committed and delivered to A.
        for who in (0, 1):
            if sent[who] is not None:
                base, edit_id, _w, changes = sent[who]  # type: ignore[misc]
                server.commit(base, changes, edit_id)
        while delivered[0] < len(server.log):
            rev = delivered[0]
            changes, edit_id = server.log[rev]
            clients[0], _shown = clients[0].receive(rev + 1, changes, edit_id)
            delivered[0] = rev + 1
            events.append({"kind": "receive", "revision": rev + 1, "id": edit_id,
                           "changes": wire(changes, server.texts[rev]), "text": clients[0].text,
                           "confirmed": clients[0].confirmed})
        traces.append({"start": start, "events": events})
    return traces


NOTATION_ALPHABET = list("ab [[]]]/ \\\n") + ["😀", "中", "ع", "Alt 1:", "Option A:", " / "]


def notation_cases(rng: random.Random, count: int) -> list[dict[str, object]]:
    from app.demo.fixtures import DOCUMENTS, load_text
    from app.engine.notation import parse

    texts = [load_text(d.text_file) for d in DOCUMENTS]
    texts += ["".join(rng.choice(NOTATION_ALPHABET) for _ in range(rng.randint(0, 40)))
              for _ in range(count)]
    out = []
    for text in texts:
        limit = rng.choice([2, 3, 32])
        r = parse(text, max_depth=limit)
        out.append({
            "text": text,
            "max_depth": limit,
            "brackets": [
                [b.open_u16, b.close_u16, b.depth, -1 if b.parent is None else b.parent,
                 -1 if b.group is None else b.group,
                 None if b.label is None else [b.label.span_u16.start, b.label.span_u16.end]]
                for b in r.brackets
            ],
            "groups": [[list(g.members), g.kind] for g in r.groups],
            "unmatched": [len(r.unmatched_open), len(r.unmatched_close)],
        })
    return out


def main() -> None:
    rng = random.Random(20261109)
    data = {
        "transform": transform_cases(rng, 400),
        "compose": compose_cases(rng, 300),
        "client": client_traces(rng, 300),
        "notation": notation_cases(rng, 300),
    }
    path = Path(__file__).resolve().parents[1] / "test" / "vectors.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=None) + "\n", encoding="utf-8")
    print(f"wrote {path}: " + ", ".join(f"{k} {len(v)}" for k, v in data.items()))


if __name__ == "__main__":
    try:
        main()
    except RevisionGap as exc:  # pragma: no cover
        raise SystemExit(f"bad trace: {exc}") from exc
