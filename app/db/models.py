"""Imports every ORM model so the metadata is complete (Alembic, tests)."""

from app.audit.models import AuditEntry
from app.auth.models import RoleAssignment, User
from app.brackets.models import Bracket, Position, Resolution, Sponsorship
from app.conferences.models import Conference, RegionalGroup, WorkingGroup
from app.db.base import Base
from app.delegations.models import Delegation
from app.documents.models import DraftDocument, EditLogEntry, NamedRevision, Snapshot

__all__ = [
    "AuditEntry",
    "Base",
    "Bracket",
    "Conference",
    "Delegation",
    "DraftDocument",
    "EditLogEntry",
    "NamedRevision",
    "Position",
    "RegionalGroup",
    "Resolution",
    "RoleAssignment",
    "Snapshot",
    "Sponsorship",
    "User",
    "WorkingGroup",
]
