"""Imports every ORM model so the metadata is complete (Alembic, tests)."""

from app.audit.models import AuditEntry
from app.auth.models import AuthSession, Invitation, RoleAssignment, User
from app.brackets.models import Bracket, BracketCount, Position, Resolution, Sponsorship
from app.conferences.models import Conference, RegionalGroup, WorkingGroup
from app.db.base import Base
from app.delegations.models import Delegation
from app.documents.models import DraftDocument, EditLogEntry, NamedRevision, Snapshot
from app.locks.models import ParagraphLock

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "Bracket",
    "BracketCount",
    "Conference",
    "Delegation",
    "DraftDocument",
    "EditLogEntry",
    "Invitation",
    "NamedRevision",
    "ParagraphLock",
    "Position",
    "RegionalGroup",
    "Resolution",
    "RoleAssignment",
    "Snapshot",
    "Sponsorship",
    "User",
    "WorkingGroup",
]
