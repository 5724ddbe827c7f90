/**
 * History: a slider over every revision of the text (GET compare from=r:K), and the
 * comparison of two versions (named revisions Rev.N, any r:K, or the current text).
 */
import { api, type ComparisonRead, type RevisionRead, type SegmentRead } from "../api";
import { announce, clear, formatTime, h } from "../dom";

/** Render segments line by line, each line dir="auto", every piece as text. */
export function renderSegments(
  segments: SegmentRead[],
  show: { insert: boolean; delete: boolean; marks: boolean },
): HTMLElement {
  const out = h("div", { class: "segments" });
  let line = h("div", { class: "seg-line", dir: "auto" });
  out.append(line);
  for (const seg of segments) {
    if (seg.kind === "insert" && !show.insert) continue;
    if (seg.kind === "delete" && !show.delete) continue;
    const parts = seg.text.split("\n");
    parts.forEach((part, i) => {
      if (i > 0) {
        if (line.childNodes.length === 0) line.append(h("br"));
        line = h("div", { class: "seg-line", dir: "auto" });
        out.append(line);
      }
      if (!part) return;
      if (seg.kind === "equal" || !show.marks) line.append(part);
      else if (seg.kind === "insert") line.append(h("ins", null, part));
      else line.append(h("del", null, part));
    });
  }
  if (line.childNodes.length === 0) line.append(h("br"));
  return out;
}

export class HistoryPanel {
  readonly root: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly sliderLabel: HTMLElement;
  private readonly view: HTMLElement;
  private readonly marks: HTMLInputElement;
  private readonly fromSel: HTMLSelectElement;
  private readonly toSel: HTMLSelectElement;
  private readonly compareOut: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private latest = 0;
  private following = true;
  private request = 0;
  private last: ComparisonRead | null = null;

  constructor(
    private readonly documentId: number,
    private readonly currentRevision: () => number,
  ) {
    this.slider = h("input", { type: "range", id: "history-slider", min: "0", max: "0", step: "1", value: "0", "aria-describedby": "history-label" });
    this.sliderLabel = h("output", { id: "history-label", for: "history-slider" });
    this.marks = h("input", { type: "checkbox", id: "history-marks", checked: true });
    this.view = h("div", { class: "history-text", id: "history-text", tabindex: "0", "aria-label": "The text at the chosen revision" });
    this.slider.addEventListener("input", () => {
      this.following = Number(this.slider.value) === Number(this.slider.max);
      this.describe();
      this.loadSoon();
    });
    this.marks.addEventListener("change", () => this.paint());
    this.fromSel = h("select", { id: "compare-from" });
    this.toSel = h("select", { id: "compare-to" });
    this.compareOut = h("div", { class: "compare-out", "aria-live": "polite" });
    const compareForm = h(
      "form",
      { class: "compare" },
      h("h3", null, "Compare two versions"),
      h("div", { class: "field" }, h("label", { for: "compare-from" }, "From"), this.fromSel),
      h("div", { class: "field" }, h("label", { for: "compare-to" }, "To"), this.toSel),
      h("button", { type: "submit" }, "Compare"),
    );
    compareForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.compare();
    });
    this.root = h(
      "section",
      { class: "history", "aria-labelledby": "history-h" },
      h("h2", { id: "history-h" }, "History"),
      h("div", { class: "field" }, h("label", { for: "history-slider" }, "Revision"), this.slider, this.sliderLabel),
      h("div", { class: "check" }, this.marks, h("label", { for: "history-marks" }, "Mark what changed since then")),
      this.view,
      compareForm,
      this.compareOut,
    );
  }

  /** Keep the slider's range up to date; it follows the live text when at its end. */
  setRevision(revision: number): void {
    this.latest = revision;
    this.slider.max = String(revision);
    if (this.following) this.slider.value = String(revision);
    this.describe();
  }

  async show(): Promise<void> {
    this.setRevision(this.currentRevision());
    await Promise.all([this.load(), this.loadRevisions()]);
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
  }

  async loadRevisions(): Promise<void> {
    let revisions: RevisionRead[] = [];
    try {
      revisions = await api.revisions(this.documentId);
    } catch {
      /* the selects keep "current" only */
    }
    const options = (selected: string) => [
      ...revisions.map((r) =>
        h("option", { value: `rev:${r.number}`, selected: `rev:${r.number}` === selected }, `${r.name}${r.label ? ` (${r.label})` : ""} · r${r.revision} · ${formatTime(r.created_at)}`),
      ),
      h("option", { value: "r:0", selected: selected === "r:0" }, "The first text (r0)"),
      h("option", { value: "current", selected: selected === "current" }, "The current text"),
    ];
    const from = this.fromSel.value || (revisions.length ? `rev:${revisions[revisions.length - 1]!.number}` : "r:0");
    const to = this.toSel.value || "current";
    this.fromSel.replaceChildren(...options(from));
    this.toSel.replaceChildren(...options(to));
  }

  private describe(): void {
    const k = Number(this.slider.value);
    this.sliderLabel.textContent = k === this.latest ? `r${k} (now)` : `r${k} of ${this.latest}`;
    this.slider.setAttribute("aria-valuetext", this.sliderLabel.textContent);
  }

  private loadSoon(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.load();
    }, 200);
  }

  private async load(): Promise<void> {
    const k = Number(this.slider.value);
    const token = ++this.request;
    try {
      const result = await api.compare(this.documentId, `r:${k}`, "current");
      if (token !== this.request) return;
      this.last = result;
      this.paint();
      this.view.dataset.revision = String(k);
      announce(`Showing the text at revision ${k}`);
    } catch (err) {
      if (token !== this.request) return;
      clear(this.view);
      this.view.append(h("p", { class: "error" }, `Could not load revision ${k}: ${(err as Error).message}`));
    }
  }

  private paint(): void {
    if (!this.last) return;
    clear(this.view);
    // The text at r:K is what the comparison keeps and deletes; marks show the changes since.
    this.view.append(renderSegments(this.last.segments, { insert: this.marks.checked, delete: true, marks: this.marks.checked }));
  }

  private async compare(): Promise<void> {
    clear(this.compareOut);
    try {
      const result = await api.compare(this.documentId, this.fromSel.value, this.toSel.value);
      const label = (v: ComparisonRead["from"]) => (v.kind === "named" ? `${v.name ?? v.ref} (r${v.revision})` : v.kind === "current" ? `current (r${v.revision})` : `r${v.revision}`);
      this.compareOut.append(
        h(
          "p",
          { class: "muted" },
          `${label(result.from)} → ${label(result.to)}: `,
          result.changed ? `${result.counts.inserted_words} words inserted, ${result.counts.deleted_words} deleted` : "no change",
          result.coarse ? " (coarse comparison)" : "",
        ),
        renderSegments(result.segments, { insert: true, delete: true, marks: true }),
      );
    } catch (err) {
      this.compareOut.append(h("p", { class: "error" }, `Could not compare: ${(err as Error).message}`));
    }
  }
}
