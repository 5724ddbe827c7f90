/**
 * The live editor: CodeMirror 6 bound to the sync client. Local transactions become
 * edits; the server's changes are dispatched as remote transactions (outside the undo
 * history); brackets, locks and cursors come from the server and move with the text.
 *
 * CodeMirror lives in a shadow root so that its styles mount as a constructed
 * stylesheet (allowed by style-src 'self'); in a document it would inject <style>.
 */
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { Compartment, EditorState, type Transaction } from "@codemirror/state";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { EditorView, drawSelection, highlightSpecialChars, keymap } from "@codemirror/view";
import { bracketAt, type ParsedBracket, type ParseResult } from "../notation/parse";
import { ChangeSet, rep, type Replace } from "../sync/changes";
import type { BracketObject } from "../sync/protocol";
import type { SyncClient } from "../sync/client";
import { bracketPlugin, cursorField, linePlugin, parsed, serverIndex } from "./decorations";
import {
  addLock,
  clearCursors,
  locks,
  patchServerBrackets,
  remoteChange,
  remoteCursors,
  removeLock,
  serverBrackets,
  setCursor,
  setLocks,
  setServerBrackets,
  touchesLock,
  type LockRange,
  type ServerBracket,
} from "./fields";
import { accordTheme, REMOTE_COLORS } from "./theme";

export interface CursorInfo {
  /** The innermost bracket at the cursor, and its group's members (itself if lone). */
  bracket: ParsedBracket | null;
  members: ParsedBracket[];
  /** Server bracket for each member (null when not known yet). */
  server: (ServerBracket | null)[];
  selection: { from: number; to: number };
  lock: LockRange | null;
  parse: ParseResult;
}

export interface EditorOptions {
  parent: HTMLElement;
  sync: SyncClient;
  text: string;
  editable: boolean;
  /** Chairs may edit locked paragraphs. */
  mayEditLocked: boolean;
  label: string;
  onCursor(info: CursorInfo): void;
  onLockedTyping(lock: LockRange): void;
}

export class DocumentEditor {
  readonly view: EditorView;
  private readonly editable = new Compartment();
  private readonly lockGuard = new Compartment();
  private cursorFrame = 0;
  private inLocal = false;
  private readonly queue: ChangeSet[] = [];
  private mayEditLocked: boolean;

