/**
 * Editor state that comes from the server and moves with the text: bracket identities
 * (ids, origin), locked paragraphs, and other people's cursors. Each is kept in
 * visible-text positions and mapped through every change, local or remote.
 */
import { Annotation, StateEffect, StateField, type ChangeDesc, type Transaction } from "@codemirror/state";

/** Marks transactions that apply the server's changes (not the user's typing). */
export const remoteChange = Annotation.define<boolean>();

export interface ServerBracket {
  id: string;
  open: number;
  close: number;
  origin: string;
  group: string | null;
  label: string | null;
  depth: number;
}

export const setServerBrackets = StateEffect.define<ServerBracket[]>();
export const patchServerBrackets = StateEffect.define<{
  created: ServerBracket[];
  changed: ServerBracket[];
  ended: string[];
}>();

/** Whether a change replaced the unit at ``index`` (an insertion beside it does not). */
function replacedUnit(changes: ChangeDesc, index: number): boolean {
  let hit = false;
  changes.iterChangedRanges((fromA, toA) => {
    if (fromA <= index && toA > index) hit = true;
  });
  return hit;
}

export const serverBrackets = StateField.define<ServerBracket[]>({
  create: () => [],
  update(value, tr: Transaction) {
    let out = value;
    if (tr.docChanged) {
      out = [];
      for (const b of value) {
        if (replacedUnit(tr.changes, b.open) || replacedUnit(tr.changes, b.close)) continue;
        out.push({ ...b, open: tr.changes.mapPos(b.open, 1), close: tr.changes.mapPos(b.close, 1) });
      }
    }
    for (const e of tr.effects) {
      if (e.is(setServerBrackets)) out = [...e.value].sort((a, b) => a.open - b.open);
      else if (e.is(patchServerBrackets)) {
        const gone = new Set([...e.value.ended, ...e.value.changed.map((b) => b.id)]);
        out = [...out.filter((b) => !gone.has(b.id)), ...e.value.created, ...e.value.changed].sort(
          (a, b) => a.open - b.open,
        );
      }
    }
    return out;
  },
});

export interface LockRange {
  id: number;
  from: number;
  to: number;
  text: string;
}

export const setLocks = StateEffect.define<LockRange[]>();
export const addLock = StateEffect.define<LockRange>();
export const removeLock = StateEffect.define<number>();

export const locks = StateField.define<LockRange[]>({
  create: () => [],
  update(value, tr) {
    let out = value;
    if (tr.docChanged) {
      // As the server does: insertions at a lock's edges stay outside it.
      out = value.map((l) => {
        const from = tr.changes.mapPos(l.from, 1);
        return { ...l, from, to: Math.max(from, tr.changes.mapPos(l.to, -1)) };
      });
    }
    for (const e of tr.effects) {
      if (e.is(setLocks)) out = e.value;
      else if (e.is(addLock)) out = [...out.filter((l) => l.id !== e.value.id), e.value];
      else if (e.is(removeLock)) out = out.filter((l) => l.id !== e.value);
    }
    return out;
  },
});

/** Whether a change from ``from`` to ``to`` (an insertion when equal) alters a lock. */
export function touchesLock(lock: LockRange, from: number, to: number): boolean {
  if (from === to) return lock.from < from && from < lock.to;
  return from < lock.to && to > lock.from;
}

export interface RemoteCursor {
  session: string;
  name: string;
  delegation: string | null;
  anchor: number;
  head: number;
  color: number;
}

export const setCursor = StateEffect.define<{ session: string; cursor: RemoteCursor | null }>();
export const clearCursors = StateEffect.define<null>();

export const remoteCursors = StateField.define<Map<string, RemoteCursor>>({
  create: () => new Map(),
  update(value, tr) {
    let out = value;
    if (tr.docChanged) {
      out = new Map();
      for (const [k, c] of value) {
        out.set(k, { ...c, anchor: tr.changes.mapPos(c.anchor, 1), head: tr.changes.mapPos(c.head, 1) });
      }
    }
    for (const e of tr.effects) {
      if (e.is(clearCursors)) out = new Map();
      else if (e.is(setCursor)) {
        out = new Map(out);
        if (e.value.cursor === null) out.delete(e.value.session);
        else out.set(e.value.session, e.value.cursor);
      }
    }
    return out;
  },
});
