/**
 * Change sets in UTF-16 code units: a TypeScript port of app/engine/changes.py.
 *
 * The Python engine counts code points; the wire, JavaScript strings and CodeMirror
 * count UTF-16 code units. Every algorithm here is unit-agnostic, so this port works on
 * UTF-16 natively: offsets are string indices. A change set never splits a surrogate
 * pair as long as its inputs do not (validated by {@link ChangeSet.fromWire} and
 * {@link checkUtf16}).
 *
 * Normal form, as in Python: replacements sorted, neither overlapping nor touching
 * (touching ones are merged), none empty. Two change sets in normal form are equal
 * exactly when they do the same to every text.
 */

export interface Replace {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export type WireChange = [number, number, string];
export type Assoc = -1 | 1;

export class ChangeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "ChangeError";
  }
}

export function rep(start: number, end: number, text = ""): Replace {
  return { start, end, text };
}

function delta(r: Replace): number {
  return r.text.length - (r.end - r.start);
}

export class ChangeSet {
  private constructor(
    readonly baseLength: number,
    readonly replaces: readonly Replace[],
  ) {}

  /** The empty change on a text of ``baseLength`` units. */
  static empty(baseLength: number): ChangeSet {
    if (baseLength < 0) throw new ChangeError("out_of_range", "negative base length");
    return new ChangeSet(baseLength, []);
  }

  /** Sorted, non-overlapping replacements; touching ones merge, empty ones vanish. */
  static of(baseLength: number, replaces: Iterable<Replace>): ChangeSet {
    if (baseLength < 0) throw new ChangeError("out_of_range", "negative base length");
    return new ChangeSet(baseLength, normalise(baseLength, replaces));
  }

  static single(baseLength: number, start: number, end: number, text = ""): ChangeSet {
    return ChangeSet.of(baseLength, [rep(start, end, text)]);
  }

  /** Validate ``[[from, to, insert], ...]`` against ``base`` (the protocol's checks). */
  static fromWire(base: string, wire: unknown): ChangeSet {
    if (!Array.isArray(wire)) throw new ChangeError("bad_shape", "changes must be a list");
    const out: Replace[] = [];
    let floor = 0;
    for (const entry of wire) {
      if (!Array.isArray(entry) || entry.length !== 3) {
        throw new ChangeError("bad_shape", "each change must be [from, to, insert]");
      }
      const [start, end, text] = entry as unknown[];
      if (!Number.isInteger(start) || !Number.isInteger(end) || typeof text !== "string") {
        throw new ChangeError("bad_shape", "each change must be [int, int, string]");
      }
      const s = start as number;
      const e = end as number;
      if (s < 0 || e > base.length || s > base.length) {
        throw new ChangeError("out_of_range", `[${s}, ${e}] outside 0..${base.length}`);
      }
      if (s > e || s < floor) {
        throw new ChangeError("unordered", "changes must be sorted and must not overlap");
      }
      if (splitsSurrogate(base, s) || splitsSurrogate(base, e)) {
        throw new ChangeError("splits_surrogate", `offset inside a surrogate pair`);
      }
      if (text.includes("\u0000") || hasLoneSurrogate(text)) {
        throw new ChangeError("bad_text", "inserted text holds NUL or a lone surrogate");
      }
      out.push(rep(s, e, text));
      floor = e;
    }
    return ChangeSet.of(base.length, out);
  }

  toWire(): WireChange[] {
    return this.replaces.map((r) => [r.start, r.end, r.text]);
  }

  get isEmpty(): boolean {
    return this.replaces.length === 0;
  }

  get newLength(): number {
    let n = this.baseLength;
    for (const r of this.replaces) n += delta(r);
    return n;
  }

  apply(text: string): string {
    if (text.length !== this.baseLength) {
      throw new ChangeError("base_mismatch", `text has ${text.length}, not ${this.baseLength}`);
    }
    if (this.replaces.length === 0) return text;
    const parts: string[] = [];
    let pos = 0;
    for (const r of this.replaces) {
      parts.push(text.slice(pos, r.start), r.text);
      pos = r.end;
    }
    parts.push(text.slice(pos));
    return parts.join("");
  }

  /** This change followed by ``other`` (made against this change's result). */
  then(other: ChangeSet): ChangeSet {
    return compose(this, other);
  }

  /** The change that undoes this one, against the new text. */
  invert(baseText: string): ChangeSet {
    if (baseText.length !== this.baseLength) {
      throw new ChangeError("base_mismatch", "base text length differs");
    }
    const inverse: Replace[] = [];
    let d = 0;
    for (const r of this.replaces) {
      const start = r.start + d;
      inverse.push(rep(start, start + r.text.length, baseText.slice(r.start, r.end)));
      d += delta(r);
    }
    return ChangeSet.of(this.newLength, inverse);
  }

