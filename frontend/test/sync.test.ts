/** UTF-16 handling and rebasing of pending edits in the sync client. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChangeSet, checkUtf16, codePointLength, rep, splitChange, splitsSurrogate } from "../src/sync/changes";
import { SyncClient, type SocketLike } from "../src/sync/client";
import { ClientState } from "../src/sync/clientState";
import { diffToChanges } from "../src/sync/textdiff";
import { transform } from "../src/sync/transform";

const EMOJI = "👍🏽"; // two code points, four UTF-16 units
const SMILE = "😀"; // one code point, two units

describe("UTF-16 offsets", () => {
  it("counts units as the wire and CodeMirror do", () => {
    expect(EMOJI.length).toBe(4);
    expect(codePointLength(EMOJI)).toBe(2);
    const text = `a${SMILE}b 中文 مرحبا`;
    const insert = ChangeSet.fromWire(text, [[3, 3, "!"]]);
    expect(insert.apply(text)).toBe(`a${SMILE}!b 中文 مرحبا`);
    // CJK and Arabic are one unit per character.
    const arabic = text.indexOf("مرحبا");
    expect(ChangeSet.fromWire(text, [[arabic, arabic + 5, "سلام"]]).apply(text)).toBe(`a${SMILE}b 中文 سلام`);
  });

  it("refuses offsets inside a surrogate pair and lone surrogates", () => {
    const text = `x${SMILE}y`;
    expect(splitsSurrogate(text, 2)).toBe(true);
    expect(splitsSurrogate(text, 1)).toBe(false);
    expect(() => ChangeSet.fromWire(text, [[2, 2, "!"]])).toThrow(/splits_surrogate/);
    expect(() => ChangeSet.fromWire(text, [[0, 0, "\ud83d"]])).toThrow(/bad_text/);
    expect(() => ChangeSet.fromWire(text, [[0, 9, ""]])).toThrow(/out_of_range/);
    expect(() => ChangeSet.fromWire(text, [[2, 3, ""], [0, 1, ""]])).toThrow(/unordered|splits/);
    expect(checkUtf16(text, ChangeSet.of(text.length, [rep(2, 3, "")]))).toBe("splits_surrogate");
    expect(checkUtf16(text, ChangeSet.of(text.length, [rep(1, 3, "")]))).toBeNull();
  });

  it("diffs never cut a surrogate pair", () => {
    for (const [a, b] of [
      ["😀", "😁"],
      [`x${EMOJI}y`, "x👍🏿y"],
      ["😀", "😁😀"],
      ["a😀b😀c", "a😁b😀c"],
      ["🇫🇷", "🇩🇪"],
    ] as const) {
      const d = diffToChanges(a, b, 1);
      expect(d.apply(a)).toBe(b);
      expect(checkUtf16(a, d)).toBeNull();
    }
  });

  it("splits large edits without cutting a pair", () => {
    const text = "ab";
    const big = ChangeSet.of(2, [rep(1, 1, `${SMILE.repeat(5)}xyz`), rep(2, 2, "tail")]);
    const parts = splitChange(big, 5);
    expect(parts).not.toBeNull();
    const [first, rest] = parts!;
    expect(checkUtf16(text, first)).toBeNull();
    expect(checkUtf16(first.apply(text), rest)).toBeNull();
    expect(rest.apply(first.apply(text))).toBe(big.apply(text));
    expect(splitChange(big, 100)).toBeNull();
  });
});

describe("rebasing pending edits", () => {
  it("moves a pending edit after an emoji inserted before it", () => {
    const base = "Each Party shall report.";
    let state = ClientState.start(base, 0);
    state = state.edit(ChangeSet.fromWire(base, [[11, 16, "should"]]));
    const [sent, out] = state.send("e1");
    expect(out?.changes.toWire()).toEqual([[11, 16, "should"]]);
    // Someone inserts an emoji and Arabic at the start, committed first.
    const remote = ChangeSet.fromWire(base, [[0, 0, `${EMOJI} نعم `]]);
    const [next, shown] = sent.receive(1, remote, "other");
    expect(shown.toWire()).toEqual([[0, 0, `${EMOJI} نعم `]]);
    expect(next.text).toBe(`${EMOJI} نعم Each Party should report.`);
    // The in-flight edit now points 9 units further (4 + 1 + 3 + 1).
    expect(next.inflight!.changes.toWire()).toEqual([[20, 25, "should"]]);
  });

  it("keeps both insertions at one point, the server's first", () => {
    const base = "中文";
    let state = ClientState.start(base, 3).edit(ChangeSet.fromWire(base, [[1, 1, "mine"]]));
    [state] = state.send("e1");
    state = state.edit(ChangeSet.fromWire(state.text, [[5, 5, SMILE]]));
    const [next] = state.receive(4, ChangeSet.fromWire(base, [[1, 1, "theirs"]]), null);
    expect(next.text).toBe(`中theirsmine${SMILE}文`);
    expect(next.confirmed).toBe("中theirs文");
  });

  it("adopts the server's version of one's own edit (a conflict) and keeps later typing", () => {
    const base = "We shall act.";
    let state = ClientState.start(base, 0).edit(ChangeSet.fromWire(base, [[3, 8, "should"]]));
    [state] = state.send("mine");
    // Typed right after the own new text while the edit was in flight.
    state = state.edit(ChangeSet.fromWire(state.text, [[9, 9, " 😀"]]));
    expect(state.text).toBe("We should 😀 act.");
    // Someone had replaced "shall" with "must": the server made a group of alternatives.
    const [s1] = state.receive(1, ChangeSet.fromWire(base, [[3, 8, "must"]]), "other");
    const committed = ChangeSet.fromWire(s1.confirmed, [[3, 7, "[must][should]"]]);
    const [s2, shown] = s1.receive(2, committed, "mine");
    expect(s2.confirmed).toBe("We [must][should] act.");
    expect(s2.text).toBe("We [must][should 😀] act.");
    expect(shown.apply(s1.text)).toBe(s2.text);
    expect(s2.inflight).toBeNull();
    expect(s2.buffer!.toWire()).toEqual([[16, 16, " 😀"]]);
  });

  it("undoes a refused edit and keeps what was typed after it", () => {
    const base = "locked paragraph\nfree";
    let state = ClientState.start(base, 0).edit(ChangeSet.fromWire(base, [[0, 0, "X"]]));
    [state] = state.send("e1");
    state = state.edit(ChangeSet.fromWire(state.text, [[22, 22, "!"]]));
    const [next, shown, refused] = state.rejectInflight();
    expect(refused!.changes.toWire()).toEqual([[0, 0, "X"]]);
    expect(next.text).toBe("locked paragraph\nfree!");
    expect(shown.apply(state.text)).toBe(next.text);
    expect(next.buffer!.toWire()).toEqual([[21, 21, "!"]]);
  });

  it("rebases pending edits over a snapshot", () => {
    const base = "one two three";
    let state = ClientState.start(base, 5).edit(ChangeSet.fromWire(base, [[4, 7, "2"]]));
    [state] = state.send("e1");
    state = state.edit(ChangeSet.fromWire(state.text, [[11, 11, "!"]]));
    expect(state.text).toBe("one 2 three!");
    // The server's text moved on (someone added a word) and e1 did not land.
    const [next, shown] = state.reset("zero one two three", 9, new Set());
    expect(next.revision).toBe(9);
    expect(next.text).toBe("zero one 2 three!");
    expect(shown.apply(state.text)).toBe(next.text);
    // e1 had landed: it is not applied twice.
    const [landed] = state.reset("zero one 2 three", 9, new Set(["e1"]));
    expect(landed.text).toBe("zero one 2 three!");
  });

  it("transform satisfies TP1 on mixed scripts", () => {
    const base = `${EMOJI}中 [shall][should] مرحبا`;
    const a = ChangeSet.fromWire(base, [[4, 5, "文"], [7, 12, "must"]]);
    const b = ChangeSet.fromWire(base, [[0, 4, ""], [8, 20, SMILE]]);
    const left = b.then(transform(a, b, true)).apply(base);
    const right = a.then(transform(b, a, false)).apply(base);
    expect(left).toBe(right);
  });
});

// -- the client over a fake socket ------------------------------------------------

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: Record<string, unknown>[] = [];
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.onopen?.({});
  }
  receive(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006): void {
    this.onclose?.({ code, reason: "" });
  }
  edits(): Record<string, unknown>[] {
    return this.sent.filter((f) => f.type === "edit");
  }
}

function welcome(revision: number, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "welcome",
    protocol: 1,
    document: 1,
    session: `s${revision}`,
    revision,
    user: { id: 1, name: "王磊" },
    delegation: "CHN",
    can_edit: true,
    brackets: [],
    presence: [],
    committed: {},
    ...extra,
  };
}

describe("SyncClient", () => {
  let ids = 0;
  beforeEach(() => {
    FakeSocket.all = [];
    ids = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  function client(listener = {}) {
    const sync = new SyncClient({
      url: "ws://test/ws",
      document: 1,
      listener,
      socket: (url) => new FakeSocket(url),
      newId: () => `id${++ids}`,
    });
    sync.start();
    const ws = FakeSocket.all[FakeSocket.all.length - 1]!;
    ws.open();
    return { sync, ws };
  }

  it("joins, keeps one edit in flight and buffers the rest", () => {
    const { sync, ws } = client();
    expect(ws.sent[0]).toEqual({ type: "join", protocol: 1, document: 1 });
    ws.receive(welcome(4, { text: `${SMILE} text` }));
    expect(sync.text).toBe(`${SMILE} text`);
    sync.localEdit(ChangeSet.fromWire(sync.text, [[2, 2, "!"]]));
    sync.localEdit(ChangeSet.fromWire(sync.text, [[0, 0, "a"]]));
    expect(ws.edits()).toEqual([{ type: "edit", id: "id1", base: 4, changes: [[2, 2, "!"]] }]);
    ws.receive({ type: "edits", edits: [{ revision: 5, id: "id1", changes: [[2, 2, "!"]] }] });
    expect(ws.edits()[1]).toEqual({ type: "edit", id: "id2", base: 5, changes: [[0, 0, "a"]] });
    expect(sync.text).toBe(`a${SMILE}! text`);
  });

  it("reconnects with its revision and pending id, and resends the same id", () => {
    const changes: string[] = [];
    const statuses: string[] = [];
    const { sync, ws } = client({
      change: (c: ChangeSet) => changes.push(JSON.stringify(c.toWire())),
      status: (s: { kind: string }) => statuses.push(s.kind),
    });
    ws.receive(welcome(1, { text: "abc" }));
    sync.localEdit(ChangeSet.fromWire("abc", [[3, 3, "d"]]));
    ws.drop();
    expect(sync.status.kind).toBe("waiting");
    // Typing goes on while offline; nothing is lost.
    sync.localEdit(ChangeSet.fromWire(sync.text, [[4, 4, "e"]]));
    expect(sync.text).toBe("abcde");
    expect(sync.unsavedSize).toBe(2);
    vi.advanceTimersByTime(400);
    const ws2 = FakeSocket.all[1]!;
    ws2.open();
    expect(ws2.sent[0]).toEqual({ type: "join", protocol: 1, document: 1, revision: 1, pending: ["id1"] });
    // id1 had landed before the drop: the catch-up holds it, after someone else's edit.
    ws2.receive(
      welcome(3, {
        base: 1,
        edits: [
          { revision: 2, id: null, changes: [[0, 0, "中"]] },
          { revision: 3, id: "id1", changes: [[4, 4, "d"]] },
        ],
        committed: { id1: 3 },
      }),
    );
    expect(sync.text).toBe("中abcde");
    // Not resent (it landed); the buffer goes next, against r3.
    expect(ws2.edits()).toEqual([{ type: "edit", id: "id2", base: 3, changes: [[5, 5, "e"]] }]);
    expect(statuses).toContain("live");
  });

  it("resends an unacknowledged edit with the same id after a reconnect", () => {
    const { sync, ws } = client();
    ws.receive(welcome(1, { text: "abc" }));
    sync.localEdit(ChangeSet.fromWire("abc", [[0, 0, "x"]]));
    ws.drop();
    vi.advanceTimersByTime(400);
    const ws2 = FakeSocket.all[1]!;
    ws2.open();
    ws2.receive(welcome(1, { base: 1, edits: [] }));
    expect(ws2.edits()).toEqual([{ type: "edit", id: "id1", base: 1, changes: [[0, 0, "x"]] }]);
  });

  it("after a welcome with the whole text, uses `committed` to avoid applying twice", () => {
    const { sync, ws } = client();
    ws.receive(welcome(1, { text: "abc" }));
    sync.localEdit(ChangeSet.fromWire("abc", [[3, 3, "!"]]));
    ws.drop();
    sync.localEdit(ChangeSet.fromWire(sync.text, [[0, 0, ">"]]));
    vi.advanceTimersByTime(400);
    const ws2 = FakeSocket.all[1]!;
    ws2.open();
    ws2.receive(welcome(9, { text: "abc! and more", committed: { id1: 2 } }));
    expect(sync.text).toBe(">abc! and more");
    expect(sync.revision).toBe(9);
    expect(ws2.edits()).toEqual([{ type: "edit", id: "id2", base: 9, changes: [[0, 0, ">"]] }]);
  });

  it("says so and keeps the text when an edit is refused", () => {
    const rejected: { code: string; inserted: string[] }[] = [];
    const { sync, ws } = client({ rejected: (r: { code: string; inserted: string[] }) => rejected.push(r) });
    ws.receive(welcome(1, { text: "agreed text" }));
    sync.localEdit(ChangeSet.fromWire("agreed text", [[6, 6, " 👍🏽 new"]]));
    sync.localEdit(ChangeSet.fromWire(sync.text, [[0, 0, "ok "]]));
    ws.receive({ type: "error", code: "locked", message: "…", fatal: false, id: "id1" });
    expect(rejected).toEqual([expect.objectContaining({ code: "locked", inserted: [" 👍🏽 new"] })]);
    expect(sync.text).toBe("ok agreed text");
    expect(ws.edits()[1]).toEqual({ type: "edit", id: "id2", base: 1, changes: [[0, 0, "ok "]] });
  });

  it("retries a rate-limited edit with the same id", () => {
    const { sync, ws } = client();
    ws.receive(welcome(1, { text: "a" }));
    sync.localEdit(ChangeSet.fromWire("a", [[1, 1, "b"]]));
    ws.receive({ type: "error", code: "rate_limited", message: "", fatal: false, id: "id1" });
    vi.advanceTimersByTime(500);
    expect(ws.edits().map((e) => e.id)).toEqual(["id1", "id1"]);
  });

  it("rejoins on a revision gap instead of guessing", () => {
    const { ws } = client();
    ws.receive(welcome(1, { text: "a" }));
    ws.receive({ type: "edits", edits: [{ revision: 3, id: null, changes: [[0, 0, "x"]] }] });
    expect(ws.closed).toBe(true);
    const ws2 = FakeSocket.all[1]!;
    ws2.open();
    expect(ws2.sent[0]).toMatchObject({ type: "join", revision: 1 });
  });

  it("stops (keeping the text) when the session ends", () => {
    const { sync, ws } = client();
    ws.receive(welcome(1, { text: "a" }));
    sync.localEdit(ChangeSet.fromWire("a", [[1, 1, "b"]]));
    ws.receive({ type: "error", code: "not_authenticated", message: "", fatal: true });
    ws.drop(4401);
    expect(sync.status).toMatchObject({ kind: "stopped", code: "not_authenticated" });
    expect(sync.text).toBe("ab");
    expect(sync.unsavedText()).toEqual(["b"]);
    vi.advanceTimersByTime(10_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("maps positions from older revisions and pending edits", () => {
    const { sync, ws } = client();
    ws.receive(welcome(1, { text: "[a] [b]" }));
    ws.receive({ type: "edits", edits: [{ revision: 2, id: null, changes: [[0, 0, SMILE]] }] });
    sync.localEdit(ChangeSet.fromWire(sync.text, [[0, 0, "中"]]));
    // "[b]" opens at 4 in r1; after the emoji (2) and the pending CJK (1): 7.
    expect(sync.mapFromRevision(4, 1)).toBe(7);
    expect(sync.text[7]).toBe("[");
    expect(sync.toConfirmed(7)).toBe(6);
    expect(sync.mapFromRevision(0, 0)).toBeNull();
  });

  it("sends presence in the server's coordinates, throttled", () => {
    const { sync, ws } = client();
    ws.receive(welcome(1, { text: "abc" }));
    sync.localEdit(ChangeSet.fromWire("abc", [[0, 0, "xx"]]));
    sync.setPresence({ anchor: 3, head: 5 });
    sync.setPresence({ anchor: 4, head: 4 });
    vi.advanceTimersByTime(150);
    const presence = ws.sent.filter((f) => f.type === "presence");
    expect(presence).toEqual([{ type: "presence", revision: 1, cursor: { anchor: 2, head: 2 } }]);
  });
});

describe("unsaved work across a reload", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("is saved while pending, restored, and rebased on the next welcome", () => {
    let n = 0;
    const make = (restore: ReturnType<SyncClient["savedWork"]>, ready: (t: string) => void) => {
      const sync = new SyncClient({
        url: "ws://test/ws",
        document: 1,
        listener: { ready: (_w, text) => ready(text) },
        socket: (url) => new FakeSocket(url),
        newId: () => `id${++n}`,
        restore,
      });
      sync.start();
      FakeSocket.all[FakeSocket.all.length - 1]!.open();
      return { sync, ws: FakeSocket.all[FakeSocket.all.length - 1]! };
    };
    const first = make(null, () => {});
    first.ws.receive(welcome(2, { text: "Parties shall act." }));
    expect(first.sync.savedWork()).toBeNull();
    first.sync.localEdit(ChangeSet.fromWire("Parties shall act.", [[8, 13, "should"]]));
    first.sync.localEdit(ChangeSet.fromWire(first.sync.text, [[19, 19, " 👍🏽"]]));
    const saved = JSON.parse(JSON.stringify(first.sync.savedWork()));
    expect(saved).toEqual({
      document: 1,
      revision: 2,
      confirmed: "Parties shall act.",
      inflight: { id: "id1", changes: [[8, 13, "should"]] },
      buffer: [[19, 19, " 👍🏽"]],
    });
    first.sync.close();

    let shown = "";
    const second = make(saved, (t) => (shown = t));
    expect(second.sync.restored).toBe(11); // "should" and " 👍🏽" in UTF-16 units
    // Shown at once, before the server answers.
    expect(shown).toBe("Parties should act. 👍🏽");
    expect(second.ws.sent[0]).toEqual({ type: "join", protocol: 1, document: 1, revision: 2, pending: ["id1"] });
    // Meanwhile someone edited; id1 never reached the server.
    second.ws.receive(welcome(3, { base: 2, edits: [{ revision: 3, id: null, changes: [[0, 0, "All "]] }] }));
    expect(second.sync.text).toBe("All Parties should act. 👍🏽");
    expect(second.ws.edits()[0]).toEqual({ type: "edit", id: "id1", base: 3, changes: [[12, 17, "should"]] });
  });
});
