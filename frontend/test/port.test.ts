/** The TypeScript port against cases computed by the Python engine (scripts/gen_vectors.py). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChangeSet, type WireChange } from "../src/sync/changes";
import { ClientState } from "../src/sync/clientState";
import { transform } from "../src/sync/transform";

interface Vectors {
  transform: { base: string; a: WireChange[]; b: WireChange[]; a_first: boolean; result: WireChange[]; text: string }[];
  compose: { base: string; a: WireChange[]; b: WireChange[]; result: WireChange[] }[];
  client: { start: string; events: Record<string, unknown>[] }[];
}

const vectors = JSON.parse(
  readFileSync(new URL("./vectors.json", import.meta.url), "utf-8"),
) as Vectors;

describe("transform matches app/engine/rebase.py", () => {
  it.each(vectors.transform.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    const a = ChangeSet.fromWire(c.base, c.a);
    const b = ChangeSet.fromWire(c.base, c.b);
    const result = transform(a, b, c.a_first);
    expect(result.toWire()).toEqual(c.result);
    const afterB = b.apply(c.base);
    expect(result.apply(afterB)).toBe(c.text);
    // TP1: both orders give the same text.
    const other = transform(b, a, !c.a_first);
    expect(other.apply(a.apply(c.base))).toBe(c.text);
  });
});

describe("compose matches app/engine/changes.py", () => {
  it.each(vectors.compose.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    const a = ChangeSet.fromWire(c.base, c.a);
    const b = ChangeSet.fromWire(a.apply(c.base), c.b);
    expect(a.then(b).toWire()).toEqual(c.result);
    expect(a.then(b).apply(c.base)).toBe(b.apply(a.apply(c.base)));
  });
});

describe("client state matches app/engine/client_state.py", () => {
  it.each(vectors.client.map((c, i) => [i, c] as const))("trace %i", (_i, trace) => {
    let state = ClientState.start(trace.start, 0);
    for (const event of trace.events) {
      if (event.kind === "edit") {
        state = state.edit(ChangeSet.fromWire(state.text, event.changes));
        expect(state.text).toBe(event.text);
      } else if (event.kind === "send") {
        const [next, out] = state.send(event.id as string);
        state = next;
        expect(out).not.toBeNull();
        expect(out!.base).toBe(event.base);
        expect(out!.changes.toWire()).toEqual(event.changes);
      } else {
        const changes = ChangeSet.fromWire(state.confirmed, event.changes);
        const before = state.text;
        const [next, shown] = state.receive(event.revision as number, changes, event.id as string | null);
        expect(shown.apply(before)).toBe(next.text);
        state = next;
        expect(state.confirmed).toBe(event.confirmed);
        expect(state.text).toBe(event.text);
      }
    }
  });
});
