/** The document page: live editor, connection state, presence, and the side panels. */
import { api, chairsGroup, isDelegate, isSecretariat, type DocumentRead, type LockRead } from "../api";
import { findGroup } from "../catalog";
import { announce, clear, h } from "../dom";
import { DocumentEditor, type CursorInfo } from "../editor/editor";
import type { Context, Screen } from "../main";
import { BracketPanel } from "../panels/bracket";
import { ChairPanel } from "../panels/chair";
import { countsChart } from "../panels/chart";
import { ExportPanel } from "../panels/exports";
import { HistoryPanel } from "../panels/history";
import { tabs } from "../panels/tabs";
import { SyncClient, type RejectedEdit, type SavedWork, type Status } from "../sync/client";
import type { PresenceEntry } from "../sync/protocol";

declare global {
  interface Window {
    /** Read-only view of the live editor, for support and end-to-end tests. */
    accord?: {
      text(): string;
      revision(): number;
      status(): string;
      settled(): boolean;
      rejected(): RejectedEdit[];
      /** Move the caret or selection (UTF-16 offsets), as a click would. */
      select(from: number, to?: number): void;
      /** The caret or selection (UTF-16 offsets). */
      selection(): { from: number; to: number };
    };
  }
}

export function renderDocument(ctx: Context, id: number): Screen {
  const page = new DocumentPage(ctx, id);
  return { dispose: () => page.dispose(), unsaved: () => page.unsaved() };
}

class DocumentPage {
  private sync: SyncClient | null = null;
  private editor: DocumentEditor | null = null;
  private doc: DocumentRead | null = null;
  private disposed = false;
  private readonly statusEl = h("p", { class: "conn", role: "status", "data-state": "connecting" }, "Connecting…");
  private readonly presenceEl = h("ul", { class: "presence", "aria-label": "People in this document" });
  private readonly notices = h("div", { class: "notices" });
  private readonly refusedBox = h("section", { class: "refused", "aria-labelledby": "refused-h", hidden: true });
  private readonly editorHost = h("div", { class: "editor-host" });
  private readonly people = new Map<string, PresenceEntry>();
  private bracketPanel: BracketPanel | null = null;
  private chairPanel: ChairPanel | null = null;
  private historyPanel: HistoryPanel | null = null;
  private exportPanel: ExportPanel | null = null;
  private chartBox = h("section", { class: "chart-panel", "aria-labelledby": "chart-h" }, h("h2", { id: "chart-h" }, "Open brackets over time"));
  private lockNoticeTimer: ReturnType<typeof setTimeout> | null = null;
  private chartTimer: ReturnType<typeof setTimeout> | null = null;
  private workTimer: ReturnType<typeof setTimeout> | null = null;
  private wasSettled = true;
  private readonly ticker = setInterval(() => {
    if (this.sync?.status.kind === "waiting") this.showStatus();
  }, 1000);
  private readonly onOnline = () => this.sync?.retryNow();
  private readonly onHide = () => this.keepWork();

  constructor(
    private readonly ctx: Context,
    private readonly id: number,
  ) {
    void this.start();
  }

