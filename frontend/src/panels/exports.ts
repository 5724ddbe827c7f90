/**
 * Export and import: the agreed text, the compilation with proposers or the revision
 * marks in six formats; for the secretariat and the group's chairs, replacing the text
 * from a .docx, .md or .txt file as one live edit.
 */
import {
  ApiError,
  api,
  type AgreementRead,
  type BracketCounts,
  type ExportedFile,
  type ExportFormat,
  type ExportRequest,
  type ExportView,
  type ImportRead,
  type OpenKind,
  type OpenPlace,
  type RevisionRead,
} from "../api";
import { announce, append, clear, h } from "../dom";
import type { DocumentEditor } from "../editor/editor";
import type { SyncClient } from "../sync/client";

export interface ExportPanelOptions {
  documentId: number;
  symbol: string;
  /** Chairs of the group and the secretariat; the server checks again. */
  mayImport: boolean;
  editor: () => DocumentEditor | null;
  sync: SyncClient;
}

const VIEWS: { view: ExportView; label: string; hint: string }[] = [
  { view: "agreed", label: "Agreed text", hint: "The clean text, once no brackets remain." },
  { view: "compilation", label: "Compilation with proposers", hint: "The text with its brackets, each noted with who proposed, co-sponsored or opposed it." },
  { view: "revision", label: "Revision marks", hint: "Insertions and deletions against an earlier version." },
];

const FORMATS: { format: ExportFormat; label: string; ext: string }[] = [
  { format: "docx", label: "Word (.docx)", ext: "docx" },
  { format: "pdf", label: "PDF", ext: "pdf" },
  { format: "html", label: "HTML (web page)", ext: "html" },
  { format: "md", label: "Markdown", ext: "md" },
  { format: "txt", label: "Plain text", ext: "txt" },
  { format: "akn", label: "Akoma Ntoso XML", ext: "akn.xml" },
];

const KINDS: Record<OpenKind, string> = {
  bracket: "bracket",
  group: "alternatives",
  option: "paragraph option",
  unmatched_open: "unmatched [",
  unmatched_close: "unmatched ]",
};

const IMPORT_FORMATS: Record<ImportRead["format"], string> = { docx: "Word", md: "Markdown", txt: "plain text" };

/** Places listed at most; the rest are counted. */
const MAX_LISTED = 200;

/** UTF-16 units taken by the first ``count`` code points of ``text`` (all of it if fewer). */
export function unitsForCodePoints(text: string, count: number): number {
  let units = 0;
  let seen = 0;
  while (seen < count && units < text.length) {
    const code = text.codePointAt(units)!;
    units += code > 0xffff ? 2 : 1;
    seen++;
  }
  return units;
}

/** "1 bracket", "3 brackets". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the bracket counts of an imported text say, in a sentence. */
export function describeCounts(c: BracketCounts): string {
  let text = `${plural(c.brackets, "bracket")}, ${plural(c.groups, "group of alternatives", "groups of alternatives")}, ${plural(c.options, "paragraph option")}`;
  if (c.unmatched_open || c.unmatched_close) {
    text += `; unmatched: ${c.unmatched_open} “[” and ${c.unmatched_close} “]”`;
  }
  return `${text}.`;
}

export class ExportPanel {
  readonly root: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly format: HTMLSelectElement;
  private readonly version: HTMLSelectElement;
  private readonly against: HTMLSelectElement;
  private readonly againstField: HTMLElement;
  private readonly downloadButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly agreementBox: HTMLElement;
  private readonly fileInput: HTMLInputElement | null = null;
  private readonly importButton: HTMLButtonElement | null = null;
  private readonly confirmBox: HTMLElement | null = null;
  private readonly importResult: HTMLElement | null = null;
  private agreementToken = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private busy = false;

