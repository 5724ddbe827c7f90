"""Import, compilation and export over REST.

Handlers that parse files or render documents are CPU-bound: they run in the
threadpool (plain ``def``, or ``run_in_threadpool``), never on the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.config import Settings
from app.db.session import transaction
from app.documents.models import DocumentKind
from app.documents.service import counts_of
from app.errors import TooLarge
from app.exports import compilations, importing, service
from app.exports.render import ExportFormat
from app.exports.schemas import (
    AgreementRead,
    CompilationCreate,
    CompilationRead,
    ImportDiagnostic,
    ImportRead,
    OpenPlace,
)

router = APIRouter(prefix="/api", tags=["import and export"])
ViewParam = Literal["agreed", "compilation", "revision"]


@router.get(
    "/documents/{document_id}/export",
    responses={200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def export(
    document_id: int,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    view: ViewParam = "agreed",
    output: Annotated[ExportFormat, Query(alias="format")] = "txt",
    version: Annotated[str, Query(max_length=40, description="rev:N, r:K or current")] = "current",
    against: Annotated[
        str | None, Query(max_length=40, description="revision view: base, rev:N or r:K")
    ] = None,
    force: Annotated[bool, Query(description="agreed view even while brackets remain")] = False,
) -> Response:
    options = service.ExportOptions(view, output, version, against, force)
    renderer = request.app.state.exports
    exported = service.export_document(
        db, user, document_id, options, settings.diff_timeout_s, renderer
    )
    disposition = f"attachment; filename*=UTF-8''{quote(exported.filename)}"
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={
            "Content-Disposition": disposition,
            "X-Accord-Open-Brackets": str(exported.open_brackets),
        },
    )


@router.get("/documents/{document_id}/agreement", response_model=AgreementRead)
def read_agreement(document_id: int, user: CurrentUser, db: SessionDep) -> AgreementRead:
    """Whether the current text is agreed; if not, where every open place is."""
    revision, left = service.agreement(db, user, document_id)
    return AgreementRead(
        document_id=document_id,
        revision=revision,
        agreed=left.agreed,
        brackets=left.brackets,
        open=[
            OpenPlace(
                kind=i.kind,
                line=i.line,
                column=i.column,
                excerpt=i.excerpt,
                bracket_id=i.bracket_id,
            )
            for i in left.items
        ],
    )


@router.post(
    "/working-groups/{working_group_id}/documents/import",
    response_model=ImportRead,
    status_code=201,
)
async def import_new(
    working_group_id: int,
    request: Request,
    user: CurrentUser,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description=".txt, .md or .docx")],
    symbol: Annotated[str, Form(min_length=1, max_length=80)],
    title: Annotated[str, Form(min_length=1, max_length=500)],
    kind: Annotated[DocumentKind, Form()] = DocumentKind.resolution,
) -> ImportRead:
    upload = await _upload(file, settings)
    limits = importing.ImportLimits.of(settings)

    def work() -> importing.Imported:
        with transaction(request.app.state.session_factory) as db:
            header = (symbol, title, kind)
            return importing.import_new(db, user, working_group_id, header, upload, limits)

    return _import_read(await run_in_threadpool(work))


@router.post("/documents/{document_id}/import", response_model=ImportRead)
async def import_over(
    document_id: int,
    request: Request,
    user: CurrentUser,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description=".txt, .md or .docx")],
) -> ImportRead:
    """Replace the draft's text with the file's, as one live edit: brackets whose text
    is unchanged keep their ids, and everyone connected sees the change."""
    upload = await _upload(file, settings)
    limits = importing.ImportLimits.of(settings)
    imported = await run_in_threadpool(importing.read, upload, limits)
    room = await request.app.state.rooms.acquire_readable(document_id, user)
    command = importing.ReplaceText(imported.text, imported, upload.filename, limits)
    result: importing.Imported = await room.execute(user, command, _import_event)
    return _import_read(result)


def _import_event(imported: importing.Imported) -> dict[str, Any]:
    return {
        "kind": "import",
        "data": {
            "document_id": imported.document_id,
            "revision": imported.revision,
            "format": imported.format,
            "changed": imported.changed,
        },
    }


@router.post(
    "/working-groups/{working_group_id}/compilations",
    response_model=CompilationRead,
    status_code=201,
)
def compile_proposals(
    working_group_id: int,
    body: CompilationCreate,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
) -> CompilationRead:
    """A new draft compiling the proposals: where they differ, bracketed alternatives
    attributed to their proposers; where all agree, clean text."""
    return compilations.compile_document(
        db, user, working_group_id, body, settings.max_document_chars, settings.diff_timeout_s
    )


async def _upload(file: UploadFile, settings: Settings) -> importing.Upload:
    limit = settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"uploads are limited to {limit} bytes", reason="too_large")
    return importing.Upload(file.filename or "upload", data)


def _import_read(imported: importing.Imported) -> ImportRead:
    report = imported.report
    return ImportRead(
        document_id=imported.document_id,
        revision=imported.revision,
        format=imported.format,
        changed=imported.changed,
        warnings=list(imported.warnings),
        counts=counts_of(report),
        diagnostics=[
            ImportDiagnostic(
                line=d["line"], column=d["column"], kind=d["kind"], message=d["message"]
            )
            for d in report["diagnostics"]
        ],
    )
