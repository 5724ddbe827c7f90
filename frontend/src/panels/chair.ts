/** The chair's console: locks, resolutions to reopen, and issuing Rev.N. */
import { api, type LockRead, type ResolutionRead, type RevisionRead } from "../api";
import { announce, clear, formatTime, h } from "../dom";
import type { DocumentEditor } from "../editor/editor";
import { locks } from "../editor/fields";
import type { SyncClient } from "../sync/client";

export class ChairPanel {
  readonly root: HTMLElement;
  private readonly lockList: HTMLElement;
  private readonly resolutionList: HTMLElement;
  private readonly revisionList: HTMLElement;

  constructor(
    private readonly documentId: number,
    private readonly editor: () => DocumentEditor | null,
    private readonly sync: SyncClient,
    private readonly onError: (message: string) => void,
    private readonly onRevision: () => void,
  ) {
    const lockButton = h("button", { type: "button", id: "lock-paragraph" }, "Lock the paragraph(s) at the cursor");
    lockButton.addEventListener("click", () => void this.lock());
    this.lockList = h("ul", { class: "plain locks" });
    this.resolutionList = h("ul", { class: "plain resolutions" });
    this.revisionList = h("ul", { class: "plain revisions" });
    const label = h("input", { id: "revision-label", type: "text", maxlength: "200" });
    const issue = h(
      "form",
      { class: "issue" },
      h("label", { for: "revision-label" }, "Label for the new revision (optional)"),
      label,
      h("button", { type: "submit" }, "Issue revision (Rev.N)"),
    );
    issue.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.issue(label.value.trim() || null).then((ok) => {
        if (ok) label.value = "";
      });
    });
    this.root = h(
      "section",
      { class: "chair", "aria-labelledby": "chair-h" },
      h("h2", { id: "chair-h" }, "Chair"),
      h("h3", null, "Agreed ad referendum"),
      h("p", { class: "muted" }, "Locked paragraphs can be changed by the chair only."),
      lockButton,
      this.lockList,
      h("h3", null, "Resolved brackets"),
      this.resolutionList,
      h("h3", null, "Revisions"),
      issue,
      this.revisionList,
    );
  }

  async refresh(): Promise<void> {
    await Promise.all([this.refreshLocks(), this.refreshResolutions(), this.refreshRevisions()]);
  }

  async refreshLocks(): Promise<void> {
    let list: LockRead[];
    try {
      list = await api.locks(this.documentId);
    } catch (err) {
      this.onError(`Locks could not be loaded: ${(err as Error).message}`);
      return;
    }
    clear(this.lockList);
    if (list.length === 0) this.lockList.append(h("li", { class: "muted" }, "No locked paragraphs."));
    for (const l of list) {
      const unlock = h("button", { type: "button" }, "Unlock");
      unlock.addEventListener("click", () => void this.act(() => api.unlock(this.documentId, l.id), "Paragraph unlocked"));
      const show = h("button", { type: "button", class: "link-button" }, "Show");
      show.addEventListener("click", () => {
        const ed = this.editor();
        const lock = ed?.view.state.field(locks).find((x) => x.id === l.id);
        if (ed && lock) {
          ed.select(lock.from, lock.to);
          ed.focus();
        }
      });
      this.lockList.append(h("li", null, h("q", { dir: "auto" }, ellipsis(l.text, 90)), " ", show, " ", unlock));
    }
  }

  async refreshResolutions(): Promise<void> {
    let list: ResolutionRead[];
    try {
      list = await api.resolutions(this.documentId);
    } catch {
      return;
    }
    clear(this.resolutionList);
    const open = list.filter((r) => r.action !== "reopen").reverse();
    if (open.length === 0) this.resolutionList.append(h("li", { class: "muted" }, "None yet."));
    for (const r of open.slice(0, 20)) {
      const item = h(
        "li",
        null,
        h("span", null, `${actionText(r.action)} at r${r.revision}, ${formatTime(r.created_at)}: `),
        h("q", { dir: "auto" }, ellipsis(r.text_before, 90)),
      );
      if (r.reopened_at === null) {
        const reopen = h("button", { type: "button" }, "Reopen");
        reopen.addEventListener("click", () => void this.act(() => api.reopen(this.documentId, r.id), "Bracket reopened"));
        item.append(" ", reopen);
      } else {
        item.append(h("span", { class: "muted" }, " (reopened)"));
      }
      this.resolutionList.append(item);
    }
  }

  async refreshRevisions(): Promise<void> {
    let list: RevisionRead[];
    try {
      list = await api.revisions(this.documentId);
    } catch {
      return;
    }
    clear(this.revisionList);
    if (list.length === 0) this.revisionList.append(h("li", { class: "muted" }, "No revision issued yet."));
    for (const r of [...list].reverse()) {
      this.revisionList.append(
        h("li", null, h("strong", null, r.name), r.label ? ` (${r.label})` : "", ` · r${r.revision} · ${formatTime(r.created_at)}`, r.issued_by ? h("span", { dir: "auto" }, ` · ${r.issued_by.display_name}`) : ""),
      );
    }
  }

  private async lock(): Promise<void> {
    if (!(await this.sync.whenSettled(5000))) {
      this.onError("Your latest typing is not saved yet; try again in a moment.");
      return;
    }
    const ed = this.editor();
    if (!ed) return;
    const sel = ed.view.state.selection.main;
    await this.act(
      () => api.lock(this.documentId, { revision: this.sync.revision, start: sel.from, end: sel.to }),
      "Paragraph locked",
    );
  }

  private async issue(label: string | null): Promise<boolean> {
    const ok = await this.act(() => api.issueRevision(this.documentId, label), "Revision issued");
    if (ok) this.onRevision();
    return ok;
  }

  private async act(action: () => Promise<unknown>, done: string): Promise<boolean> {
    try {
      await action();
      announce(done);
      await this.refresh();
      return true;
    } catch (err) {
      this.onError((err as Error).message);
      return false;
    }
  }
}

function actionText(action: ResolutionRead["action"]): string {
  return action === "keep_alternative" ? "Alternative kept" : action === "keep" ? "Text kept" : action === "delete" ? "Deleted" : "Reopened";
}

function ellipsis(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}
