from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import login


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/login" in spec["paths"]


def test_login_sets_a_protected_cookie(client: TestClient) -> None:
    response = client.post("/api/login", json={"username": "wang.lei", "password": "accord-demo"})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    me = client.get("/api/me").json()
    assert me["username"] == "wang.lei"
    assert me["delegation"]["country_code"] == "CHN"
    assert me["affiliation_kind"] == "ministry"
    assert "password_hash" not in me


def test_wrong_password_is_a_problem_detail(client: TestClient) -> None:
    response = client.post("/api/login", json={"username": "wang.lei", "password": "nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["status"] == 401


def test_unknown_user_gets_the_same_answer(client: TestClient) -> None:
    response = client.post("/api/login", json={"username": "nobody", "password": "x"})
    assert response.status_code == 401
    assert response.json()["detail"] == "unknown username or wrong password"


def test_me_requires_login(client: TestClient) -> None:
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_logout_revokes_the_session(client: TestClient) -> None:
    login(client, "wang.lei")
    token = client.cookies.get("accord_session")
    assert client.post("/api/logout").status_code == 204
    assert client.get("/api/me").status_code == 401
    # The old token no longer works, even if a client kept it.
    client.cookies.set("accord_session", token or "")
    assert client.get("/api/me").status_code == 401


def test_forged_cookie_is_refused(client: TestClient) -> None:
    client.cookies.set("accord_session", "forged-token")
    assert client.get("/api/me").status_code == 401


def test_lone_surrogate_and_nul_are_rejected_cleanly(client: TestClient) -> None:
    for bad in (
        '{"username": "a\\ud800", "password": "x"}',
        '{"username": "a\\u0000", "password": "x"}',
    ):
        response = client.post(
            "/api/login", content=bad, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_input"


def test_malformed_json_is_a_problem_detail(client: TestClient) -> None:
    response = client.post(
        "/api/login", content="{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_unknown_api_path_is_404_not_the_page(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] in {"not_found", "http_error"}


def test_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
