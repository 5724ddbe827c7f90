/**
 * Building DOM without HTML strings: every piece of user text goes in through
 * textContent or a text node, never innerHTML. Attributes are set one by one (no
 * ``style`` attribute: the CSP forbids inline styles; use classes).
 */

type Child = Node | string | null | undefined | false;
export type Kids = Child | readonly Kids[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Kids[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
      } else if (key === "class") {
        el.className = String(value);
      } else if (key === "style") {
        throw new Error("inline styles are refused by the CSP; use a class");
      } else if (value === true) {
        el.setAttribute(key, "");
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Kids[]): void {
  for (const child of (children as unknown[]).flat(Infinity) as Child[]) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

export function setText(el: Element, text: string): void {
  el.textContent = text;
}

/** A live region that announces short messages to screen readers. */
export function announce(message: string): void {
  const region = document.getElementById("announcer");
  if (region) {
    region.textContent = "";
    // A separate task, so that repeating a message announces it again.
    setTimeout(() => (region.textContent = message), 30);
  }
}

export function formatTime(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
