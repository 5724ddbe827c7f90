from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import first_conference_id, login, working_group_id


def test_lists_the_conference_and_its_groups(client: TestClient) -> None:
    login(client, "minjun.park")
    conferences = client.get("/api/conferences").json()
    assert [c["code"] for c in conferences] == ["PP-26-DEMO"]
    groups = client.get(f"/api/conferences/{conferences[0]['id']}/working-groups").json()
    codes = {g["code"] for g in groups}
    assert codes == {"WG-PL", "COM5/WG-B"}
    plenary = next(g for g in groups if g["code"] == "WG-PL")
    assert {o["role"] for o in plenary["officers"]} == {"chair", "vice_chair"}


def test_delegations_carry_regional_groups(client: TestClient) -> None:
    login(client, "minjun.park")
    conference_id = first_conference_id(client)
    delegations = client.get(f"/api/conferences/{conference_id}/delegations").json()
    assert len(delegations) >= 15
    egypt = next(d for d in delegations if d["country_code"] == "EGY")
    assert {g["code"] for g in egypt["regional_groups"]} == {"ATU", "LAS"}
    covered = {g["code"] for d in delegations for g in d["regional_groups"]}
    assert covered == {"APT", "ATU", "CEPT", "CITEL", "RCC", "LAS"}


def test_documents_list_with_bracket_counts(client: TestClient) -> None:
    login(client, "minjun.park")
    group_id = working_group_id(client, "WG-PL")
    documents = client.get(f"/api/working-groups/{group_id}/documents").json()
    assert {d["symbol"] for d in documents} >= {"WG-PL/DT/12", "WG-PL/DT/15"}
    for document in documents:
        counts = document["counts"]
        assert counts["brackets"] > 0
        assert counts["unmatched_open"] == counts["unmatched_close"] == 0


def test_document_read_includes_text_and_edit_right(client: TestClient) -> None:
    login(client, "tomas.rivera")  # observer
    group_id = working_group_id(client, "COM5/WG-B")
    summary = client.get(f"/api/working-groups/{group_id}/documents").json()[0]
    document = client.get(f"/api/documents/{summary['id']}").json()
    assert "[" in document["text"]
    assert document["can_edit"] is False
    client.post("/api/logout")
    login(client, "ivan.sokolov")
    assert client.get(f"/api/documents/{summary['id']}").json()["can_edit"] is True


def test_missing_document_is_404(client: TestClient) -> None:
    login(client, "minjun.park")
    response = client.get("/api/documents/99999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_only_chairs_and_secretariat_create_documents(client: TestClient) -> None:
    login(client, "minjun.park")
    group_id = working_group_id(client, "WG-PL")
    body = {"symbol": "WG-PL/DT/99", "title": "Test", "text": "[a][b]"}
    response = client.post(f"/api/working-groups/{group_id}/documents", json=body)
    assert response.status_code == 403
    client.post("/api/logout")
    login(client, "khalid.almansouri")  # chair of WG-PL
    created = client.post(f"/api/working-groups/{group_id}/documents", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["counts"]["groups"] == 1
    again = client.post(f"/api/working-groups/{group_id}/documents", json=body)
    assert again.status_code == 409
