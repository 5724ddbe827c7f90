/**
 * The live editing client (docs/protocol.md): one WebSocket per document, at most one
 * edit in flight, a buffer of what is typed meanwhile, rebasing of pending edits over
 * everyone else's, reconnection with resend (same edit id), and a visible state.
 *
 * Typed text is never silently lost: while the connection is down, edits stay in the
 * buffer (and on screen) and are sent on reconnect; an edit the server refuses is
 * undone on screen and reported through ``rejected`` with its text, for the user to
 * copy or retype.
 */
import { ChangeSet, checkUtf16, splitChange, type WireChange } from "./changes";
import { ClientState, RevisionGap, type Outgoing } from "./clientState";
import {
  ERROR_TEXT,
  PROTOCOL_VERSION,
  RESYNC,
  RETRYABLE,
  type BracketObject,
  type BracketsFrame,
  type EditFrame,
  type ErrorFrame,
  type EventFrame,
  type PresenceEntry,
  type ServerFrame,
  type WelcomeFrame,
} from "./protocol";

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export type Status =
  | { kind: "connecting"; attempt: number }
  | { kind: "live" }
  | { kind: "waiting"; attempt: number; retryAt: number; reason: string }
  | { kind: "stopped"; code: string; message: string };

export interface RejectedEdit {
  id: string;
  code: string;
  message: string;
  /** The text the refused edit would have inserted, piece by piece. */
  inserted: string[];
  /** The text it would have removed. */
  removed: string[];
  at: Date;
}

export type BracketUpdate =
  | { kind: "all"; revision: number; brackets: BracketObject[] }
  | { kind: "delta"; frame: BracketsFrame };

/** Unsaved work, kept by the page across a reload (see {@link SyncClient.savedWork}). */
export interface SavedWork {
  document: number;
  revision: number;
  confirmed: string;
  inflight: { id: string; changes: WireChange[] } | null;
  buffer: WireChange[] | null;
}

export interface SyncListener {
  /** The visible text changed by ``shown`` (against the previous visible text). */
  change?(shown: ChangeSet, why: "remote" | "ack" | "reset" | "reject"): void;
  /**
   * The text to show, once: at the first welcome, or at once when unsaved work was
   * restored (``welcome`` is then null: the server has not answered yet).
   */
  ready?(welcome: WelcomeFrame | null, text: string): void;
  /** Every welcome (after each reconnect). */
  joined?(welcome: WelcomeFrame): void;
  status?(status: Status): void;
  /** Pending (unacknowledged) work changed. */
  pending?(): void;
  brackets?(update: BracketUpdate): void;
  presence?(updates: PresenceEntry[], reset: boolean): void;
  event?(frame: EventFrame): void;
  rejected?(edit: RejectedEdit): void;
  problem?(frame: ErrorFrame): void;
}

export interface SyncOptions {
  url: string;
  document: number;
  listener: SyncListener;
  socket?: SocketFactory;
  newId?: () => string;
  /** Largest inserted text per edit message (UTF-16 units); larger edits are split. */
  maxInsertUnits?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  now?: () => number;
  /** Unsaved work from before a reload: joined with its revision and pending id. */
  restore?: SavedWork | null;
}

const HISTORY = 2000;
const FATAL_STOP = new Set(["not_authenticated", "forbidden", "not_found", "unsupported_protocol"]);

