from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.config import Settings
from app.documents.models import DraftDocument, Snapshot
from app.editing.service import EditRecord, commit_edits
from app.engine.textdiff import diff_to_changes
from app.main import create_app
from app.revisions.router import router as revisions_router
from tests.factories import login, working_group_id

DT12 = "WG-PL/DT/12"
CHAIR, VICE_CHAIR = "khalid.almansouri", "ngozi.adeyemi"


def _with_revisions(app: FastAPI) -> FastAPI:
    """Register the revisions routes unless the app already has them, ahead of the
    frontend's catch-all route."""
    paths = {getattr(route, "path", None) for route in app.router.routes}
    if "/api/documents/{document_id}/revisions" in paths:
        return app
    before = len(app.router.routes)
    app.include_router(revisions_router)
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[0:0] = added
    return app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = _with_revisions(create_app(settings))
    with TestClient(app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def _document_id(client: TestClient, symbol: str = DT12) -> int:
    group = working_group_id(client, symbol.split("/DT/")[0])
    documents = client.get(f"/api/working-groups/{group}/documents").json()
    return int(next(d["id"] for d in documents if d["symbol"] == symbol))


def _switch(client: TestClient, username: str) -> None:
    client.post("/api/logout")
    login(client, username)


def _edit(db: Session, document_id: int, new_text: str) -> int:
    """Commit a change to the text as live editing does: log entry and text together."""
    document = db.get_one(DraftDocument, document_id)
    db.refresh(document)
    base = document.revision
    changes = diff_to_changes(document.text, new_text, 1.0)
    record = EditRecord(base + 1, base, None, None, None, changes, ())
    commit_edits(db, document_id, base, [record], new_text)
    db.commit()
    return base + 1


def _text(db: Session, document_id: int) -> str:
    document = db.get_one(DraftDocument, document_id)
    db.refresh(document)
    text = document.text
    db.commit()
    return text


def _sides(body: dict[str, Any]) -> tuple[str, str]:
    segments = body["segments"]
    old = "".join(s["text"] for s in segments if s["kind"] != "insert")
    new = "".join(s["text"] for s in segments if s["kind"] != "delete")
    return old, new


def _issue(client: TestClient, document_id: int, **body: str) -> Any:
    return client.post(f"/api/documents/{document_id}/revisions", json=body or None)


def test_chair_issues_numbered_revisions(client: TestClient, db: Session) -> None:
    login(client, CHAIR)
    doc = _document_id(client)
    original = _text(db, doc)
    first = _issue(client, doc)
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["number"], body["name"], body["revision"]) == (1, f"{DT12} Rev.1", 0)
    assert body["issued_by"]["display_name"] == "خالد المنصوري"
    assert body["label"] is None

    again = _issue(client, doc)
    assert again.status_code == 409
    assert "Rev.1" in again.json()["detail"]

    revision = _edit(db, doc, original.replace("considering", "considering further", 1))
    second = _issue(client, doc, label="After informal consultations")
    assert second.status_code == 201, second.text
    assert (second.json()["number"], second.json()["revision"]) == (2, revision)

    listed = client.get(f"/api/documents/{doc}/revisions").json()
    assert [r["name"] for r in listed] == [f"{DT12} Rev.1", f"{DT12} Rev.2"]
    assert [r["label"] for r in listed] == [None, "After informal consultations"]
    frozen = client.get(f"/api/documents/{doc}/revisions/2").json()
    assert frozen["text"] == original.replace("considering", "considering further", 1)
    assert frozen["label"] == "After informal consultations"
    assert client.get(f"/api/documents/{doc}/revisions/1").json()["text"] == original
    assert client.get(f"/api/documents/{doc}/revisions/3").status_code == 404


def test_issue_is_audited(client: TestClient, db: Session) -> None:
    login(client, VICE_CHAIR)
    doc = _document_id(client)
    issued = _issue(client, doc, label="Rev for the plenary")
    assert issued.status_code == 201, issued.text
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "revision.issue")).one()
    assert entry.document_id == doc
    assert entry.object_id == str(issued.json()["id"])
    assert entry.detail["name"] == f"{DT12} Rev.1"
    assert entry.detail["label"] == "Rev for the plenary"
    db.commit()


@pytest.mark.parametrize(
    "username", ["wang.lei", "camille.bernard", "tomas.rivera", "amara.diallo"]
)
def test_only_the_groups_chairs_issue(client: TestClient, username: str) -> None:
    login(client, username)
    doc = _document_id(client)
    refused = _issue(client, doc)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert client.get(f"/api/documents/{doc}/revisions").json() == []


def test_chair_of_another_group_cannot_issue(client: TestClient) -> None:
    login(client, CHAIR)
    other = _document_id(client, "COM5/WG-B/DT/7")
    assert _issue(client, other).status_code == 403


def test_revisions_of_missing_document_are_404(client: TestClient) -> None:
    login(client, CHAIR)
    assert _issue(client, 99999).status_code == 404
    assert client.get("/api/documents/99999/revisions").status_code == 404
    assert client.get("/api/documents/99999/compare?from=current").status_code == 404


