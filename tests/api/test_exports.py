"""Import, compilation and export over REST: real files in, real formats out, and
refusals that change nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any, cast

import pytest
from docx import Document as DocxDocument
from fastapi.testclient import TestClient
from lxml import etree
from pypdf import PdfReader

from app.admin.cli_service import UserSpec, create_conference, create_user_account, run
from app.config import Settings
from app.engine.report import bracket_report
from tests.factories import login, working_group_id

DOC = 1  # WG-PL/DT/12
SECRETARIAT, CHAIR, DELEGATE = "amara.diallo", "khalid.almansouri", "wang.lei"
UNFCCC = "negotiating-texts/unfccc-draft-agreement-2015-10-23.txt"

BASE = (
    "RESOLUTION 999 (REV. DOHA, 2026)\n\n"
    "Digital inclusion\n\n"
    "The Plenipotentiary Conference of the International Telecommunication Union "
    "(Doha, 2026),\n\n"
    "resolves\n\n"
    "1 that Member States shall publish national broadband plans;\n"
    "2 to invite Member States to share their experience.\n"
)


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    login(client, username)
    return client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if "json" in response.headers.get("content-type", "") else response


def _documents(client: TestClient, group: int) -> list[str]:
    return [d["symbol"] for d in client.get(f"/api/working-groups/{group}/documents").json()]


def _upload(client: TestClient, group: int, name: str, data: bytes, symbol: str) -> Any:
    return client.post(
        f"/api/working-groups/{group}/documents/import",
        files={"file": (name, data)},
        data={"symbol": symbol, "title": f"Imported {name}"},
    )


def _export(client: TestClient, document_id: int, **params: Any) -> Any:
    return client.get(f"/api/documents/{document_id}/export", params=params)


# -- import --------------------------------------------------------------------------


@pytest.mark.needs_data
def test_import_of_the_unfccc_draft_keeps_every_bracket(
    client: TestClient, shared_data: Path
) -> None:
    data = (shared_data / UNFCCC).read_bytes()
    expected = bracket_report(data.decode("utf-8"))
    _as(client, SECRETARIAT)
    group = working_group_id(client, "WG-PL")
    body = _ok(_upload(client, group, "unfccc.txt", data, "WG-PL/DT/99"), 201)
    counts = body["counts"]
    assert counts["brackets"] == expected["brackets"] == 1022
    assert counts["unmatched_open"] == expected["unmatched_open"] == 1
    assert counts["unmatched_close"] == expected["unmatched_close"] == 2
    assert len(body["diagnostics"]) == len(expected["diagnostics"]) > 0
    first = body["diagnostics"][0]
    assert {"line", "column", "kind", "message"} <= first.keys()
    stored = client.get(f"/api/documents/{body['document_id']}").json()
    assert stored["text"] == data.decode("utf-8")


@pytest.mark.parametrize(
    ("name", "data", "status", "reason"),
    [
        ("picture.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 422, "not_text"),
        ("latin1.txt", "résolution".encode("latin-1"), 422, "bad_encoding"),
        ("fake.docx", b"this is not a zip", 422, "bad_docx"),
        ("old.doc", b"\xd0\xcf\x11\xe0 word 97", 422, "unsupported_format"),
        ("empty.md", b"   \n", 422, "empty"),
    ],
)
def test_bad_files_are_refused_and_change_nothing(
    client: TestClient, name: str, data: bytes, status: int, reason: str
) -> None:
    _as(client, SECRETARIAT)
    group = working_group_id(client, "WG-PL")
    before = _documents(client, group)
    response = _upload(client, group, name, data, "WG-PL/DT/98")
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["reason"] == reason
    assert _documents(client, group) == before


def test_a_zip_bomb_and_an_oversized_upload_are_refused(
    client: TestClient, settings: Settings
) -> None:
    _as(client, SECRETARIAT)
    group = working_group_id(client, "WG-PL")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 100_000_000)
    response = _upload(client, group, "bomb.docx", bomb.getvalue(), "WG-PL/DT/97")
    assert response.status_code == 422, response.text
    assert response.json()["reason"] == "zip_bomb"
    huge = b"a" * (settings.max_upload_bytes + 1)
    response = _upload(client, group, "huge.txt", huge, "WG-PL/DT/97")
    assert response.status_code == 413
    assert "WG-PL/DT/97" not in _documents(client, group)


def test_only_the_secretariat_and_chairs_import(client: TestClient) -> None:
    _as(client, DELEGATE)
    group = working_group_id(client, "WG-PL")
    response = _upload(client, group, "x.txt", b"some [text]", "WG-PL/DT/96")
    assert response.status_code == 403
    over = client.post(f"/api/documents/{DOC}/import", files={"file": ("x.txt", b"new text")})
    assert over.status_code == 403
    assert "some [text]" not in client.get(f"/api/documents/{DOC}").json()["text"]


def test_import_over_a_draft_keeps_the_ids_of_unchanged_brackets(client: TestClient) -> None:
    _as(client, CHAIR)
    before = client.get(f"/api/documents/{DOC}").json()
    ids_before = {b["id"] for b in client.get(f"/api/documents/{DOC}/brackets").json()}
    changed = before["text"].replace("considering", "considering also", 1)
    body = _ok(
        client.post(
            f"/api/documents/{DOC}/import",
            files={"file": ("dt12.md", changed.encode("utf-8"))},
        )
    )
    assert body["changed"] and body["revision"] == before["revision"] + 1
    after = client.get(f"/api/documents/{DOC}").json()
    assert after["text"] == changed
    ids_after = {b["id"] for b in client.get(f"/api/documents/{DOC}/brackets").json()}
    assert ids_after == ids_before


# -- compilation -----------------------------------------------------------------------


def _compile(client: TestClient, proposals: list[dict[str, Any]], symbol: str) -> Any:
    group = working_group_id(client, "WG-PL")
    return client.post(
        f"/api/working-groups/{group}/compilations",
        json={
            "symbol": symbol,
            "title": "Digital inclusion",
            "base_text": BASE,
            "base_label": "Resolution 999 (Rev. Doha, 2026)",
            "proposals": proposals,
        },
    )


THREE: list[dict[str, Any]] = [
    {
        "proposer": "EGY",
        "action": "MOD",
        "text": BASE.replace("shall publish", "should publish"),
        "reasons": "Flexibility for developing countries.",
    },
    {
        "proposer": "ATU",
        "signatories": ["KEN", "NGA"],
        "action": "MOD",
        "text": BASE.replace("shall publish", "should publish").replace(
            "their experience", "their experience and best practices"
        ),
    },
    {"proposer": "CAN", "signatories": ["BRA"], "action": "NOC"},
]


def test_three_conflicting_proposals_compile_into_attributed_alternatives(
    client: TestClient,
) -> None:
    _as(client, SECRETARIAT)
    body = _ok(_compile(client, THREE, "WG-PL/DT/50"), 201)
    text = body["text"]
    assert "Member States [shall][should] publish" in text
    assert "their experience[ and best practices]." in text
    assert text.startswith("RESOLUTION 999 (REV. DOHA, 2026)\n\nDigital inclusion")
    by_wording = {
        wording: proposers
        for place in body["places"]
        for wording, proposers in zip(place["wordings"], place["proposers"], strict=True)
    }
    assert by_wording["shall"] == ["CAN"]
    assert sorted(by_wording["should"]) == ["ATU", "EGY"]
    assert by_wording[" and best practices"] == ["ATU"]
    optional = next(p for p in body["places"] if p["wordings"] == [" and best practices"])
    assert sorted(optional["omitted_by"]) == ["CAN", "EGY"]
    document_id = body["document_id"]
    compilation = _export(client, document_id, view="compilation", format="txt").text
    assert "[shall]⁽¹⁾[should]⁽²⁾ publish" in compilation
    assert "⁽¹⁾ Proposed by CAN; co-sponsored by BRA." in compilation
    assert "⁽²⁾ Proposed by EGY; KEN, NGA (ATU common proposal)." in compilation
    assert "deletion proposed by EGY, CAN, BRA." in compilation
    marked = _export(client, document_id, view="revision", format="html").text
    assert "<ins" in marked and "should" in marked


@pytest.mark.needs_data
def test_the_akoma_ntoso_export_of_a_compilation_is_valid(
    client: TestClient, shared_data: Path
) -> None:
    schema_file = shared_data / "akoma-ntoso" / "akomantoso30.xsd"
    schema = etree.XMLSchema(etree.parse(str(schema_file)))
    _as(client, SECRETARIAT)
    document_id = _ok(_compile(client, THREE, "WG-PL/DT/52"), 201)["document_id"]
    for view in ("compilation", "revision"):
        xml = _export(client, document_id, view=view, format="akn").content
        root = etree.fromstring(xml)
        schema.assertValid(root)
    notes = root.xpath("//*[local-name()='authorialNote']")
    assert notes == [] or view == "revision"
    compiled = etree.fromstring(
        _export(client, document_id, view="compilation", format="akn").content
    )
    found = cast(list[etree._Element], compiled.xpath("//*[local-name()='authorialNote']"))
    texts = ["".join(str(t) for t in note.itertext()) for note in found]
    assert any("ATU common proposal" in text for text in texts)
    assert compiled.xpath("//*[local-name()='inline'][@alternativeTo]")


def test_compilation_refuses_unknown_proposers_and_wrong_actions(client: TestClient) -> None:
    _as(client, SECRETARIAT)
    unknown = _compile(client, [{"proposer": "XYZ", "action": "NOC"}], "WG-PL/DT/51")
    assert unknown.status_code == 422
    add = _compile(client, [{"proposer": "EGY", "action": "ADD", "text": "new"}], "WG-PL/DT/51")
    assert add.status_code == 422
    assert "ADD" in add.json()["detail"]
    _as(client, DELEGATE)
    assert _compile(client, THREE, "WG-PL/DT/51").status_code == 403


# -- export --------------------------------------------------------------------------


def test_agreed_text_is_refused_while_brackets_remain_then_exported(client: TestClient) -> None:
    _as(client, CHAIR)
    refused = _export(client, DOC, view="agreed", format="docx")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "not_agreed"
    assert problem["open_count"] == len(problem["open"]) > 0
    assert all(item["line"] >= 1 and item["column"] >= 1 for item in problem["open"])
    forced = _export(client, DOC, view="agreed", format="txt", force="true")
    assert forced.status_code == 200
    assert int(forced.headers["x-accord-open-brackets"]) > 0
    _resolve_everything(client)
    assert client.get(f"/api/documents/{DOC}/agreement").json()["agreed"]
    text = _export(client, DOC, view="agreed", format="txt").text
    assert text.startswith("DRAFT NEW RESOLUTION [ACD-1] (DOHA, 2026)")  # escapes resolved
    assert "[" not in text.replace("[ACD-1]", "") and "Plenipotentiary Conference" in text
    for output in ("md", "html", "docx", "pdf", "akn"):
        response = _export(client, DOC, view="agreed", format=output)
        assert response.status_code == 200, (output, response.text[:300])
        assert "attachment" in response.headers["content-disposition"]
    docx = DocxDocument(io.BytesIO(_export(client, DOC, view="agreed", format="docx").content))
    assert any("Plenipotentiary Conference" in p.text for p in docx.paragraphs)
    pdf = PdfReader(io.BytesIO(_export(client, DOC, view="agreed", format="pdf").content))
    assert "Plenipotentiary" in "".join(page.extract_text() for page in pdf.pages)


def _resolve_everything(client: TestClient) -> None:
    for _ in range(200):
        places = client.get(f"/api/documents/{DOC}/brackets").json()
        if not places:
            return
        place = places[0]
        if place["kind"] == "optional":
            body: dict[str, Any] = {"action": "keep"}
        else:
            body = {"action": "keep_alternative", "alternative": place["alternatives"][0]["id"]}
        _ok(client.post(f"/api/documents/{DOC}/brackets/{place['id']}/resolution", json=body), 201)
    raise AssertionError("brackets remain after 200 resolutions")


def test_a_docx_export_imports_back_to_the_same_text(client: TestClient) -> None:
    _as(client, SECRETARIAT)
    original = client.get("/api/documents/3").json()  # Arabic, Chinese, Russian inside
    exported = _export(client, 3, view="compilation", format="docx")
    assert exported.status_code == 200
    group = original["working_group_id"]
    body = _ok(_upload(client, group, "round.docx", exported.content, "COM5/WG-B/DT/70"), 201)
    again = client.get(f"/api/documents/{body['document_id']}").json()
    assert again["text"] == original["text"]


def test_exports_of_unreadable_documents_are_refused(
    client: TestClient, settings: Settings
) -> None:
    assert _export(client, DOC).status_code == 401
    url = settings.resolved_database_url
    run(url, lambda db: create_conference(db, "OTHER-26", "Other conference", "", None, None))
    outsider = UserSpec(
        username="outsider",
        email="outsider@example.org",
        display_name="Outsider",
        role="observer",
        conference="OTHER-26",
        working_group=None,
        delegation=None,
        affiliation="other",
        affiliation_name="",
        password="outsider-password-1",
    )
    create_user_account(url, outsider)
    client.cookies.clear()
    login(client, "outsider", "outsider-password-1")
    for view in ("agreed", "compilation", "revision"):
        assert _export(client, DOC, view=view, force="true").status_code == 404
    _as(client, DELEGATE)
    assert _export(client, 999_999).status_code == 404
    invalid = _export(client, DOC, view="compilation", format="exe")
    assert invalid.status_code == 422
    assert _export(client, DOC, view="revision", against="base").status_code == 422
