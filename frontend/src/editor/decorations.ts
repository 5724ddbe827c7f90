/** What the editor paints: brackets by depth, groups, conflicts, locks, cursors, bidi. */
import { RangeSetBuilder, type EditorState, type Range } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  ViewPlugin,
  WidgetType,
  type DecorationSet,
  type ViewUpdate,
} from "@codemirror/view";
import { bracketAt, parseBrackets, type ParseResult } from "../notation/parse";
import { locks, remoteCursors, serverBrackets, type RemoteCursor, type ServerBracket } from "./fields";

/** The parse of the visible text, cached per document version. */
const parseCache = new WeakMap<object, ParseResult>();
export function parsed(state: EditorState): ParseResult {
  let r = parseCache.get(state.doc);
  if (r === undefined) {
    r = parseBrackets(state.doc.toString());
    parseCache.set(state.doc, r);
  }
  return r;
}

/** Server brackets by their delimiters' positions. */
export function serverIndex(state: EditorState): Map<string, ServerBracket> {
  const map = new Map<string, ServerBracket>();
  for (const b of state.field(serverBrackets)) map.set(`${b.open}:${b.close}`, b);
  return map;
}

const mark = (cls: string, attrs?: Record<string, string>) =>
  Decoration.mark(attrs ? { class: cls, attributes: attrs } : { class: cls });

function bracketDecorations(view: EditorView): DecorationSet {
  const state = view.state;
  const r = parsed(state);
  const index = serverIndex(state);
  const ranges: Range<Decoration>[] = [];
  const { from: vFrom, to: vTo } = view.viewport;
  const active = bracketAt(r, state.selection.main.head);
  const activeGroup = active !== null && active.group >= 0 ? active.group : -1;
  for (const b of r.brackets) {
    if (b.close < vFrom || b.open > vTo) continue;
    const server = index.get(`${b.open}:${b.close}`);
    const d = (b.depth - 1) % 4;
    const isActive = active !== null && (b.index === active.index || (activeGroup >= 0 && b.group === activeGroup));
    const delim = `cm-bd cm-bd-${d}${isActive ? " cm-bd-active" : ""}${server?.origin === "conflict" ? " cm-bd-conflict" : ""}`;
    ranges.push(mark(delim).range(b.open, b.open + 1));
    ranges.push(mark(delim).range(b.close, b.close + 1));
    if (b.close > b.open + 1) {
      let cls = `cm-bc cm-bc-${d}`;
      if (server?.origin === "conflict") cls += " cm-conflict";
      if (b.group >= 0) cls += r.groups[b.group]!.members.indexOf(b.index) % 2 ? " cm-alt-b" : " cm-alt-a";
      const attrs: Record<string, string> = {};
      if (server?.origin === "conflict") attrs.title = "Conflict: both versions were kept as alternatives";
      ranges.push(mark(cls, attrs).range(b.open + 1, b.close));
    }
    if (b.label !== null) ranges.push(mark("cm-label").range(b.label[0], b.label[1]));
  }
  for (const g of r.groups) {
    if (g.end < vFrom || g.start > vTo) continue;
    ranges.push(mark(`cm-group${g.index === activeGroup ? " cm-group-active" : ""}`).range(g.start, g.end));
  }
  for (const pos of [...r.unmatchedOpen, ...r.unmatchedClose]) {
    if (pos < vFrom || pos > vTo) continue;
    ranges.push(mark("cm-unmatched", { title: "Unmatched bracket" }).range(pos, pos + 1));
  }
  return Decoration.set(ranges, true);
}

export const bracketPlugin = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = bracketDecorations(view);
    }
    update(u: ViewUpdate) {
      const serverChanged = u.startState.field(serverBrackets) !== u.state.field(serverBrackets);
      if (u.docChanged || u.viewportChanged || u.selectionSet || serverChanged) {
        this.decorations = bracketDecorations(u.view);
      }
    }
  },
  { decorations: (v) => v.decorations },
);

const autoLine = Decoration.line({ attributes: { dir: "auto" } });

/** dir="auto" on every line (Arabic and Latin paragraphs side by side) and locks. */
function lineDecorations(view: EditorView): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  const state = view.state;
  const locked = state.field(locks);
  for (const { from, to } of view.visibleRanges) {
    for (let pos = from; pos <= to; ) {
      const line = state.doc.lineAt(pos);
      const isLocked = locked.some((l) => l.from <= line.to && l.to >= line.from && l.to > l.from);
      builder.add(
        line.from,
        line.from,
        isLocked
          ? Decoration.line({
              class: "cm-locked-line",
              attributes: { dir: "auto", title: "Agreed ad referendum: locked" },
            })
          : autoLine,
      );
      pos = line.to + 1;
    }
  }
  return builder.finish();
}

export const linePlugin = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = lineDecorations(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged || u.startState.field(locks) !== u.state.field(locks)) {
        this.decorations = lineDecorations(u.view);
      }
    }
  },
  { decorations: (v) => v.decorations },
);

class CaretWidget extends WidgetType {
  constructor(readonly cursor: RemoteCursor) {
    super();
  }
  override eq(other: CaretWidget): boolean {
    return (
      other.cursor.name === this.cursor.name &&
      other.cursor.delegation === this.cursor.delegation &&
      other.cursor.color === this.cursor.color
    );
  }
  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = `cm-remote-caret cm-rc-${this.cursor.color}`;
    caret.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "cm-remote-label";
    const who = this.cursor.delegation ? `${this.cursor.delegation} · ${this.cursor.name}` : this.cursor.name;
    label.textContent = who; // user text: as text, never HTML
    caret.appendChild(label);
    return caret;
  }
  override ignoreEvent(): boolean {
    return true;
  }
}

function cursorDecorations(state: EditorState): DecorationSet {
  const ranges: Range<Decoration>[] = [];
  const length = state.doc.length;
  for (const c of state.field(remoteCursors).values()) {
    const head = Math.min(c.head, length);
    const anchor = Math.min(c.anchor, length);
    if (anchor !== head) {
      ranges.push(
        Decoration.mark({ class: `cm-remote-sel cm-rc-${c.color}` }).range(Math.min(anchor, head), Math.max(anchor, head)),
      );
    }
    ranges.push(Decoration.widget({ widget: new CaretWidget(c), side: 1 }).range(head));
  }
  return Decoration.set(ranges, true);
}

export const cursorField = EditorView.decorations.compute([remoteCursors], cursorDecorations);
