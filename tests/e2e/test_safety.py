"""User text is shown as text: script payloads in names and document text never run."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Person, utf16
from tests.server import ServerProcess

pytestmark = pytest.mark.browser

NAME = '<img src=x onerror="window.__xss=1">Wang<script>window.__xss=2</script>'
DELEGATION = "China<svg onload=window.__xss=3>"
TITLE = "<script>window.__xss=4</script>Payload title"
SYMBOL = "WG-PL/DT/<b>99</b>"
TEXT = (
    'Intro <img src=x onerror="window.__xss=5"> and [<script>window.__xss=6</script>]'
    "[<iframe src=javascript:window.__xss=7>]\n"
    "Second paragraph with </div><button id=evil>click</button>"
)
NOTE = '<img src=x onerror="window.__xss=8">note'

NO_INJECTED = """() => {
  const roots = [document];
  for (const el of document.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  const found = [];
  for (const root of roots) {
    const sel = 'img, script:not([src]), iframe, #evil, b, svg:not(.chart-svg)';
    for (const el of root.querySelectorAll(sel)) {
      found.push(el.outerHTML.slice(0, 80));
    }
  }
  return { xss: window.__xss === undefined ? null : window.__xss, found };
}"""


@pytest.mark.db_sql("UPDATE users SET display_name = ? WHERE username = 'wang.lei'", (NAME,))
@pytest.mark.db_sql("UPDATE delegations SET name = ? WHERE country_code = 'CHN'", (DELEGATION,))
def test_script_payloads_do_not_run(people: Any, server: ServerProcess) -> None:
    chair: Person = people("khalid.almansouri")
    created = chair.context.request.post(
        "/api/working-groups/1/documents",
        data={"symbol": SYMBOL, "title": TITLE, "kind": "resolution", "text": TEXT},
    )
    assert created.ok, created.text()
    doc_id = created.json()["id"]

    wang: Person = people("wang.lei")
    camille: Person = people("camille.bernard")
    # The document list shows the payload title and symbol as text.
    camille.page.goto("/working-groups/1")
    camille.page.get_by_role("link", name=SYMBOL).wait_for()
    assert TITLE in camille.page.locator("table.documents").inner_text()
    assert camille.page.evaluate(NO_INJECTED) == {"xss": None, "found": []}

    for person in (wang, camille):
        person.page.goto(f"/documents/{doc_id}")
        person.wait_live()
    assert camille.text() == TEXT
    # The header, the text, and Wang's name in the presence list and on his cursor.
    wang.select(utf16(TEXT.split("\n")[0]) - 3)
    camille.page.locator(".cm-remote-label", has_text="CHN").wait_for()
    assert NAME in camille.page.locator(".presence").inner_text()
    assert camille.page.locator(".cm-remote-label").inner_text() == f"CHN · {NAME}"
    assert TITLE in camille.page.locator(".doc-head h1").inner_text()
    assert (
        "</div><button id=evil>click</button>" in camille.page.locator(".cm-content").inner_text()
    )
    # A position note with a payload, shown in the other delegate's panel.
    wang.page.get_by_role("tab", name="Bracket").click()
    alternative = wang.page.locator("li.alternative", has_text="<script>window.__xss=6</script>")
    alternative.wait_for()
    alternative.get_by_label("Note with CHN's position").fill(NOTE)
    alternative.get_by_role("button", name="Support").click()
    alternative.locator(".position.support", has_text="note").wait_for()
    camille.select(TEXT.index("<script>") + 2)
    camille_alt = camille.page.locator("li.alternative", has_text="<script>window.__xss=6</script>")
    camille_alt.locator(".position", has_text=NOTE).wait_for()
    assert NAME in camille_alt.locator(".position").inner_text()  # who recorded it
    # Delegation name on the delegations page.
    wang.page.goto("/conferences/1/delegations")
    wang.page.get_by_text(DELEGATION).first.wait_for()
    camille.shot("safety-payloads")
    for person in (wang, camille):
        assert person.page.evaluate(NO_INJECTED) == {"xss": None, "found": []}