  constructor(private readonly options: EditorOptions) {
    this.mayEditLocked = options.mayEditLocked;
    const root = options.parent.attachShadow({ mode: "open" });
    const holder = document.createElement("div");
    holder.className = "accord-editor";
    holder.style.height = "100%"; // CSSOM, not a style attribute: the CSP allows it
    root.appendChild(holder);
    this.view = new EditorView({
      root,
      parent: holder,
      state: EditorState.create({
        doc: options.text,
        extensions: [
          // Only \n ends a line: a \r stays a character, as the server counts it.
          EditorState.lineSeparator.of("\n"),
          history(),
          drawSelection(),
          highlightSpecialChars(),
          EditorView.lineWrapping,
          EditorView.perLineTextDirection.of(true),
          search({ top: true }),
          highlightSelectionMatches(),
          keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap]),
          this.editable.of(editableExt(options.editable)),
          this.lockGuard.of(this.lockFilter()),
          serverBrackets,
          locks,
          remoteCursors,
          bracketPlugin,
          linePlugin,
          cursorField,
          accordTheme,
          EditorView.contentAttributes.of({
            "aria-label": options.label,
            "aria-multiline": "true",
            spellcheck: "true",
          }),
          EditorView.updateListener.of((u) => {
            for (const tr of u.transactions) this.onTransaction(tr);
            if (u.selectionSet || u.docChanged || u.focusChanged) this.cursorMoved(u.selectionSet || u.focusChanged);
          }),
        ],
      }),
    });
    this.scheduleCursor();
  }

  destroy(): void {
    cancelAnimationFrame(this.cursorFrame);
    this.view.destroy();
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  setEditable(editable: boolean): void {
    this.view.dispatch({ effects: this.editable.reconfigure(editableExt(editable)) });
  }

  setMayEditLocked(may: boolean): void {
    this.mayEditLocked = may;
    this.view.dispatch({ effects: this.lockGuard.reconfigure(this.lockFilter()) });
  }

  /**
   * Apply the server's change (against the visible text before it). Changes that
   * arrive while the editor is handing a local edit to the sync client (a refusal
   * found before sending, say) wait for that update to end.
   */
  applyRemote(shown: ChangeSet): void {
    this.queue.push(shown);
    if (!this.inLocal) this.drain();
  }

  private drain(): void {
    const queued = this.queue.splice(0);
    for (const shown of queued) {
      if (shown.isEmpty) continue;
      this.view.dispatch({
        changes: shown.replaces.map((r) => ({ from: r.start, to: r.end, insert: r.text })),
        annotations: [remoteChange.of(true)],
        filter: false,
      });
    }
    if (queued.length) this.verify();
  }

  /** The visible text must be the sync client's; if not (a bug), adopt the client's. */
  verify(): void {
    const expected = this.options.sync.text;
    const doc = this.view.state.doc;
    if (doc.length === expected.length && doc.toString() === expected) return;
    console.error("accord: editor and sync state diverged; adopting the sync state");
    this.view.dispatch({
      changes: { from: 0, to: doc.length, insert: expected },
      annotations: [remoteChange.of(true)],
      filter: false,
    });
  }

  // -- server state ---------------------------------------------------------------

  setBrackets(revision: number, brackets: BracketObject[]): void {
    this.view.dispatch({ effects: setServerBrackets.of(this.mapBrackets(revision, brackets)) });
  }

  patchBrackets(revision: number, created: BracketObject[], changed: BracketObject[], ended: string[]): void {
    this.view.dispatch({
      effects: patchServerBrackets.of({
        created: this.mapBrackets(revision, created),
        changed: this.mapBrackets(revision, changed),
        ended,
      }),
    });
  }

  private mapBrackets(revision: number, brackets: BracketObject[]): ServerBracket[] {
    const out: ServerBracket[] = [];
    for (const b of brackets) {
      const open = this.options.sync.mapFromRevision(b.open, revision, 1);
      const close = this.options.sync.mapFromRevision(b.close, revision, 1);
      if (open === null || close === null) continue;
      out.push({ id: b.id, open, close, origin: b.origin, group: b.group, label: b.label, depth: b.depth });
    }
    return out;
  }

  /** Locks from GET /locks (current text, revision unknown): checked against their text. */
  setLocks(list: { id: number; start: number; end: number; text: string }[]): void {
    const text = this.text;
    const out: LockRange[] = [];
    for (const l of list) {
      const placed = placeLock(text, l.start, l.end, l.text);
      if (placed !== null) out.push({ id: l.id, from: placed[0], to: placed[1], text: l.text });
    }
    this.view.dispatch({ effects: setLocks.of(out) });
  }

  /** A lock from an ``event`` frame: positions in the text at ``revision``. */
  addLock(revision: number, l: { id: number; start: number; end: number; text: string }): void {
    const sync = this.options.sync;
    let from = sync.mapFromRevision(l.start, revision, 1);
    let to = sync.mapFromRevision(l.end, revision, -1);
    if (from === null || to === null) {
      const placed = placeLock(this.text, l.start, l.end, l.text);
      if (placed === null) return;
      [from, to] = placed;
    }
    this.view.dispatch({ effects: addLock.of({ id: l.id, from, to: Math.max(from, to), text: l.text }) });
  }

  removeLock(id: number): void {
    this.view.dispatch({ effects: removeLock.of(id) });
  }

  setCursor(
    session: string,
    entry: { name: string; delegation: string | null; anchor: number; head: number; revision: number } | null,
  ): void {
    if (entry === null) {
      this.view.dispatch({ effects: setCursor.of({ session, cursor: null }) });
      return;
    }
    const sync = this.options.sync;
    // After text inserted right at a cursor: people's carets follow their own typing.
    const anchor = sync.mapFromRevision(entry.anchor, entry.revision, 1);
    const head = sync.mapFromRevision(entry.head, entry.revision, 1);
    if (anchor === null || head === null) return;
    this.view.dispatch({
      effects: setCursor.of({
        session,
        cursor: { session, name: entry.name, delegation: entry.delegation, anchor, head, color: colorOf(session) },
      }),
    });
  }

  clearCursors(): void {
    this.view.dispatch({ effects: clearCursors.of(null) });
  }

  // -- the user's side ------------------------------------------------------------

  cursorInfo(): CursorInfo {
    const state = this.view.state;
    const parse = parsed(state);
    const sel = state.selection.main;
    const bracket = bracketAt(parse, sel.head);
    const members =
      bracket === null ? [] : bracket.group >= 0 ? parse.groups[bracket.group]!.members.map((i) => parse.brackets[i]!) : [bracket];
    const index = serverIndex(state);
    const server = members.map((m) => index.get(`${m.open}:${m.close}`) ?? null);
    const line = state.doc.lineAt(sel.head);
    const lock = state.field(locks).find((l) => l.from <= line.to && l.to >= line.from && l.to > l.from) ?? null;
    return { bracket, members, server, selection: { from: sel.from, to: sel.to }, lock, parse };
  }

  focus(): void {
    this.view.focus();
  }

  /** Share the caret again (its server coordinates change once our typing is saved). */
  sharePresence(): void {
    const sel = this.view.state.selection.main;
    this.options.sync.setPresence({ anchor: sel.anchor, head: sel.head });
  }

  select(from: number, to = from): void {
    this.view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
  }

  private lockFilter() {
    if (this.mayEditLocked) return [];
    return EditorState.changeFilter.of((tr) => {
      if (!tr.docChanged || tr.annotation(remoteChange)) return true;
      const list = tr.startState.field(locks);
      let hit: LockRange | null = null;
      tr.changes.iterChangedRanges((fromA, toA) => {
        hit ??= list.find((l) => touchesLock(l, fromA, toA)) ?? null;
      });
      if (hit !== null) {
        const lock = hit;
        queueMicrotask(() => this.options.onLockedTyping(lock));
        return false;
      }
      return true;
    });
  }

  private onTransaction(tr: Transaction): void {
    if (!tr.docChanged || tr.annotation(remoteChange)) return;
    const reps: Replace[] = [];
    tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
      reps.push(rep(fromA, toA, inserted.toString()));
    });
    this.inLocal = true;
    try {
      this.options.sync.localEdit(ChangeSet.of(tr.startState.doc.length, reps));
    } finally {
      this.inLocal = false;
    }
    if (this.queue.length) queueMicrotask(() => this.drain());
  }

  private cursorMoved(selectionMoved: boolean): void {
    if (selectionMoved) {
      // Others keep seeing where one works while one uses the side panel.
      const sel = this.view.state.selection.main;
      this.options.sync.setPresence({ anchor: sel.anchor, head: sel.head });
    }
    this.scheduleCursor();
  }

  private scheduleCursor(): void {
    if (this.cursorFrame) return;
    this.cursorFrame = requestAnimationFrame(() => {
      this.cursorFrame = 0;
      this.options.onCursor(this.cursorInfo());
    });
  }

  /** Called when the server brackets changed, so the panel can pick up new ids. */
  refreshCursor(): void {
    this.scheduleCursor();
  }
}

function editableExt(editable: boolean) {
  return [EditorView.editable.of(true), EditorState.readOnly.of(!editable)];
}

/** Where a lock's text is: at its offsets if they still hold it, else the nearest copy. */
function placeLock(text: string, start: number, end: number, lockText: string): [number, number] | null {
  if (text.slice(start, end) === lockText) return [start, end];
  if (!lockText) return null;
  let best = -1;
  for (let i = text.indexOf(lockText); i >= 0; i = text.indexOf(lockText, i + 1)) {
    if (best < 0 || Math.abs(i - start) < Math.abs(best - start)) best = i;
  }
  return best < 0 ? null : [best, best + lockText.length];
}

function colorOf(session: string): number {
  let h = 0;
  for (let i = 0; i < session.length; i++) h = (h * 31 + session.charCodeAt(i)) >>> 0;
  return h % REMOTE_COLORS;
}
