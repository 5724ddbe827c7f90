/** Accessible tabs (WAI-ARIA tabs pattern, manual activation with arrow keys). */
import { h } from "../dom";

export interface Tab {
  id: string;
  label: string;
  panel: HTMLElement;
}

export function tabs(name: string, list: Tab[]): { root: HTMLElement; select(id: string): void } {
  const tablist = h("div", { role: "tablist", "aria-label": name, class: "tablist" });
  const buttons: HTMLButtonElement[] = [];
  const root = h("div", { class: "tabs" }, tablist);
  const select = (id: string, focus = false) => {
    list.forEach((t, i) => {
      const on = t.id === id;
      buttons[i]!.setAttribute("aria-selected", String(on));
      buttons[i]!.tabIndex = on ? 0 : -1;
      t.panel.hidden = !on;
      if (on && focus) buttons[i]!.focus();
    });
  };
  list.forEach((t, i) => {
    const button = h(
      "button",
      { type: "button", role: "tab", id: `tab-${t.id}`, "aria-controls": `panel-${t.id}`, class: "tab" },
      t.label,
    );
    button.addEventListener("click", () => select(t.id));
    button.addEventListener("keydown", (e) => {
      const k = (e as KeyboardEvent).key;
      let j = -1;
      if (k === "ArrowRight") j = (i + 1) % list.length;
      else if (k === "ArrowLeft") j = (i - 1 + list.length) % list.length;
      else if (k === "Home") j = 0;
      else if (k === "End") j = list.length - 1;
      if (j >= 0) {
        e.preventDefault();
        select(list[j]!.id, true);
      }
    });
    buttons.push(button);
    tablist.append(button);
    t.panel.id = `panel-${t.id}`;
    t.panel.setAttribute("role", "tabpanel");
    t.panel.setAttribute("aria-labelledby", `tab-${t.id}`);
    t.panel.tabIndex = 0;
    t.panel.classList.add("tabpanel");
    root.append(t.panel);
  });
  select(list[0]!.id);
  return { root, select: (id) => select(id) };
}
