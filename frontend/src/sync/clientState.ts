/**
 * The client side of live editing as an immutable state machine: a port of
 * app/engine/client_state.py (docs/protocol.md, "A client's state").
 *
 * - ``confirmed``: the server's text at ``revision``;
 * - ``inflight``: at most one edit sent and not yet seen in an ``edits`` frame, against
 *   ``confirmed``;
 * - ``buffer``: local edits made since, against ``confirmed`` + ``inflight``.
 *
 * Invariant: ``text === buffer.apply(inflight.apply(confirmed))``.
 */
import { ChangeSet } from "./changes";
import { diffToChanges, refine } from "./textdiff";
import { negate, transform, type Priority } from "./transform";

const REFINE_TIMEOUT_S = 0.05;

export class RevisionGap extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RevisionGap";
  }
}

export interface Pending {
  readonly id: string;
  readonly changes: ChangeSet;
}

export interface Outgoing {
  readonly id: string;
  readonly base: number;
  readonly changes: ChangeSet;
}

export class ClientState {
  private constructor(
    readonly confirmed: string,
    readonly revision: number,
    readonly text: string,
    readonly inflight: Pending | null,
    readonly buffer: ChangeSet | null,
  ) {}

  static start(text: string, revision: number): ClientState {
    return new ClientState(text, revision, text, null, null);
  }

  /** Nothing in flight or buffered: the user sees the server's text. */
  get isSettled(): boolean {
    return this.inflight === null && this.buffer === null;
  }

  /** Everything not yet committed, against ``confirmed`` (null when settled). */
  get pending(): ChangeSet | null {
    if (this.inflight === null) return this.buffer;
    return this.buffer === null ? this.inflight.changes : this.inflight.changes.then(this.buffer);
  }

  /** A local edit against {@link text}. */
  edit(changes: ChangeSet): ClientState {
    const buffer = this.buffer === null ? changes : this.buffer.then(changes);
    return new ClientState(
      this.confirmed,
      this.revision,
      changes.apply(this.text),
      this.inflight,
      unlessEmpty(buffer),
    );
  }

  /**
   * Put the buffer in flight if nothing is; the message to send, if any. With
   * ``split``, only the first part of the buffer goes (for edits over the size limit).
   */
  send(id: string, split?: (c: ChangeSet) => [ChangeSet, ChangeSet] | null): [ClientState, Outgoing | null] {
    if (this.inflight !== null || this.buffer === null) return [this, null];
    let first = this.buffer;
    let rest: ChangeSet | null = null;
    const parts = split?.(this.buffer) ?? null;
    if (parts !== null) [first, rest] = parts;
    const state = new ClientState(
      this.confirmed,
      this.revision,
      this.text,
      { id, changes: first },
      rest === null ? null : unlessEmpty(rest),
    );
    return [state, state.outgoing()];
  }

  /** The in-flight edit as a message: to send again after a reconnect. */
  outgoing(): Outgoing | null {
    if (this.inflight === null) return null;
    return { id: this.inflight.id, base: this.revision, changes: this.inflight.changes };
  }

  /**
   * A commit from the server; the new state and the change to show (against the
   * previous {@link text}). Commits already seen change nothing.
   */
  receive(revision: number, changes: ChangeSet, id: string | null): [ClientState, ChangeSet] {
    if (revision <= this.revision) return [this, ChangeSet.empty(this.text.length)];
    if (revision !== this.revision + 1) {
      throw new RevisionGap(`expected revision ${this.revision + 1}, got ${revision}`);
    }
    if (this.inflight !== null && id === this.inflight.id) return this.acknowledged(changes);
    return this.remote(changes);
  }

  /**
   * The server refused the in-flight edit (it was not applied): undo it locally and
   * keep the buffer. Returns the new state, the change to show and the refused edit.
   */
  rejectInflight(): [ClientState, ChangeSet, Pending | null] {
    const inflight = this.inflight;
    if (inflight === null) return [this, ChangeSet.empty(this.text.length), null];
    const inverse = inflight.changes.invert(this.confirmed);
    let buffer = this.buffer;
    let shown = inverse;
    if (buffer !== null) {
      [buffer, shown] = [transform(buffer, inverse, true), transform(inverse, buffer, false)];
      buffer = unlessEmpty(buffer);
    }
    const state = new ClientState(this.confirmed, this.revision, shown.apply(this.text), null, buffer);
    return [state, shown, inflight];
  }

