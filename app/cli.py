"""The ``accord`` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from app.config import get_settings

app = typer.Typer(
    help="Accord: live consensus drafting for multilateral negotiations.",
    no_args_is_help=True,
    add_completion=False,
)
user_app = typer.Typer(help="Manage user accounts (secretariat).", no_args_is_help=True)
app.add_typer(user_app, name="user")


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


def _migrate(url: str, revision: str = "head") -> None:
    from app.db.migrate import upgrade

    upgrade(url, revision)


def main() -> None:  # pragma: no cover - console entry
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
