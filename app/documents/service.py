"""Draft documents: listing, reading and creating. Live edits go through app.sync."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.principal import Principal
from app.conferences.models import WorkingGroup
from app.conferences.service import get_working_group
from app.documents.models import DraftDocument
from app.documents.schemas import BracketCounts, DocumentCreate, DocumentRead, DocumentSummary
from app.engine.report import BracketReport, bracket_report
from app.errors import Conflict, Forbidden, NotFound, TooLarge


def bracket_counts(text: str) -> BracketCounts:
    return counts_of(bracket_report(text))


def counts_of(report: BracketReport) -> BracketCounts:
    return BracketCounts(
        brackets=report["brackets"],
        groups=report["groups"],
        options=report["options"],
        unmatched_open=report["unmatched_open"],
        unmatched_close=report["unmatched_close"],
        max_depth=report["max_depth"],
        diagnostics=len(report["diagnostics"]),
    )


def list_documents(db: Session, who: Principal, working_group_id: int) -> list[DocumentSummary]:
    get_working_group(db, who, working_group_id)
    documents = db.scalars(
        select(DraftDocument)
        .where(DraftDocument.working_group_id == working_group_id)
        .order_by(DraftDocument.symbol)
    ).all()
    return [
        DocumentSummary.model_validate(d).model_copy(update={"counts": bracket_counts(d.text)})
        for d in documents
    ]


def get_document(
    db: Session, who: Principal, document_id: int
) -> tuple[DraftDocument, WorkingGroup]:
    document = db.get(DraftDocument, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    group = db.get(WorkingGroup, document.working_group_id)
    if group is None or not who.can_read_conference(group.conference_id):
        raise NotFound(f"no document {document_id}")
    return document, group


def read_document(db: Session, who: Principal, document_id: int) -> DocumentRead:
    document, group = get_document(db, who, document_id)
    return DocumentRead.model_validate(document).model_copy(
        update={
            "counts": bracket_counts(document.text),
            "can_edit": who.can_edit(group.conference_id, group.id),
        }
    )


def create_document(
    db: Session, who: Principal, working_group_id: int, data: DocumentCreate, max_chars: int
) -> DraftDocument:
    group = get_working_group(db, who, working_group_id)
    if not (who.chairs(group.id) or who.is_secretariat(group.conference_id)):
        raise Forbidden("only the secretariat or the group's chairs create documents")
    if len(data.text) > max_chars:
        raise TooLarge(f"documents are limited to {max_chars} characters")
    exists = db.scalar(
        select(DraftDocument.id).where(
            DraftDocument.working_group_id == group.id, DraftDocument.symbol == data.symbol
        )
    )
    if exists is not None:
        raise Conflict(f"{data.symbol} already exists in {group.code}")
    document = DraftDocument(
        working_group_id=group.id,
        symbol=data.symbol,
        title=data.title,
        kind=data.kind,
        text=data.text,
        revision=0,
    )
    db.add(document)
    db.flush()
    record(
        db,
        who,
        "document.create",
        "document",
        str(document.id),
        document.id,
        {"symbol": document.symbol},
    )
    return document
