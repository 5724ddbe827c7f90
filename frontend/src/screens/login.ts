import { ApiError, api, type UserRead } from "../api";
import { h } from "../dom";
import type { Screen } from "../main";

export function renderLogin(main: HTMLElement, _next: string, done: (user: UserRead) => void): Screen {
  const error = h("p", { class: "error", role: "alert", id: "login-error", hidden: true });
  const username = h("input", {
    id: "username",
    name: "username",
    autocomplete: "username",
    required: true,
    autocapitalize: "none",
    spellcheck: "false",
  });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "login card", "aria-describedby": "login-error", novalidate: true },
    h("h1", null, "Sign in to Accord"),
    h("p", { class: "muted" }, "Live drafting for multilateral negotiations."),
    h("div", { class: "field" }, h("label", { for: "username" }, "User name"), username),
    h("div", { class: "field" }, h("label", { for: "password" }, "Password"), password),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!username.value || !password.value) {
      error.textContent = "Enter your user name and password.";
      error.hidden = false;
      (username.value ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      done(await api.login(username.value.trim(), password.value));
    } catch (err) {
      error.textContent =
        err instanceof ApiError && (err.status === 401 || err.status === 400 || err.status === 422)
          ? "The user name or password is not right."
          : `Could not sign in: ${(err as Error).message}`;
      error.hidden = false;
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });
  main.append(form);
  username.focus();
  return {};
}