  unsaved(): boolean {
    return this.sync !== null && !this.sync.isSettled;
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.ticker);
    if (this.workTimer !== null) {
      clearTimeout(this.workTimer);
      this.keepWork();
    }
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("pagehide", this.onHide);
    this.sync?.close();
    this.editor?.destroy();
    this.bracketPanel?.dispose();
    this.historyPanel?.dispose();
    this.exportPanel?.dispose();
    for (const t of [this.lockNoticeTimer, this.chartTimer]) if (t !== null) clearTimeout(t);
    if (window.accord) delete window.accord;
  }

  private async start(): Promise<void> {
    const { main, me } = this.ctx;
    const waiting = h("p", { class: "muted", role: "status" }, "Loading the document…");
    main.append(waiting);
    let doc: DocumentRead;
    try {
      doc = await api.document(this.id);
    } catch (err) {
      waiting.remove();
      main.append(h("p", { class: "error", role: "alert" }, `Could not open the document: ${(err as Error).message}`));
      return;
    }
    if (this.disposed) return;
    this.doc = doc;
    const found = await findGroup(doc.working_group_id).catch(() => null);
    if (this.disposed) return;
    waiting.remove();
    const conference = found?.conference ?? null;
    this.ctx.setCrumbs([
      { label: "Conferences", href: "/" },
      ...(conference ? [{ label: conference.code, href: `/conferences/${conference.id}` }] : []),
      { label: found?.group.code ?? "Working group", href: `/working-groups/${doc.working_group_id}` },
      { label: doc.symbol },
    ]);
    this.ctx.setTitle(doc.symbol);
    const chair = chairsGroup(me, doc.working_group_id);
    const delegate = isDelegate(me, conference?.id ?? null);

    const sync = new SyncClient({
      restore: this.loadWork(),
      url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
      document: this.id,
      listener: {
        ready: (w, text) => this.onReady(text, w?.can_edit ?? true, chair),
        joined: (w) => this.editor?.setEditable(w.can_edit),
        change: (shown) => {
          this.editor?.applyRemote(shown);
          this.historyPanel?.setRevision(sync.revision);
          this.chartSoon();
          this.exportPanel?.textChanged();
        },
        status: () => this.showStatus(),
        pending: () => {
          this.showStatus();
          this.keepWorkSoon();
          if (sync.isSettled && !this.wasSettled) this.editor?.sharePresence();
          this.wasSettled = sync.isSettled;
        },
        brackets: (u) => {
          if (!this.editor) return;
          if (u.kind === "all") this.editor.setBrackets(u.revision, u.brackets);
          else this.editor.patchBrackets(u.frame.revision, u.frame.created, u.frame.changed, u.frame.ended);
          this.editor.refreshCursor();
          this.bracketPanel?.refreshSoon(600, true);
          this.exportPanel?.textChanged();
        },
        presence: (updates, reset) => this.onPresence(updates, reset),
        event: (frame) => {
          if (frame.kind === "lock") this.editor?.addLock(frame.revision, frame.data as LockRead);
          else if (frame.kind === "unlock") this.editor?.removeLock((frame.data as LockRead).id);
          this.bracketPanel?.refreshSoon(250, true);
          if (frame.kind === "lock" || frame.kind === "unlock") void this.chairPanel?.refreshLocks();
          if (frame.kind === "resolution" || frame.kind === "reopen") void this.chairPanel?.refreshResolutions();
        },
        rejected: (r) => this.onRefused(r),
        problem: (f) => {
          if (!f.fatal && f.code !== "rate_limited") this.notice(`The server said: ${f.message}`, "warn");
        },
      },
    });
    this.sync = sync;
    window.accord = {
      text: () => this.editor?.text ?? "",
      revision: () => sync.revision,
      status: () => this.statusEl.dataset.state ?? "",
      settled: () => sync.isSettled,
      rejected: () => [...sync.rejected],
      select: (from, to) => {
        this.editor?.select(from, to ?? from);
        this.editor?.focus();
      },
      selection: () => {
        const sel = this.editor?.view.state.selection.main;
        return { from: sel?.from ?? 0, to: sel?.to ?? 0 };
      },
    };
    window.addEventListener("online", this.onOnline);
    window.addEventListener("pagehide", this.onHide);

    // Layout.
    this.bracketPanel = new BracketPanel({
      documentId: this.id,
      me,
      isDelegate: delegate,
      isChair: chair,
      editor: () => this.editor,
      sync,
      onError: (m) => this.notice(m, "error"),
    });
    this.historyPanel = new HistoryPanel(this.id, () => sync.revision);
    const mayImport = chair || isSecretariat(me, conference?.id ?? null);
    this.exportPanel = new ExportPanel({ documentId: this.id, symbol: doc.symbol, mayImport, editor: () => this.editor, sync });
    const tabList = [
      { id: "bracket", label: "Bracket", panel: h("div", null, this.bracketPanel.root) },
      { id: "history", label: "History", panel: h("div", null, this.historyPanel.root) },
      { id: "chart", label: "Chart", panel: h("div", null, this.chartBox) },
      { id: "export", label: mayImport ? "Export / import" : "Export", panel: h("div", null, this.exportPanel.root) },
    ];
    if (chair) {
      this.chairPanel = new ChairPanel(this.id, () => this.editor, sync, (m) => this.notice(m, "error"), () => void this.historyPanel?.loadRevisions());
      tabList.push({ id: "chair", label: "Chair", panel: h("div", null, this.chairPanel.root) });
    }
    const side = tabs("Panels", tabList);
    side.root.querySelector("#tab-history")?.addEventListener("click", () => void this.historyPanel?.show());
    side.root.querySelector("#tab-chart")?.addEventListener("click", () => void this.loadChart());
    side.root.querySelector("#tab-export")?.addEventListener("click", () => void this.exportPanel?.show());
    side.root.querySelector("#tab-chair")?.addEventListener("click", () => void this.chairPanel?.refresh());
    side.root.addEventListener("keydown", (e) => {
      const t = e.target as HTMLElement;
      if (t.getAttribute("role") === "tab") {
        queueMicrotask(() => {
          const selected = side.root.querySelector('[role="tab"][aria-selected="true"]');
          if (selected?.id === "tab-history") void this.historyPanel?.show();
          if (selected?.id === "tab-chart") void this.loadChart();
          if (selected?.id === "tab-export") void this.exportPanel?.show();
          if (selected?.id === "tab-chair") void this.chairPanel?.refresh();
        });
      }
    });
    this.refusedBox.append(h("h2", { id: "refused-h" }, "Edits the server refused"));

    main.append(
      h(
        "div",
        { class: "doc-page" },
        h(
          "header",
          { class: "doc-head" },
          h("h1", { dir: "auto" }, h("span", { class: "symbol" }, doc.symbol), " ", doc.title),
          h("div", { class: "doc-meta" }, this.statusEl, h("div", { class: "people" }, h("span", { class: "muted" }, "Here: "), this.presenceEl)),
        ),
        this.notices,
        this.refusedBox,
        h(
          "div",
          { class: "doc-body" },
          h(
            "div",
            { class: "editor-col" },
            h("h2", { class: "visually-hidden" }, "Text"),
            this.editorHost,
            h(
              "p",
              { class: "muted hint" },
              "Brackets are coloured by depth; groups of alternatives are underlined; conflicts are outlined in red; locked paragraphs are grey. Tab moves on to the tools; Ctrl+F searches the text.",
            ),
          ),
          h("aside", { class: "side", "aria-label": "Document tools" }, side.root),
        ),
      ),
    );
    this.editorHost.append(h("p", { class: "muted" }, "Connecting to the live text…"));
    this.showStatus();
    sync.start();
    void this.bracketPanel.refresh();
  }

  private onReady(text: string, canEdit: boolean, chair: boolean): void {
    const sync = this.sync!;
    if (sync.restored) {
      this.notice(
        `${sync.restored} characters you typed before the page was reloaded were not saved then; they are back in the text and will be saved as soon as the connection allows.`,
        "warn",
      );
    }
    clear(this.editorHost);
    this.editor = new DocumentEditor({
      parent: this.editorHost,
      sync,
      text,
      editable: canEdit,
      mayEditLocked: chair,
      label: `Text of ${this.doc?.symbol ?? "the document"}`,
      onCursor: (info: CursorInfo) => this.bracketPanel?.update(info),
      onLockedTyping: () =>
        this.lockNotice("This paragraph is agreed ad referendum (locked): only the chair can change it. Your typing was not applied."),
    });
    this.historyPanel?.setRevision(sync.revision);
    this.onPresence([], false);
    void api
      .locks(this.id)
      .then((list) => this.editor?.setLocks(list))
      .catch(() => this.notice("Locked paragraphs could not be loaded.", "warn"));
    if (this.chairPanel) void this.chairPanel.refresh();
    this.showStatus();
  }

  // -- unsaved work survives a reload (this tab only) -------------------------------

  private get workKey(): string {
    return `accord:unsaved:v1:${this.ctx.me.id}:${this.id}`;
  }

  private loadWork(): SavedWork | null {
    try {
      const raw = sessionStorage.getItem(this.workKey);
      return raw ? (JSON.parse(raw) as SavedWork) : null;
    } catch {
      return null;
    }
  }

  private keepWorkSoon(): void {
    if (this.workTimer !== null) return;
    this.workTimer = setTimeout(() => {
      this.workTimer = null;
      this.keepWork();
    }, 300);
  }

  private keepWork(): void {
    const work = this.sync?.savedWork() ?? null;
    try {
      if (work === null) sessionStorage.removeItem(this.workKey);
      else sessionStorage.setItem(this.workKey, JSON.stringify(work));
    } catch {
      /* storage full or disabled: the page still warns before unloading */
    }
  }

  private showStatus(): void {
    const sync = this.sync;
    if (!sync) return;
    const s: Status = sync.status;
    const unsaved = sync.unsavedSize;
    const keep = unsaved ? ` Your unsaved changes (${unsaved} characters) are kept here and will be sent when the connection is back.` : "";
    let state: string;
    let text: string;
    switch (s.kind) {
      case "connecting":
        state = "connecting";
        text = s.attempt ? "Reconnecting…" + keep : "Connecting…";
        break;
      case "live":
        if (!sync.isSettled) {
          state = "saving";
          text = "Live · saving…";
        } else {
          state = "live";
          text = "Live · all changes saved";
        }
        if (!sync.canEdit) text = "Live · read only";
        break;
      case "waiting": {
        state = "offline";
        const secs = Math.max(1, Math.round((s.retryAt - Date.now()) / 1000));
        text = `Offline (${s.reason}) · reconnecting in ${secs} s.${keep}`;
        break;
      }
      case "stopped":
        state = "stopped";
        text = `Not connected: ${s.message}${unsaved ? ` Your unsaved text (${unsaved} characters) is still in the editor: copy it before leaving.` : ""}`;
        break;
    }
    if (this.statusEl.dataset.state !== state || this.statusEl.textContent !== text) {
      this.statusEl.dataset.state = state;
      this.statusEl.textContent = text;
    }
    if (s.kind === "stopped" && s.code === "not_authenticated" && !this.statusEl.querySelector("a")) {
      this.statusEl.append(" ", h("a", { href: `/login?next=${encodeURIComponent(location.pathname)}`, target: "_blank", rel: "noopener" }, "Sign in again (new tab)"));
    }
  }

  private onPresence(updates: PresenceEntry[], reset: boolean): void {
    const own = this.sync?.session;
    if (reset) {
      this.people.clear();
      this.editor?.clearCursors();
    }
    for (const u of updates) {
      if (u.session === own) continue;
      if (u.left) {
        this.people.delete(u.session);
        this.editor?.setCursor(u.session, null);
        continue;
      }
      this.people.set(u.session, u);
      if (u.cursor && u.revision !== undefined) {
        this.editor?.setCursor(u.session, {
          name: u.user?.name ?? "someone",
          delegation: u.delegation ?? null,
          anchor: u.cursor.anchor,
          head: u.cursor.head,
          revision: u.revision,
        });
      } else {
        this.editor?.setCursor(u.session, null);
      }
    }
    clear(this.presenceEl);
    const me = this.ctx.me;
    this.presenceEl.append(
      h("li", { class: "person me" }, h("span", { dir: "auto" }, me.display_name), me.delegation ? h("span", { class: "badge" }, me.delegation.country_code) : null, " (you)"),
    );
    const seen = new Set<string>();
    for (const p of this.people.values()) {
      const key = `${p.user?.id}:${p.delegation}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.presenceEl.append(
        h("li", { class: "person" }, h("span", { dir: "auto" }, p.user?.name ?? "someone"), p.delegation ? h("span", { class: "badge" }, p.delegation) : null),
      );
    }
  }

  private onRefused(r: RejectedEdit): void {
    this.refusedBox.hidden = false;
    const text = r.inserted.join("\n");
    const copy = h("button", { type: "button" }, "Copy the text");
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text);
        announce("Copied");
      } catch {
        area.select();
      }
    });
    const dismiss = h("button", { type: "button", class: "link-button" }, "Dismiss");
    const area = h("textarea", { readonly: true, rows: String(Math.min(6, Math.max(2, text.split("\n").length))), dir: "auto", "aria-label": "The refused text" });
    area.value = text;
    const item = h(
      "div",
      { class: "refused-item", role: "alert" },
      h("p", null, h("strong", null, "Not saved: "), r.message, text ? " Your text was taken out of the document; it is kept here:" : " (it removed text; nothing typed was lost)"),
      text ? area : null,
      r.removed.length ? h("p", { class: "muted" }, "It would have removed: ", h("q", { dir: "auto" }, r.removed.join(" … "))) : null,
      h("div", { class: "row" }, text ? copy : null, dismiss),
    );
    dismiss.addEventListener("click", () => {
      item.remove();
      if (!this.refusedBox.querySelector(".refused-item")) this.refusedBox.hidden = true;
    });
    this.refusedBox.append(item);
  }

  private lockNotice(message: string): void {
    let el = this.notices.querySelector<HTMLElement>(".lock-notice");
    if (!el) {
      el = h("p", { class: "notice warn lock-notice", role: "alert" });
      this.notices.append(el);
    }
    el.textContent = message;
    if (this.lockNoticeTimer !== null) clearTimeout(this.lockNoticeTimer);
    this.lockNoticeTimer = setTimeout(() => el?.remove(), 8000);
  }

  private notice(message: string, kind: "error" | "warn"): void {
    const close = h("button", { type: "button", class: "link-button", "aria-label": "Dismiss this message" }, "×");
    const el = h("p", { class: `notice ${kind}`, role: "alert" }, h("span", null, message), " ", close);
    close.addEventListener("click", () => el.remove());
    this.notices.append(el);
    while (this.notices.querySelectorAll(".notice:not(.lock-notice)").length > 3) {
      this.notices.querySelector(".notice:not(.lock-notice)")?.remove();
    }
  }

  private chartSoon(): void {
    if (this.chartBox.closest("[hidden]")) return;
    if (this.chartTimer !== null) return;
    this.chartTimer = setTimeout(() => {
      this.chartTimer = null;
      void this.loadChart();
    }, 5000);
  }

  private async loadChart(): Promise<void> {
    try {
      const counts = await api.counts(this.id);
      const old = this.chartBox.querySelector("figure, .error");
      const chart = countsChart([counts], "Open brackets in this document");
      if (old) old.replaceWith(chart);
      else this.chartBox.append(chart);
    } catch (err) {
      this.chartBox.querySelector(".error")?.remove();
      this.chartBox.append(h("p", { class: "error" }, `Chart unavailable: ${(err as Error).message}`));
    }
  }
}
