/**
 * Bracket matching, nesting, labels and groups of alternatives, as in
 * app/engine/notation_scan.py (docs/notation.md sections 2-5 and 8), in UTF-16 units.
 * Used to decorate the text the user sees as it is typed; bracket ids come from the
 * server. Paragraph-level options (section 6) are not parsed here.
 */

export interface ParsedBracket {
  index: number;
  open: number;
  close: number;
  depth: number;
  parent: number; // -1: none
  group: number; // -1: a lone bracket
  label: [number, number] | null;
  crossing: boolean;
}

export type GroupKind = "labelled" | "slash" | "spaced" | "adjacent";

export interface ParsedGroup {
  index: number;
  members: number[];
  kind: GroupKind;
  start: number;
  end: number;
}

export interface ParseResult {
  brackets: ParsedBracket[];
  groups: ParsedGroup[];
  unmatchedOpen: number[];
  unmatchedClose: number[];
}

const LABEL =
  /[^\S\n]*((?:alternative|alt|option)\.?(?:[^\S\n]*[0-9]{1,6}[a-z]*|(?:[^\S\n]+|(?<=\.))(?:[ivxlc]+|[a-z]))[^\S\n]*:)/iy;
const LABEL_WINDOW = 160;

export function parseBrackets(text: string, maxDepth = 32): ParseResult {
  const limit = Math.max(1, maxDepth);
  // Scan: pair delimiters with a stack.
  const opens: number[] = [];
  const closes: number[] = [];
  const parents: number[] = [];
  const openLines: number[] = [];
  const crossingSlots = new Set<number>();
  const stray: number[] = [];
  const stack: number[] = [];
  let lines = 0;
  for (let pos = 0; pos < text.length; pos++) {
    const c = text.charCodeAt(pos);
    if (c === 0x5c /* \\ */) {
      const n = text.charCodeAt(pos + 1);
      if (n === 0x5c || n === 0x5b || n === 0x5d) pos++;
    } else if (c === 0x5b /* [ */) {
      parents.push(stack.length ? stack[stack.length - 1]! : -1);
      stack.push(opens.length);
      opens.push(pos);
      closes.push(-1);
      openLines.push(lines);
    } else if (c === 0x5d /* ] */) {
      const slot = stack.pop();
      if (slot === undefined) stray.push(pos);
      else {
        closes[slot] = pos;
        if (openLines[slot] !== lines) crossingSlots.add(slot);
      }
    } else if (c === 0x0a) {
      lines++;
    }
  }
  // Table: matched pairs in opening order, nesting bounded by the limit.
  const indexOf = new Array<number>(opens.length).fill(-1);
  const brackets: ParsedBracket[] = [];
  const trueDepths: number[] = [];
  const unmatchedOpen: number[] = [];
  for (let slot = 0; slot < opens.length; slot++) {
    const close = closes[slot]!;
    if (close < 0) {
      unmatchedOpen.push(opens[slot]!);
      continue;
    }
    const index = brackets.length;
    indexOf[slot] = index;
    const rawParent = parents[slot]!;
    let parent = rawParent >= 0 ? indexOf[rawParent]! : -1;
    const trueDepth = parent >= 0 ? trueDepths[parent]! + 1 : 1;
    if (trueDepth > limit) parent = brackets[parent]!.parent;
    trueDepths.push(trueDepth);
    brackets.push({
      index,
      open: opens[slot]!,
      close,
      depth: Math.min(trueDepth, limit),
      parent,
      group: -1,
      label: findLabel(text, opens[slot]!, close),
      crossing: crossingSlots.has(slot),
    });
  }
  // Groups: consecutive siblings separated only by whitespace and slashes.
  const groups: ParsedGroup[] = [];
  const lastChild = new Map<number, number>();
  const hasSlash: boolean[] = [];
  const hasSpace: boolean[] = [];
  for (const b of brackets) {
    if (trueDepths[b.index]! > limit) continue;
    const previous = lastChild.get(b.parent);
    lastChild.set(b.parent, b.index);
    if (previous === undefined) continue;
    const left = brackets[previous]!;
    const gap = joins(text, left, b);
    if (gap === null) continue;
    let g = left.group;
    if (g < 0) {
      g = groups.length;
      groups.push({ index: g, members: [previous], kind: "adjacent", start: left.open, end: 0 });
      hasSlash.push(false);
      hasSpace.push(false);
      left.group = g;
    }
    groups[g]!.members.push(b.index);
    b.group = g;
    hasSlash[g] = hasSlash[g]! || gap.includes("/");
    hasSpace[g] = hasSpace[g]! || gap.length > 0;
  }
  for (const g of groups) {
    const last = brackets[g.members[g.members.length - 1]!]!;
    g.end = last.close + 1;
    if (g.members.some((m) => brackets[m]!.label !== null)) g.kind = "labelled";
    else if (hasSlash[g.index]) g.kind = "slash";
    else if (hasSpace[g.index]) g.kind = "spaced";
  }
  return { brackets, groups, unmatchedOpen, unmatchedClose: stray };
}

function findLabel(text: string, open: number, close: number): [number, number] | null {
  const window = text.slice(open + 1, Math.min(close, open + 1 + LABEL_WINDOW));
  LABEL.lastIndex = 0;
  const m = LABEL.exec(window);
  if (m === null || m[1] === undefined) return null;
  const start = open + 1 + m.index + m[0].length - m[1].length;
  return [start, start + m[1].length];
}

/** The separator between two siblings if they join one group, else null. */
function joins(text: string, left: ParsedBracket, right: ParsedBracket): string | null {
  const start = left.close + 1;
  const end = right.open;
  const gap = text.slice(start, end);
  if (!/^[\s/]*$/.test(gap)) return null;
  if (!gap.includes("\n")) return gap;
  return left.label !== null && right.label !== null ? gap : null;
}

/** The innermost bracket around ``pos`` (a cursor: between units), or null. */
export function bracketAt(result: ParseResult, pos: number): ParsedBracket | null {
  let best: ParsedBracket | null = null;
  for (const b of result.brackets) {
    if (b.open > pos) break;
    if (pos <= b.close + 1 && b.open <= pos) {
      // Brackets are in opening order: a later one that holds pos is deeper.
      if (best === null || b.depth >= best.depth) best = b;
    }
  }
  return best;
}
