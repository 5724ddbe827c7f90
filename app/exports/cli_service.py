"""Import and export from the command line, acting as a named user so that the same
authority checks and audit trail apply as over REST."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import User
from app.auth.principal import Principal
from app.auth.service import principal_of
from app.conferences.models import Conference, WorkingGroup
from app.config import Settings
from app.db.session import make_engine, make_session_factory, transaction
from app.documents.models import DocumentKind, DraftDocument
from app.editing.pipeline import DocumentWriter, WriterLimits
from app.engine.compilation import CompilationError, Proposal, compile_proposals
from app.engine.layout_model import ExportMeta
from app.errors import InvalidInput, NotFound
from app.exports import importing, service

_T = TypeVar("_T")


def _with_factory(settings: Settings, work: Callable[[sessionmaker[Session]], _T]) -> _T:
    engine = make_engine(settings.resolved_database_url)
    try:
        return work(make_session_factory(engine))
    finally:
        engine.dispose()


def principal_named(db: Session, username: str) -> Principal:
    user = db.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise NotFound(f"no active user {username}")
    return principal_of(user)


def find_document(db: Session, reference: str) -> DraftDocument:
    """A document by id, or by symbol when the symbol is unique."""
    if reference.isdigit():
        document = db.get(DraftDocument, int(reference))
        if document is not None:
            return document
    found = db.scalars(select(DraftDocument).where(DraftDocument.symbol == reference)).all()
    if len(found) > 1:
        raise InvalidInput(f"{reference} names {len(found)} documents: give its id")
    if not found:
        raise NotFound(f"no document {reference}")
    return found[0]


def import_new(
    settings: Settings,
    path: Path,
    username: str,
    where: tuple[str, str],
    header: tuple[str, str, DocumentKind],
) -> importing.Imported:
    upload = importing.Upload(path.name, path.read_bytes())
    conference_code, group_code = where

    def work(factory: sessionmaker[Session]) -> importing.Imported:
        with transaction(factory) as db:
            who = principal_named(db, username)
            group = db.scalar(
                select(WorkingGroup)
                .join(Conference, Conference.id == WorkingGroup.conference_id)
                .where(Conference.code == conference_code, WorkingGroup.code == group_code)
            )
            if group is None:
                raise NotFound(f"no working group {group_code} at {conference_code}")
            return importing.import_new(
                db, who, group.id, header, upload, importing.ImportLimits.of(settings)
            )

    return _with_factory(settings, work)


def import_over(
    settings: Settings, path: Path, username: str, reference: str
) -> importing.Imported:
    """Replace a draft's text through the document's writer, as the server would: a
    running server picks the edit up from the edit log."""
    upload = importing.Upload(path.name, path.read_bytes())
    limits = importing.ImportLimits.of(settings)
    imported = importing.read(upload, limits)

    def work(factory: sessionmaker[Session]) -> importing.Imported:
        with transaction(factory) as db:
            who = principal_named(db, username)
            document_id = find_document(db, reference).id
        # shared: a server may be writing to the same database
        writer = DocumentWriter(factory, document_id, WriterLimits.of(settings, shared=True))
        writer.load()
        command = importing.ReplaceText(imported.text, imported, path.name, limits)
        return writer.execute(who, command).value

    return _with_factory(settings, work)


def export(
    settings: Settings, reference: str, username: str, options: service.ExportOptions
) -> service.Exported:
    def work(factory: sessionmaker[Session]) -> service.Exported:
        with transaction(factory) as db:
            who = principal_named(db, username)
            document_id = find_document(db, reference).id
            return service.export_document(db, who, document_id, options, settings.diff_timeout_s)

    return _with_factory(settings, work)


def export_file(settings: Settings, path: Path, options: service.ExportOptions) -> service.Exported:
    """Export a text file that is not stored: no ids, proposers or versions."""
    if options.view == "revision":
        raise InvalidInput("a revision-marked export needs a stored draft to compare with")
    upload = importing.Upload(path.name, path.read_bytes())
    text = importing.read(upload, importing.ImportLimits.of(settings)).text
    meta = ExportMeta(symbol=path.stem, title=path.stem)
    return service.export_text(text, meta, options, settings.diff_timeout_s)


def compile_files(
    settings: Settings,
    base: Path | None,
    proposal_specs: list[str],
    options: service.ExportOptions,
) -> service.Exported:
    """Compile proposals given as ``CODE:ACTION[:FILE]`` (``EGY:MOD:egy.docx``,
    ``RUS:SUP``, ``CAN:NOC``) against a base file, and export the compilation."""
    limits = importing.ImportLimits.of(settings)
    base_text = _file_text(base, limits) if base is not None else ""
    proposals = [_proposal(spec, limits) for spec in proposal_specs]
    try:
        compiled = compile_proposals(base_text, proposals, timeout_s=settings.diff_timeout_s)
    except CompilationError as exc:
        raise InvalidInput(str(exc)) from exc
    ids: dict[tuple[int, int], str] = {}
    notes: dict[str, str] = {}
    for number, place in enumerate(compiled.places):
        omitted = [proposals[i].proposer for i in place.omitted_by]
        for member, option in enumerate(place.options):
            bracket_id = f"p{number}-{member}"
            ids[(option.start, option.end - 1)] = bracket_id
            by: dict[str | None, list[str]] = {
                None: [proposals[i].proposer for i in option.proposers]
            }
            last = member == len(place.options) - 1
            notes[bracket_id] = service.attribution_note(by, [], omitted if last else [])
    name = base.stem if base is not None else "compilation"
    meta = ExportMeta(symbol=name, title=name)
    source = service.ExportSource(meta, compiled.text, ids, notes, base_text)
    return service.export_source(source, options, settings.diff_timeout_s)


def _file_text(path: Path, limits: importing.ImportLimits) -> str:
    return importing.read(importing.Upload(path.name, path.read_bytes()), limits).text


def _proposal(spec: str, limits: importing.ImportLimits) -> Proposal:
    code, _, rest = spec.partition(":")
    action, _, file = rest.partition(":")
    action = action.upper()
    if not code or action not in ("ADD", "MOD", "SUP", "NOC"):
        raise InvalidInput(
            f"{spec!r}: write a proposal as CODE:ACTION[:FILE], e.g. EGY:MOD:egy.txt"
        )
    if action in ("ADD", "MOD") and not file:
        raise InvalidInput(f"{spec!r}: {action} needs the file of the proposed text")
    text = _file_text(Path(file), limits) if file else ""
    return Proposal(code.upper(), action, text)  # type: ignore[arg-type]
