"""Importing a negotiating text (.txt, .md, .docx) into a new draft, or over the text of
an existing one. Bad files are refused before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.principal import Principal
from app.brackets.common import guard_locks
from app.config import Settings
from app.documents.models import DocumentKind, DraftDocument
from app.documents.schemas import DocumentCreate
from app.documents.service import create_document
from app.editing.pipeline import CommandContext
from app.editing.service import save_brackets
from app.engine.live import BracketDelta, LiveDocument
from app.engine.notation import parse
from app.engine.report import BracketReport, report_of
from app.engine.textdiff import diff_to_changes
from app.errors import Forbidden, InvalidInput, TooLarge
from app.exports.reading import ImportedText, ImportRejected, read_upload


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ImportLimits:
    max_bytes: int
    max_chars: int
    max_depth: int
    diff_timeout_s: float

    @classmethod
    def of(cls, settings: Settings) -> ImportLimits:
        return cls(
            max_bytes=settings.max_upload_bytes,
            max_chars=settings.max_document_chars,
            max_depth=settings.max_nesting_depth,
            diff_timeout_s=settings.diff_timeout_s,
        )


@dataclass(frozen=True, slots=True)
class Imported:
    document_id: int
    revision: int
    format: str
    warnings: tuple[str, ...]
    report: BracketReport
    changed: bool = True


def read(upload: Upload, limits: ImportLimits) -> ImportedText:
    """The file's text, or a clear refusal (InvalidInput / TooLarge with the reader's code)."""
    try:
        return read_upload(
            upload.filename, upload.data, max_bytes=limits.max_bytes, max_chars=limits.max_chars
        )
    except ImportRejected as exc:
        error = TooLarge if exc.code == "too_large" else InvalidInput
        raise error(f"{upload.filename}: {exc}", reason=exc.code) from exc


def import_new(
    db: Session,
    who: Principal,
    working_group_id: int,
    header: tuple[str, str, DocumentKind],
    upload: Upload,
    limits: ImportLimits,
) -> Imported:
    """A new draft in a working group holding the file's text, brackets identified."""
    imported = read(upload, limits)
    symbol, title, kind = header
    try:
        data = DocumentCreate(symbol=symbol, title=title, kind=kind, text=imported.text)
    except ValidationError as exc:
        raise InvalidInput(f"{upload.filename}: {exc.errors()[0]['msg']}") from exc
    document = create_document(db, who, working_group_id, data, limits.max_chars)
    live = identify_brackets(db, document, limits.max_depth)
    record(
        db,
        who,
        "document.import",
        "document",
        str(document.id),
        document.id,
        {"file": upload.filename[:200], "format": imported.format, "chars": len(live.text)},
    )
    return Imported(
        document.id, 0, imported.format, imported.warnings, report_of(live.parse_result)
    )


def identify_brackets(db: Session, document: DraftDocument, max_depth: int) -> LiveDocument:
    """Give every bracket of a new document its id and row now, with a snapshot at
    revision 0, so that the text as created can be compared with later."""
    live = LiveDocument(document.text, document.revision, max_depth=max_depth)
    save_brackets(db, document.id, live, BracketDelta(live.revision, live.brackets(), (), ()))
    return live


@dataclass(frozen=True, slots=True)
class ReplaceText:
    """A writer command: the document's text becomes the imported one, as one edit.

    The edit is the word-level difference, so brackets whose text is unchanged keep
    their ids (and their positions, proposers and history)."""

    text: str
    imported: ImportedText
    filename: str
    limits: ImportLimits

    def __call__(self, ctx: CommandContext) -> Imported:
        who, scope = ctx.principal, ctx.scope
        if not (who.chairs(scope.working_group_id) or who.is_secretariat(scope.conference_id)):
            raise Forbidden("only the secretariat or the group's chairs import over a draft")
        old = ctx.live.text
        changes = diff_to_changes(old, self.text, self.limits.diff_timeout_s)
        if not changes.is_empty:
            guard_locks(ctx, changes)
            ctx.edit(changes)
        record(
            ctx.db,
            who,
            "document.import",
            "document",
            str(scope.document_id),
            scope.document_id,
            {"file": self.filename[:200], "format": self.imported.format, "replaced": True},
        )
        result = parse(ctx.live.text, max_depth=self.limits.max_depth)
        return Imported(
            scope.document_id,
            ctx.live.revision,
            self.imported.format,
            self.imported.warnings,
            report_of(result),
            changed=not changes.is_empty,
        )