  equals(other: ChangeSet): boolean {
    if (this.baseLength !== other.baseLength) return false;
    if (this.replaces.length !== other.replaces.length) return false;
    return this.replaces.every((r, i) => {
      const o = other.replaces[i]!;
      return r.start === o.start && r.end === o.end && r.text === o.text;
    });
  }

  /**
   * Where a position (a gap between units) lands in the new text. Boundaries of a
   * replaced range stay outside it; at an insertion point or strictly inside a replaced
   * range, ``assoc`` picks the side: -1 before the new text, 1 after.
   */
  mapPosition(pos: number, assoc: Assoc = -1): number {
    if (pos < 0 || pos > this.baseLength) {
      throw new ChangeError("out_of_range", `position ${pos} outside the text`);
    }
    let d = 0;
    for (const r of this.replaces) {
      if (r.end < pos) {
        d += delta(r);
        continue;
      }
      if (r.start > pos) break;
      const start = r.start + d;
      if (r.start < r.end && (pos === r.start || pos === r.end)) {
        return pos === r.start ? start : start + r.text.length;
      }
      return assoc < 0 ? start : start + r.text.length;
    }
    return pos + d;
  }

  /** New index of the unit at ``index``; null when it was deleted or replaced. */
  mapChar(index: number): number | null {
    let d = 0;
    for (const r of this.replaces) {
      if (r.end <= index) {
        d += delta(r);
        continue;
      }
      if (r.start <= index) return null;
      break;
    }
    return index + d;
  }

  toString(): string {
    return `ChangeSet(${this.baseLength}, ${JSON.stringify(this.toWire())})`;
  }
}

function normalise(baseLength: number, replaces: Iterable<Replace>): Replace[] {
  const out: Replace[] = [];
  let floor = 0;
  for (const r of replaces) {
    if (r.start < 0 || r.end > baseLength) {
      throw new ChangeError("out_of_range", `[${r.start}, ${r.end}) outside 0..${baseLength}`);
    }
    if (r.start > r.end || r.start < floor) {
      throw new ChangeError("unordered", "replacements must be sorted and must not overlap");
    }
    floor = r.end;
    if (r.start === r.end && !r.text) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.end === r.start) {
      out[out.length - 1] = rep(last.start, r.end, last.text + r.text);
    } else {
      out.push(r);
    }
  }
  return out;
}

/** One change set with the effect of ``first`` then ``second``. */
export function compose(first: ChangeSet, second: ChangeSet): ChangeSet {
  if (first.newLength !== second.baseLength) {
    throw new ChangeError("base_mismatch", "second change is not against the first's result");
  }
  if (first.isEmpty) return second;
  if (second.isEmpty) return first;
  return ChangeSet.of(first.baseLength, new Composer(first, second).run());
}

