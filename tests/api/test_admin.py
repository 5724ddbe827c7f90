"""The secretariat's administration API and invitations."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import itsdangerous
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import NoMatchFound

from app.admin.cli_service import UserSpec, create_user_account, run
from app.admin.router import router as admin_router
from app.audit.models import AuditEntry
from app.config import Settings
from app.demo.fixtures import DEMO_PASSWORD
from app.main import create_app
from tests.factories import first_conference_id, login, working_group_id

GLOBAL_ADMIN = "ops.admin"
JSON = {"content-type": "application/json"}
PASSWORD = "long-enough-pw"


def app_with_admin(settings: Settings) -> FastAPI:
    """The application, with the administration routes until create_app includes them."""
    app = create_app(settings)
    try:
        app.url_path_for("deactivate_user", user_id=1)
    except NoMatchFound:
        app.include_router(admin_router)
        # The page's catch-all route must stay last, as in create_app.
        catch_all = [r for r in app.router.routes if getattr(r, "path", "") == "/{path:path}"]
        for route in catch_all:
            app.router.routes.remove(route)
            app.router.routes.append(route)
    return app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(app_with_admin(settings), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@pytest.fixture
def global_admin(settings: Settings) -> str:
    """A secretariat member for every conference (the demo one serves PP-26-DEMO only)."""
    spec = UserSpec(
        username=GLOBAL_ADMIN,
        email="ops.admin@example.org",
        display_name="Operations",
        role="secretariat",
        conference=None,
        working_group=None,
        delegation=None,
        affiliation="secretariat",
        affiliation_name="General Secretariat",
        password=PASSWORD,
    )
    create_user_account(settings.resolved_database_url, spec)
    return GLOBAL_ADMIN


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> str:
    client.cookies.clear()
    login(client, username, password)
    return client.cookies.get("accord_session") or ""


def use(client: TestClient, token: str) -> None:
    client.cookies.clear()
    client.cookies.set("accord_session", token)


def user_id(client: TestClient, username: str) -> int:
    users = client.get("/api/admin/users").json()
    return int(next(u["id"] for u in users if u["username"] == username))


def delegation_id(client: TestClient, code: str) -> int:
    conference = first_conference_id(client)
    found = client.get(f"/api/conferences/{conference}/delegations").json()
    return int(next(d["id"] for d in found if d["country_code"] == code))


def audit_actions(settings: Settings) -> list[tuple[str, int | None, dict[str, Any]]]:
    def read(db: Any) -> list[tuple[str, int | None, dict[str, Any]]]:
        rows = db.execute(select(AuditEntry.action, AuditEntry.user_id, AuditEntry.detail))
        return [tuple(r) for r in rows]

    return run(settings.resolved_database_url, read)


def problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code, response.json()


# -- who may administer ---------------------------------------------------------------

NEW_USER = {
    "username": "new.person",
    "email": "new.person@example.org",
    "display_name": "New Person",
    "password": PASSWORD,
}
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/admin/conferences", {"code": "X-1", "name": "X"}),
    ("PATCH", "/api/admin/conferences/1", {"name": "X"}),
    ("POST", "/api/admin/conferences/1/working-groups", {"code": "AHG", "name": "X"}),
    ("PATCH", "/api/admin/working-groups/1", {"name": "X"}),
    ("POST", "/api/admin/working-groups/1/officers", {"user_id": 5, "role": "vice_chair"}),
    ("DELETE", "/api/admin/working-groups/1/officers/2", None),
    ("POST", "/api/admin/conferences/1/delegations", {"country_code": "ITA", "name": "X"}),
    ("PATCH", "/api/admin/delegations/1", {"name": "X"}),
    ("GET", "/api/admin/regional-groups", None),
    ("POST", "/api/admin/regional-groups", {"code": "XX", "name": "X"}),
    ("PATCH", "/api/admin/regional-groups/1", {"name": "X"}),
    ("GET", "/api/admin/users", None),
    ("POST", "/api/admin/users", NEW_USER),
    ("PATCH", "/api/admin/users/1", {"display_name": "X"}),
    ("POST", "/api/admin/users/1/deactivate", None),
    ("POST", "/api/admin/users/1/reactivate", None),
    ("POST", "/api/admin/users/1/password", {"password": PASSWORD}),
    ("POST", "/api/admin/users/1/roles", {"role": "observer", "conference_id": 1}),
    ("DELETE", "/api/admin/users/1/roles/1", None),
    ("POST", "/api/admin/invitations", {"email": "x@example.org", "role": "observer"}),
    ("GET", "/api/admin/invitations", None),
    ("DELETE", "/api/admin/invitations/1", None),
]


def _shape(path: str) -> str:
    return "/".join("{}" if s.isdigit() or s.startswith("{") else s for s in path.split("/"))


def test_every_admin_route_is_in_the_refusal_table() -> None:
    routes = {
        (method, _shape(route.path))
        for route in admin_router.routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/admin")
        for method in route.methods or ()
    }
    assert routes == {(method, _shape(path)) for method, path, _ in ENDPOINTS}


@pytest.mark.parametrize("username", ["wang.lei", "khalid.almansouri", "tomas.rivera", None])
def test_only_the_secretariat_administers(
    client: TestClient, settings: Settings, username: str | None
) -> None:
    if username:
        sign_in(client, username)
    for method, path, body in ENDPOINTS:
        response = client.request(method, path, json=body)
        if username:
            problem(response, 403, "forbidden")
        else:
            problem(response, 401, "not_authenticated")
    assert audit_actions(settings) == []
    sign_in(client, "amara.diallo")
    assert all(u["is_active"] for u in client.get("/api/admin/users").json())


# -- conferences, groups, delegations, regional groups --------------------------------


def test_conferences(client: TestClient, settings: Settings, global_admin: str) -> None:
    sign_in(client, "amara.diallo")  # secretariat of PP-26-DEMO only
    body = {"code": "PP-30", "name": "PP-30, Geneva, 2030", "city": "Geneva"}
    problem(client.post("/api/admin/conferences", json=body), 403, "forbidden")
    demo = first_conference_id(client)
    renamed = client.patch(f"/api/admin/conferences/{demo}", json={"city": "Lusail"})
    assert renamed.status_code == 200 and renamed.json()["city"] == "Lusail"
    backwards = {"starts_on": "2026-12-01", "ends_on": "2026-11-01"}
    problem(client.patch(f"/api/admin/conferences/{demo}", json=backwards), 422, "invalid_input")
    problem(
        client.patch(f"/api/admin/conferences/{demo}", json={"name": None}), 422, "invalid_input"
    )

    sign_in(client, global_admin, PASSWORD)
    created = client.post("/api/admin/conferences", json=body)
    assert created.status_code == 201, created.text
    problem(client.post("/api/admin/conferences", json=body), 409, "conflict")
    bad_code = {"code": "PP 30", "name": "x"}
    problem(client.post("/api/admin/conferences", json=bad_code), 422, "invalid_input")

    sign_in(client, "amara.diallo")
    other = created.json()["id"]
    problem(client.patch(f"/api/admin/conferences/{other}", json={"city": "x"}), 403, "forbidden")
    problem(client.patch("/api/admin/conferences/999", json={"city": "x"}), 404, "not_found")
    amara = user_id(client, "amara.diallo")
    actions = [(a, who) for a, who, _ in audit_actions(settings)]
    assert ("conference.update", amara) in actions
    creators = [who for action, who in actions if action == "conference.create"]
    assert len(creators) == 1 and creators[0] not in (None, amara)


def test_working_groups(client: TestClient, settings: Settings) -> None:
    sign_in(client, "amara.diallo")
    conference = first_conference_id(client)
    url = f"/api/admin/conferences/{conference}/working-groups"
    committee = client.post(url, json={"code": "COM6", "name": "Committee 6", "kind": "committee"})
    assert committee.status_code == 201, committee.text
    parent = committee.json()["id"]
    group = client.post(url, json={"code": "COM6/WG-A", "name": "WG A", "parent_id": parent})
    assert group.status_code == 201 and group.json()["parent_id"] == parent
    child = group.json()["id"]
    problem(client.post(url, json={"code": "COM6", "name": "again"}), 409, "conflict")
    problem(client.post(url, json={"code": "X", "name": "x", "kind": "club"}), 422, "invalid_input")

    edit = client.patch(f"/api/admin/working-groups/{child}", json={"kind": "ad_hoc"})
    assert edit.json()["kind"] == "ad_hoc" and edit.json()["parent_id"] == parent
    cycle = client.patch(f"/api/admin/working-groups/{parent}", json={"parent_id": child})
    problem(cycle, 422, "invalid_input")
    selfish = client.patch(f"/api/admin/working-groups/{parent}", json={"parent_id": parent})
    problem(selfish, 422, "invalid_input")
    top = client.patch(f"/api/admin/working-groups/{child}", json={"parent_id": None})
    assert top.json()["parent_id"] is None

    listed = client.get(f"/api/conferences/{conference}/working-groups").json()
    assert {"COM6", "COM6/WG-A"} <= {g["code"] for g in listed}
    assert {"working_group.create", "working_group.update"} <= {
        a for a, _, _ in audit_actions(settings)
    }


def test_officers(client: TestClient, settings: Settings) -> None:
    sign_in(client, "amara.diallo")
    group = working_group_id(client, "COM5/WG-B")
    camille = user_id(client, "camille.bernard")
    url = f"/api/admin/working-groups/{group}/officers"
    appointed = client.post(url, json={"user_id": camille, "role": "vice_chair"})
    assert appointed.status_code == 201, appointed.text
    assert {"user_id": camille, "display_name": "Camille Bernard", "role": "vice_chair"} in [
        {k: o[k] for k in ("user_id", "display_name", "role")} for o in appointed.json()["officers"]
    ]
    problem(client.post(url, json={"user_id": camille, "role": "chair"}), 409, "conflict")
    wang = user_id(client, "wang.lei")
    problem(client.post(url, json={"user_id": wang, "role": "chair"}), 409, "conflict")
    problem(client.post(url, json={"user_id": wang, "role": "delegate"}), 422, "invalid_input")

    sign_in(client, "camille.bernard")
    me = client.get("/api/me").json()
    assert {"role": "vice_chair", "conference_id": 1, "working_group_id": group} in me["roles"]

    sign_in(client, "amara.diallo")
    removed = client.delete(f"{url}/{camille}")
    assert removed.status_code == 200
    assert camille not in [o["user_id"] for o in removed.json()["officers"]]
    problem(client.delete(f"{url}/{camille}"), 404, "not_found")
    assert "officer.remove" in {a for a, _, _ in audit_actions(settings)}


def test_delegations(client: TestClient, settings: Settings) -> None:
    sign_in(client, "amara.diallo")
    conference = first_conference_id(client)
    url = f"/api/admin/conferences/{conference}/delegations"
    italy = {"country_code": "ITA", "name": "Italy", "regional_groups": ["CEPT"]}
    created = client.post(url, json=italy)
    assert created.status_code == 201, created.text
    assert [g["code"] for g in created.json()["regional_groups"]] == ["CEPT"]
    for code in ("ita", "IT", "IT4", "ITAL", "ÍTA", "I\u0000A"):
        response = client.post(url, json={**italy, "country_code": code})
        problem(response, 422, "invalid_input")
    problem(client.post(url, json={**italy, "country_code": "FRA"}), 409, "conflict")
    unknown = {**italy, "country_code": "ESP", "regional_groups": ["NOPE"]}
    problem(client.post(url, json=unknown), 422, "invalid_input")

    italy_id = created.json()["id"]
    edit = {"name": "Italian Republic", "regional_groups": ["CEPT", "RCC"]}
    updated = client.patch(f"/api/admin/delegations/{italy_id}", json=edit)
    assert updated.json()["name"] == "Italian Republic"
    assert [g["code"] for g in updated.json()["regional_groups"]] == ["CEPT", "RCC"]
    renamed = client.patch(f"/api/admin/delegations/{italy_id}", json={"country_code": "CHN"})
    problem(renamed, 409, "conflict")
    typo = client.patch(f"/api/admin/delegations/{italy_id}", json={"nmae": "x"})
    problem(typo, 422, "invalid_input")
    assert {"delegation.create", "delegation.update"} <= {a for a, _, _ in audit_actions(settings)}


def test_regional_groups(client: TestClient, global_admin: str) -> None:
    sign_in(client, "amara.diallo")
    listed = client.get("/api/admin/regional-groups").json()
    assert [g["code"] for g in listed] == ["APT", "ATU", "CEPT", "CITEL", "LAS", "RCC"]
    body = {"code": "PIF", "name": "Pacific Islands Forum"}
    # Shared by all conferences: only the global secretariat changes them.
    problem(client.post("/api/admin/regional-groups", json=body), 403, "forbidden")

    sign_in(client, global_admin, PASSWORD)
    created = client.post("/api/admin/regional-groups", json=body)
    assert created.status_code == 201, created.text
    problem(client.post("/api/admin/regional-groups", json=body), 409, "conflict")
    problem(
        client.post("/api/admin/regional-groups", json={"code": "pif", "name": "x"}),
        422,
        "invalid_input",
    )
    edited = client.patch(
        f"/api/admin/regional-groups/{created.json()['id']}", json={"name": "Pacific Forum"}
    )
    assert edited.json() == {**created.json(), "name": "Pacific Forum"}


# -- users ----------------------------------------------------------------------------


def test_user_list_shows_roles_delegation_and_affiliation(client: TestClient) -> None:
    sign_in(client, "amara.diallo")
    users = {u["username"]: u for u in client.get("/api/admin/users").json()}
    wang = users["wang.lei"]
    assert wang["delegation"]["country_code"] == "CHN"
    assert wang["affiliation_kind"] == "ministry" and wang["affiliation_name"]
    assert [r["role"] for r in wang["roles"]] == ["delegate"] and wang["roles"][0]["id"]
    assert "password_hash" not in wang
    chair = users["khalid.almansouri"]["roles"][0]
    assert chair["role"] == "chair" and chair["working_group_id"]
    conference = first_conference_id(client)
    filtered = client.get("/api/admin/users", params={"conference_id": conference}).json()
    assert len(filtered) == len(users)
    problem(client.get("/api/admin/users", params={"conference_id": 999}), 403, "forbidden")


def test_create_user(client: TestClient, settings: Settings) -> None:
    sign_in(client, "amara.diallo")
    conference = first_conference_id(client)
    body = {
        **NEW_USER,
        "affiliation_kind": "academia",
        "affiliation_name": "Université de Test",
        "delegation_id": delegation_id(client, "FRA"),
        "roles": [{"role": "delegate", "conference_id": conference}],
    }
    created = client.post("/api/admin/users", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["delegation"]["country_code"] == "FRA"
    assert [r["role"] for r in created.json()["roles"]] == ["delegate"]
    problem(client.post("/api/admin/users", json=body), 409, "conflict")
    same_email = {**body, "username": "other.person"}
    problem(client.post("/api/admin/users", json=same_email), 409, "conflict")

    refused = [
        {**body, "username": "x.y", "email": "x.y@example.org", "roles": [{"role": "emperor"}]},
        {**body, "username": "x.y", "email": "x.y@example.org", "roles": [{"role": "chair"}]},
        {**body, "username": "Upper.Case", "email": "u@example.org"},
        {**body, "username": "x.y", "email": "not-an-email"},
        {**body, "username": "x.y", "email": "x.y@example.org", "password": "short"},
        {**body, "username": "x.y", "email": "x.y@example.org", "display_name": "a\ud800"},
        {**body, "username": "x.y", "email": "x.y@example.org", "display_name": "   "},
    ]
    for bad in refused:
        # json.dumps escapes the lone surrogate, as a browser would send it.
        raw = json.dumps(bad)
        response = client.post("/api/admin/users", content=raw, headers=JSON)
        problem(response, 422, "invalid_input")
    # A conference's secretariat cannot create global roles or accounts it cannot manage.
    global_role = {**NEW_USER, "username": "g.user", "email": "g@example.org"}
    global_role["roles"] = [{"role": "secretariat"}]  # type: ignore[assignment]
    problem(client.post("/api/admin/users", json=global_role), 403, "forbidden")
    untied = {**NEW_USER, "username": "u.user", "email": "u.user@example.org"}
    problem(client.post("/api/admin/users", json=untied), 403, "forbidden")

    client.cookies.clear()
    me = login(client, "new.person", PASSWORD)
    assert me["affiliation_name"] == "Université de Test"
    created_entries = [d for a, _, d in audit_actions(settings) if a == "user.create"]
    assert created_entries == [
        {
            "username": "new.person",
            "roles": [{"role": "delegate", "conference_id": conference, "working_group_id": None}],
        }
    ]


def test_update_user(client: TestClient) -> None:
    sign_in(client, "amara.diallo")
    wang = user_id(client, "wang.lei")
    france = delegation_id(client, "FRA")
    body = {"display_name": "Wang Lei", "affiliation_kind": "regulator", "delegation_id": france}
    updated = client.patch(f"/api/admin/users/{wang}", json=body)
    assert updated.status_code == 200, updated.text
    assert updated.json()["display_name"] == "Wang Lei"
    assert updated.json()["delegation"]["country_code"] == "FRA"
    cleared = client.patch(f"/api/admin/users/{wang}", json={"delegation_id": None})
    assert cleared.json()["delegation"] is None
    taken = {"email": "camille.bernard@example.org"}
    problem(client.patch(f"/api/admin/users/{wang}", json=taken), 409, "conflict")
    for bad in ({"display_name": None}, {"username": "x"}, {"affiliation_kind": "guild"}):
        problem(client.patch(f"/api/admin/users/{wang}", json=bad), 422, "invalid_input")
    problem(client.patch("/api/admin/users/9999", json={"display_name": "x"}), 404, "not_found")


def test_deactivation_ends_existing_sessions_at_once(
    client: TestClient, settings: Settings
) -> None:
    wang_token = sign_in(client, "wang.lei")
    assert client.get("/api/me").status_code == 200
    admin_token = sign_in(client, "amara.diallo")
    wang = user_id(client, "wang.lei")
    deactivated = client.post(f"/api/admin/users/{wang}/deactivate")
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False
    use(client, wang_token)
    problem(client.get("/api/me"), 401, "not_authenticated")
    refused = client.post("/api/login", json={"username": "wang.lei", "password": "accord-demo"})
    problem(refused, 401, "not_authenticated")

    use(client, admin_token)
    assert client.post(f"/api/admin/users/{wang}/reactivate").json()["is_active"] is True
    sign_in(client, "wang.lei")
    assert client.get("/api/me").status_code == 200

    sign_in(client, "amara.diallo")
    me = user_id(client, "amara.diallo")
    problem(client.post(f"/api/admin/users/{me}/deactivate"), 422, "invalid_input")
    actions = [(a, d) for a, _, d in audit_actions(settings)]
    assert ("user.deactivate", {"username": "wang.lei"}) in actions
    assert ("user.reactivate", {"username": "wang.lei"}) in actions


def test_roles(client: TestClient, settings: Settings) -> None:
    sign_in(client, "amara.diallo")
    conference = first_conference_id(client)
    wang = user_id(client, "wang.lei")
    roles_url = f"/api/admin/users/{wang}/roles"
    observer = {"role": "observer", "conference_id": conference}
    granted = client.post(roles_url, json=observer)
    assert granted.status_code == 201, granted.text
    assert sorted(r["role"] for r in granted.json()["roles"]) == ["delegate", "observer"]
    problem(client.post(roles_url, json=observer), 409, "conflict")
    problem(client.post(roles_url, json={"role": "pope"}), 422, "invalid_input")
    problem(client.post(roles_url, json={"role": "delegate"}), 422, "invalid_input")
    problem(client.post(roles_url, json={"role": "observer"}), 403, "forbidden")  # global
    other = {"role": "observer", "conference_id": 999}
    problem(client.post(roles_url, json=other), 404, "not_found")

    document = client.get(f"/api/working-groups/{working_group_id(client, 'WG-PL')}/documents")
    document_id = document.json()[0]["id"]
    delegate = next(r for r in granted.json()["roles"] if r["role"] == "delegate")
    removed = client.delete(f"{roles_url}/{delegate['id']}")
    assert [r["role"] for r in removed.json()["roles"]] == ["observer"]
    problem(client.delete(f"{roles_url}/{delegate['id']}"), 404, "not_found")
    me = user_id(client, "amara.diallo")
    own = client.get("/api/admin/users").json()
    own_role = next(u for u in own if u["id"] == me)["roles"][0]["id"]
    problem(client.delete(f"/api/admin/users/{me}/roles/{own_role}"), 422, "invalid_input")

    sign_in(client, "wang.lei")
    assert client.get(f"/api/documents/{document_id}").json()["can_edit"] is False
    actions = {a for a, _, _ in audit_actions(settings)}
    assert {"role.grant", "role.revoke"} <= actions


def test_reset_password(client: TestClient) -> None:
    old = sign_in(client, "wang.lei")
    sign_in(client, "amara.diallo")
    wang = user_id(client, "wang.lei")
    short = client.post(f"/api/admin/users/{wang}/password", json={"password": "short"})
    problem(short, 422, "invalid_input")
    reset = client.post(f"/api/admin/users/{wang}/password", json={"password": PASSWORD})
    assert reset.status_code == 204
    use(client, old)
    problem(client.get("/api/me"), 401, "not_authenticated")
    client.cookies.clear()
    bad = client.post("/api/login", json={"username": "wang.lei", "password": "accord-demo"})
    problem(bad, 401, "not_authenticated")
    login(client, "wang.lei", PASSWORD)


def test_conference_secretariat_manages_only_its_own_accounts(
    client: TestClient, global_admin: str
) -> None:
    sign_in(client, global_admin, PASSWORD)
    other = client.post("/api/admin/conferences", json={"code": "WTDC-30", "name": "WTDC"})
    other_id = other.json()["id"]
    body = {**NEW_USER, "roles": [{"role": "delegate", "conference_id": other_id}]}
    outsider = client.post("/api/admin/users", json=body).json()

    sign_in(client, "amara.diallo")
    assert "new.person" not in {u["username"] for u in client.get("/api/admin/users").json()}
    url = f"/api/admin/users/{outsider['id']}"
    problem(client.post(f"{url}/deactivate"), 403, "forbidden")
    problem(client.patch(url, json={"display_name": "x"}), 403, "forbidden")
    problem(client.delete(f"{url}/roles/{outsider['roles'][0]['id']}"), 403, "forbidden")
    # Granting a role in one's own conference is fine; the account stays shared.
    demo = first_conference_id(client)
    granted = client.post(f"{url}/roles", json={"role": "observer", "conference_id": demo})
    assert granted.status_code == 201
    assert "new.person" in {u["username"] for u in client.get("/api/admin/users").json()}
    problem(client.post(f"{url}/deactivate"), 403, "forbidden")


# -- invitations ----------------------------------------------------------------------


def invite(client: TestClient, **extra: Any) -> dict[str, Any]:
    body = {
        "email": "invitee@example.org",
        "display_name": "Giulia Rossi",
        "role": "delegate",
        "conference_id": first_conference_id(client),
        "delegation_id": delegation_id(client, "FRA"),
        "affiliation_kind": "regulator",
        "affiliation_name": "Autorité de test",
        **extra,
    }
    response = client.post("/api/admin/invitations", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


ACCEPT = {"username": "giulia.rossi", "password": PASSWORD}


def test_invitation_is_accepted_once(client: TestClient, settings: Settings) -> None:
    sign_in(client, "amara.diallo")
    created = invite(client)
    token = created["token"]
    assert created["link"] == f"/invite/{token}"
    client.cookies.clear()
    shown = client.get(f"/api/invitations/{token}")
    assert shown.status_code == 200
    view = shown.json()
    assert view["role"] == "delegate" and view["email"] == "invitee@example.org"
    assert view["conference"]["code"] == "PP-26-DEMO"
    assert view["delegation"] == {"code": "FRA", "name": "France"}

    accepted = client.post(f"/api/invitations/{token}/accept", json=ACCEPT)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["display_name"] == "Giulia Rossi"
    me = login(client, "giulia.rossi", PASSWORD)
    assert me["delegation"]["country_code"] == "FRA"  # type: ignore[index]
    assert [r["role"] for r in me["roles"]] == ["delegate"]  # type: ignore[attr-defined]

    client.cookies.clear()
    again = {"username": "someone.else", "password": PASSWORD}
    problem(client.post(f"/api/invitations/{token}/accept", json=again), 410, "invitation_used")
    problem(client.get(f"/api/invitations/{token}"), 410, "invitation_used")
    actions = {a for a, _, _ in audit_actions(settings)}
    assert {"invitation.create", "invitation.accept"} <= actions


def test_expired_invitation_is_refused(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(client, "amara.diallo")
    token = invite(client)["token"]
    eight_days = 8 * 24 * 3600
    monkeypatch.setattr(
        itsdangerous.TimestampSigner, "get_timestamp", lambda self: int(time.time()) + eight_days
    )
    client.cookies.clear()
    problem(client.get(f"/api/invitations/{token}"), 410, "invitation_expired")
    problem(client.post(f"/api/invitations/{token}/accept", json=ACCEPT), 410, "invitation_expired")


def test_revoked_and_forged_invitations_are_refused(client: TestClient) -> None:
    sign_in(client, "amara.diallo")
    created = invite(client)
    listed = client.get("/api/admin/invitations").json()
    assert [i["id"] for i in listed] == [created["id"]]
    assert client.delete(f"/api/admin/invitations/{created['id']}").status_code == 204
    assert client.delete(f"/api/admin/invitations/{created['id']}").status_code == 204
    problem(client.delete("/api/admin/invitations/999"), 404, "not_found")
    client.cookies.clear()
    token = created["token"]
    problem(client.post(f"/api/invitations/{token}/accept", json=ACCEPT), 410, "invitation_revoked")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    problem(client.get(f"/api/invitations/{forged}"), 404, "not_found")
    problem(client.get("/api/invitations/not-a-token"), 404, "not_found")


def test_accepted_invitation_cannot_be_revoked(client: TestClient) -> None:
    sign_in(client, "amara.diallo")
    created = invite(client)
    client.cookies.clear()
    assert client.post(f"/api/invitations/{created['token']}/accept", json=ACCEPT).is_success
    sign_in(client, "amara.diallo")
    problem(client.delete(f"/api/admin/invitations/{created['id']}"), 409, "conflict")


def test_invitation_validation(client: TestClient) -> None:
    sign_in(client, "amara.diallo")
    conference = first_conference_id(client)
    url = "/api/admin/invitations"
    taken = {"email": "wang.lei@example.org", "role": "observer", "conference_id": conference}
    problem(client.post(url, json=taken), 409, "conflict")
    chair = {"email": "c@example.org", "role": "chair", "conference_id": conference}
    problem(client.post(url, json=chair), 422, "invalid_input")
    problem(client.post(url, json={**chair, "role": "king"}), 422, "invalid_input")
    everywhere = {"email": "c@example.org", "role": "secretariat"}
    problem(client.post(url, json=everywhere), 403, "forbidden")

    group = working_group_id(client, "WG-PL")
    vice = invite(client, role="vice_chair", working_group_id=group, delegation_id=None)
    assert vice["conference_id"] == conference and vice["working_group_id"] == group
    client.cookies.clear()
    # The username is taken: nothing is created and the invitation stays usable.
    clash = {"username": "wang.lei", "password": PASSWORD}
    problem(client.post(f"/api/invitations/{vice['token']}/accept", json=clash), 409, "conflict")
    short = {"username": "new.vice", "password": "short"}
    problem(
        client.post(f"/api/invitations/{vice['token']}/accept", json=short), 422, "invalid_input"
    )
    ok = client.post(
        f"/api/invitations/{vice['token']}/accept", json={**short, "password": PASSWORD}
    )
    assert ok.status_code == 201
    groups = client.get(f"/api/conferences/{conference}/working-groups")
    assert groups.status_code == 401  # accepting does not sign in
    login(client, "new.vice", PASSWORD)
    plenary = next(
        g
        for g in client.get(f"/api/conferences/{conference}/working-groups").json()
        if g["code"] == "WG-PL"
    )
    assert "vice_chair" in {o["role"] for o in plenary["officers"]}


def test_a_conference_secretariat_reads_only_its_conferences_audit(
    client: TestClient, global_admin: str
) -> None:
    sign_in(client, global_admin, PASSWORD)
    other = client.post("/api/admin/conferences", json={"code": "WTDC-30", "name": "WTDC-30"})
    assert other.status_code == 201, other.text
    other_id = other.json()["id"]
    group = client.post(
        f"/api/admin/conferences/{other_id}/working-groups",
        json={"code": "WG-X", "name": "Working group X", "kind": "working_group"},
    )
    assert group.status_code == 201, group.text
    officer = {
        "username": "other.secretary",
        "email": "other.secretary@example.org",
        "display_name": "Other secretary",
        "password": PASSWORD,
        "roles": [{"role": "secretariat", "conference_id": other_id}],
    }
    assert client.post("/api/admin/users", json=officer).status_code == 201

    sign_in(client, "amara.diallo")  # PP-26-DEMO's secretariat: acts there, none of WTDC-30's
    demo = first_conference_id(client)
    assert client.patch(f"/api/admin/conferences/{demo}", json={"city": "Lusail"}).is_success
    seen = {row["action"] for row in client.get("/api/audit").json()}
    assert "conference.update" in seen
    assert not {"conference.create", "working_group.create", "user.create"} & seen

    sign_in(client, "other.secretary", PASSWORD)
    rows = client.get("/api/audit").json()
    assert {r["action"] for r in rows} >= {"conference.create", "working_group.create"}
    assert all(r["object_id"] != str(demo) for r in rows if r["object_type"] == "conference")

    sign_in(client, global_admin, PASSWORD)
    everything = {row["action"] for row in client.get("/api/audit").json()}
    assert {"conference.update", "conference.create", "user.create"} <= everything
    sign_in(client, "wang.lei")
    problem(client.get("/api/audit"), 403, "forbidden")
