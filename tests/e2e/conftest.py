"""Browser tests: the built frontend (app/static) against a real server, in Debian's
Chromium driven by Playwright.

They skip, saying why, when Chromium (/usr/bin/chromium), the Python ``playwright``
package or the built frontend (``cd frontend && npm ci && npm run build``) is missing.
Screenshots go to test-results/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.server import ServerProcess, free_port, server_env

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
INDEX = ROOT / "app" / "static" / "index.html"
RESULTS = ROOT / "test-results"
PASSWORD = "accord-demo"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not INDEX.exists():
        return (
            f"{INDEX.relative_to(ROOT)} is missing: build the frontend "
            "(cd frontend && npm ci && npm run build)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python playwright package is not installed (pip install playwright)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "db_sql(sql, params=()): SQL run on the test's database before its server starts"
    )


@pytest.fixture
def server(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_template: Path
) -> Iterator[ServerProcess]:
    database = tmp_path / "accord.db"
    shutil.copy(seeded_template, database)
    for marker in request.node.iter_markers("db_sql"):
        with sqlite3.connect(database) as conn:
            conn.execute(*marker.args)
        conn.close()
    port = free_port()
    env = server_env(tmp_path, ACCORD_ALLOWED_ORIGINS=f'["http://127.0.0.1:{port}"]')
    instance = ServerProcess(tmp_path, port, env)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope: Playwright's sync API runs an event loop on this thread while it
    # is open, and the asyncio tests that follow need the thread to themselves.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Person:
    """One user in their own browser context (their own cookies)."""

    username: str
    page: Any
    context: Any
    console: list[str] = field(default_factory=list)

    def text(self) -> str:
        result: str = self.page.evaluate("window.accord.text()")
        return result

    def wait_text(self, predicate_js: str, timeout: float = 5000) -> None:
        """Wait until ``predicate_js`` (a JS expression over ``t``, the text) holds."""
        # A function, not an expression: Playwright would eval() an expression, which
        # the page's CSP (rightly) refuses.
        self.page.wait_for_function(
            "() => { const t = window.accord && window.accord.text();"
            f" return t !== undefined && ({predicate_js}); }}",
            timeout=timeout,
        )

    def wait_live(self, timeout: float = 10000) -> None:
        self.page.wait_for_function(
            "() => window.accord && window.accord.status() === 'live'", timeout=timeout
        )

    def wait_settled(self, timeout: float = 5000) -> None:
        self.page.wait_for_function(
            "() => window.accord && window.accord.settled()", timeout=timeout
        )

    def select(self, start: int, end: int | None = None) -> None:
        self.page.evaluate(
            "([a, b]) => window.accord.select(a, b)", [start, start if end is None else end]
        )

    def type(self, text: str) -> None:
        """Type as a person does, key by key (characters outside the keyboard inserted)."""
        for ch in text:
            if ch.isascii():
                self.page.keyboard.type(ch)
            else:
                self.page.keyboard.insert_text(ch)

    def shot(self, name: str) -> None:
        RESULTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(RESULTS / f"{name}.png"))

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def people(
    request: pytest.FixtureRequest, browser: Any, server: ServerProcess
) -> Iterator[Callable[..., Person]]:
    """``people("wang.lei")``: a signed-in user in a fresh browser context."""
    made: list[Person] = []

    def make(username: str, *, sign_in: bool = True) -> Person:
        context = browser.new_context(
            base_url=server.url, viewport={"width": 1400, "height": 950}, locale="en-GB"
        )
        context.set_default_timeout(10000)
        page = context.new_page()
        person = Person(username, page, context)
        page.on("console", lambda m: person.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: person.console.append(f"pageerror: {e}"))
        if sign_in:
            response = context.request.post(
                "/api/login", data={"username": username, "password": PASSWORD}
            )
            assert response.ok, response.text()
        made.append(person)
        return person

    yield make
    if request.node.stash.get(FAILED, False):
        name = SAFE_NAME.sub("-", request.node.name.lower())
        for person in made:
            person.shot(f"FAILED-{name}-{person.username}")
    for person in made:
        violations = person.csp_violations()
        errors = [m for m in person.console if m.startswith("pageerror")]
        person.context.close()
        assert not violations, f"CSP violations for {person.username}: {violations}"
        assert not errors, f"page errors for {person.username}: {errors}"


def api_get(server: ServerProcess, path: str, username: str = "amara.diallo") -> Any:
    """GET an API path as ``username`` (a fresh session)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    login = urllib.request.Request(
        server.url + "/api/login",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    opener.open(login).read()
    with opener.open(server.url + path) as response:
        return json.loads(response.read())


def document_id(server: ServerProcess, symbol: str) -> int:
    for doc in api_get(server, "/api/working-groups/1/documents"):
        if doc["symbol"] == symbol:
            return int(doc["id"])
    raise AssertionError(f"no document {symbol}")


def paragraph_start(text: str, needle: str) -> int:
    """Offset (UTF-16) of ``needle`` in ``text``."""
    index = text.index(needle)
    return len(text[:index].encode("utf-16-le")) // 2


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


SAFE_NAME = re.compile(r"[^a-z0-9_-]+")
