"""Draft documents, their append-only edit log, snapshots and named revisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedMixin, TimestampMixin, utcnow


class DocumentKind(StrEnum):
    resolution = "resolution"
    decision = "decision"
    recommendation = "recommendation"
    report = "report"
    other = "other"


class DraftDocument(TimestampMixin, Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("working_group_id", "symbol"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    working_group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE")
    )
    symbol: Mapped[str] = mapped_column(String(80))  # e.g. WG-PL/DT/12
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[DocumentKind] = mapped_column(
        Enum(DocumentKind, native_enum=False, length=20), default=DocumentKind.resolution
    )
    text: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(default=0)
    # The text this draft modifies (an existing resolution), when it was compiled from
    # proposals against one: revision marks are shown against it, as in MOD proposals.
    base_text: Mapped[str | None] = mapped_column(Text)
    base_label: Mapped[str | None] = mapped_column(String(200))


class EditLogEntry(Base):
    """One accepted edit. Append-only: the document is the fold of its log."""

    __tablename__ = "edit_log"
    __table_args__ = (
        UniqueConstraint("document_id", "revision"),
        # Idempotency: a client edit id is applied at most once per author and document.
        UniqueConstraint("document_id", "user_id", "client_edit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    revision: Mapped[int]
    base_revision: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL")
    )
    client_edit_id: Mapped[str | None] = mapped_column(String(64))
    # Replacements [start, end, text] in code points against the previous revision.
    changes: Mapped[list[Any]] = mapped_column(JSON)
    conflicts: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Snapshot(CreatedMixin, Base):
    """Text and bracket identities at a revision, so loading needs only a short replay."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("document_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    revision: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    brackets: Mapped[list[Any]] = mapped_column(JSON, default=list)


class NamedRevision(CreatedMixin, Base):
    """A frozen revision issued by the chair, e.g. ``WG-PL/DT/12 Rev.2``."""

    __tablename__ = "named_revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    revision: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    issued_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


Index("ix_edit_log_document_created", EditLogEntry.document_id, EditLogEntry.created_at)
