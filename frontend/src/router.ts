/** Client-side routes on the History API: the server serves index.html for every path. */

export type Route =
  | { name: "login"; next: string }
  | { name: "home" }
  | { name: "conference"; id: number }
  | { name: "delegations"; id: number }
  | { name: "group"; id: number }
  | { name: "document"; id: number }
  | { name: "notFound" };

export function parseRoute(location: Location): Route {
  const path = location.pathname.replace(/\/+$/, "") || "/";
  let m: RegExpMatchArray | null;
  if (path === "/login") {
    const next = new URLSearchParams(location.search).get("next") ?? "/";
    return { name: "login", next: next.startsWith("/") && !next.startsWith("//") ? next : "/" };
  }
  if (path === "/") return { name: "home" };
  if ((m = path.match(/^\/conferences\/(\d+)$/))) return { name: "conference", id: Number(m[1]) };
  if ((m = path.match(/^\/conferences\/(\d+)\/delegations$/))) return { name: "delegations", id: Number(m[1]) };
  if ((m = path.match(/^\/working-groups\/(\d+)$/))) return { name: "group", id: Number(m[1]) };
  if ((m = path.match(/^\/documents\/(\d+)$/))) return { name: "document", id: Number(m[1]) };
  return { name: "notFound" };
}

type Listener = () => void;
let listener: Listener | null = null;

export function onNavigate(l: Listener): void {
  listener = l;
  window.addEventListener("popstate", () => listener?.());
  // Same-origin links navigate in place.
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    const a = (event.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
    if (url.pathname === location.pathname && url.hash) return; // in-page anchors
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  listener?.();
}
