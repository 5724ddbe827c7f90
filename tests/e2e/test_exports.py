"""Export and import from the document page: the agreed view's open places, Word
downloads, and a chair replacing the text from a Markdown file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Person, api_get, utf16
from tests.server import ServerProcess

pytestmark = pytest.mark.browser

DOC = "/documents/1"  # WG-PL/DT/12, chaired by khalid.almansouri
PHRASE = "satellite systems, in the geostationary and non-geostationary orbits"


def open_export_tab(person: Person) -> Any:
    page = person.page
    page.goto(DOC)
    person.wait_live()
    page.locator("#tab-export").click()
    return page


def word_text(path: Path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_delegate_exports_the_draft(people: Any, server: ServerProcess, tmp_path: Path) -> None:
    wang: Person = people("wang.lei")
    page = open_export_tab(wang)
    assert page.locator("#tab-export").inner_text() == "Export"
    assert page.locator("#import-file").count() == 0  # importing is for chairs

    # The agreed view is refused while brackets remain: every open place is listed.
    agreement = api_get(server, "/api/documents/1/agreement", "wang.lei")
    assert not agreement["agreed"]
    places = page.locator(".open-places li")
    places.first.wait_for()
    assert places.count() == len(agreement["open"])
    assert (
        f"{len(agreement['open'])} open places remain" in page.locator(".not-agreed").inner_text()
    )
    first = agreement["open"][0]
    assert first["excerpt"] in places.first.inner_text()
    wang.shot("export-not-agreed")

    # A place leads to the text: the caret goes to its line and column.
    places.first.get_by_role("button").click()
    text = wang.text()
    lines = text.split("\n")
    line = lines[first["line"] - 1]
    expected = sum(utf16(x) + 1 for x in lines[: first["line"] - 1]) + utf16(
        line[: first["column"] - 1]
    )
    page.wait_for_function(
        "(at) => window.accord.selection().from === at && window.accord.selection().to === at",
        arg=expected,
    )

    # Download on the agreed view asks again and downloads nothing.
    page.get_by_label("Format").select_option("docx")
    page.get_by_role("button", name="Download").click()
    page.locator(".open-places li").first.wait_for()
    assert page.url.endswith(DOC)

    # Export anyway: a Word file with its brackets and the notice.
    with page.expect_download() as info:
        page.get_by_role("button", name="Export anyway").click()
    download = info.value
    assert download.suggested_filename == "WG-PL_DT_12-agreed.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    body = word_text(saved)
    assert PHRASE in body
    assert "[some 2.6 billion people]" in body
    page.get_by_role("status").filter(has_text="Downloaded WG-PL_DT_12-agreed.docx").wait_for()

    # The compilation view downloads at once, with the text as written.
    page.get_by_label("Compilation with proposers").check()
    assert page.locator(".open-places").count() == 0
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename == "WG-PL_DT_12-compilation.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    body = word_text(saved)
    assert "Bridging the digital divide through affordable satellite connectivity" in body
    assert PHRASE in body
    assert page.url.endswith(DOC)


NEW_TEXT_MD = (
    "# Digital inclusion\n\n"
    "1 that Member States [shall][should] publish national broadband plans;\n\n"
    "2 to invite Member States to share their experience[ and best practices].\n"
)
NEW_TEXT = (
    "Digital inclusion\n\n"
    "1 that Member States [shall][should] publish national broadband plans;\n\n"
    "2 to invite Member States to share their experience[ and best practices].\n"
)


def test_chair_replaces_the_text_from_a_file(people: Any, server: ServerProcess) -> None:
    khalid: Person = people("khalid.almansouri")
    wang: Person = people("wang.lei")
    wang.page.goto(DOC)
    wang.wait_live()
    page = open_export_tab(khalid)
    assert page.locator("#tab-export").inner_text() == "Export / import"
    picker = page.get_by_label("Replace text from file (.docx, .md, .txt)")

    # A refused file changes nothing, and says why.
    before = khalid.text()
    picker.set_input_files(
        files=[{"name": "old.doc", "mimeType": "application/msword", "buffer": b"\xd0\xcf\x11\xe0"}]
    )
    page.get_by_role("button", name="Replace the text…").click()
    page.get_by_role("button", name="Replace the text", exact=True).click()
    refusal = page.locator(".import-result .error")
    refusal.wait_for()
    assert "Not imported:" in refusal.inner_text()
    assert ".docx" in refusal.inner_text()
    assert khalid.text() == before

    # Cancel leaves the text alone; confirming replaces it, live for everyone.
    picker.set_input_files(
        files=[{"name": "dt12.md", "mimeType": "text/markdown", "buffer": NEW_TEXT_MD.encode()}]
    )
    page.get_by_role("button", name="Replace the text…").click()
    page.get_by_role("button", name="Cancel").click()
    assert page.locator(".confirm-box").is_hidden()
    page.get_by_role("button", name="Replace the text…").click()
    assert "dt12.md" in page.locator(".confirm-box").inner_text()
    page.get_by_role("button", name="Replace the text", exact=True).click()
    page.locator(".imported", has_text="Imported dt12.md (Markdown)").wait_for()
    counts = page.locator(".import-counts").inner_text()
    assert "3 brackets, 1 group of alternatives, 0 paragraph options" in counts
    assert "heading" in page.locator(".import-warnings").inner_text()
    # The agreed view's open places follow the new text.
    page.locator(".open-places li", has_text="Line 3, column 22").wait_for()
    assert page.locator(".open-places li").count() == 2
    khalid.wait_text(f"t === {json.dumps(NEW_TEXT)}")
    assert page.locator(".cm-content").inner_text().startswith("Digital inclusion")
    wang.wait_text("t.startsWith('Digital inclusion\\n')")
    assert wang.text() == NEW_TEXT
    khalid.wait_settled()
    assert api_get(server, "/api/documents/1")["text"] == NEW_TEXT
    khalid.shot("import-done")
