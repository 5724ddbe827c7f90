from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.engine.compare import to_html
from app.revisions import service
from app.revisions.schemas import ComparisonRead, RevisionCreate, RevisionRead, RevisionText

router = APIRouter(prefix="/api/documents/{document_id}", tags=["revisions"])

# Handlers are plain `def`: FastAPI runs them in its threadpool, off the event loop,
# which is where the diff of a comparison belongs.


@router.post("/revisions", response_model=RevisionRead, status_code=201)
def issue_revision(
    document_id: int, user: CurrentUser, db: SessionDep, body: RevisionCreate | None = None
) -> RevisionRead:
    return service.issue_revision(db, user, document_id, body or RevisionCreate())


@router.get("/revisions", response_model=list[RevisionRead])
def list_revisions(document_id: int, user: CurrentUser, db: SessionDep) -> list[RevisionRead]:
    return service.list_revisions(db, user, document_id)


@router.get("/revisions/{number}", response_model=RevisionText)
def read_revision(document_id: int, number: int, user: CurrentUser, db: SessionDep) -> RevisionText:
    return service.read_revision(db, user, document_id, number)


@router.get(
    "/compare",
    response_model=ComparisonRead,
    responses={200: {"content": {"text/html": {}}}},
)
def compare(
    document_id: int,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    from_: Annotated[str, Query(alias="from", max_length=40, description="rev:N, r:K or current")],
    to: Annotated[str, Query(max_length=40, description="rev:N, r:K or current")] = "current",
    output: Annotated[Literal["json", "html"], Query(alias="format")] = "json",
) -> ComparisonRead | Response:
    result = service.compare_versions(db, user, document_id, from_, to, settings.diff_timeout_s)
    if output == "html":
        return HTMLResponse(to_html(result.comparison))
    return service.comparison_read(result)
