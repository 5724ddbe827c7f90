"""The ``accord`` command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from app.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_T = TypeVar("_T")

app = typer.Typer(
    help="Accord: live consensus drafting for multilateral negotiations.",
    no_args_is_help=True,
    add_completion=False,
)
user_app = typer.Typer(help="Manage user accounts (secretariat).", no_args_is_help=True)
app.add_typer(user_app, name="user")
conference_app = typer.Typer(help="Manage conferences (secretariat).", no_args_is_help=True)
app.add_typer(conference_app, name="conference")
wg_app = typer.Typer(help="Manage committees and working groups.", no_args_is_help=True)
app.add_typer(wg_app, name="wg")
delegation_app = typer.Typer(help="Manage delegations.", no_args_is_help=True)
app.add_typer(delegation_app, name="delegation")

RoleOption = Annotated[str, typer.Option(help="secretariat|chair|vice_chair|delegate|observer")]
ConferenceOption = Annotated[str | None, typer.Option(help="Conference code; none: all")]
WorkingGroupOption = Annotated[str | None, typer.Option(help="Working group code")]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the server (migrating the database first)."""
    import uvicorn

    settings = get_settings()
    _migrate(settings.resolved_database_url)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        ws_max_size=settings.max_message_bytes,
        # Broadcast frames are serialised once and written to every socket as they are;
        # per-connection compression would make each socket's bytes different.
        ws="app.realtime.fastsend:FastSendProtocol",
        ws_per_message_deflate=False,
    )