def test_compare_revisions_and_current(client: TestClient, db: Session) -> None:
    login(client, CHAIR)
    doc = _document_id(client)
    original = _text(db, doc)
    assert _issue(client, doc).status_code == 201
    rev2_text = original.replace("some 2.6 billion people", "some 2.6 billion persons", 1)
    rev2_text = rev2_text.replace("[yet] ", "", 1)
    _edit(db, doc, rev2_text)
    assert _issue(client, doc).status_code == 201
    current_text = rev2_text + "\nnew operative paragraph\n"
    _edit(db, doc, current_text)

    body = client.get(f"/api/documents/{doc}/compare?from=rev:1&to=rev:2").json()
    assert body["from"] == {
        "ref": "rev:1",
        "kind": "named",
        "revision": 0,
        "number": 1,
        "name": f"{DT12} Rev.1",
    }
    assert (body["to"]["number"], body["to"]["revision"]) == (2, 1)
    assert _sides(body) == (original, rev2_text)
    changes = [(s["kind"], s["text"].strip()) for s in body["segments"] if s["kind"] != "equal"]
    assert changes == [("delete", "people"), ("insert", "persons"), ("delete", "[yet]")]
    assert body["counts"] == {"inserted_words": 1, "deleted_words": 2}
    assert body["changed"] is True

    latest = client.get(f"/api/documents/{doc}/compare", params={"from": "rev:2"}).json()
    assert latest["to"] == {
        "ref": "current",
        "kind": "current",
        "revision": 2,
        "number": None,
        "name": None,
    }
    assert _sides(latest) == (rev2_text, current_text)
    assert latest["counts"] == {"inserted_words": 3, "deleted_words": 0}

    same = client.get(f"/api/documents/{doc}/compare?from=rev:2&to=r:1").json()
    assert same["changed"] is False
    assert same["segments"] == [{"kind": "equal", "text": rev2_text}]


def test_logged_revisions_are_rebuilt_from_a_snapshot(client: TestClient, db: Session) -> None:
    login(client, "wang.lei")
    doc = _document_id(client)
    texts = [_text(db, doc)]
    db.add(Snapshot(document_id=doc, revision=0, text=texts[0], brackets=[]))
    db.commit()
    for word in ("first", "second", "third"):
        texts.append(f"{word} {texts[-1]}")
        _edit(db, doc, texts[-1])
    for old, new in ((0, 2), (1, 3), (2, 0)):
        response = client.get(f"/api/documents/{doc}/compare?from=r:{old}&to=r:{new}")
        assert response.status_code == 200, response.text
        assert _sides(response.json()) == (texts[old], texts[new])
    future = client.get(f"/api/documents/{doc}/compare?from=r:4")
    assert future.status_code == 404


def test_history_without_a_base_is_not_available(client: TestClient, db: Session) -> None:
    login(client, "wang.lei")
    doc = _document_id(client)
    _edit(db, doc, _text(db, doc) + " amended")
    response = client.get(f"/api/documents/{doc}/compare?from=r:0&to=current")
    assert response.status_code == 404
    assert "not available" in response.json()["detail"]
    assert client.get(f"/api/documents/{doc}/compare?from=r:1").status_code == 200


@pytest.mark.parametrize("ref", ["rev:x", "r:-1", "head", "rev:", "rev:1 rev:2", ""])
def test_bad_version_names_are_invalid_input(client: TestClient, ref: str) -> None:
    login(client, "wang.lei")
    doc = _document_id(client)
    response = client.get(f"/api/documents/{doc}/compare", params={"from": "current", "to": ref})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_unknown_named_revision_is_404(client: TestClient) -> None:
    login(client, "wang.lei")
    doc = _document_id(client)
    response = client.get(f"/api/documents/{doc}/compare?from=rev:7")
    assert response.status_code == 404
    assert response.json()["detail"] == f"{DT12} has no Rev.7"


def test_html_comparison_escapes_the_text(client: TestClient, db: Session) -> None:
    login(client, CHAIR)
    doc = _document_id(client)
    original = _text(db, doc)
    assert _issue(client, doc).status_code == 201
    payload = '<script>alert("owned")</script><img src=x onerror=alert(1)>'
    _edit(db, doc, original.replace("considering", f"considering {payload}", 1))
    response = client.get(f"/api/documents/{doc}/compare?from=rev:1&format=html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    markup = response.text
    assert "<script" not in markup
    assert "<img" not in markup
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in markup
    assert "<ins>" in markup
    assert "<br>" in markup


def test_multilingual_comparison(client: TestClient, db: Session) -> None:
    login(client, CHAIR)
    doc = _document_id(client)
    rev1_text = "يقرر أن الدول الأعضاء\n各国应当加强合作。\nWe agree 👍🏽 🇫🇷\n"
    _edit(db, doc, rev1_text)
    assert _issue(client, doc).status_code == 201
    current = (
        "يقرر أن جميع الدول الأعضاء\n各国必须加强国际合作。\nWe agree 👍🏿 🇫🇷 👨\u200d👩\u200d👧\n"
    )
    _edit(db, doc, current)
    body = client.get(f"/api/documents/{doc}/compare?from=rev:1&to=current").json()
    assert _sides(body) == (rev1_text, current)
    inserted = [s["text"] for s in body["segments"] if s["kind"] == "insert"]
    deleted = [s["text"] for s in body["segments"] if s["kind"] == "delete"]
    assert "جميع " in inserted
    assert any("国际" in t for t in inserted)
    assert any("应当" in t for t in deleted)
    assert "👍🏽" in deleted
    assert any("👍🏿" in t for t in inserted)
    assert any("👨\u200d👩\u200d👧" in t for t in inserted)
    markup = client.get(f"/api/documents/{doc}/compare?from=rev:1&format=html").text
    assert "<ins>جميع </ins>" in markup
