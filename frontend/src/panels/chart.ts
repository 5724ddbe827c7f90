/** Open brackets over time: a step chart in SVG (no library), with its data as a table. */
import type { DocumentCounts } from "../api";
import { formatTime, h } from "../dom";

const NS = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

interface Point {
  t: number;
  v: number;
  revision: number;
}

/** Sum per-document step functions into one series over the union of times. */
function total(series: Point[][]): Point[] {
  const times = [...new Set(series.flatMap((s) => s.map((p) => p.t)))].sort((a, b) => a - b);
  return times.map((t) => ({
    t,
    revision: -1,
    v: series.reduce((sum, s) => {
      let last = 0;
      for (const p of s) if (p.t <= t) last = p.v;
      return sum + last;
    }, 0),
  }));
}

export function countsChart(data: DocumentCounts[], caption: string): HTMLElement {
  const series = data.map((d) =>
    d.points.map((p) => ({ t: new Date(p.at).getTime(), v: p.brackets, revision: p.revision })),
  );
  const all = series.flat();
  const figure = h("figure", { class: "chart" });
  if (all.length === 0) {
    figure.append(h("p", { class: "muted" }, "No counts recorded yet."));
    return figure;
  }
  const lines: { name: string; points: Point[]; cls: string }[] = data.map((d, i) => ({
    name: d.symbol,
    points: series[i]!,
    cls: `series-${i % 6}`,
  }));
  if (data.length > 1) lines.push({ name: "All documents", points: total(series), cls: "series-total" });
  const W = 640;
  const H = 240;
  const pad = { l: 44, r: 16, t: 12, b: 36 };
  const t0 = Math.min(...all.map((p) => p.t));
  let t1 = Math.max(...all.map((p) => p.t));
  if (t1 === t0) t1 = t0 + 60_000;
  const vMax = Math.max(1, ...lines.flatMap((l) => l.points.map((p) => p.v)));
  const x = (t: number) => pad.l + ((t - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / vMax) * (H - pad.t - pad.b);
  const last = lines.map((l) => l.points[l.points.length - 1]?.v ?? 0);
  const summary = lines
    .map((l, i) => `${l.name}: ${last[i]} open brackets now (from ${l.points[0]?.v ?? 0})`)
    .join("; ");
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "chart-svg" });
  const title = svg("title", {});
  title.textContent = `${caption}. ${summary}.`;
  root.append(title);
  // Axes and grid.
  for (let i = 0; i <= 4; i++) {
    const v = Math.round((vMax * i) / 4);
    root.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: "grid" }));
    const label = svg("text", { x: pad.l - 6, y: y(v) + 4, class: "axis-label", "text-anchor": "end" });
    label.textContent = String(v);
    root.append(label);
  }
  for (const [t, anchor] of [[t0, "start"], [t1, "end"]] as const) {
    const label = svg("text", { x: x(t), y: H - 10, class: "axis-label", "text-anchor": anchor });
    label.textContent = formatTime(new Date(t));
    root.append(label);
  }
  // Step lines, held to the right edge.
  for (const line of lines) {
    if (line.points.length === 0) continue;
    let d = "";
    line.points.forEach((p, i) => {
      d += i === 0 ? `M${x(p.t)},${y(p.v)}` : `H${x(p.t)}V${y(p.v)}`;
    });
    d += `H${x(t1)}`;
    root.append(svg("path", { d, class: `line ${line.cls}` }));
  }
  figure.append(root);
  const legend = h(
    "ul",
    { class: "legend" },
    lines.map((l, i) => h("li", null, h("span", { class: `swatch ${l.cls}`, "aria-hidden": "true" }), `${l.name}: ${last[i]}`)),
  );
  const rows = data.flatMap((d) =>
    d.points.map((p) =>
      h(
        "tr",
        null,
        h("td", null, d.symbol),
        h("td", { class: "num" }, String(p.revision)),
        h("td", null, formatTime(p.at)),
        h("td", { class: "num" }, String(p.brackets)),
        h("td", { class: "num" }, String(p.groups)),
      ),
    ),
  );
  figure.append(
    h("figcaption", null, caption),
    legend,
    h(
      "details",
      null,
      h("summary", null, "Show the data"),
      h(
        "table",
        { class: "table compact" },
        h(
          "thead",
          null,
          h("tr", null, ...["Document", "Revision", "When", "Brackets", "Groups"].map((c) => h("th", { scope: "col" }, c))),
        ),
        h("tbody", null, rows),
      ),
    ),
  );
  return figure;
}
