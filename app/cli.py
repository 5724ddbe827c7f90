"""The ``accord`` command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from app.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)

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


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .txt, .md or .docx file", exists=True)],
    user: Annotated[str, typer.Option("--user", help="Act as this user (secretariat or chair)")],
    conference: Annotated[str | None, typer.Option(help="Conference code (new draft)")] = None,
    working_group: Annotated[str | None, typer.Option(help="Working group (new draft)")] = None,
    symbol: Annotated[str | None, typer.Option(help="Symbol of the new draft")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the new draft")] = None,
    kind: Annotated[str, typer.Option(help="resolution|decision|...")] = "resolution",
    document: Annotated[
        str | None, typer.Option(help="Replace the text of this draft (id or symbol)")
    ] = None,
) -> None:
    """Import a negotiating text into a new draft, or over an existing draft's text."""
    from app.documents.models import DocumentKind
    from app.errors import DomainError
    from app.exports import cli_service

    settings = get_settings()
    _migrate(settings.resolved_database_url)
    try:
        if document is not None:
            imported = cli_service.import_over(settings, file, user, document)
        elif conference and working_group and symbol and title:
            header = (symbol, title, _choice(DocumentKind, kind, "kind"))
            where = (conference, working_group)
            imported = cli_service.import_new(settings, file, user, where, header)
        else:
            _fail("give --document, or --conference, --working-group, --symbol and --title")
    except DomainError as exc:
        _fail(exc.message)
    report = imported.report
    typer.echo(
        f"document {imported.document_id} at revision {imported.revision} ({imported.format}): "
        f"{report['brackets']} brackets, {report['groups']} groups, "
        f"{report['unmatched_open']} unmatched [, {report['unmatched_close']} unmatched ]"
    )
    for warning in imported.warnings:
        typer.echo(f"warning: {warning}")
    for entry in report["diagnostics"]:
        typer.echo(f"{file}:{entry['line']}:{entry['column']}: {entry['kind']}: {entry['message']}")


@app.command()
def export(
    source: Annotated[str, typer.Argument(help="A draft (id or symbol), or a text file")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write")],
    view: Annotated[str, typer.Option(help="agreed|compilation|revision")] = "agreed",
    fmt: Annotated[str, typer.Option("--format", help="txt|md|html|docx|pdf|akn")] = "txt",
    version: Annotated[str, typer.Option(help="rev:N, r:K or current")] = "current",
    against: Annotated[str | None, typer.Option(help="Revision view: base, rev:N or r:K")] = None,
    force: Annotated[bool, typer.Option(help="Agreed view even while brackets remain")] = False,
    user: Annotated[str | None, typer.Option("--user", help="Act as this user")] = None,
) -> None:
    """Export a draft (or a text file) as agreed, compilation or revision-marked text."""
    from app.errors import DomainError
    from app.exports import cli_service, service
    from app.exports.render import FORMATS

    if view not in ("agreed", "compilation", "revision"):
        _fail("--view must be agreed, compilation or revision")
    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    options = service.ExportOptions(view, fmt, version, against, force)  # type: ignore[arg-type]
    settings = get_settings()
    try:
        if Path(source).is_file():
            exported = cli_service.export_file(settings, Path(source), options)
        else:
            if user is None:
                _fail("exporting a stored draft needs --user")
            _migrate(settings.resolved_database_url)
            exported = cli_service.export(settings, source, user, options)
    except DomainError as exc:
        if exc.extra.get("open"):
            for item in exc.extra["open"][:20]:
                typer.echo(f"  line {item['line']}, column {item['column']}: {item['excerpt']}")
        _fail(exc.message)
    output.write_bytes(exported.content)
    typer.echo(f"wrote {output} ({len(exported.content)} bytes)")


@app.command("compile")
def compile_(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write")],
    proposal: Annotated[
        list[str], typer.Option(help="CODE:ACTION[:FILE], e.g. EGY:MOD:egy.docx; repeat")
    ],
    base: Annotated[Path | None, typer.Option(help="The text the proposals modify")] = None,
    view: Annotated[str, typer.Option(help="compilation|revision")] = "compilation",
    fmt: Annotated[str, typer.Option("--format", help="txt|md|html|docx|pdf|akn")] = "txt",
) -> None:
    """Compile ADD/MOD/SUP/NOC proposals into one bracketed text with attributions."""
    from app.errors import DomainError
    from app.exports import cli_service, service
    from app.exports.render import FORMATS

    if view not in ("compilation", "revision") or fmt not in FORMATS:
        _fail(f"--view must be compilation or revision; --format one of {', '.join(FORMATS)}")
    options = service.ExportOptions(view, fmt)  # type: ignore[arg-type]
    try:
        exported = cli_service.compile_files(get_settings(), base, proposal, options)
    except (DomainError, OSError) as exc:
        _fail(exc.message if isinstance(exc, DomainError) else str(exc))
    output.write_bytes(exported.content)
    typer.echo(f"wrote {output} ({exported.open_brackets} brackets)")


def _choice(enum: type[_E], value: str, option: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        _fail(f"--{option} must be one of {', '.join(e.value for e in enum)}")


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
