/**
 * Change sets from whole texts (port of app/engine/textdiff.py), with
 * diff-match-patch. JavaScript's diff-match-patch works on UTF-16 units, Python's on
 * code points: to diff exactly as the server's engine does (and never cut a surrogate
 * pair), each astral character is stood in for by one private-use character while
 * diffing. Should the texts leave too few of those free, the diff runs on UTF-16 units
 * and replacements are widened to whole surrogate pairs.
 */
import {
  DIFF_DELETE,
  DIFF_EQUAL,
  diffCleanupSemantic,
  diffMain,
  type Diff,
} from "diff-match-patch-es";
import { ChangeSet, isHigh, isLow, rep, type Replace } from "./changes";

/** A change set turning ``oldText`` into ``newText``. */
export function diffToChanges(
  oldText: string,
  newText: string,
  timeoutS: number,
  semantic = true,
): ChangeSet {
  if (oldText === newText) return ChangeSet.empty(oldText.length);
  return ChangeSet.of(oldText.length, replacesOf(oldText, newText, timeoutS, semantic));
}

/** The same effect as ``changes``, narrowed to what differs unit by unit. */
export function refine(changes: ChangeSet, baseText: string, timeoutS: number): ChangeSet {
  if (changes.isEmpty) return changes;
  const start = changes.replaces[0]!.start;
  const end = changes.replaces[changes.replaces.length - 1]!.end;
  const oldWindow = baseText.slice(start, end);
  const parts: string[] = [];
  let pos = start;
  for (const r of changes.replaces) {
    parts.push(baseText.slice(pos, r.start), r.text);
    pos = r.end;
  }
  parts.push(baseText.slice(pos, end));
  const newWindow = parts.join("");
  const pieces = replacesOf(oldWindow, newWindow, timeoutS, false);
  return ChangeSet.of(
    baseText.length,
    pieces.map((p) => rep(p.start + start, p.end + start, p.text)),
  );
}

function replacesOf(oldText: string, newText: string, timeoutS: number, semantic: boolean): Replace[] {
  const coded = encodeAstral(oldText, newText);
  let diffs: Diff[] = diffMain(coded?.a ?? oldText, coded?.b ?? newText, { diffTimeout: timeoutS });
  if (semantic) diffCleanupSemantic(diffs);
  if (coded) diffs = diffs.map(([op, d]) => [op, coded.decode(d)]);
  // Collapse into replacements [start, end) of old with the new text there.
  const raw: Replace[] = [];
  let pos = 0;
  for (const [op, data] of diffs) {
    if (op === DIFF_EQUAL) {
      pos += data.length;
    } else if (op === DIFF_DELETE) {
      pushMerged(raw, rep(pos, pos + data.length, ""));
      pos += data.length;
    } else {
      pushMerged(raw, rep(pos, pos, data));
    }
  }
  return wholePairs(raw, oldText);
}

function pushMerged(out: Replace[], r: Replace): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.end === r.start) {
    out[out.length - 1] = rep(last.start, r.end, last.text + r.text);
  } else {
    out.push(r);
  }
}

/** Widen replacements that cut a surrogate pair of the old text to the whole pair. */
function wholePairs(reps: Replace[], oldText: string): Replace[] {
  const out: Replace[] = [];
  for (let r of reps) {
    if (r.start > 0 && isHigh(oldText.charCodeAt(r.start - 1)) && isLow(oldText.charCodeAt(r.start))) {
      r = rep(r.start - 1, r.end, oldText[r.start - 1] + r.text);
    }
    if (r.end < oldText.length && r.end > 0 && isHigh(oldText.charCodeAt(r.end - 1)) && isLow(oldText.charCodeAt(r.end))) {
      r = rep(r.start, r.end + 1, r.text + oldText[r.end]);
    }
    const last = out[out.length - 1];
    if (last !== undefined && last.end >= r.start) {
      // Widening made two replacements meet: join them over the old text between.
      out[out.length - 1] = rep(
        last.start,
        Math.max(last.end, r.end),
        last.text + oldText.slice(last.end, r.start) + r.text,
      );
    } else {
      out.push(r);
    }
  }
  return out;
}

const PUA_FIRST = 0xe000;
const PUA_LAST = 0xf8ff;

/** Both texts with each astral character replaced by one private-use character. */
function encodeAstral(
  a: string,
  b: string,
): { a: string; b: string; decode: (s: string) => string } | null {
  if (!hasAstral(a) && !hasAstral(b)) return null;
  const used = new Set<number>();
  for (const t of [a, b]) {
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c >= PUA_FIRST && c <= PUA_LAST) used.add(c);
    }
  }
  const toCode = new Map<string, string>();
  const fromCode = new Map<string, string>();
  let next = PUA_FIRST;
  const encode = (t: string): string | null => {
    let out = "";
    for (const ch of t) {
      if (ch.length === 1) {
        out += ch;
        continue;
      }
      let code = toCode.get(ch);
      if (code === undefined) {
        while (next <= PUA_LAST && used.has(next)) next++;
        if (next > PUA_LAST) return null;
        code = String.fromCharCode(next++);
        toCode.set(ch, code);
        fromCode.set(code, ch);
      }
      out += code;
    }
    return out;
  };
  const ea = encode(a);
  const eb = ea === null ? null : encode(b);
  if (ea === null || eb === null) return null;
  const decode = (s: string): string => {
    let out = "";
    for (const ch of s) out += fromCode.get(ch) ?? ch;
    return out;
  };
  return { a: ea, b: eb, decode };
}

function hasAstral(t: string): boolean {
  for (let i = 0; i < t.length; i++) if (isHigh(t.charCodeAt(i))) return true;
  return false;
}
