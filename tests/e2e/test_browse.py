"""Signing in and finding a document."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Person, api_get
from tests.server import ServerProcess

pytestmark = pytest.mark.browser

# The focused element, through shadow roots: its label, id or text.
ACTIVE_NAME = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el) return '';
  const name = el.getAttribute('aria-label') || el.id || el.textContent || el.tagName;
  return name.trim().slice(0, 40);
}"""


def test_sign_in_and_document_list(people: Any, server: ServerProcess) -> None:
    wang: Person = people("wang.lei", sign_in=False)
    page = wang.page
    page.goto("/")
    page.wait_for_url("**/login?next=%2F")
    page.get_by_label("User name").fill("wang.lei")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="not right").wait_for()
    page.get_by_label("Password").fill("accord-demo")
    page.get_by_label("Password").press("Enter")
    page.get_by_role("heading", name="Conferences").wait_for()
    page.get_by_role("link", name="PP-26 Demo, Doha, 2026").click()
    page.get_by_role("link", name="WG-PL: Working Group of the Plenary").click()
    table = page.locator("table.documents")
    table.wait_for()
    wang.shot("browse-documents")
    expected = {d["symbol"]: d for d in api_get(server, "/api/working-groups/1/documents")}
    rows = table.locator("tbody tr")
    assert rows.count() == len(expected)
    for i in range(rows.count()):
        cells = rows.nth(i).locator("th, td").all_inner_texts()
        doc = expected[cells[0]]
        assert cells[1] == doc["title"]
        assert cells[3] == str(doc["counts"]["brackets"])  # open brackets, from the API
    page.get_by_role("link", name="WG-PL/DT/12").click()
    wang.wait_live()
    assert page.locator(".cm-content").get_attribute("aria-label") == "Text of WG-PL/DT/12"
    # Who is signed in, and the way out.
    assert "CHN" in page.locator(".userbox").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def test_keyboard_reaches_the_tools(people: Any) -> None:
    """Every control on the document page has a name and can be reached by Tab."""
    wang: Person = people("wang.lei")
    page = wang.page
    page.goto("/documents/1")
    wang.wait_live()
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
            .filter(el => !el.hidden && el.offsetParent !== null)
            .filter(el => {
              const labelled = el.labels && el.labels.length > 0;
              const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
              const text = (el.textContent || '').trim();
              return !(labelled || aria || (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA'
                                             && el.tagName !== 'SELECT' && text));
            }).map(el => el.outerHTML.slice(0, 120))"""
    )
    assert unnamed == []
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(30):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(ACTIVE_NAME))
    # Tab goes through the text (no keyboard trap) on to the tools.
    text_at = reached.index("Text of WG-PL/DT/12")
    assert "tab-bracket" in reached[text_at + 1 :]
    # Visible focus: the focused tab has an outline.
    page.locator("#tab-history").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-chart"
    wang.shot("keyboard-focus")
