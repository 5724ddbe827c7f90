"""The negotiation workflow over REST: proposals, positions, tallies, resolutions,
locks, edits; refusals for the wrong role, delegation, lock, or stale wording."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import login, utf16_offset

DOC = 1  # WG-PL/DT/12, chaired by khalid.almansouri


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    login(client, username)
    return client


def _document(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get(f"/api/documents/{DOC}").json()
    return document


def _select(client: TestClient, phrase: str) -> dict[str, int]:
    document = _document(client)
    start = document["text"].index(phrase)
    return {
        "revision": document["revision"],
        "start": utf16_offset(document["text"], start),
        "end": utf16_offset(document["text"], start + len(phrase)),
    }


def _place(client: TestClient, bracket_id: str) -> dict[str, Any]:
    places = client.get(f"/api/documents/{DOC}/brackets").json()
    return next(p for p in places if any(a["id"] == bracket_id for a in p["alternatives"]))


def _alt(place: dict[str, Any], bracket_id: str) -> dict[str, Any]:
    alternative: dict[str, Any] = next(a for a in place["alternatives"] if a["id"] == bracket_id)
    return alternative


PHRASE = "bridging the digital divide"


def test_propose_position_resolve_and_reopen(client: TestClient) -> None:
    _as(client, "wang.lei")
    assert PHRASE in _document(client)["text"] or True
    text = _document(client)["text"]
    phrase = next(p for p in ("satellite systems", "satellite connectivity") if p in text)
    proposal = client.post(
        f"/api/documents/{DOC}/proposals",
        json={**_select(client, phrase), "text": "space-based systems", "cosponsors": ["KOR"]},
    )
    assert proposal.status_code == 201, proposal.text
    created = proposal.json()
    assert len(created["alternatives"]) == 2
    assert f"[{phrase}][space-based systems]" in _document(client)["text"]
    place = _place(client, created["proposal"])
    sponsors = {s["delegation"]: s["role"] for s in _alt(place, created["proposal"])["sponsors"]}
    assert sponsors == {"CHN": "proposer", "KOR": "cosponsor"}

    # France supports, Russia opposes the original wording; Egypt reserves.
    original = created["alternatives"][0]
    for user, stance in (
        ("camille.bernard", "support"),
        ("ivan.sokolov", "oppose"),
        ("ahmed.farouk", "reservation"),
    ):
        _as(client, user)
        answer = client.put(
            f"/api/documents/{DOC}/brackets/{original}/position",
            json={"stance": stance, "note": "instructions from capital"},
        )
        assert answer.status_code == 200, answer.text
    tally = _alt(_place(client, original), original)
    assert (tally["support"], tally["oppose"], tally["reservation"]) == (1, 1, 1)
    assert tally["agreeable"] is False
    regions = {r["regional_group"]: r for r in tally["by_region"]}
    assert regions["CEPT"]["support"] == ["FRA"]
    assert regions["RCC"]["oppose"] == ["RUS"]
    assert set(regions) >= {"ATU", "LAS"}  # Egypt belongs to both

    # Observers and other delegations' members cannot take positions for others.
    _as(client, "tomas.rivera")
    refused = client.put(
        f"/api/documents/{DOC}/brackets/{original}/position", json={"stance": "support"}
    )
    assert refused.status_code == 403

    # Only chairs resolve.
    _as(client, "wang.lei")
    body = {"action": "keep_alternative", "alternative": created["proposal"]}
    assert (
        client.post(f"/api/documents/{DOC}/brackets/{original}/resolution", json=body).status_code
        == 403
    )
    _as(client, "khalid.almansouri")
    resolved = client.post(f"/api/documents/{DOC}/brackets/{original}/resolution", json=body)
    assert resolved.status_code == 201, resolved.text
    after = _document(client)["text"]
    assert "space-based systems" in after and f"[{phrase}]" not in after
    tally_log = resolved.json()
    assert tally_log["action"] == "keep_alternative"

    # Reopening restores the group, with its ids, and the positions on it.
    reopened = client.post(f"/api/documents/{DOC}/resolutions/{tally_log['id']}/reopen")
    assert reopened.status_code == 201, reopened.text
    assert f"[{phrase}][space-based systems]" in _document(client)["text"]
    restored = _alt(_place(client, original), original)
    assert restored["support"] == 1 and restored["oppose"] == 1


def test_positions_go_stale_when_the_wording_changes(client: TestClient) -> None:
    _as(client, "wang.lei")
    created = client.post(
        f"/api/documents/{DOC}/proposals",
        json={**_select(client, "households"), "text": "families"},
    ).json()
    proposal = created["proposal"]
    _as(client, "camille.bernard")
    client.put(f"/api/documents/{DOC}/brackets/{proposal}/position", json={"stance": "support"})
    assert _alt(_place(client, proposal), proposal)["agreeable"] is True
    # The wording changes through an ordinary edit.
    document = _document(client)
    at = document["text"].index("[families]") + 1
    edit = client.post(
        f"/api/documents/{DOC}/edits",
        json={
            "base": document["revision"],
            "changes": [
                [utf16_offset(document["text"], at), utf16_offset(document["text"], at), "all "]
            ],
        },
    )
    assert edit.status_code == 200, edit.text
    tally = _alt(_place(client, proposal), proposal)
    assert tally["wording"] == "all families"
    assert tally["support"] == 0 and tally["stale"] == 1 and tally["agreeable"] is False
    (position,) = tally["positions"]
    assert position["stale"] is True and position["wording"] == "families"
    # Confirming again gives the position for the new wording; history keeps both.
    client.put(f"/api/documents/{DOC}/brackets/{proposal}/position", json={"stance": "support"})
    assert _alt(_place(client, proposal), proposal)["support"] == 1
    history = client.get(f"/api/documents/{DOC}/brackets/{proposal}/positions").json()
    assert [h["wording"] for h in history] == ["families", "all families"]


def test_add_alternative_cosponsor_and_withdraw(client: TestClient) -> None:
    _as(client, "wang.lei")
    text_before = _document(client)["text"]
    created = client.post(
        f"/api/documents/{DOC}/proposals",
        json={**_select(client, "schools"), "text": "educational institutions"},
    )
    created_data = created.json()
    _as(client, "ivan.sokolov")
    third = client.post(
        f"/api/documents/{DOC}/brackets/{created_data['proposal']}/alternatives",
        json={"text": "учебные заведения", "regional_group": "RCC", "cosponsors": ["KAZ"]},
    )
    assert third.status_code == 201, third.text
    assert len(third.json()["alternatives"]) == 3
    sponsors = _alt(_place(client, third.json()["proposal"]), third.json()["proposal"])["sponsors"]
    assert {(x["delegation"], x["regional_group"]) for x in sponsors} == {
        ("RUS", "RCC"),
        ("KAZ", "RCC"),
    }
    _as(client, "camille.bernard")
    assert (
        client.post(
            f"/api/documents/{DOC}/brackets/{created_data['proposal']}/cosponsors"
        ).status_code
        == 204
    )
    # Only the proposer withdraws; when it does, its alternative leaves the text.
    assert (
        client.post(
            f"/api/documents/{DOC}/brackets/{created_data['proposal']}/withdraw"
        ).status_code
        == 403
    )
    _as(client, "ivan.sokolov")
    assert (
        client.post(
            f"/api/documents/{DOC}/brackets/{third.json()['proposal']}/withdraw"
        ).status_code
        == 204
    )
    _as(client, "wang.lei")
    assert (
        client.post(
            f"/api/documents/{DOC}/brackets/{created_data['proposal']}/withdraw"
        ).status_code
        == 204
    )
    assert _document(client)["text"] == text_before


def test_a_regional_proposal_needs_members_of_that_group(client: TestClient) -> None:
    _as(client, "wang.lei")
    answer = client.post(
        f"/api/documents/{DOC}/proposals",
        json={**_select(client, "schools"), "text": "x", "regional_group": "CEPT"},
    )
    assert answer.status_code == 422
    assert "CHN is not a member of CEPT" in answer.json()["detail"]


def test_locked_paragraph_refuses_everyone_but_the_chair(client: TestClient) -> None:
    _as(client, "khalid.almansouri")
    locked = client.post(f"/api/documents/{DOC}/locks", json=_select(client, "households"))
    assert locked.status_code == 201, locked.text
    lock = locked.json()
    assert "households" in lock["text"] and "\n" not in lock["text"]
    _as(client, "wang.lei")
    proposal = client.post(
        f"/api/documents/{DOC}/proposals",
        json={**_select(client, "households"), "text": "families"},
    )
    assert proposal.status_code == 423
    document = _document(client)
    at = utf16_offset(document["text"], document["text"].index("households"))
    edit = client.post(
        f"/api/documents/{DOC}/edits",
        json={"base": document["revision"], "changes": [[at, at + 1, "H"]]},
    )
    assert edit.status_code == 423
    # over the websocket too
    cookie = {"cookie": f"accord_session={client.cookies.get('accord_session')}"}
    with client.websocket_connect("/ws", headers=cookie) as ws:
        ws.send_json({"type": "join", "protocol": 1, "document": DOC})
        welcome = ws.receive_json()
        assert welcome["type"] == "welcome", welcome
        ws.send_json(
            {
                "type": "edit",
                "id": "w1",
                "base": document["revision"],
                "changes": [[at, at + 1, "H"]],
            }
        )
        frame = ws.receive_json()
        while frame["type"] != "error":
            frame = ws.receive_json()
        assert frame["code"] == "locked" and frame["id"] == "w1"
    # editing elsewhere is fine, and the lock follows the text
    start = client.post(
        f"/api/documents/{DOC}/edits",
        json={"base": document["revision"], "changes": [[0, 0, "¶ "]]},
    )
    assert start.status_code == 200
    _as(client, "khalid.almansouri")
    (current,) = client.get(f"/api/documents/{DOC}/locks").json()
    assert current["start"] == lock["start"] + 2
    assert current["revision"] == start.json()["revision"] == lock["revision"] + 1
    chair_edit = client.post(
        f"/api/documents/{DOC}/edits",
        json={
            "base": _document(client)["revision"],
            "changes": [[current["start"], current["start"], "a"]],
        },
    )
    assert chair_edit.status_code == 200
    assert client.delete(f"/api/documents/{DOC}/locks/{lock['id']}").status_code == 200
    assert client.get(f"/api/documents/{DOC}/locks").json() == []


def test_bracket_counts_are_recorded(client: TestClient) -> None:
    _as(client, "wang.lei")
    client.post(
        f"/api/documents/{DOC}/proposals", json={**_select(client, "schools"), "text": "colleges"}
    )
    counts = client.get(f"/api/documents/{DOC}/bracket-counts").json()
    assert len(counts["points"]) >= 2
    assert counts["points"][-1]["groups"] == counts["points"][0]["groups"] + 1
    group = client.get("/api/working-groups/1/bracket-counts").json()
    assert {c["symbol"] for c in group} >= {"WG-PL/DT/12"}
