/**
 * Operational transformation of change sets: a port of ``transform`` in
 * app/engine/rebase.py (UTF-16 units instead of code points; the rules are the same).
 *
 * ``transform(a, b, aFirst)`` returns ``a'``, to apply after ``b``, such that
 * ``b.then(transform(a, b, x))`` and ``a.then(transform(b, a, !x))`` give the same text.
 * A replacement counts as a deletion of its range plus an insertion of its text at its
 * start: deletions keep only what the other side has not deleted (overlaps delete the
 * union) and never delete the other side's new text; inserted text is never lost. At a
 * point strictly inside the other's replaced range, or at its end, it goes after the
 * other's new text. When both start at one point, a pure insertion goes before a
 * replacement's text; two of the same kind are ordered by ``aFirst`` (a flag, or a
 * function of the tie's base position).
 */
import { ChangeError, ChangeSet, rep, type Replace } from "./changes";

export type Priority = boolean | ((pos: number) => boolean);

export function transform(a: ChangeSet, b: ChangeSet, aFirst: Priority): ChangeSet {
  if (a.baseLength !== b.baseLength) {
    throw new ChangeError("base_mismatch", "change sets have different bases");
  }
  if (b.isEmpty) return a;
  const other = new Mapped(b);
  const out: Replace[] = [];
  for (const r of a.replaces) out.push(...other.transformOne(r, aFirst));
  return ChangeSet.of(b.newLength, out);
}

export function negate(priority: Priority): Priority {
  if (typeof priority === "boolean") return !priority;
  return (pos: number) => !priority(pos);
}

function bisectLeft(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bisectRight(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A change set with lookup tables for mapping many positions through it. */
export class Mapped {
  private readonly reps: readonly Replace[];
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly newStarts: number[];
  private readonly deltas: number[];

  constructor(changes: ChangeSet) {
    this.reps = changes.replaces;
    this.deltas = [0];
    this.starts = [];
    this.ends = [];
    this.newStarts = [];
    for (const r of this.reps) {
      const d = this.deltas[this.deltas.length - 1]!;
      this.newStarts.push(r.start + d);
      this.starts.push(r.start);
      this.ends.push(r.end);
      this.deltas.push(d + r.text.length - (r.end - r.start));
    }
  }

  /** Index of the replacement whose closed range holds ``pos`` (at most one). */
  private reaching(pos: number): number | null {
    const i = bisectLeft(this.ends, pos);
    return i < this.starts.length && this.starts[i]! <= pos ? i : null;
  }

  private after(i: number): number {
    return this.newStarts[i]! + this.reps[i]!.text.length;
  }

  /** Map a kept position; ``after`` puts it after new text inserted right there. */
  map(pos: number, after: boolean): number {
    const i = this.reaching(pos);
    if (i === null) return pos + this.deltas[bisectRight(this.starts, pos)]!;
    const r = this.reps[i]!;
    const beforeText = pos === r.start && (r.start < r.end || !after);
    return beforeText ? this.newStarts[i]! : this.after(i);
  }

  private insertionPoint(r: Replace, first: Priority): number {
    const i = this.reaching(r.start);
    if (i === null) return r.start + this.deltas[bisectRight(this.starts, r.start)]!;
    const q = this.reps[i]!;
    if (q.start < r.start) return this.after(i);
    const pure = r.start === r.end;
    const qPure = q.start === q.end;
    return goesFirst(pure, qPure, first, r.start) ? this.newStarts[i]! : this.after(i);
  }

  private *keptPieces(r: Replace): Generator<[number, number]> {
    let cur = r.start;
    let i = bisectLeft(this.ends, r.start);
    while (i < this.starts.length && this.starts[i]! < r.end) {
      if (this.starts[i]! > cur) yield [cur, this.starts[i]!];
      cur = Math.max(cur, this.ends[i]!);
      i++;
    }
    if (cur < r.end) yield [cur, r.end];
  }

  *transformOne(r: Replace, first: Priority): Generator<Replace> {
    if (r.text) {
      const point = this.insertionPoint(r, first);
      yield rep(point, point, r.text);
    }
    for (const [lo, hi] of this.keptPieces(r)) {
      yield rep(this.map(lo, true), this.map(hi, false), "");
    }
  }
}

function goesFirst(pure: boolean, otherPure: boolean, first: Priority, pos: number): boolean {
  if (pure !== otherPure) return pure;
  return typeof first === "boolean" ? first : first(pos);
}