@app.command()
def migrate(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the database schema."""
    _migrate(get_settings().resolved_database_url, revision)
    typer.echo(f"database at {revision}")


@app.command()
def demo() -> None:
    """Create the database and seed the demo conference; print the demo logins."""
    from app.db.session import make_engine, make_session_factory, transaction
    from app.demo.fixtures import DEMO_PASSWORD, USERS
    from app.demo.seed import seed_demo

    settings = get_settings()
    _migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as db:
        created = seed_demo(db)
    engine.dispose()
    typer.echo("demo seeded" if created else "demo already present")
    typer.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for user in USERS:
        where = f" {user.working_group}" if user.working_group else ""
        typer.echo(f"  {user.username:<20} {user.role}{where}  {user.display_name}")
    settings_url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"serve with `accord serve`, then open {settings_url}")


@app.command()
def brackets(
    file: Annotated[Path, typer.Argument(help="A UTF-8 text file")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Lint the brackets of a negotiating text: counts and diagnostics."""
    from app.engine.report import bracket_report, format_report

    text = _read_text(file)
    if as_json:
        typer.echo(json.dumps(bracket_report(text), ensure_ascii=False))
    else:
        typer.echo(format_report(text, str(file)))


def _read_text(file: Path) -> str:
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {file}: {exc.strerror or exc}")
    if b"\x00" in data:
        _fail(f"{file} is not a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(f"{file} is not UTF-8 text (byte {exc.start}: {exc.reason})")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument()],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[str, typer.Option(help="secretariat|chair|vice_chair|delegate|observer")],
    conference: Annotated[str | None, typer.Option(help="Conference code")] = None,
    working_group: Annotated[str | None, typer.Option(help="Working group code")] = None,
    delegation: Annotated[str | None, typer.Option(help="ISO 3166 alpha-3 code")] = None,
    affiliation: Annotated[str, typer.Option(help="ministry|regulator|company|...")] = "other",
    affiliation_name: Annotated[str, typer.Option()] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user account with one role."""
    from app.admin.cli_service import UserSpec, create_user_account
    from app.errors import DomainError

    spec = UserSpec(
        username=username,
        email=email,
        display_name=name,
        role=role,
        conference=conference,
        working_group=working_group,
        delegation=delegation,
        affiliation=affiliation,
        affiliation_name=affiliation_name,
        password=password,
    )
    try:
        create_user_account(get_settings().resolved_database_url, spec)
    except DomainError as exc:
        _fail(exc.message)
    typer.echo(f"created {username} ({role})")


def _admin(work: Callable[[Session], _T]) -> _T:
    """One administrative command, one transaction; refused input exits with code 2."""
    from app.admin.cli_service import run
    from app.errors import DomainError

    try:
        return run(get_settings().resolved_database_url, work)
    except DomainError as exc:
        _fail(exc.message)


@user_app.command("list")
def user_list(conference: ConferenceOption = None) -> None:
    """List accounts: state, delegation, roles, affiliation and name."""
    from app.admin.cli_service import user_lines

    for line in _admin(lambda db: user_lines(db, conference)):
        typer.echo(line)


@user_app.command("deactivate")
def user_deactivate(username: Annotated[str, typer.Argument()]) -> None:
    """Deactivate an account and end all its sessions."""
    from app.admin.cli_service import set_active

    _admin(lambda db: set_active(db, username, active=False))
    typer.echo(f"deactivated {username}; their sessions are ended")


@user_app.command("reactivate")
def user_reactivate(username: Annotated[str, typer.Argument()]) -> None:
    """Let a deactivated account sign in again."""
    from app.admin.cli_service import set_active

    _admin(lambda db: set_active(db, username, active=True))
    typer.echo(f"reactivated {username}")


@user_app.command("grant")
def user_grant(
    username: Annotated[str, typer.Argument()],
    role: RoleOption,
    conference: ConferenceOption = None,
    working_group: WorkingGroupOption = None,
) -> None:
    """Grant a role, in one conference (or all), for chairs in one working group."""
    from app.admin.cli_service import RoleSpec, grant

    _admin(lambda db: grant(db, username, RoleSpec(role, conference, working_group)))
    typer.echo(f"granted {role} to {username}")


@user_app.command("revoke-role")
def user_revoke_role(
    username: Annotated[str, typer.Argument()],
    role: RoleOption,
    conference: ConferenceOption = None,
    working_group: WorkingGroupOption = None,
) -> None:
    """Remove a role, named by the same scope it was granted with."""
    from app.admin.cli_service import RoleSpec, revoke_role

    _admin(lambda db: revoke_role(db, username, RoleSpec(role, conference, working_group)))
    typer.echo(f"removed {role} from {username}")


@user_app.command("reset-password")
def user_reset_password(
    username: Annotated[str, typer.Argument()],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Set a new password and end the account's sessions."""
    from app.admin.cli_service import reset_password

    _admin(lambda db: reset_password(db, username, password))
    typer.echo(f"password of {username} reset; their sessions are ended")


@conference_app.command("create")
def conference_create(
    code: Annotated[str, typer.Argument(help="e.g. PP-26")],
    name: Annotated[str, typer.Option(help="e.g. 'PP-26, Doha, 2026'")],
    city: Annotated[str, typer.Option()] = "",
    starts_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    ends_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
) -> None:
    """Create a conference."""
    from app.admin.cli_service import create_conference

    _admin(lambda db: create_conference(db, code, name, city, starts_on, ends_on))
    typer.echo(f"created conference {code}")


@wg_app.command("create")
def wg_create(
    conference: Annotated[str, typer.Argument(help="Conference code")],
    code: Annotated[str, typer.Argument(help="e.g. COM5 or COM5/WG-B")],
    name: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option(help="committee|working_group|ad_hoc")] = "working_group",
    parent: Annotated[str | None, typer.Option(help="Code of the parent group")] = None,
) -> None:
    """Create a committee, working group or ad hoc group."""
    from app.admin.cli_service import create_working_group

    _admin(lambda db: create_working_group(db, conference, code, name, kind, parent))
    typer.echo(f"created {kind} {code} in {conference}")


@delegation_app.command("create")
def delegation_create(
    conference: Annotated[str, typer.Argument(help="Conference code")],
    country_code: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-3, e.g. FRA")],
    name: Annotated[str, typer.Option()],
    region: Annotated[list[str] | None, typer.Option(help="Regional group code; repeat")] = None,
) -> None:
    """Create a member state's delegation at a conference."""
    from app.admin.cli_service import create_delegation

    _admin(lambda db: create_delegation(db, conference, country_code, name, region or []))
    typer.echo(f"created delegation {country_code} at {conference}")


@app.command()
def invite(
    email: Annotated[str, typer.Argument()],
    role: RoleOption,
    conference: ConferenceOption = None,
    working_group: WorkingGroupOption = None,
    delegation: Annotated[str | None, typer.Option(help="ISO 3166 alpha-3 code")] = None,
    name: Annotated[str, typer.Option(help="Display name")] = "",
    affiliation: Annotated[str, typer.Option(help="ministry|regulator|company|...")] = "other",
    affiliation_name: Annotated[str, typer.Option()] = "",
    base_url: Annotated[str | None, typer.Option(help="Public address of the server")] = None,
) -> None:
    """Invite someone to create an account with one role; prints the link to send."""
    from app.admin import cli_service

    settings = get_settings()
    spec = cli_service.InviteSpec(
        email=email,
        display_name=name,
        role=cli_service.RoleSpec(role, conference, working_group),
        delegation=delegation,
        affiliation=affiliation,
        affiliation_name=affiliation_name,
    )
    invited = _admin(lambda db: cli_service.invite(db, settings, spec))
    root = (base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    typer.echo(f"{root}{invited.link}")
    typer.echo(f"valid until {invited.expires_at:%Y-%m-%d %H:%M} UTC, for one use")


def _migrate(url: str, revision: str = "head") -> None:
    from app.db.migrate import upgrade

    upgrade(url, revision)


def main() -> None:  # pragma: no cover - console entry
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
