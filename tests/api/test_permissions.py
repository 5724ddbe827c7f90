"""Every cell of docs/permissions.md, over every transport it lists."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import login, utf16_offset

TABLE = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
USERS = {
    "secretariat": "amara.diallo",
    "chair": "khalid.almansouri",
    "vice_chair": "ngozi.adeyemi",
    "delegate": "wang.lei",
    "observer": "tomas.rivera",
}
DOC = 1  # in WG-PL, which khalid.almansouri chairs and ngozi.adeyemi vice-chairs


def _table() -> list[tuple[str, str, str, bool]]:
    rows = [
        line
        for line in TABLE.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and not line.startswith("| action") and "---" not in line
    ]
    cases = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        action, transports, verdicts = cells[0], cells[1], cells[2:]
        for transport in re.split(r",\s*", transports):
            for role, verdict in zip(USERS, verdicts, strict=True):
                cases.append((action, transport, role, verdict == "yes"))
    return cases


def _as(client: TestClient, username: str) -> None:
    client.cookies.clear()
    login(client, username)


def _text(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get(f"/api/documents/{DOC}").json()
    return document


def _span(document: dict[str, Any], phrase: str) -> dict[str, int]:
    text = document["text"]
    start = text.index(phrase)

    return {
        "revision": document["revision"],
        "start": utf16_offset(text, start),
        "end": utf16_offset(text, start + len(phrase)),
    }


@dataclass
class Case:
    """Set-up by privileged users, then one request as the role under test."""

    rest: Callable[[TestClient, dict[str, Any]], int]
    ws: Callable[[dict[str, Any]], tuple[str, str, dict[str, Any]] | None] | None
    setup: Callable[[TestClient], dict[str, Any]] = lambda _c: {}


def _proposal(client: TestClient) -> dict[str, Any]:
    _as(client, "wang.lei")
    body = {**_span(_text(client), "households"), "text": "families"}
    created: dict[str, Any] = client.post(f"/api/documents/{DOC}/proposals", json=body).json()
    return created


def _resolution(client: TestClient) -> dict[str, Any]:
    created = _proposal(client)
    _as(client, "khalid.almansouri")
    resolution = client.post(
        f"/api/documents/{DOC}/brackets/{created['proposal']}/resolution",
        json={"action": "keep_alternative", "alternative": created["proposal"]},
    ).json()
    return {**created, "resolution": resolution["id"]}


def _lock(client: TestClient) -> dict[str, Any]:
    _as(client, "khalid.almansouri")
    lock: dict[str, Any] = client.post(
        f"/api/documents/{DOC}/locks", json=_span(_text(client), "households")
    ).json()
    document = _text(client)
    at = _span(document, "households")["start"]
    return {"lock": lock["id"], "base": document["revision"], "at": at}


def _edit_locked(client: TestClient, ctx: dict[str, Any]) -> int:
    return client.post(
        f"/api/documents/{DOC}/edits",
        json={"base": ctx["base"], "changes": [[ctx["at"], ctx["at"] + 1, "H"]]},
    ).status_code


CASES: dict[str, Case] = {
    "read document": Case(
        rest=lambda c, _x: c.get(f"/api/documents/{DOC}").status_code, ws=lambda _x: None
    ),
    "edit text": Case(
        rest=lambda c, _x: (
            c.post(
                f"/api/documents/{DOC}/edits", json={"base": 0, "changes": [[0, 0, "¶"]]}
            ).status_code
        ),
        ws=lambda _x: ("edit", "", {"base": 0, "changes": [[0, 0, "¶"]]}),
    ),
    "edit a locked paragraph": Case(
        rest=_edit_locked,
        setup=_lock,
        ws=lambda x: ("edit", "", {"base": x["base"], "changes": [[x["at"], x["at"] + 1, "H"]]}),
    ),
    "propose alternative": Case(
        rest=lambda c, _x: (
            c.post(
                f"/api/documents/{DOC}/proposals",
                json={**_span(_text(c), "households"), "text": "families"},
            ).status_code
        ),
        ws=lambda x: ("action", "propose", {**x["span"], "text": "families"}),
        setup=lambda c: {"span": _span(_text(c), "households")},
    ),
    "add alternative": Case(
        rest=lambda c, x: (
            c.post(
                f"/api/documents/{DOC}/brackets/{x['proposal']}/alternatives",
                json={"text": "homes"},
            ).status_code
        ),
        ws=lambda x: ("action", "add_alternative", {"bracket": x["proposal"], "text": "homes"}),
        setup=_proposal,
    ),
    "co-sponsor": Case(
        rest=lambda c, x: (
            c.post(f"/api/documents/{DOC}/brackets/{x['proposal']}/cosponsors").status_code
        ),
        ws=lambda x: ("action", "cosponsor", {"bracket": x["proposal"]}),
        setup=lambda c: _proposal_by(c, "camille.bernard"),
    ),
    "withdraw own alternative": Case(
        rest=lambda c, x: (
            c.post(f"/api/documents/{DOC}/brackets/{x['proposal']}/withdraw").status_code
        ),
        ws=lambda x: ("action", "withdraw", {"bracket": x["proposal"]}),
        setup=_proposal,
    ),
    "record position": Case(
        rest=lambda c, x: (
            c.put(
                f"/api/documents/{DOC}/brackets/{x['proposal']}/position",
                json={"stance": "support"},
            ).status_code
        ),
        ws=lambda x: ("action", "position", {"bracket": x["proposal"], "stance": "support"}),
        setup=_proposal,
    ),
    "view tallies": Case(
        rest=lambda c, _x: c.get(f"/api/documents/{DOC}/brackets").status_code,
        ws=lambda _x: ("action", "tallies", {}),
    ),
    "resolve bracket": Case(
        rest=lambda c, x: (
            c.post(
                f"/api/documents/{DOC}/brackets/{x['proposal']}/resolution",
                json={"action": "delete"},
            ).status_code
        ),
        ws=lambda x: ("action", "resolve", {"bracket": x["proposal"], "action": "delete"}),
        setup=_proposal,
    ),
    "reopen resolution": Case(
        rest=lambda c, x: (
            c.post(f"/api/documents/{DOC}/resolutions/{x['resolution']}/reopen").status_code
        ),
        ws=lambda x: ("action", "reopen", {"resolution": x["resolution"]}),
        setup=_resolution,
    ),
    "lock paragraph": Case(
        rest=lambda c, x: c.post(f"/api/documents/{DOC}/locks", json=x["span"]).status_code,
        ws=lambda x: ("action", "lock", x["span"]),
        setup=lambda c: {"span": _span(_text(c), "households")},
    ),
    "unlock paragraph": Case(
        rest=lambda c, x: c.delete(f"/api/documents/{DOC}/locks/{x['lock']}").status_code,
        ws=lambda x: ("action", "unlock", {"lock": x["lock"]}),
        setup=_lock,
    ),
    "issue revision": Case(
        rest=lambda c, _x: c.post(f"/api/documents/{DOC}/revisions", json={}).status_code, ws=None
    ),
    "compare revisions": Case(
        rest=lambda c, _x: (
            c.get(
                f"/api/documents/{DOC}/compare", params={"from": "r:0", "to": "current"}
            ).status_code
        ),
        ws=None,
    ),
    "read audit log": Case(
        rest=lambda c, _x: c.get(f"/api/documents/{DOC}/audit").status_code, ws=None
    ),
    "export document": Case(
        rest=lambda c, _x: (
            c.get(f"/api/documents/{DOC}/export", params={"view": "compilation"}).status_code
        ),
        ws=None,
    ),
    "import new document": Case(
        rest=lambda c, _x: (
            c.post(
                f"/api/working-groups/{_group(c)}/documents/import",
                files={"file": ("new.txt", "A [new] draft 📄".encode())},
                data={"symbol": "WG-PL/DT/77", "title": "Imported"},
            ).status_code
        ),
        ws=None,
    ),
    "import over document": Case(
        rest=lambda c, _x: (
            c.post(
                f"/api/documents/{DOC}/import",
                files={"file": ("over.txt", (_text(c)["text"] + "\nAdded.").encode())},
            ).status_code
        ),
        ws=None,
    ),
    "compile proposals": Case(
        rest=lambda c, _x: (
            c.post(
                f"/api/working-groups/{_group(c)}/compilations",
                json={
                    "symbol": "WG-PL/DT/78",
                    "title": "Compiled",
                    "base_text": "Member States shall act.",
                    "proposals": [
                        {"proposer": "EGY", "action": "MOD", "text": "Member States should act."},
                        {"proposer": "CHN", "action": "NOC"},
                    ],
                },
            ).status_code
        ),
        ws=None,
    ),
}


def _group(client: TestClient) -> int:
    return int(_text(client)["working_group_id"])


def _proposal_by(client: TestClient, username: str) -> dict[str, Any]:
    _as(client, username)
    body = {**_span(_text(client), "households"), "text": "families"}
    created: dict[str, Any] = client.post(f"/api/documents/{DOC}/proposals", json=body).json()
    return created


def _over_websocket(client: TestClient, message: tuple[str, str, dict[str, Any]] | None) -> bool:
    cookie = {"cookie": f"accord_session={client.cookies.get('accord_session')}"}
    with client.websocket_connect("/ws", headers=cookie) as ws:
        ws.send_json({"type": "join", "protocol": 1, "document": DOC})
        welcome = ws.receive_json()
        if message is None:  # reading: the welcome is the document
            return bool(welcome["type"] == "welcome")
        kind, action, params = message
        if kind == "edit":
            ws.send_json({"type": "edit", "id": "p1", **params})
        else:
            ws.send_json({"type": "action", "id": "p1", "action": action, "params": params})
        while True:
            frame = ws.receive_json()
            if frame.get("id") == "p1" and frame["type"] in {"ack", "result", "error"}:
                return bool(frame["type"] != "error")


def test_the_table_covers_every_case() -> None:
    assert {action for action, *_ in _table()} == set(CASES)


@pytest.mark.parametrize(("action", "transport", "role", "allowed"), _table())
def test_permission(
    client: TestClient, action: str, transport: str, role: str, allowed: bool
) -> None:
    case = CASES[action]
    _as(client, "khalid.almansouri")  # set-ups read the document first
    context = case.setup(client)
    _as(client, USERS[role])
    if transport == "REST":
        status = case.rest(client, context)
        assert (status < 300) == allowed, f"{role} {action} over REST: {status}"
    else:
        assert case.ws is not None
        assert _over_websocket(client, case.ws(context)) == allowed