  constructor(private readonly o: ExportPanelOptions) {
    const radios = VIEWS.map(({ view, label, hint }, i) => {
      const id = `export-view-${view}`;
      const input = h("input", { type: "radio", name: "export-view", id, value: view, checked: i === 0, "aria-describedby": `${id}-hint` });
      input.addEventListener("change", () => this.viewChanged());
      return h(
        "div",
        { class: "choice" },
        input,
        h("label", { for: id }, label),
        h("span", { class: "muted hint", id: `${id}-hint` }, hint),
      );
    });
    this.format = h("select", { id: "export-format" }, ...FORMATS.map((f) => h("option", { value: f.format }, f.label)));
    this.version = h("select", { id: "export-version" }, h("option", { value: "current" }, "The current text"));
    this.version.addEventListener("change", () => this.viewChanged());
    this.against = h("select", { id: "export-against" }, ...this.againstOptions([]));
    this.againstField = h("div", { class: "field", hidden: true }, h("label", { for: "export-against" }, "Compared with"), this.against);
    this.downloadButton = h("button", { type: "submit", class: "primary", id: "export-download" }, "Download");
    this.status = h("p", { class: "export-status", role: "status" });
    this.agreementBox = h("div", { class: "agreement", "aria-live": "polite" });
    this.form = h(
      "form",
      { class: "export-form", "aria-labelledby": "export-h" },
      h("fieldset", null, h("legend", null, "What to export"), ...radios),
      h("div", { class: "field" }, h("label", { for: "export-format" }, "Format"), this.format),
      h("div", { class: "field" }, h("label", { for: "export-version" }, "Version"), this.version),
      this.againstField,
      h("div", { class: "row" }, this.downloadButton),
    );
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.download(false);
    });
    this.root = h(
      "section",
      { class: "exports", "aria-labelledby": "export-h" },
      h("h2", { id: "export-h" }, "Export"),
      this.form,
      this.status,
      this.agreementBox,
    );

    if (o.mayImport) {
      this.fileInput = h("input", { type: "file", id: "import-file", accept: ".docx,.md,.markdown,.txt,.text" });
      this.importButton = h("button", { type: "button", id: "import-start", disabled: true }, "Replace the text…");
      this.confirmBox = h("div", { class: "confirm-box", role: "group", "aria-label": "Confirm the import", hidden: true });
      this.importResult = h("div", { class: "import-result", "aria-live": "polite" });
      this.fileInput.addEventListener("change", () => {
        this.importButton!.disabled = !this.fileInput!.files?.length;
        this.confirmBox!.hidden = true;
      });
      this.importButton.addEventListener("click", () => this.askToImport());
      this.root.append(
        h(
          "section",
          { class: "import", "aria-labelledby": "import-h" },
          h("h2", { id: "import-h" }, "Import"),
          h(
            "p",
            { class: "muted" },
            "The file's text replaces the draft's as one live edit: everyone connected sees it at once, and brackets whose text is unchanged keep their proposers and positions.",
          ),
          h("div", { class: "field" }, h("label", { for: "import-file" }, "Replace text from file (.docx, .md, .txt)"), this.fileInput),
          h("div", { class: "row" }, this.importButton),
          this.confirmBox,
          this.importResult,
        ),
      );
    }
  }

  /** The tab was opened: fresh revisions and, for the agreed view, what is still open. */
  async show(): Promise<void> {
    await Promise.all([this.loadRevisions(), this.selected().view === "agreed" ? this.checkAgreement() : Promise.resolve()]);
  }

  /** The text changed: refresh the open places while they are on screen (debounced). */
  textChanged(): void {
    if (this.root.closest("[hidden]") || !this.agreementBox.firstChild) return;
    if (this.agreementBox.contains(document.activeElement)) return; // keep keyboard focus
    const { view, version } = this.selected();
    if (view !== "agreed" || version !== "current") return;
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.checkAgreement();
    }, 1500);
  }

  dispose(): void {
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.agreementToken++;
  }

  private selected(): ExportRequest {
    const view = (this.form.querySelector<HTMLInputElement>('input[name="export-view"]:checked')?.value ?? "agreed") as ExportView;
    return {
      view,
      format: this.format.value as ExportFormat,
      version: this.version.value,
      against: this.against.value || undefined,
    };
  }

  private viewChanged(): void {
    const { view, version } = this.selected();
    this.againstField.hidden = view !== "revision";
    this.setStatus("");
    if (view === "agreed" && version === "current") void this.checkAgreement();
    else {
      this.agreementToken++;
      clear(this.agreementBox);
    }
  }

  private async loadRevisions(): Promise<void> {
    let revisions: RevisionRead[];
    try {
      revisions = await api.revisions(this.o.documentId);
    } catch {
      return; // the current text stays exportable
    }
    const label = (r: RevisionRead) => `${r.name}${r.label ? ` (${r.label})` : ""} · r${r.revision}`;
    const version = this.version.value;
    this.version.replaceChildren(
      h("option", { value: "current", selected: version === "current" }, "The current text"),
      ...[...revisions].reverse().map((r) => h("option", { value: `rev:${r.number}`, selected: version === `rev:${r.number}` }, label(r))),
    );
    const against = this.against.value;
    this.against.replaceChildren(...this.againstOptions(revisions));
    this.against.value = [...this.against.options].some((o) => o.value === against) ? against : "";
  }

  private againstOptions(revisions: RevisionRead[]): HTMLOptionElement[] {
    return [
      h("option", { value: "" }, "The base text (else the first text)"),
      h("option", { value: "r:0" }, "The first text (r0)"),
      ...[...revisions].reverse().map((r) => h("option", { value: `rev:${r.number}` }, `${r.name}${r.label ? ` (${r.label})` : ""} · r${r.revision}`)),
    ];
  }

  // -- agreement -----------------------------------------------------------------------

  /** Ask the server what is still open in the current text; null if it could not say. */
  private async checkAgreement(): Promise<AgreementRead | null> {
    const token = ++this.agreementToken;
    if (!this.agreementBox.firstChild) this.agreementBox.append(h("p", { class: "muted" }, "Checking whether the text is agreed…"));
    let agreement: AgreementRead;
    try {
      agreement = await api.agreement(this.o.documentId);
    } catch (err) {
      if (token === this.agreementToken) {
        clear(this.agreementBox);
        this.agreementBox.append(h("p", { class: "error" }, `Could not check the agreement: ${(err as Error).message}`));
      }
      return null;
    }
    if (token !== this.agreementToken) return agreement;
    clear(this.agreementBox);
    if (agreement.agreed) {
      this.agreementBox.append(
        h("p", { class: "agreed-note" }, `Agreed: no brackets remain (revision ${agreement.revision}).`),
      );
    } else {
      this.showOpen(agreement.open, agreement.open.length, agreement.brackets, true);
    }
    return agreement;
  }

  /** The open places, each a way to the text, and the way to export anyway. */
  private showOpen(places: OpenPlace[], total: number, brackets: number | null, current: boolean): void {
    clear(this.agreementBox);
    const anyway = h("button", { type: "button", id: "export-anyway" }, "Export anyway");
    anyway.addEventListener("click", () => void this.download(true));
    const shown = places.slice(0, MAX_LISTED);
    append(
      this.agreementBox,
      h(
        "p",
        { class: "not-agreed" },
        h("strong", null, "Not agreed: "),
        `${plural(total, "open place")} remain${total === 1 ? "s" : ""}`,
        brackets === null ? "" : ` (${plural(brackets, "bracket")})`,
        ". Resolve them, or export anyway: the file then keeps its brackets and says that it is not agreed.",
      ),
      h("div", { class: "row" }, anyway),
      h("h3", { id: "open-places-h" }, "Open places"),
      h(
        "ol",
        { class: "plain open-places", "aria-labelledby": "open-places-h" },
        shown.map((p) =>
          h(
            "li",
            null,
            current ? this.placeButton(p.line, p.column) : h("span", null, `Line ${p.line}, column ${p.column}`),
            " ",
            h("span", { class: "badge" }, KINDS[p.kind] ?? p.kind),
            " ",
            h("q", { dir: "auto", class: "excerpt" }, p.excerpt),
          ),
        ),
      ),
      total > shown.length ? h("p", { class: "muted" }, `… and ${total - shown.length} more.`) : null,
    );
  }

  /** A button that puts the editor's caret at a line and column (1-based, code points). */
  private placeButton(line: number, column: number): HTMLButtonElement {
    const button = h("button", { type: "button", class: "link-button place" }, `Line ${line}, column ${column}`);
    button.addEventListener("click", () => {
      const ed = this.o.editor();
      if (!ed) return;
      const doc = ed.view.state.doc;
      const at = doc.line(Math.min(Math.max(1, line), doc.lines));
      ed.select(at.from + unitsForCodePoints(at.text, column - 1));
      ed.focus();
    });
    return button;
  }

  // -- export --------------------------------------------------------------------------

  private async download(force: boolean): Promise<void> {
    if (this.busy) return;
    const choice: ExportRequest = { ...this.selected(), force };
    this.busy = true;
    this.downloadButton.disabled = true;
    try {
      // What was just typed goes into the file (the server exports what it has).
      await this.o.sync.whenSettled(3000);
      const current = (choice.version ?? "current") === "current";
      if (choice.view === "agreed" && !force && current) {
        this.setStatus("Checking whether the text is agreed…");
        const agreement = await this.checkAgreement();
        if (agreement && !agreement.agreed) {
          this.setStatus("");
          announce(`Not agreed: ${plural(agreement.open.length, "open place")} remain. Export anyway, or resolve them first.`);
          return;
        }
      }
      this.setStatus("Preparing the file…");
      const format = FORMATS.find((f) => f.format === choice.format)!;
      const fallback = `${this.o.symbol.replace(/[^A-Za-z0-9._-]+/g, "_")}-${choice.view}.${format.ext}`;
      let file: ExportedFile;
      try {
        file = await api.exportFile(this.o.documentId, choice, fallback);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && err.code === "not_agreed" && err.problem) {
          // Brackets appeared since the check, or an older version was asked for.
          const open = Array.isArray(err.problem.open) ? (err.problem.open as OpenPlace[]) : [];
          const total = typeof err.problem.open_count === "number" ? err.problem.open_count : open.length;
          const brackets = typeof err.problem.brackets === "number" ? err.problem.brackets : null;
          this.agreementToken++;
          this.showOpen(open, total, brackets, current);
          this.setStatus("");
          announce(`Not agreed: ${plural(total, "open place")} remain.`);
          return;
        }
        this.setStatus(`Could not export: ${(err as Error).message}`, true);
        return;
      }
      save(file);
      this.setStatus(`Downloaded ${file.filename}.`);
    } finally {
      this.busy = false;
      this.downloadButton.disabled = false;
    }
  }

  private setStatus(message: string, error = false): void {
    this.status.textContent = message;
    this.status.classList.toggle("error", error);
  }

  // -- import --------------------------------------------------------------------------

  private askToImport(): void {
    const file = this.fileInput?.files?.[0];
    const box = this.confirmBox!;
    if (!file) return;
    const yes = h("button", { type: "button", class: "danger", id: "import-confirm" }, "Replace the text");
    const no = h("button", { type: "button", id: "import-cancel" }, "Cancel");
    yes.addEventListener("click", () => void this.importFile(file));
    no.addEventListener("click", () => {
      box.hidden = true;
      this.importButton?.focus();
    });
    box.replaceChildren(
      h("p", null, "Replace the whole text of ", h("strong", null, this.o.symbol), " with the text of ", h("q", { dir: "auto" }, file.name), "?"),
      h("div", { class: "row" }, yes, no),
    );
    box.hidden = false;
    yes.focus();
  }

  private async importFile(file: File): Promise<void> {
    if (this.busy) return;
    const out = this.importResult!;
    const box = this.confirmBox!;
    clear(out);
    this.busy = true;
    box.querySelectorAll("button").forEach((b) => (b.disabled = true));
    try {
      if (!(await this.o.sync.whenSettled(5000))) {
        out.append(h("p", { class: "error", role: "alert" }, "Your latest typing is not saved yet; try the import again in a moment."));
        return;
      }
      out.append(h("p", { class: "muted" }, `Importing ${file.name}…`));
      let result: ImportRead;
      try {
        result = await api.importFile(this.o.documentId, file);
      } catch (err) {
        clear(out);
        const reason = err instanceof ApiError && err.problem && typeof err.problem.reason === "string" ? ` (${err.problem.reason.replace(/_/g, " ")})` : "";
        out.append(h("p", { class: "error", role: "alert" }, h("strong", null, "Not imported: "), (err as Error).message, reason));
        return;
      }
      clear(out);
      box.hidden = true;
      if (this.fileInput) this.fileInput.value = "";
      if (this.importButton) this.importButton.disabled = true;
      this.showImported(file.name, result);
      announce(result.changed ? "Text replaced from the file" : "The file has the same text: nothing changed");
      if (this.selected().view === "agreed") void this.checkAgreement();
    } finally {
      this.busy = false;
      box.querySelectorAll("button").forEach((b) => (b.disabled = false));
    }
  }

  private showImported(name: string, r: ImportRead): void {
    const out = this.importResult!;
    out.append(
      h(
        "p",
        { class: "imported", role: "status" },
        r.changed
          ? `Imported ${name} (${IMPORT_FORMATS[r.format] ?? r.format}) as revision ${r.revision}.`
          : `${name} has the same text as the draft: nothing changed.`,
      ),
      h("p", { class: "import-counts" }, "Brackets in the text: ", describeCounts(r.counts)),
    );
    if (r.warnings.length) {
      out.append(h("h3", null, "Warnings"), h("ul", { class: "import-warnings" }, r.warnings.map((w) => h("li", { dir: "auto" }, w))));
    }
    if (r.diagnostics.length) {
      out.append(
        h("h3", null, "Bracket problems"),
        h(
          "ul",
          { class: "plain import-diagnostics" },
          r.diagnostics.slice(0, MAX_LISTED).map((d) => h("li", null, this.placeButton(d.line, d.column), " ", h("span", { dir: "auto" }, d.message))),
        ),
      );
    }
  }
}

/** Hand a fetched file to the browser's downloads. */
function save(file: ExportedFile): void {
  const url = URL.createObjectURL(file.blob);
  const link = h("a", { href: url, download: file.filename, class: "visually-hidden" }, file.filename);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
