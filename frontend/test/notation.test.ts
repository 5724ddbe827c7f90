import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bracketAt, parseBrackets } from "../src/notation/parse";

describe("bracket notation (docs/notation.md)", () => {
  it("matches, nests and groups like the server's parser", () => {
    const text = "Each Party [shall][should] report [below 1.5 °C [or] [well] below 2 °C].";
    const r = parseBrackets(text);
    expect(r.brackets.map((b) => [text.slice(b.open, b.close + 1), b.depth])).toEqual([
      ["[shall]", 1],
      ["[should]", 1],
      ["[below 1.5 °C [or] [well] below 2 °C]", 1],
      ["[or]", 2],
      ["[well]", 2],
    ]);
    expect(r.groups.map((g) => [g.members, g.kind])).toEqual([
      [[0, 1], "adjacent"],
      [[3, 4], "spaced"],
    ]);
  });

  it("reads slashes, labels and line breaks as section 4 says", () => {
    const text = "[Each Party] / [All Parties]\n[Alt 1: a.]\n[Alt 2: b.]\n[x]\n[y]";
    const r = parseBrackets(text);
    expect(r.groups.map((g) => g.kind)).toEqual(["slash", "labelled"]);
    const alt = r.brackets[2]!;
    expect(text.slice(...alt.label!)).toBe("Alt 1:");
    expect(r.brackets[4]!.group).toBe(-1); // [x] and [y]: separate paragraphs
  });

  it("honours escapes and reports unmatched delimiters", () => {
    const text = "US\\$100 \\[not\\] \\\\[yes] ] [open";
    const r = parseBrackets(text);
    expect(r.brackets.map((b) => text.slice(b.open, b.close + 1))).toEqual(["[yes]"]);
    expect(r.unmatchedClose).toEqual([text.indexOf("] [")]);
    expect(r.unmatchedOpen).toEqual([text.lastIndexOf("[")]);
  });

  it("counts UTF-16 units: emoji, CJK and Arabic", () => {
    const text = "👍🏽 [中文][العربية] 😀[x]";
    const r = parseBrackets(text);
    expect(r.brackets.map((b) => b.open)).toEqual([5, 9, 21]);
    expect(text.slice(r.brackets[1]!.open + 1, r.brackets[1]!.close)).toBe("العربية");
    expect(r.groups).toHaveLength(1);
    expect(bracketAt(r, 22)?.index).toBe(2);
    expect(bracketAt(r, 10)?.index).toBe(1);
    expect(bracketAt(r, 2)).toBeNull();
  });

  it("flattens nesting past the depth limit", () => {
    const r = parseBrackets("[a [b [c]]]", 2);
    expect(r.brackets.map((b) => [b.depth, b.parent])).toEqual([
      [1, -1],
      [2, 0],
      [2, 0],
    ]);
  });
});


interface NotationCase {
  text: string;
  max_depth: number;
  brackets: [number, number, number, number, number, [number, number] | null][];
  groups: [number[], string][];
  unmatched: [number, number];
}

const cases = (
  JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url), "utf-8")) as {
    notation: NotationCase[];
  }
).notation;

describe("parser matches app/engine/notation.py", () => {
  it.each(cases.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    const r = parseBrackets(c.text, c.max_depth);
    expect(r.brackets.map((b) => [b.open, b.close, b.depth, b.parent, b.group, b.label])).toEqual(
      c.brackets,
    );
    expect(r.groups.map((g) => [g.members, g.kind])).toEqual(c.groups);
    expect([r.unmatchedOpen.length, r.unmatchedClose.length]).toEqual(c.unmatched);
  });
});
