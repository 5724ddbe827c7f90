/**
 * The bracket at the cursor: its alternatives, who proposed them, every delegation's
 * position by regional group (stale ones with the wording they were given for), my
 * delegation's buttons, proposing and adding alternatives, and the chair's resolution.
 */
import { ApiError, api, type AlternativeTally, type BracketPlace, type Stance, type UserRead } from "../api";
import { announce, clear, formatTime, h } from "../dom";
import type { CursorInfo, DocumentEditor } from "../editor/editor";
import type { SyncClient } from "../sync/client";

export interface BracketPanelOptions {
  documentId: number;
  me: UserRead;
  isDelegate: boolean;
  isChair: boolean;
  editor: () => DocumentEditor | null;
  sync: SyncClient;
  onError(message: string): void;
}

const STANCES: { stance: Stance; label: string }[] = [
  { stance: "support", label: "Support" },
  { stance: "oppose", label: "Oppose" },
  { stance: "reservation", label: "Reservation" },
];

export class BracketPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly proposeBox: HTMLElement;
  private info: CursorInfo | null = null;
  private places = new Map<string, { place: BracketPlace; alt: AlternativeTally }>();
  private loaded = false;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private lastKey = "";
  private busy = false;
  /** What the user is typing in the panel, kept across re-renders. */
  private readonly drafts = new Map<string, string>();
  private readonly asked = new Set<string>();

  constructor(private readonly o: BracketPanelOptions) {
    this.body = h("div", { class: "bracket-body", "aria-live": "polite" });
    this.proposeBox = this.proposeForm();
    this.root = h("section", { class: "bracket-panel", "aria-labelledby": "bracket-h" }, h("h2", { id: "bracket-h" }, "Bracket at the cursor"), this.body, this.proposeBox);
    this.render();
  }

  /** The cursor moved or the text changed. */
  update(info: CursorInfo): void {
    this.info = info;
    const key = this.key();
    if (key !== this.lastKey) {
      this.lastKey = key;
      if (!this.busy) this.render();
    }
    // Brackets the last tallies did not have (just created): ask once more for each.
    const missing = info.server.filter((s) => s !== null && !this.places.has(s.id) && !this.asked.has(s.id));
    if (missing.length && this.loaded) {
      for (const s of missing) this.asked.add(s!.id);
      this.refreshSoon(300);
    }
    this.updateProposeHint();
  }

  /** Negotiation data changed on the server: fetch the tallies again (debounced). */
  refreshSoon(delay = 250, fresh = false): void {
    if (fresh) this.asked.clear();
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, delay);
  }

  async refresh(): Promise<void> {
    try {
      const places = await api.tallies(this.o.documentId);
      this.places = new Map();
      for (const place of places) for (const alt of place.alternatives) this.places.set(alt.id, { place, alt });
      this.loaded = true;
      this.lastKey = "";
      if (this.info) this.update(this.info);
      else this.render();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) this.o.onError(`Positions could not be loaded: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
  }

  /** What the panel shows, to re-render only when it changes. */
  private key(): string {
    const info = this.info;
    if (!info || info.bracket === null) return "none";
    const ids = info.server.map((s) => s?.id ?? "?").join(",");
    const data = info.server.map((s) => (s ? JSON.stringify(this.places.get(s.id)?.alt ?? null) : "")).join("|");
    return `${ids}#${data}#${info.members.map((m) => `${m.open}-${m.close}`).join(",")}`;
  }

  private render(): void {
    const active = document.activeElement as HTMLElement | null;
    const focusKey = active && this.body.contains(active) ? active.dataset.key : undefined;
    const selection =
      active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement
        ? [active.selectionStart, active.selectionEnd]
        : null;
    this.paint();
    if (focusKey) {
      const again = this.body.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusKey)}"]`);
      again?.focus();
      if (selection && (again instanceof HTMLInputElement || again instanceof HTMLTextAreaElement)) {
        again.setSelectionRange(selection[0], selection[1]);
      }
    }
  }

  private paint(): void {
    clear(this.body);
    const info = this.info;
    if (!info || info.bracket === null) {
      this.body.append(
        h("p", { class: "muted" }, "Place the cursor inside a bracket to see its alternatives, sponsors and positions."),
      );
      return;
    }
    const n = info.members.length;
    const line = this.o.editor()?.view.state.doc.lineAt(info.bracket.open).number;
    this.body.append(
      h(
        "p",
        { class: "bracket-kind" },
        n > 1 ? `A group of ${n} alternatives` : "Optional text (a lone bracket)",
        line ? ` · line ${line}` : "",
        info.bracket.depth > 1 ? ` · nested ${info.bracket.depth} deep` : "",
      ),
    );
    const list = h("ol", { class: "alternatives" });
    info.members.forEach((member, i) => {
      const server = info.server[i] ?? null;
      const tally = server ? (this.places.get(server.id)?.alt ?? null) : null;
      const doc = this.o.editor()?.text ?? "";
      const wording = tally?.wording ?? doc.slice(member.open + 1, member.close);
      list.append(this.alternative(i, n, wording, server?.id ?? null, server?.origin ?? null, tally));
    });
    this.body.append(list);
    const groupId = info.server[0]?.id ?? null;
    if (groupId === null) {
      this.body.append(h("p", { class: "muted" }, "This bracket is new: the server has not registered it yet."));
      return;
    }
    if (this.o.isChair) this.body.append(this.chairActions(info, groupId));
    if (this.o.isDelegate) this.body.append(this.addAlternativeForm(groupId));
  }

  private alternative(
    i: number,
    n: number,
    wording: string,
    id: string | null,
    origin: string | null,
    tally: AlternativeTally | null,
  ): HTMLElement {
    const title = tally?.label ? tally.label : n > 1 ? `Alternative ${i + 1}` : "Bracketed text";
    const li = h(
      "li",
      { class: `alternative${origin === "conflict" ? " conflict" : ""}` },
      h(
        "h3",
        null,
        title,
        origin === "conflict" ? h("span", { class: "badge warn", title: "Made by the server from a clash of edits" }, "conflict") : null,
        origin === "proposal" ? h("span", { class: "badge" }, "proposal") : null,
        tally?.agreeable ? h("span", { class: "badge ok" }, "agreeable") : null,
      ),
      h("blockquote", { class: "wording", dir: "auto" }, wording || "(empty)"),
    );
    if (tally === null) {
      li.append(h("p", { class: "muted" }, id === null ? "Not registered yet." : this.loaded ? "No record for this bracket." : "Loading positions…"));
      return li;
    }
    // Sponsors.
    const sponsors = tally.sponsors;
    if (sponsors.length) {
      li.append(
        h(
          "p",
          { class: "sponsors" },
          "Proposed by ",
          sponsors.map((s, k) => [
            k ? ", " : "",
            h(
              s.withdrawn ? "del" : "span",
              { title: s.withdrawn ? "withdrawn" : s.role },
              `${s.delegation}${s.role === "cosponsor" ? " (co-sponsor)" : ""}${s.regional_group ? ` for ${s.regional_group}` : ""}`,
            ),
          ]),
        ),
      );
    }
    li.append(
      h(
        "p",
        { class: "tally" },
        h("span", { class: "count support" }, `${tally.support} support`),
        " · ",
        h("span", { class: "count oppose" }, `${tally.oppose} oppose`),
        " · ",
        h("span", { class: "count reservation" }, `${tally.reservation} reservation`),
        tally.stale ? ` · ${tally.stale} stale` : "",
      ),
    );
    if (tally.by_region.length) li.append(regionTable(tally));
    const current = tally.positions.filter((p) => !p.stale);
    const stale = tally.positions.filter((p) => p.stale);
    if (current.length) {
      li.append(
        h(
          "ul",
          { class: "positions", "aria-label": "Positions" },
          current.map((p) =>
            h(
              "li",
              { class: `position ${p.stance}` },
              h("strong", null, p.delegation),
              ` ${stanceVerb(p.stance)}`,
              p.note ? [": ", h("span", { dir: "auto" }, p.note)] : "",
              h("span", { class: "muted" }, ` (${p.user ? `${p.user}, ` : ""}${formatTime(p.at)})`),
            ),
          ),
        ),
      );
    }
    if (stale.length) {
      li.append(
        h(
          "details",
          { class: "stale" },
          h("summary", null, `${stale.length} stale position${stale.length > 1 ? "s" : ""} (given for earlier wording)`),
          h(
            "ul",
            null,
            stale.map((p) =>
              h(
                "li",
                null,
                h("strong", null, p.delegation),
                ` ${stanceVerb(p.stance)} the wording `,
                h("q", { dir: "auto" }, p.wording),
                p.note ? [" — ", h("span", { dir: "auto" }, p.note)] : "",
              ),
            ),
          ),
        ),
      );
    }
    if (id !== null && this.o.isDelegate) li.append(this.myPosition(id, tally));
    if (id !== null && this.o.isChair && n > 1) {
      li.append(
        this.button("Keep this alternative", "chair", () => api.resolve(this.o.documentId, id, "keep_alternative", id), `Kept ${title}`),
      );
    }
    return li;
  }

  private myPosition(id: string, tally: AlternativeTally): HTMLElement {
    const code = this.o.me.delegation?.country_code ?? "";
    const mine = tally.positions.find((p) => p.delegation === code && !p.stale);
    const noteKey = `note:${id}`;
    const note = h("input", { type: "text", class: "note", "data-key": noteKey, "aria-label": `Note with ${code}'s position`, placeholder: "Note (optional)", maxlength: "5000" });
    note.value = this.drafts.get(noteKey) ?? mine?.note ?? "";
    note.addEventListener("input", () => this.drafts.set(noteKey, note.value));
    const group = h("div", { class: "my-position", role: "group", "aria-label": `${code} position on this wording` });
    group.append(h("span", { class: "label" }, `${code}:`));
    for (const { stance, label } of STANCES) {
      const b = h("button", { type: "button", class: `stance ${stance}`, "aria-pressed": String(mine?.stance === stance) }, label);
      b.setAttribute("data-key", `${stance}:${id}`);
      b.addEventListener("click", () =>
        void this.run(() => api.setPosition(this.o.documentId, id, stance, note.value), `${code} position recorded: ${stance}`).then((ok) => {
          if (ok) this.drafts.delete(noteKey);
        }),
      );
      group.append(b);
    }
    group.append(note);
    const sponsor = tally.sponsors.find((s) => s.delegation === code && !s.withdrawn);
    const extra = h("div", { class: "row" });
    if (!sponsor) extra.append(this.button("Co-sponsor", "", () => api.cosponsor(this.o.documentId, id), `${code} co-sponsors this alternative`));
    else if (sponsor.role === "proposer") extra.append(this.button("Withdraw our alternative", "", () => api.withdraw(this.o.documentId, id), "Alternative withdrawn"));
    return h("div", null, group, extra);
  }

  private chairActions(info: CursorInfo, groupId: string): HTMLElement {
    const box = h("div", { class: "chair-actions", role: "group", "aria-label": "Chair: resolve this bracket" }, h("h3", null, "Chair"));
    if (info.members.length === 1) {
      box.append(
        this.button("Keep the text (remove the brackets)", "chair", () => api.resolve(this.o.documentId, groupId, "keep"), "Bracket resolved: text kept"),
      );
    }
    box.append(
      this.button(
        info.members.length > 1 ? "Delete the whole group" : "Delete the text",
        "chair danger",
        () => api.resolve(this.o.documentId, groupId, "delete"),
        "Bracket resolved: deleted",
        "Delete this bracketed text from the document?",
      ),
    );
    return box;
  }

  private addAlternativeForm(groupId: string): HTMLElement {
    const key = `alt:${groupId}`;
    const input = h("textarea", { id: "add-alt-text", "data-key": key, rows: "2", dir: "auto", maxlength: "20000" });
    input.value = this.drafts.get(key) ?? "";
    input.addEventListener("input", () => this.drafts.set(key, input.value));
    const form = h(
      "form",
      { class: "add-alternative" },
      h("label", { for: "add-alt-text" }, "Add an alternative to this group"),
      input,
      h("button", { type: "submit" }, "Add alternative"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      void this.run(() => api.addAlternative(this.o.documentId, groupId, text), "Alternative added").then((ok) => {
        if (ok) {
          input.value = "";
          this.drafts.delete(key);
        }
      });
    });
    return form;
  }

  private proposeHint = h("p", { class: "muted", id: "propose-hint", dir: "auto" });

  private proposeForm(): HTMLElement {
    if (!this.o.isDelegate) return h("div");
    const input = h("textarea", { id: "propose-text", rows: "3", dir: "auto", maxlength: "20000", "aria-describedby": "propose-hint" });
    const form = h(
      "form",
      { class: "propose card" },
      h("h3", null, "Propose alternative wording"),
      this.proposeHint,
      h("label", { for: "propose-text" }, "Your wording"),
      input,
      h("button", { type: "submit" }, "Propose"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) {
        input.focus();
        return;
      }
      void this.propose(text).then((ok) => {
        if (ok) input.value = "";
      });
    });
    return form;
  }

  private updateProposeHint(): void {
    const info = this.info;
    const doc = this.o.editor()?.text ?? "";
    if (!info) return;
    const { from, to } = info.selection;
    if (from === to) {
      this.proposeHint.textContent = "Select the words to propose other wording for (or leave the selection empty to propose new text at the cursor).";
    } else {
      const sel = doc.slice(from, to);
      this.proposeHint.textContent = `For the selection: “${sel.length > 120 ? `${sel.slice(0, 120)}…` : sel}”`;
    }
  }

  private async propose(text: string): Promise<boolean> {
    // The selection must be in the server's text: wait until our typing is saved.
    if (!(await this.o.sync.whenSettled(5000))) {
      this.o.onError("Your latest typing is not saved yet; try again in a moment.");
      return false;
    }
    const editor = this.o.editor();
    if (!editor) return false;
    const sel = editor.view.state.selection.main;
    const revision = this.o.sync.revision;
    return this.run(
      () => api.propose(this.o.documentId, { revision, start: sel.from, end: sel.to, text }),
      "Proposal made",
    );
  }

  private button(label: string, cls: string, action: () => Promise<unknown>, done: string, confirmText?: string): HTMLElement {
    const b = h("button", { type: "button", class: cls }, label);
    b.addEventListener("click", () => {
      if (confirmText && !confirm(confirmText)) return;
      void this.run(action, done);
    });
    return b;
  }

  private async run(action: () => Promise<unknown>, done: string): Promise<boolean> {
    this.busy = true;
    try {
      await action();
      announce(done);
      this.refreshSoon(50);
      return true;
    } catch (err) {
      this.o.onError((err as Error).message);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

function stanceVerb(stance: Stance): string {
  return stance === "support" ? "supports" : stance === "oppose" ? "opposes" : "has a reservation";
}

function regionTable(tally: AlternativeTally): HTMLElement {
  return h(
    "table",
    { class: "table compact regions" },
    h("caption", null, "Positions by regional group"),
    h(
      "thead",
      null,
      h("tr", null, h("th", { scope: "col" }, "Group"), h("th", { scope: "col" }, "Support"), h("th", { scope: "col" }, "Oppose"), h("th", { scope: "col" }, "Reservation")),
    ),
    h(
      "tbody",
      null,
      tally.by_region.map((r) =>
        h(
          "tr",
          null,
          h("th", { scope: "row" }, r.regional_group),
          h("td", null, r.support.join(", ") || "—"),
          h("td", null, r.oppose.join(", ") || "—"),
          h("td", null, r.reservation.join(", ") || "—"),
        ),
      ),
    ),
  );
}
