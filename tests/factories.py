"""Typed factory functions for test data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.demo.fixtures import DEMO_PASSWORD


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, object]:
    response = client.post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def first_conference_id(client: TestClient) -> int:
    conferences = client.get("/api/conferences").json()
    return int(conferences[0]["id"])


def working_group_id(client: TestClient, code: str) -> int:
    conference_id = first_conference_id(client)
    groups = client.get(f"/api/conferences/{conference_id}/working-groups").json()
    return int(next(g["id"] for g in groups if g["code"] == code))


def utf16_offset(text: str, at: int) -> int:
    """The UTF-16 offset (what the wire counts) of code point ``at`` in ``text``."""
    return len(text[:at].encode("utf-16-le")) // 2