export function composeAll(baseLength: number, changes: readonly ChangeSet[]): ChangeSet {
  let level = [...changes];
  if (level.length === 0) return ChangeSet.empty(baseLength);
  while (level.length > 1) {
    const next: ChangeSet[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(compose(level[i]!, level[i + 1]!));
    if (level.length % 2) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** Port of the Python ``_Composer``: clusters in the intermediate text. */
class Composer {
  private ia = 0;
  private ib = 0;
  private readonly a: readonly Replace[];
  private readonly b: readonly Replace[];
  private readonly spans: [number, number][];

  constructor(first: ChangeSet, second: ChangeSet) {
    this.a = first.replaces;
    this.b = second.replaces;
    this.spans = newSpans(first);
  }

  run(): Replace[] {
    const out: Replace[] = [];
    let d = 0;
    while (this.ia < this.a.length || this.ib < this.b.length) {
      const aLo = this.ia;
      const bLo = this.ib;
      const [start, end] = this.cluster();
      if (bLo === this.ib && this.ia === aLo + 1) {
        const r = this.a[aLo]!;
        out.push(r);
        d += delta(r);
        continue;
      }
      const text = this.text(aLo, bLo, start, end);
      let after = d;
      for (let k = aLo; k < this.ia; k++) after += delta(this.a[k]!);
      out.push(rep(start - d, end - after, text));
      d = after;
    }
    return out;
  }

  private cluster(): [number, number] {
    const aNext = this.ia < this.a.length ? this.spans[this.ia]![0] : null;
    const bNext = this.ib < this.b.length ? this.b[this.ib]!.start : null;
    const start = Math.min(...[aNext, bNext].filter((x): x is number => x !== null));
    let end = start;
    for (;;) {
      if (this.ia < this.a.length && this.spans[this.ia]![0] <= end) {
        end = Math.max(end, this.spans[this.ia]![1]);
        this.ia++;
      } else if (this.ib < this.b.length && this.b[this.ib]!.start <= end) {
        end = Math.max(end, this.b[this.ib]!.end);
        this.ib++;
      } else {
        return [start, end];
      }
    }
  }

  private text(aLo: number, bLo: number, start: number, end: number): string {
    const parts: string[] = [];
    let pos = start;
    let k = aLo;
    for (let j = bLo; j < this.ib; j++) {
      const r = this.b[j]!;
      k = this.firstText(k, pos, r.start, parts);
      parts.push(r.text);
      pos = r.end;
    }
    this.firstText(k, pos, end, parts);
    return parts.join("");
  }

  private firstText(k: number, lo: number, hi: number, parts: string[]): number {
    while (k < this.ia && this.spans[k]![1] <= lo) k++;
    for (let j = k; j < this.ia; j++) {
      const [s, e] = this.spans[j]!;
      if (s >= hi) break;
      const text = this.a[j]!.text;
      parts.push(text.slice(Math.max(lo, s) - s, Math.min(hi, e) - s));
    }
    return k;
  }
}

function newSpans(changes: ChangeSet): [number, number][] {
  const spans: [number, number][] = [];
  let d = 0;
  for (const r of changes.replaces) {
    const start = r.start + d;
    spans.push([start, start + r.text.length]);
    d += delta(r);
  }
  return spans;
}

// -- UTF-16 -------------------------------------------------------------------------

export function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Whether offset ``pos`` falls between the two units of a surrogate pair. */
export function splitsSurrogate(text: string, pos: number): boolean {
  return (
    pos > 0 &&
    pos < text.length &&
    isHigh(text.charCodeAt(pos - 1)) &&
    isLow(text.charCodeAt(pos))
  );
}

export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isHigh(c)) {
      if (i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
        i++;
        continue;
      }
      return true;
    }
    if (isLow(c)) return true;
  }
  return false;
}

/** The protocol's checks of an outgoing change against its base text; null when fine. */
export function checkUtf16(base: string, changes: ChangeSet): string | null {
  for (const r of changes.replaces) {
    if (splitsSurrogate(base, r.start) || splitsSurrogate(base, r.end)) return "splits_surrogate";
    if (r.text.includes("\u0000") || hasLoneSurrogate(r.text)) return "bad_text";
  }
  return null;
}

/** Code points in ``text`` (what the Python engine counts). */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    n++;
    if (isHigh(text.charCodeAt(i)) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) i++;
  }
  return n;
}

/**
 * Split a change in two, ``first.then(rest)`` equal to it, so that ``first`` inserts at
 * most ``maxInsert`` units (never splitting a surrogate pair): for edits over the
 * server's message size limit. Returns null when no split is needed.
 */
export function splitChange(changes: ChangeSet, maxInsert: number): [ChangeSet, ChangeSet] | null {
  const reps = changes.replaces;
  let total = 0;
  for (const r of reps) total += r.text.length;
  if (total <= maxInsert) return null;
  let budget = maxInsert;
  const first: Replace[] = [];
  let i = 0;
  let dBefore = 0;
  while (i < reps.length && reps[i]!.text.length <= budget) {
    first.push(reps[i]!);
    budget -= reps[i]!.text.length;
    dBefore += delta(reps[i]!);
    i++;
  }
  const r = reps[i]!;
  let cut = budget;
  if (cut > 0 && isHigh(r.text.charCodeAt(cut - 1))) cut--;
  if (first.length === 0 && cut === 0) cut = isHigh(r.text.charCodeAt(0)) ? 2 : 1;
  const piece = rep(r.start, r.end, r.text.slice(0, cut));
  first.push(piece);
  const firstSet = ChangeSet.of(changes.baseLength, first);
  const pieceEnd = r.start + dBefore + cut;
  const dAfter = dBefore + delta(piece);
  const rest: Replace[] = [rep(pieceEnd, pieceEnd, r.text.slice(cut))];
  for (let j = i + 1; j < reps.length; j++) {
    const q = reps[j]!;
    rest.push(rep(q.start + dAfter, q.end + dAfter, q.text));
  }
  return [firstSet, ChangeSet.of(firstSet.newLength, rest)];
}