  /** Take the in-flight edit back into the buffer: the server said it did not apply it. */
  unsend(): ClientState {
    if (this.inflight === null) return this;
    const buffer = this.buffer === null ? this.inflight.changes : this.inflight.changes.then(this.buffer);
    return new ClientState(this.confirmed, this.revision, this.text, null, unlessEmpty(buffer));
  }

  /** Rebuild a state from its parts (restoring unsaved work); checks the invariant. */
  static restore(
    confirmed: string,
    revision: number,
    inflight: Pending | null,
    buffer: ChangeSet | null,
  ): ClientState {
    let text = confirmed;
    if (inflight !== null) text = inflight.changes.apply(text);
    if (buffer !== null) text = buffer.apply(text);
    return new ClientState(confirmed, revision, text, inflight, buffer);
  }

  /**
   * Adopt a server snapshot (welcome with ``text``, or ``snapshot``) carrying over the
   * local edits not yet committed: they are transformed over the difference between
   * the text they were made on and the server's. ``committed`` holds the ids the
   * server says it has already applied. Returns the state and the change to show.
   */
  reset(text: string, revision: number, committed: ReadonlySet<string>): [ClientState, ChangeSet] {
    const old = this;
    let base = old.confirmed;
    let mine: ChangeSet = ChangeSet.empty(base.length);
    if (old.inflight !== null) {
      if (committed.has(old.inflight.id)) {
        base = old.inflight.changes.apply(base);
        mine = ChangeSet.empty(base.length);
      } else {
        mine = old.inflight.changes;
      }
    }
    if (old.buffer !== null) mine = mine.then(old.buffer);
    const theirs = diffOrEmpty(base, text);
    const ours = mine.isEmpty ? mine : transform(mine, theirs, false);
    let state = ClientState.start(text, revision);
    if (!ours.isEmpty) state = state.edit(ours);
    // What the user sees changes from old.text to state.text.
    const shown = diffOrEmpty(old.text, state.text);
    return [state, shown];
  }

  private remote(changes: ChangeSet): [ClientState, ChangeSet] {
    if (this.inflight === null) return this.advance(changes, null, changes, false);
    const mine = this.inflight.changes;
    const inflight: Pending = { id: this.inflight.id, changes: transform(mine, changes, false) };
    return this.advance(changes, inflight, transform(changes, mine, true), false);
  }

  private acknowledged(committed: ChangeSet): [ClientState, ChangeSet] {
    const assumed = this.inflight!.changes;
    let shown: ChangeSet;
    if (committed.equals(assumed)) {
      shown = ChangeSet.empty(assumed.newLength);
    } else {
      const difference = assumed.invert(this.confirmed).then(committed);
      shown = refine(difference, assumed.apply(this.confirmed), REFINE_TIMEOUT_S);
    }
    return this.advance(committed, null, shown, afterOwnText(assumed));
  }

  private advance(
    committed: ChangeSet,
    inflight: Pending | null,
    shown: ChangeSet,
    bufferFirst: Priority,
  ): [ClientState, ChangeSet] {
    let buffer = this.buffer;
    if (buffer !== null) {
      [buffer, shown] = [
        transform(buffer, shown, bufferFirst),
        transform(shown, buffer, negate(bufferFirst)),
      ];
      buffer = unlessEmpty(buffer);
    }
    const state = new ClientState(
      committed.apply(this.confirmed),
      this.revision + 1,
      shown.apply(this.text),
      inflight,
      buffer,
    );
    return [state, shown];
  }
}

/**
 * Tie rule for when the server's version of one's own edit arrives: text typed right
 * after one's own new text stays with it (inside one's alternative of a conflict);
 * text typed before it or elsewhere goes after the server's markup.
 */
function afterOwnText(own: ChangeSet): (pos: number) => boolean {
  const starts: number[] = [];
  const ends: number[] = [];
  let d = 0;
  for (const r of own.replaces) {
    const s = r.start + d;
    starts.push(s);
    ends.push(s + r.text.length);
    d += r.text.length - (r.end - r.start);
  }
  return (pos: number) => {
    // bisect_left(ends, pos)
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo < ends.length && starts[lo]! < pos;
  };
}

function unlessEmpty(changes: ChangeSet): ChangeSet | null {
  return changes.isEmpty ? null : changes;
}

function diffOrEmpty(a: string, b: string): ChangeSet {
  if (a === b) return ChangeSet.empty(a.length);
  return diffToChanges(a, b, 1.0);
}

