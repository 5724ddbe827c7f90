"""Administration from the `accord` command line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from app.admin.cli_service import run
from app.audit.models import AuditEntry
from app.cli import app
from app.config import Settings, get_settings
from tests.api.test_admin import app_with_admin
from tests.factories import login

runner = CliRunner()
DEMO = "PP-26-DEMO"


@pytest.fixture(autouse=True)
def environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command reads its settings from the environment: point it at this test's copy
    of the seeded database."""
    for name in ("ACCORD_DATABASE_URL", "ACCORD_DEMO_MODE", "ACCORD_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ACCORD_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ACCORD_ENVIRONMENT", "test")
    monkeypatch.setenv("ACCORD_SECRET_KEY", settings.secret_key.get_secret_value())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def accord(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "error: " in result.output
    return result.output


def user_line(username: str) -> str:
    return next(line for line in accord("user", "list").splitlines() if line.startswith(username))


def audit(settings: Settings) -> list[tuple[str, dict[str, Any]]]:
    def read(db: Any) -> list[tuple[str, dict[str, Any]]]:
        return [tuple(r) for r in db.execute(select(AuditEntry.action, AuditEntry.detail))]

    return run(settings.resolved_database_url, read)


def test_user_list_shows_state_delegation_roles_and_affiliation() -> None:
    line = user_line("wang.lei")
    assert "active" in line and "CHN" in line and f"delegate@{DEMO}" in line
    assert "ministry:" in line and "王磊" in line
    assert f"chair@{DEMO}/WG-PL" in user_line("khalid.almansouri")
    assert "tomas.rivera" in accord("user", "list", "--conference", DEMO)
    assert "no conference 'NOPE'" in refused("user", "list", "--conference", "NOPE")


def test_deactivate_and_reactivate(settings: Settings) -> None:
    assert "sessions are ended" in accord("user", "deactivate", "wang.lei")
    assert " inactive " in user_line("wang.lei")
    accord("user", "reactivate", "wang.lei")
    assert " active " in user_line("wang.lei")
    assert "no user 'nobody'" in refused("user", "deactivate", "nobody")
    entries = audit(settings)
    assert ("user.deactivate", {"username": "wang.lei", "via": "command line"}) in entries


def test_grant_and_revoke_roles(settings: Settings) -> None:
    accord("user", "grant", "wang.lei", "--role", "observer", "--conference", DEMO)
    assert f"observer@{DEMO}" in user_line("wang.lei")
    again = refused("user", "grant", "wang.lei", "--role", "observer", "--conference", DEMO)
    assert "already has" in again
    accord("user", "grant", "camille.bernard", "--role", "vice_chair", "--conference", DEMO,
           "--working-group", "COM5/WG-B")  # fmt: skip
    assert f"vice_chair@{DEMO}/COM5/WG-B" in user_line("camille.bernard")
    accord("user", "revoke-role", "wang.lei", "--role", "observer", "--conference", DEMO)
    assert "observer" not in user_line("wang.lei")
    missing = refused("user", "revoke-role", "wang.lei", "--role", "observer", "--conference", DEMO)
    assert "no such observer role" in missing
    assert "unknown role 'emperor'" in refused("user", "grant", "wang.lei", "--role", "emperor")
    chairless = refused("user", "grant", "wang.lei", "--role", "chair", "--conference", DEMO)
    assert "--working-group" in chairless
    assert "needs a conference" in refused("user", "grant", "wang.lei", "--role", "delegate")
    actions = [action for action, _ in audit(settings)]
    assert actions.count("role.grant") == 2 and actions.count("role.revoke") == 1


def test_global_secretariat_from_the_command_line() -> None:
    accord("user", "grant", "amara.diallo", "--role", "secretariat")
    assert "secretariat@all" in user_line("amara.diallo")


def test_reset_password(settings: Settings) -> None:
    accord("user", "reset-password", "wang.lei", "--password", "brand-new-pw")
    with TestClient(app_with_admin(settings)) as client:
        login(client, "wang.lei", "brand-new-pw")
    assert "at least 8 characters" in refused(
        "user", "reset-password", "wang.lei", "--password", "short"
    )


def test_conference_working_group_and_delegation(settings: Settings) -> None:
    dates = ["--starts-on", "2030-09-01", "--ends-on", "2030-09-20"]
    accord("conference", "create", "PP-30", "--name", "PP-30, Geneva", "--city", "Geneva", *dates)
    assert "already exists" in refused("conference", "create", "PP-30", "--name", "Again")
    backwards = ["--starts-on", "2030-09-20", "--ends-on", "2030-09-01"]
    assert "cannot end before" in refused("conference", "create", "X", "--name", "X", *backwards)
    assert "starts_on" in refused("conference", "create", "Y", "--name", "Y", "--starts-on", "soon")

    accord("wg", "create", "PP-30", "COM5", "--name", "Committee 5", "--kind", "committee")
    accord("wg", "create", "PP-30", "COM5/WG-B", "--name", "WG B", "--parent", "COM5")
    assert "unknown kind" in refused("wg", "create", "PP-30", "X", "--name", "X", "--kind", "club")
    assert "no working group" in refused(
        "wg", "create", "PP-30", "Y", "--name", "Y", "--parent", "Z"
    )
    assert "no conference" in refused("wg", "create", "NOPE", "Y", "--name", "Y")

    accord("delegation", "create", "PP-30", "ITA", "--name", "Italy", "--region", "CEPT")
    accord("delegation", "create", "PP-30", "EGY", "--name", "Egypt", "--region", "ATU",
           "--region", "LAS")  # fmt: skip
    assert "alpha-3" in refused("delegation", "create", "PP-30", "ita", "--name", "Italy")
    assert "already has a delegation" in refused(
        "delegation", "create", "PP-30", "ITA", "--name", "Italy"
    )
    assert "unknown regional group" in refused(
        "delegation", "create", "PP-30", "ESP", "--name", "Spain", "--region", "EU"
    )
    actions = {action for action, _ in audit(settings)}
    assert {"conference.create", "working_group.create", "delegation.create"} <= actions


def test_invite_prints_a_link_that_works(settings: Settings) -> None:
    output = accord(
        "invite", "new.delegate@example.org", "--role", "delegate", "--conference", DEMO,
        "--delegation", "fra", "--name", "Nouvelle Déléguée", "--affiliation", "academia",
        "--base-url", "https://accord.example.org/",
    )  # fmt: skip
    link = output.splitlines()[0]
    assert link.startswith("https://accord.example.org/invite/")
    assert "for one use" in output
    token = link.rsplit("/", 1)[1]
    with TestClient(app_with_admin(settings)) as client:
        view = client.get(f"/api/invitations/{token}").json()
        assert view["delegation"]["code"] == "FRA" and view["role"] == "delegate"
        body = {"username": "nouvelle.deleguee", "password": "long-enough-pw"}
        assert client.post(f"/api/invitations/{token}/accept", json=body).status_code == 201
        me = login(client, "nouvelle.deleguee", "long-enough-pw")
        assert me["display_name"] == "Nouvelle Déléguée"
    assert "already has an account" in refused(
        "invite", "wang.lei@example.org", "--role", "observer", "--conference", DEMO
    )
    assert "unknown role" in refused("invite", "x@example.org", "--role", "king")
    assert "email" in refused("invite", "not-an-email", "--role", "observer", "--conference", DEMO)