export function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class SyncClient {
  state: ClientState | null = null;
  status: Status = { kind: "connecting", attempt: 0 };
  canEdit = false;
  session: string | null = null;
  welcome: WelcomeFrame | null = null;
  readonly rejected: RejectedEdit[] = [];

  private ws: SocketLike | null = null;
  private joined = false;
  private closed = false;
  private attempt = 0;
  private history: { revision: number; changes: ChangeSet }[] = [];
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongDeadline: ReturnType<typeof setTimeout> | null = null;
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private presenceWanted: { anchor: number; head: number } | null | undefined = undefined;
  private presenceSentAt = 0;
  private awaitingSnapshot = false;
  private readySent = false;
  /** Whether unsaved work was restored (and how much, in UTF-16 units). */
  readonly restored: number = 0;
  private nonce = 0;
  private waiters: { resolve: (ok: boolean) => void; timer: ReturnType<typeof setTimeout> }[] = [];
  private readonly socket: SocketFactory;
  private readonly newId: () => string;
  private readonly maxInsert: number;
  private readonly pingMs: number;
  private readonly pongMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SyncOptions) {
    this.socket = options.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.newId = options.newId ?? randomId;
    this.maxInsert = options.maxInsertUnits ?? 32_000;
    this.pingMs = options.pingIntervalMs ?? 20_000;
    this.pongMs = options.pongTimeoutMs ?? 10_000;
    this.now = options.now ?? (() => Date.now());
    const saved = options.restore;
    if (saved && saved.document === options.document) {
      try {
        const inflight = saved.inflight
          ? { id: saved.inflight.id, changes: ChangeSet.fromWire(saved.confirmed, saved.inflight.changes) }
          : null;
        const afterInflight = inflight ? inflight.changes.apply(saved.confirmed) : saved.confirmed;
        const buffer = saved.buffer ? ChangeSet.fromWire(afterInflight, saved.buffer) : null;
        this.state = ClientState.restore(saved.confirmed, saved.revision, inflight, buffer);
        (this as { restored: number }).restored = this.unsavedSize;
      } catch {
        this.state = null; // unusable: start from the server's text
      }
    }
  }

  /** What is typed and not saved yet, to keep across a reload; null when all is saved. */
  savedWork(): SavedWork | null {
    const state = this.state;
    if (state === null || state.isSettled) return null;
    return {
      document: this.options.document,
      revision: state.revision,
      confirmed: state.confirmed,
      inflight: state.inflight ? { id: state.inflight.id, changes: state.inflight.changes.toWire() } : null,
      buffer: state.buffer ? state.buffer.toWire() : null,
    };
  }

  private get on(): SyncListener {
    return this.options.listener;
  }

  // -- public ---------------------------------------------------------------------

  get text(): string {
    return this.state?.text ?? "";
  }

  get revision(): number {
    return this.state?.revision ?? 0;
  }

  get isSettled(): boolean {
    return this.state === null || this.state.isSettled;
  }

  /** UTF-16 units of text typed or removed locally and not yet saved. */
  get unsavedSize(): number {
    const pending = this.state?.pending;
    if (!pending) return 0;
    let n = 0;
    for (const r of pending.replaces) n += Math.max(r.text.length, r.end - r.start);
    return n;
  }

  /** The local text not yet saved: inserted pieces of the pending edits. */
  unsavedText(): string[] {
    const pending = this.state?.pending;
    return pending ? pending.replaces.filter((r) => r.text).map((r) => r.text) : [];
  }

  start(): void {
    this.closed = false;
    if (this.state !== null && !this.readySent) {
      this.readySent = true;
      this.on.ready?.(null, this.state.text);
    }
    this.open();
  }

  close(): void {
    this.closed = true;
    this.clearTimers();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    const ws = this.ws;
    this.detach();
    ws?.close(1000, "closed");
  }

  /** Reconnect now (after the browser comes back online, say). */
  retryNow(): void {
    if (this.closed || this.status.kind === "live" || this.status.kind === "stopped") return;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.open();
  }

  /** A local edit against {@link text}. */
  localEdit(changes: ChangeSet): void {
    if (this.state === null) throw new Error("not joined yet");
    if (changes.isEmpty) return;
    this.state = this.state.edit(changes);
    this.flush();
    this.notifyPending();
  }

  /** Resolves true once everything typed is saved, false after ``timeoutMs``. */
  whenSettled(timeoutMs: number): Promise<boolean> {
    if (this.isSettled && this.joined) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Map a position in the text at ``revision`` to the visible text; null when the
   * client cannot (a revision too old, or not reached yet).
   */
  mapFromRevision(pos: number, revision: number, assoc: -1 | 1 = 1): number | null {
    const state = this.state;
    if (state === null || revision > state.revision || pos < 0) return null;
    let p = pos;
    if (revision < state.revision) {
      const first = this.history.findIndex((h) => h.revision === revision + 1);
      if (first < 0) return null;
      for (let i = first; i < this.history.length; i++) {
        const c = this.history[i]!.changes;
        if (p > c.baseLength) return null;
        p = c.mapPosition(p, assoc);
      }
    }
    const pending = state.pending;
    if (pending !== null) {
      if (p > pending.baseLength) return null;
      p = pending.mapPosition(p, assoc);
    }
    return p <= state.text.length ? p : null;
  }

  /** A visible position as a position in the confirmed text (at {@link revision}). */
  toConfirmed(pos: number): number {
    const state = this.state;
    if (state === null) return pos;
    const pending = state.pending;
    if (pending === null) return Math.min(pos, state.text.length);
    return pending.invert(state.confirmed).mapPosition(Math.min(pos, state.text.length), -1);
  }

  /** Share the cursor or selection (visible positions); null hides it. Throttled. */
  setPresence(cursor: { anchor: number; head: number } | null): void {
    this.presenceWanted = cursor;
    if (this.presenceTimer !== null) return;
    const wait = Math.max(0, 100 - (this.now() - this.presenceSentAt));
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      this.sendPresence();
    }, wait);
  }

  // -- connection -----------------------------------------------------------------

  private open(): void {
    this.detach();
    this.joined = false;
    this.setStatus({ kind: "connecting", attempt: this.attempt });
    let ws: SocketLike;
    try {
      ws = this.socket(this.options.url);
    } catch {
      this.scheduleReconnect("cannot open a connection");
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.sendJoin();
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onerror = () => {
      /* a close follows */
    };
    ws.onclose = (ev) => this.onClose(ev.code, ev.reason);
  }

  private sendJoin(): void {
    const join: Record<string, unknown> = {
      type: "join",
      protocol: PROTOCOL_VERSION,
      document: this.options.document,
    };
    if (this.state !== null) {
      join.revision = this.state.revision;
      if (this.state.inflight !== null) join.pending = [this.state.inflight.id];
    }
    this.raw(join);
  }

  private detach(): void {
    if (this.ws !== null) {
      this.ws.onopen = this.ws.onmessage = this.ws.onerror = this.ws.onclose = null;
      this.ws = null;
    }
    this.stopPing();
  }

  private onClose(code: number, reason: string): void {
    this.detach();
    this.joined = false;
    if (this.closed || this.status.kind === "stopped") return;
    if (code === 4401) {
      this.stop("not_authenticated", ERROR_TEXT.not_authenticated!);
      return;
    }
    this.scheduleReconnect(reason || (code === 4408 ? "the connection was too slow" : "connection lost"));
  }

  private scheduleReconnect(reason: string): void {
    if (this.closed) return;
    this.attempt++;
    const delay = Math.min(5000, 250 * 2 ** Math.min(this.attempt - 1, 5)) * (0.75 + Math.random() * 0.5);
    this.setStatus({ kind: "waiting", attempt: this.attempt, retryAt: this.now() + delay, reason });
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, delay);
  }

  /** Drop this connection and join again with our revision and pending id. */
  private rejoin(reason: string): void {
    const ws = this.ws;
    this.detach();
    ws?.close(4000, reason);
    this.joined = false;
    this.open();
  }

  private stop(code: string, message: string): void {
    this.setStatus({ kind: "stopped", code, message });
    this.clearTimers();
    const ws = this.ws;
    this.detach();
    ws?.close(1000, code);
  }

  private clearTimers(): void {
    for (const t of [this.reconnectTimer, this.retryTimer, this.presenceTimer]) {
      if (t !== null) clearTimeout(t);
    }
    this.reconnectTimer = this.retryTimer = this.presenceTimer = null;
    this.stopPing();
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      this.raw({ type: "ping", nonce: ++this.nonce });
      if (this.pongDeadline === null) {
        this.pongDeadline = setTimeout(() => {
          this.pongDeadline = null;
          // Nothing heard: the connection is dead even if the socket has not noticed.
          this.rejoinAfterSilence();
        }, this.pongMs);
      }
    }, this.pingMs);
  }

  private rejoinAfterSilence(): void {
    const ws = this.ws;
    this.detach();
    ws?.close(4000, "no answer");
    this.scheduleReconnect("the server stopped answering");
  }

  private stopPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.pongDeadline !== null) clearTimeout(this.pongDeadline);
    this.pingTimer = this.pongDeadline = null;
  }

  private raw(frame: Record<string, unknown>): boolean {
    if (this.ws === null) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private setStatus(status: Status): void {
    this.status = status;
    this.on.status?.(status);
  }

  // -- frames -----------------------------------------------------------------------

  private onMessage(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer));
    } catch {
      return;
    }
    if (this.pongDeadline !== null) {
      clearTimeout(this.pongDeadline);
      this.pongDeadline = null;
    }
    switch (frame.type) {
      case "welcome":
        this.onWelcome(frame);
        break;
      case "edits":
        if (!this.awaitingSnapshot) this.onEdits(frame.edits);
        break;
      case "snapshot":
        this.onSnapshot(frame.text, frame.revision, frame.brackets);
        break;
      case "brackets":
        if (!this.awaitingSnapshot) this.on.brackets?.({ kind: "delta", frame });
        break;
      case "presence":
        this.on.presence?.(frame.updates, false);
        break;
      case "event":
        this.on.event?.(frame);
        break;
      case "error":
        this.onError(frame);
        break;
      default:
        break; // ack (the edits frame already acknowledged), pong, result
    }
    this.notifyWaiters();
  }

  private onWelcome(w: WelcomeFrame): void {
    this.joined = true;
    this.welcome = w;
    this.session = w.session;
    this.canEdit = w.can_edit;
    this.attempt = 0;
    this.awaitingSnapshot = false;
    if (this.state === null) {
      this.state = ClientState.start(w.text ?? "", w.revision);
      this.history = [];
    } else if (w.text === undefined) {
      this.onEdits(w.edits ?? [], false);
    } else {
      const committed = new Set(Object.keys(w.committed ?? {}));
      const [state, shown] = this.state.reset(w.text, w.revision, committed);
      this.state = state;
      this.history = [];
      this.on.change?.(shown, "reset");
    }
    if (!this.readySent) {
      this.readySent = true;
      this.on.ready?.(w, this.state.text);
    }
    this.on.joined?.(w);
    this.on.brackets?.({ kind: "all", revision: w.revision, brackets: w.brackets ?? [] });
    this.on.presence?.(w.presence ?? [], true);
    this.setStatus({ kind: "live" });
    this.startPing();
    this.resend();
    this.notifyPending();
  }

  private onEdits(edits: EditFrame[], flush = true): void {
    for (const edit of edits) {
      const state = this.state!;
      let changes: ChangeSet;
      try {
        changes = ChangeSet.fromWire(state.confirmed, edit.changes);
      } catch {
        if (edit.revision <= state.revision) continue;
        this.requestSnapshot();
        return;
      }
      let next: ClientState;
      let shown: ChangeSet;
      try {
        [next, shown] = state.receive(edit.revision, changes, edit.id);
      } catch (err) {
        if (err instanceof RevisionGap) {
          this.rejoin("revision gap");
          return;
        }
        throw err;
      }
      if (next === state) continue;
      const own = state.inflight !== null && edit.id === state.inflight.id;
      this.state = next;
      this.history.push({ revision: edit.revision, changes });
      if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
      if (own && this.retryTimer !== null) {
        clearTimeout(this.retryTimer);
        this.retryTimer = null;
      }
      if (!shown.isEmpty || own) this.on.change?.(shown, own ? "ack" : "remote");
    }
    if (flush) this.flush();
    this.notifyPending();
  }

  private onSnapshot(text: string, revision: number, brackets: BracketObject[]): void {
    if (this.state === null) return;
    if (this.state.inflight !== null) {
      // Whether the in-flight edit landed is unknown here: ask by joining again.
      this.rejoin("snapshot with an edit in flight");
      return;
    }
    this.awaitingSnapshot = false;
    const [state, shown] = this.state.reset(text, revision, new Set());
    this.state = state;
    this.history = [];
    this.on.change?.(shown, "reset");
    this.on.brackets?.({ kind: "all", revision, brackets });
    this.flush();
    this.notifyPending();
  }

  private requestSnapshot(): void {
    if (this.state !== null) this.state = this.state.unsend();
    this.awaitingSnapshot = true;
    this.raw({ type: "resync" });
  }

  private onError(frame: ErrorFrame): void {
    const state = this.state;
    const inflight = state?.inflight ?? null;
    if (frame.fatal) {
      if (FATAL_STOP.has(frame.code)) {
        this.stop(frame.code, ERROR_TEXT[frame.code] ?? frame.message);
      }
      // Others (slow_consumer...): the close follows and we reconnect.
      this.on.problem?.(frame);
      return;
    }
    if (inflight === null || frame.id !== inflight.id) {
      this.on.problem?.(frame);
      return;
    }
    if (RETRYABLE.has(frame.code)) {
      const delay = frame.code === "rate_limited" ? 400 : 1000;
      if (this.retryTimer !== null) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.resend();
      }, delay);
      return;
    }
    if (RESYNC.has(frame.code)) {
      this.requestSnapshot();
      return;
    }
    // Refused as sent (REFUSED, or anything unknown about this edit): undo it on screen,
    // keep its text for the user, go on with what was typed since.
    this.refuse(frame.code, ERROR_TEXT[frame.code] ?? frame.message);
  }

  private refuse(code: string, message: string): void {
    const state = this.state!;
    const confirmed = state.confirmed;
    const [next, shown, refused] = state.rejectInflight();
    this.state = next;
    if (refused !== null) {
      const rejected: RejectedEdit = {
        id: refused.id,
        code,
        message,
        inserted: refused.changes.replaces.filter((r) => r.text).map((r) => r.text),
        removed: refused.changes.replaces
          .filter((r) => r.end > r.start)
          .map((r) => confirmed.slice(r.start, r.end)),
        at: new Date(this.now()),
      };
      this.rejected.push(rejected);
      this.on.change?.(shown, "reject");
      this.on.rejected?.(rejected);
    }
    this.flush();
    this.notifyPending();
  }

  private resend(): void {
    const out = this.state?.outgoing() ?? null;
    if (out !== null) this.sendEdit(out);
    else this.flush();
  }

  private flush(): void {
    if (!this.joined || !this.canEdit || this.state === null || this.awaitingSnapshot) return;
    if (this.state.inflight !== null || this.state.buffer === null) return;
    const [state, out] = this.state.send(this.newId(), (c) => splitChange(c, this.maxInsert));
    this.state = state;
    if (out !== null) this.sendEdit(out);
  }

  private sendEdit(out: Outgoing): void {
    const problem = checkUtf16(this.state!.confirmed, out.changes);
    if (problem !== null) {
      this.refuse(problem, ERROR_TEXT[problem] ?? problem);
      return;
    }
    this.raw({ type: "edit", id: out.id, base: out.base, changes: out.changes.toWire() });
  }

  private sendPresence(): void {
    if (!this.joined || this.state === null || this.presenceWanted === undefined) return;
    const wanted = this.presenceWanted;
    this.presenceWanted = undefined;
    this.presenceSentAt = this.now();
    const cursor =
      wanted === null
        ? null
        : { anchor: this.toConfirmed(wanted.anchor), head: this.toConfirmed(wanted.head) };
    this.raw({ type: "presence", revision: this.state.revision, cursor });
  }

  private notifyPending(): void {
    this.on.pending?.();
    this.notifyWaiters();
  }

  private notifyWaiters(): void {
    if (!this.joined || !this.isSettled || this.waiters.length === 0) return;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }
}
