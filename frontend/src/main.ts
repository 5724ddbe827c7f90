import "./styles.css";
import { ApiError, api, setUnauthenticatedHandler, type UserRead } from "./api";
import { clear, h } from "./dom";
import { navigate, onNavigate, parseRoute, type Route } from "./router";
import { renderConference, renderDelegations, renderGroup, renderHome } from "./screens/browse";
import { renderDocument } from "./screens/document";
import { renderLogin } from "./screens/login";

export interface Screen {
  /** Called when leaving the screen (close sockets, timers). */
  dispose?(): void;
  /** Whether leaving would lose something (unsaved edits). */
  unsaved?(): boolean;
}

export interface Context {
  me: UserRead;
  main: HTMLElement;
  setCrumbs(crumbs: { label: string; href?: string }[]): void;
  setTitle(title: string): void;
}

let me: UserRead | null = null;
let screen: Screen | null = null;
let renderToken = 0;

const app = document.getElementById("app")!;

function shell(user: UserRead | null): { main: HTMLElement; crumbs: HTMLElement } {
  clear(app);
  const crumbs = h("ol", { class: "crumbs" });
  const header = h(
    "header",
    { class: "topbar" },
    h("a", { class: "brand", href: "/" }, "Accord"),
    h("nav", { "aria-label": "Breadcrumb", class: "crumb-nav" }, crumbs),
    user ? userBox(user) : null,
  );
  const main = h("main", { id: "main", tabindex: "-1" });
  app.append(header, main);
  return { main, crumbs };
}

function userBox(user: UserRead): HTMLElement {
  const roles = [...new Set(user.roles.map((r) => r.role.replace("_", "-")))].join(", ");
  const signOut = h("button", { type: "button", class: "link-button" }, "Sign out");
  signOut.addEventListener("click", async () => {
    if (screen?.unsaved?.() && !confirm("Some of your edits are not saved yet. Sign out anyway?")) return;
    try {
      await api.logout();
    } catch {
      /* signed out either way */
    }
    me = null;
    navigate("/login", true);
  });
  return h(
    "div",
    { class: "userbox" },
    h(
      "span",
      { class: "who" },
      h("span", { class: "who-name", dir: "auto" }, user.display_name),
      user.delegation ? h("span", { class: "badge", title: user.delegation.name }, user.delegation.country_code) : null,
      roles ? h("span", { class: "roles" }, roles) : null,
    ),
    signOut,
  );
}

async function render(): Promise<void> {
  const token = ++renderToken;
  screen?.dispose?.();
  screen = null;
  const route: Route = parseRoute(location);
  if (route.name === "login") {
    const { main } = shell(null);
    document.title = "Sign in · Accord";
    screen = renderLogin(main, route.next, (user) => {
      me = user;
      navigate(route.next, true);
    });
    return;
  }
  if (me === null) {
    try {
      me = await api.me();
    } catch (err) {
      if (token !== renderToken) return;
      if (err instanceof ApiError && err.status === 401) {
        navigate(`/login?next=${encodeURIComponent(location.pathname)}`, true);
        return;
      }
      const { main } = shell(null);
      main.append(h("p", { class: "error", role: "alert" }, `Accord cannot be reached: ${(err as Error).message}`));
      return;
    }
  }
  if (token !== renderToken) return;
  const { main, crumbs } = shell(me);
  const ctx: Context = {
    me,
    main,
    setCrumbs(list) {
      clear(crumbs);
      list.forEach((c, i) => {
        const last = i === list.length - 1;
        crumbs.append(
          h("li", null, c.href && !last ? h("a", { href: c.href }, c.label) : h("span", { "aria-current": last ? "page" : null }, c.label)),
        );
      });
    },
    setTitle(title) {
      document.title = `${title} · Accord`;
    },
  };
  switch (route.name) {
    case "home":
      screen = renderHome(ctx);
      break;
    case "conference":
      screen = renderConference(ctx, route.id);
      break;
    case "delegations":
      screen = renderDelegations(ctx, route.id);
      break;
    case "group":
      screen = renderGroup(ctx, route.id);
      break;
    case "document":
      screen = renderDocument(ctx, route.id);
      break;
    default:
      ctx.setTitle("Not found");
      main.append(h("h1", null, "Page not found"), h("p", null, h("a", { href: "/" }, "Back to the conferences")));
  }
}

setUnauthenticatedHandler(() => {
  if (parseRoute(location).name === "login") return;
  me = null;
  if (screen?.unsaved?.()) return; // keep the page (and its text); the editor says so
  navigate(`/login?next=${encodeURIComponent(location.pathname)}`, true);
});

window.addEventListener("beforeunload", (event) => {
  if (screen?.unsaved?.()) {
    event.preventDefault();
    event.returnValue = "";
  }
});

onNavigate(() => void render());
void render();
