from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import or_, select

from app.admin.access import administered
from app.api.deps import CurrentUser, SessionDep
from app.audit.models import AuditEntry
from app.auth.models import User
from app.conferences.models import WorkingGroup
from app.delegations.models import Delegation
from app.documents.models import DraftDocument, EditLogEntry
from app.documents.service import get_document
from app.errors import Forbidden

router = APIRouter(prefix="/api", tags=["audit"])


class AuditRead(BaseModel):
    at: datetime
    action: str
    object_type: str
    object_id: str
    user: str | None
    delegation: str | None
    detail: dict[str, Any]


@router.get("/documents/{document_id}/audit", response_model=list[AuditRead])
def document_audit(
    document_id: int, user: CurrentUser, db: SessionDep, limit: int = 500
) -> list[AuditRead]:
    """Every act on the document, edits included, newest first (secretariat, chairs)."""
    _document, group = get_document(db, user, document_id)
    if not (user.chairs(group.id) or user.is_secretariat(group.conference_id)):
        raise Forbidden("the audit log is for the secretariat and the chairs")
    limit = max(1, min(limit, 5000))
    names = _names(db)
    acts = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.document_id == document_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()
    edits = db.scalars(
        select(EditLogEntry)
        .where(EditLogEntry.document_id == document_id)
        .order_by(EditLogEntry.revision.desc())
        .limit(limit)
    ).all()
    rows = [_act(a, names) for a in acts] + [_edit(e, names) for e in edits]
    return sorted(rows, key=lambda r: r.at, reverse=True)[:limit]


@router.get("/audit", response_model=list[AuditRead])
def audit_log(user: CurrentUser, db: SessionDep, limit: int = 500) -> list[AuditRead]:
    """Administrative and negotiation acts, newest first: the global secretariat reads
    every conference's, a conference's secretariat its own conferences' only."""
    scope = administered(user)
    if scope is not None and not scope:
        raise Forbidden("the full audit log is for the secretariat")
    limit = max(1, min(limit, 5000))
    names = _names(db)
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if scope is not None:
        documents = (
            select(DraftDocument.id)
            .join(WorkingGroup, WorkingGroup.id == DraftDocument.working_group_id)
            .where(WorkingGroup.conference_id.in_(scope))
        )
        query = query.where(
            or_(AuditEntry.conference_id.in_(scope), AuditEntry.document_id.in_(documents))
        )
    return [_act(a, names) for a in db.scalars(query).all()]


def _names(db: SessionDep) -> dict[str, dict[int, str]]:
    users = db.execute(select(User.id, User.display_name)).all()
    delegations = db.execute(select(Delegation.id, Delegation.country_code)).all()
    return {"user": {i: n for i, n in users}, "delegation": {i: c for i, c in delegations}}


def _act(entry: AuditEntry, names: dict[str, dict[int, str]]) -> AuditRead:
    return AuditRead(
        at=entry.at,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        user=names["user"].get(entry.user_id or 0),
        delegation=names["delegation"].get(entry.delegation_id or 0),
        detail=entry.detail,
    )


def _edit(entry: EditLogEntry, names: dict[str, dict[int, str]]) -> AuditRead:
    inserted = sum(len(t) for _s, _e, t in entry.changes)
    deleted = sum(e - s for s, e, _t in entry.changes)
    return AuditRead(
        at=entry.created_at,
        action="text.edit",
        object_type="revision",
        object_id=str(entry.revision),
        user=names["user"].get(entry.user_id or 0),
        delegation=names["delegation"].get(entry.delegation_id or 0),
        detail={"inserted": inserted, "deleted": deleted, "conflicts": len(entry.conflicts or [])},
    )
