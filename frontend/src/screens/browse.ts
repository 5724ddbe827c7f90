/** Conference → working group → document lists, and the delegations of a conference. */
import { api, type DocumentSummary } from "../api";
import { allConferences, findGroup, groupsOf } from "../catalog";
import { countsChart } from "../panels/chart";
import { formatTime, h } from "../dom";
import type { Context, Screen } from "../main";

function loading(main: HTMLElement): HTMLElement {
  const p = h("p", { class: "muted", role: "status" }, "Loading…");
  main.append(p);
  return p;
}

function failed(main: HTMLElement, err: unknown): void {
  main.append(h("p", { class: "error", role: "alert" }, `Could not load: ${(err as Error).message}`));
}

export function renderHome(ctx: Context): Screen {
  ctx.setCrumbs([{ label: "Conferences" }]);
  ctx.setTitle("Conferences");
  const { main } = ctx;
  main.append(h("h1", null, "Conferences"));
  const wait = loading(main);
  void (async () => {
    try {
      const list = await allConferences();
      wait.remove();
      if (list.length === 0) {
        main.append(h("p", null, "You are not registered for any conference yet."));
        return;
      }
      const ul = h("ul", { class: "cards" });
      for (const c of list) {
        const dates = [c.starts_on, c.ends_on].filter(Boolean).join(" – ");
        ul.append(
          h(
            "li",
            { class: "card" },
            h("h2", null, h("a", { href: `/conferences/${c.id}` }, c.name)),
            h("p", { class: "muted" }, `${c.code} · ${c.city}${dates ? ` · ${dates}` : ""}`),
          ),
        );
      }
      main.append(ul);
    } catch (err) {
      wait.remove();
      failed(main, err);
    }
  })();
  return {};
}

export function renderConference(ctx: Context, id: number): Screen {
  const { main } = ctx;
  const wait = loading(main);
  void (async () => {
    try {
      const conference = (await allConferences()).find((c) => c.id === id) ?? (await api.conference(id));
      const groups = await groupsOf(id);
      wait.remove();
      ctx.setCrumbs([{ label: "Conferences", href: "/" }, { label: conference.code }]);
      ctx.setTitle(conference.name);
      main.append(
        h("h1", null, conference.name),
        h("p", null, h("a", { href: `/conferences/${id}/delegations` }, "Delegations and regional groups")),
        h("h2", null, "Working groups"),
      );
      const ul = h("ul", { class: "cards" });
      for (const g of groups) {
        const officers = (g.officers ?? []).map((o) => `${o.display_name} (${o.role.replace("_", "-")})`);
        ul.append(
          h(
            "li",
            { class: "card" },
            h("h3", null, h("a", { href: `/working-groups/${g.id}` }, `${g.code}: ${g.name}`)),
            officers.length ? h("p", { class: "muted", dir: "auto" }, officers.join(" · ")) : null,
          ),
        );
      }
      main.append(ul);
    } catch (err) {
      wait.remove();
      failed(main, err);
    }
  })();
  return {};
}

export function renderGroup(ctx: Context, id: number): Screen {
  const { main } = ctx;
  const wait = loading(main);
  void (async () => {
    try {
      const [found, docs] = await Promise.all([findGroup(id), api.documents(id)]);
      wait.remove();
      const conf = found?.conference;
      const group = found?.group;
      ctx.setCrumbs([
        { label: "Conferences", href: "/" },
        ...(conf ? [{ label: conf.code, href: `/conferences/${conf.id}` }] : []),
        { label: group?.code ?? `Group ${id}` },
      ]);
      ctx.setTitle(group ? `${group.code} documents` : "Documents");
      main.append(h("h1", null, group ? `${group.code}: ${group.name}` : "Documents"), documentTable(docs));
      const chartBox = h("section", { class: "card", "aria-labelledby": "group-chart-h" }, h("h2", { id: "group-chart-h" }, "Open brackets over time"));
      main.append(chartBox);
      try {
        const series = await api.groupCounts(id);
        chartBox.append(countsChart(series, "Open brackets in this working group's documents, by document"));
      } catch (err) {
        chartBox.append(h("p", { class: "error" }, `Chart unavailable: ${(err as Error).message}`));
      }
    } catch (err) {
      wait.remove();
      failed(main, err);
    }
  })();
  return {};
}

function documentTable(docs: DocumentSummary[]): HTMLElement {
  if (docs.length === 0) return h("p", null, "No documents in this working group yet.");
  const body = h("tbody");
  for (const d of docs) {
    const c = d.counts;
    body.append(
      h(
        "tr",
        null,
        h("th", { scope: "row" }, h("a", { href: `/documents/${d.id}` }, d.symbol)),
        h("td", { dir: "auto" }, d.title),
        h("td", null, d.kind),
        h("td", { class: "num", "data-label": "open brackets" }, c ? String(c.brackets) : "—"),
        h("td", { class: "num" }, c ? String(c.groups) : "—"),
        h("td", { class: "num" }, String(d.revision)),
        h("td", null, formatTime(d.updated_at)),
      ),
    );
  }
  return h(
    "table",
    { class: "table documents" },
    h("caption", { class: "visually-hidden" }, "Documents, with their open brackets"),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col" }, "Symbol"),
        h("th", { scope: "col" }, "Title"),
        h("th", { scope: "col" }, "Kind"),
        h("th", { scope: "col", class: "num" }, "Open brackets"),
        h("th", { scope: "col", class: "num" }, "Groups of alternatives"),
        h("th", { scope: "col", class: "num" }, "Revision"),
        h("th", { scope: "col" }, "Updated"),
      ),
    ),
    body,
  );
}

export function renderDelegations(ctx: Context, id: number): Screen {
  const { main } = ctx;
  const wait = loading(main);
  void (async () => {
    try {
      const [conference, delegations] = await Promise.all([
        allConferences().then((l) => l.find((c) => c.id === id) ?? api.conference(id)),
        api.delegations(id),
      ]);
      wait.remove();
      ctx.setCrumbs([
        { label: "Conferences", href: "/" },
        { label: conference.code, href: `/conferences/${id}` },
        { label: "Delegations" },
      ]);
      ctx.setTitle(`Delegations · ${conference.code}`);
      main.append(h("h1", null, `Delegations at ${conference.name}`));
      const groups = new Map<string, string[]>();
      for (const d of delegations) {
        for (const g of d.regional_groups) groups.set(g.code, [...(groups.get(g.code) ?? []), d.country_code]);
      }
      const body = h("tbody");
      for (const d of delegations) {
        const mine = ctx.me.delegation?.id === d.id;
        body.append(
          h(
            "tr",
            { class: mine ? "mine" : null },
            h("th", { scope: "row" }, d.country_code),
            h("td", { dir: "auto" }, d.name, mine ? h("span", { class: "badge" }, "your delegation") : null),
            h("td", null, d.regional_groups.map((g) => g.code).join(", ") || "—"),
          ),
        );
      }
      main.append(
        h(
          "table",
          { class: "table" },
          h("caption", { class: "visually-hidden" }, "Delegations and their regional groups"),
          h("thead", null, h("tr", null, h("th", { scope: "col" }, "Code"), h("th", { scope: "col" }, "Delegation"), h("th", { scope: "col" }, "Regional groups"))),
          body,
        ),
        h("h2", null, "Regional groups"),
        h(
          "ul",
          { class: "plain" },
          [...groups].map(([code, members]) => h("li", null, h("strong", null, code), `: ${members.join(", ")}`)),
        ),
      );
    } catch (err) {
      wait.remove();
      failed(main, err);
    }
  })();
  return {};
}
