from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.principal import Principal


def record(
    db: Session,
    who: Principal | None,
    action: str,
    object_type: str,
    object_id: str,
    document_id: int | None = None,
    detail: dict[str, Any] | None = None,
    *,
    conference_id: int | None = None,
) -> None:
    db.add(
        AuditEntry(
            user_id=who.user_id if who else None,
            delegation_id=who.delegation_id if who else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            document_id=document_id,
            detail=detail or {},
            conference_id=conference_id,
        )
    )
