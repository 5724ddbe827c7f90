"""A negotiation played end to end on the seeded demo: proposals from several
delegations, positions, a wording change that makes positions stale, the chair
resolving every bracket and locking paragraphs, Rev.1 and Rev.2, and a clean text.
A delegate watching over the websocket sees every event live."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from app.engine.report import bracket_report
from tests.factories import login, utf16_offset

DOC = 2  # WG-PL/DT/15, submarine cables


def _as(client: TestClient, username: str) -> None:
    client.cookies.clear()
    login(client, username)


def _doc(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get(f"/api/documents/{DOC}").json()
    return document


def _span(client: TestClient, phrase: str) -> dict[str, int]:
    document = _doc(client)
    text = document["text"]
    start = text.index(phrase)

    return {
        "revision": document["revision"],
        "start": utf16_offset(text, start),
        "end": utf16_offset(text, start + len(phrase)),
    }


def _event(ws: WebSocketTestSession, kind: str) -> dict[str, Any]:
    for _ in range(500):
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == "event" and frame["kind"] == kind:
            return frame
    raise AssertionError(f"no {kind} event")


def _ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _plain_phrase(text: str) -> str:
    """A phrase of an operative paragraph outside any bracket."""
    for line in text.splitlines():
        if line[:1].isdigit() and "[" not in line and len(line) > 30:
            return line[2:22]
    raise AssertionError("no unbracketed paragraph")


def test_a_whole_negotiation(client: TestClient) -> None:
    _as(client, "camille.bernard")
    cookie = {"cookie": f"accord_session={client.cookies.get('accord_session')}"}
    with client.websocket_connect("/ws", headers=cookie) as watcher:
        watcher.send_json({"type": "join", "protocol": 1, "document": DOC})
        assert watcher.receive_json()["type"] == "welcome"
        _negotiate(client, watcher)


def _negotiate(client: TestClient, watcher: WebSocketTestSession) -> None:
    start = bracket_report(_doc(client)["text"])
    assert start["brackets"] > 5

    # China proposes new wording; Russia adds an alternative with Kazakhstan (RCC).
    _as(client, "wang.lei")
    phrase = _plain_phrase(_doc(client)["text"])
    first = _ok(
        client.post(
            f"/api/documents/{DOC}/proposals",
            json={**_span(client, phrase), "text": "数字 cooperation"},
        )
    )
    _event(watcher, "proposal")
    _as(client, "ivan.sokolov")
    third = _ok(
        client.post(
            f"/api/documents/{DOC}/brackets/{first['proposal']}/alternatives",
            json={"text": "сотрудничество", "regional_group": "RCC", "cosponsors": ["KAZ"]},
        )
    )
    _event(watcher, "proposal")

    # Positions; then the wording of China's proposal changes, and positions go stale.
    for user, stance in (("camille.bernard", "support"), ("ahmed.farouk", "oppose")):
        _as(client, user)
        _ok(
            client.put(
                f"/api/documents/{DOC}/brackets/{first['proposal']}/position",
                json={"stance": stance},
            )
        )
        _event(watcher, "position")
    _as(client, "wang.lei")
    document = _doc(client)
    at = document["text"].index("数字 cooperation")
    u16 = utf16_offset(document["text"], at)
    _ok(
        client.post(
            f"/api/documents/{DOC}/edits",
            json={"base": document["revision"], "changes": [[u16, u16, "international "]]},
        )
    )
    place = next(
        p for p in client.get(f"/api/documents/{DOC}/brackets").json() if p["id"] == first["group"]
    )
    china = next(a for a in place["alternatives"] if a["id"] == first["proposal"])
    assert china["stale"] == 2 and china["support"] == 0

    # The chair locks an agreed paragraph, issues Rev.1, resolves everything.
    _as(client, "khalid.almansouri")
    lock = _ok(client.post(f"/api/documents/{DOC}/locks", json=_span(client, phrase[:5])))
    _event(watcher, "lock")
    rev1 = _ok(client.post(f"/api/documents/{DOC}/revisions", json={}))
    assert rev1["name"].endswith("Rev.1")
    resolved = _resolve_everything(client, watcher)
    assert resolved >= start["brackets"] // 2
    assert third["proposal"] not in {
        a["id"]
        for p in client.get(f"/api/documents/{DOC}/brackets").json()
        for a in p["alternatives"]
    }
    rev2 = _ok(client.post(f"/api/documents/{DOC}/revisions", json={}))
    assert rev2["name"].endswith("Rev.2")
    final = bracket_report(_doc(client)["text"])
    assert final["brackets"] == final["unmatched_open"] == final["unmatched_close"] == 0
    comparison = _ok(
        client.get(f"/api/documents/{DOC}/compare", params={"from": "rev:1", "to": "rev:2"})
    )
    assert comparison["counts"]["deleted_words"] > 0
    _ok(client.delete(f"/api/documents/{DOC}/locks/{lock['id']}"))
    audit = _ok(client.get(f"/api/documents/{DOC}/audit"))
    actions = {row["action"] for row in audit}
    assert {"bracket.propose", "position.set", "paragraph.lock", "text.edit"} <= actions


def _resolve_everything(client: TestClient, watcher: WebSocketTestSession) -> int:
    for resolved in range(200):
        places = client.get(f"/api/documents/{DOC}/brackets").json()
        if not places:
            return resolved
        place = places[0]
        alternatives = place["alternatives"]
        if place["kind"] == "optional":
            body: dict[str, Any] = {"action": "keep"}
        else:
            best = max(alternatives, key=lambda a: (a["agreeable"], a["support"]))
            body = {"action": "keep_alternative", "alternative": best["id"]}
        _ok(client.post(f"/api/documents/{DOC}/brackets/{place['id']}/resolution", json=body))
        _event(watcher, "resolution")
    raise AssertionError("brackets remain after 200 resolutions")
