"""Live editing in the browser: two delegates, proposals, positions, the chair."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.conftest import Person, api_get, utf16
from tests.server import ServerProcess

pytestmark = pytest.mark.browser

DOC = "/documents/1"  # WG-PL/DT/12, chaired by khalid.almansouri
PARAGRAPH = "b) that satellite systems"


def open_document(person: Person, path: str = DOC) -> Person:
    person.page.goto(path)
    person.wait_live()
    return person


def offset(text: str, needle: str, after: bool = False) -> int:
    """UTF-16 offset of ``needle`` (or just after it) in ``text``."""
    index = text.index(needle) + (len(needle) if after else 0)
    return utf16(text[:index])


def test_two_delegates_type_in_one_paragraph(people: Any, server: ServerProcess) -> None:
    wang = open_document(people("wang.lei"))
    camille = open_document(people("camille.bernard"))
    text = wang.text()
    assert camille.text() == text
    # Both in the same paragraph: each sees the other's cursor, labelled with its delegation.
    wang.select(offset(text, "economically"))
    camille.select(offset(text, "broadband connectivity"))
    camille.page.locator(".cm-remote-label", has_text="CHN").wait_for()
    wang.page.locator(".cm-remote-label", has_text="FRA").wait_for()
    assert "Camille Bernard" in wang.page.locator(".presence").inner_text()

    wang.type("readily ")
    camille.type("affordable ")
    started = time.monotonic()
    camille.wait_text("t.includes('readily economically')", timeout=1000)
    wang.wait_text("t.includes('affordable broadband')", timeout=1000)
    assert time.monotonic() - started < 1.0
    # Keep typing at once, both: the texts converge, and nothing typed is lost.
    for a, b in zip("ABCDEFGH", "abcdefgh", strict=True):
        wang.type(a)
        camille.type(b)
    wang.wait_settled()
    camille.wait_settled()
    camille.wait_text("t.includes('readily ABCDEFGH')")
    wang.wait_text("t.includes('affordable abcdefgh')")
    final = wang.text()
    assert camille.text() == final
    assert api_get(server, "/api/documents/1")["text"] == final
    paragraph = next(line for line in final.split("\n") if line.startswith(PARAGRAPH))
    assert "affordable abcdefgh" in paragraph and "readily ABCDEFGH" in paragraph
    wang.shot("live-two-delegates-wang")
    camille.shot("live-two-delegates-camille")
    assert wang.page.locator(".conn").get_attribute("data-state") == "live"


def bracket_panel(person: Person) -> Any:
    return person.page.locator(".bracket-panel")


def test_propose_support_resolve_lock(people: Any, server: ServerProcess) -> None:
    camille = open_document(people("camille.bernard"))
    wang = open_document(people("wang.lei"))
    chair = open_document(people("khalid.almansouri"))
    text = camille.text()

    # Camille (FRA) proposes other wording for a selection.
    start = offset(text, "can provide broadband")
    camille.select(start, start + len("can provide"))
    camille.page.get_by_label("Your wording").fill("are able to provide")
    camille.page.get_by_role("button", name="Propose", exact=True).click()
    for person in (camille, wang, chair):
        person.wait_text("t.includes('orbits, [can provide][are able to provide] broadband')")
    camille.shot("flow-1-proposed")

    # Wang (CHN) puts the cursor in the new alternative and supports it.
    text = wang.text()
    wang.select(offset(text, "[are able to provide]") + 3)
    panel = bracket_panel(wang)
    alternative = panel.locator("li.alternative", has_text="are able to provide")
    alternative.get_by_text("Proposed by FRA").wait_for()
    alternative.get_by_role("group", name="CHN position on this wording").get_by_role(
        "button", name="Support"
    ).click()
    alternative.locator(".position.support", has_text="CHN").wait_for()
    assert alternative.get_by_role("button", name="Support").get_attribute("aria-pressed") == "true"
    # By regional group: China is in the APT.
    assert "APT" in alternative.locator("table.regions").inner_text()
    wang.shot("flow-2-supported")
    # Camille sees the support arrive, live.
    camille.select(offset(camille.text(), "[are able to provide]") + 3)
    bracket_panel(camille).locator("li.alternative", has_text="are able to provide").locator(
        ".position.support", has_text="CHN"
    ).wait_for()

    # The chair keeps the supported alternative...
    chair.page.get_by_role("tab", name="Bracket").click()
    chair.select(offset(chair.text(), "[are able to provide]") + 3)
    chair_alt = bracket_panel(chair).locator("li.alternative", has_text="are able to provide")
    chair_alt.get_by_text("1 support").wait_for()
    chair_alt.get_by_role("button", name="Keep this alternative").click()
    for person in (camille, wang, chair):
        person.wait_text("t.includes('orbits, are able to provide broadband')")
    resolved = chair.text()
    assert "[can provide]" not in resolved and "[are able to provide]" not in resolved
    paragraph = next(line for line in resolved.split("\n") if "are able to provide" in line)

    # ...and locks the paragraph.
    chair.select(offset(resolved, "are able to provide"))
    chair.page.get_by_role("tab", name="Chair").click()
    chair.page.get_by_role("button", name="Lock the paragraph(s) at the cursor").click()
    chair.page.locator(".locks li q", has_text=PARAGRAPH).wait_for()
    for person in (camille, wang, chair):
        person.page.locator(".cm-locked-line", has_text="are able to provide").wait_for()
    chair.shot("flow-3-resolved-locked")

    # The locked paragraph refuses a delegate's typing, and says so.
    before = wang.text()
    wang.select(offset(before, "are able to provide") + 4)
    wang.type("XYZ")
    wang.page.locator(".lock-notice").wait_for()
    assert "locked" in wang.page.locator(".lock-notice").inner_text()
    time.sleep(0.3)
    assert wang.text() == before
    assert api_get(server, "/api/documents/1")["text"] == before
    assert paragraph in before
    wang.shot("flow-4-locked-refused")
    # Typing elsewhere still works.
    wang.select(offset(before, "considering"))
    wang.type("Z")
    wang.wait_settled()
    camille.wait_text("t.includes('Zconsidering')")


def test_history_slider_shows_earlier_text(people: Any) -> None:
    wang = open_document(people("wang.lei"))
    original = wang.text()
    wang.select(offset(original, PARAGRAPH))
    wang.type("QNEW ")
    wang.wait_settled()
    wang.select(offset(wang.text(), "considering"))
    wang.type("QMORE ")
    wang.wait_settled()
    page = wang.page
    page.get_by_role("tab", name="History").click()
    slider = page.get_by_role("slider", name="Revision")
    slider.wait_for()
    page.wait_for_function("() => Number(document.querySelector('#history-slider').max) > 0")
    history = page.locator("#history-text")
    # The current text, with nothing marked.
    history.get_by_text("QNEW b) that satellite systems").wait_for()
    # Back to the first revision, with the keyboard.
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('#history-text').dataset.revision === '0'")
    page.get_by_label("Mark what changed since then").uncheck()
    shown = history.inner_text()
    assert "QNEW" not in shown and "QMORE" not in shown
    assert "b) that satellite systems, in the geostationary" in shown
    # With marks: what came later is shown as inserted.
    page.get_by_label("Mark what changed since then").check()
    assert history.locator("ins", has_text="QNEW").count() >= 1
    wang.shot("history-slider-r0")
    # Compare: the first text against the current one.
    page.get_by_label("From", exact=True).select_option("r:0")
    page.get_by_label("To", exact=True).select_option("current")
    page.get_by_role("button", name="Compare").click()
    page.locator(".compare-out ins", has_text="QMORE").wait_for()


def test_emoji_and_arabic_round_trip(people: Any, server: ServerProcess) -> None:
    wang = open_document(people("wang.lei"))
    camille = open_document(people("camille.bernard"))
    text = wang.text()
    wang.select(offset(text, PARAGRAPH))
    wang.type("👍🏽 مرحبا 中文 😀")
    wang.wait_settled()
    # Positions after astral characters: type between the two emoji's neighbours.
    current = wang.text()
    wang.select(offset(current, "😀"))
    wang.type("x")
    wang.select(offset(wang.text(), "😀", after=True))
    wang.type("y")
    wang.wait_settled()
    expected = "👍🏽 مرحبا 中文 x😀y" + PARAGRAPH
    camille.wait_text(f"t.includes({expected!r})")
    server_text = api_get(server, "/api/documents/1")["text"]
    assert expected in server_text
    assert wang.text() == server_text == camille.text()
    # Camille edits right after the Arabic word: offsets agree across clients.
    camille.select(offset(server_text, "مرحبا", after=True))
    camille.type("!")
    wang.wait_text("t.includes('مرحبا! 中文')")
    line = wang.page.locator(".cm-line", has_text="مرحبا")
    assert line.get_attribute("dir") == "auto"
    wang.shot("unicode-round-trip")


def test_reconnect_keeps_typed_text(people: Any, server: ServerProcess) -> None:
    wang = open_document(people("wang.lei"))
    text = wang.text()
    wang.select(offset(text, PARAGRAPH))
    wang.type("before ")
    wang.wait_settled()
    server.kill()
    wang.page.wait_for_function("() => ['offline', 'connecting'].includes(window.accord.status())")
    wang.type("typed while offline ")
    status = wang.page.locator(".conn")
    status.get_by_text("unsaved").wait_for()
    wang.shot("reconnect-offline")
    assert "before typed while offline " + PARAGRAPH in wang.text()
    server.start()
    wang.page.wait_for_function("() => window.accord.status() === 'live'", timeout=15000)
    wang.wait_settled(10000)
    assert "before typed while offline " + PARAGRAPH in api_get(server, "/api/documents/1")["text"]


def api_session(server: ServerProcess, username: str) -> Any:
    """A signed-in urllib opener for ``username``."""
    import json
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    body = json.dumps({"username": username, "password": "accord-demo"}).encode()
    opener.open(
        urllib.request.Request(
            server.url + "/api/login", data=body, headers={"Content-Type": "application/json"}
        )
    ).read()

    def post(path: str, data: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            server.url + path,
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json"},
        )
        with opener.open(request) as response:
            return json.loads(response.read() or b"null")

    return post


def test_conflicts_are_highlighted(people: Any, server: ServerProcess) -> None:
    wang = open_document(people("wang.lei"))
    document = api_get(server, "/api/documents/1")
    text, revision = document["text"], document["revision"]
    start = offset(text, "can provide broadband") + len("can ")
    end = start + len("provide")
    # Two delegates rewrite the same word at once (both against the same revision).
    api_session(server, "camille.bernard")(
        "/api/documents/1/edits", {"id": "c1", "base": revision, "changes": [[start, end, "offer"]]}
    )
    api_session(server, "lukas.becker")(
        "/api/documents/1/edits",
        {"id": "l1", "base": revision, "changes": [[start, end, "deliver"]]},
    )
    wang.wait_text("t.includes('can [offer][deliver] broadband')")
    conflict = wang.page.locator(".cm-conflict")
    conflict.first.wait_for()
    assert {conflict.nth(i).inner_text() for i in range(conflict.count())} == {"offer", "deliver"}
    wang.select(offset(wang.text(), "[deliver]") + 2)
    alternative = wang.page.locator("li.alternative", has_text="deliver")
    alternative.locator(".badge", has_text="conflict").wait_for()
    wang.shot("conflict-highlighted")


def test_unsaved_text_survives_a_reload(people: Any, server: ServerProcess) -> None:
    wang = people("wang.lei")
    page = wang.page
    cut = {"on": False}
    routes: list[Any] = []

    def route(ws: Any) -> None:
        if cut["on"]:
            ws.close()
        else:
            ws.connect_to_server()
            routes.append(ws)

    page.route_web_socket("**/ws", route)
    open_document(wang)
    # The live connection goes (HTTP still works): typing is kept and said to be unsaved.
    cut["on"] = True
    for ws in routes:
        ws.close()
    page.wait_for_function("() => ['offline', 'connecting'].includes(window.accord.status())")
    wang.select(offset(wang.text(), PARAGRAPH))
    wang.type("kept ")
    page.locator(".conn", has_text="unsaved").wait_for()
    # Reloading the page (the browser asks first) brings the unsaved text back.
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    wang.wait_text(f"t.includes('kept {PARAGRAPH}')")
    page.locator(".notice", has_text="before the page was reloaded").wait_for()
    assert page.locator(".conn").get_attribute("data-state") in {"offline", "connecting"}
    assert "kept " not in api_get(server, "/api/documents/1")["text"]
    wang.shot("reload-restored")
    # Back online: it is saved.
    cut["on"] = False
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wang.wait_live(15000)
    wang.wait_settled()
    assert "kept " + PARAGRAPH in api_get(server, "/api/documents/1")["text"]


def test_observer_reads_only(people: Any) -> None:
    tomas = open_document(people("tomas.rivera"))
    before = tomas.text()
    assert tomas.page.locator(".conn").inner_text().endswith("read only")
    tomas.select(10)
    tomas.page.keyboard.type("nope")
    assert tomas.text() == before
    # No position or proposal controls for an observer.
    assert tomas.page.get_by_role("button", name="Support").count() == 0
    assert tomas.page.get_by_label("Your wording").count() == 0


def test_chair_console(people: Any, server: ServerProcess) -> None:
    chair = open_document(people("khalid.almansouri"))
    camille = open_document(people("camille.bernard"))
    page = chair.page
    # Resolve a lone bracket by keeping its text, then reopen it.
    text = chair.text()
    chair.select(offset(text, "[yet]") + 2)
    panel = bracket_panel(chair)
    panel.get_by_text("Optional text (a lone bracket)").wait_for()
    panel.get_by_role("button", name="Keep the text (remove the brackets)").click()
    camille.wait_text("t.includes('are not yet economically')")
    page.get_by_role("tab", name="Chair").click()
    page.locator(".resolutions li", has_text="Text kept").get_by_role(
        "button", name="Reopen"
    ).click()
    camille.wait_text("t.includes('are not [yet] economically')")
    # Lock and unlock a paragraph.
    chair.select(offset(chair.text(), "considering"))
    page.get_by_role("button", name="Lock the paragraph(s) at the cursor").click()
    camille.page.locator(".cm-locked-line", has_text="considering").wait_for()
    page.locator(".locks li", has_text="considering").get_by_role("button", name="Unlock").click()
    camille.page.locator(".cm-locked-line").wait_for(state="detached")
    # Issue Rev.1, then compare it with the current text after an edit.
    page.get_by_label("Label for the new revision (optional)").fill("after first reading")
    page.get_by_role("button", name="Issue revision (Rev.N)").click()
    page.locator(".revisions li", has_text="after first reading").wait_for()
    revisions = api_get(server, "/api/documents/1/revisions")
    assert [r["label"] for r in revisions] == ["after first reading"]
    camille.select(offset(camille.text(), "recognizing"))
    camille.type("Also ")
    camille.wait_settled()
    page.get_by_role("tab", name="History").click()
    page.get_by_label("From", exact=True).select_option(f"rev:{revisions[0]['number']}")
    page.get_by_label("To", exact=True).select_option("current")
    page.get_by_role("button", name="Compare").click()
    page.locator(".compare-out ins", has_text="Also").wait_for()
    # The chart of open brackets.
    page.get_by_role("tab", name="Chart").click()
    page.locator(".chart-panel svg.chart-svg").wait_for()
    chair.shot("chair-console-chart")
    # Delegates have no chair tools.
    assert camille.page.get_by_role("tab", name="Chair").count() == 0
