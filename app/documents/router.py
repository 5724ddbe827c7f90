from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.documents import service
from app.documents.schemas import DocumentCreate, DocumentRead, DocumentSummary

router = APIRouter(prefix="/api", tags=["documents"])


@router.get("/working-groups/{working_group_id}/documents", response_model=list[DocumentSummary])
def list_documents(
    working_group_id: int, user: CurrentUser, db: SessionDep
) -> list[DocumentSummary]:
    return service.list_documents(db, user, working_group_id)


@router.post(
    "/working-groups/{working_group_id}/documents", response_model=DocumentRead, status_code=201
)
def create_document(
    working_group_id: int,
    body: DocumentCreate,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
) -> DocumentRead:
    document = service.create_document(
        db, user, working_group_id, body, settings.max_document_chars
    )
    return service.read_document(db, user, document.id)


@router.get("/documents/{document_id}", response_model=DocumentRead)
def read_document(document_id: int, user: CurrentUser, db: SessionDep) -> DocumentRead:
    return service.read_document(db, user, document_id)
