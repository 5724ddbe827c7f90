"""Paragraphs agreed ad referendum: locked against edits from anyone but the chair."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedMixin


class ParagraphLock(CreatedMixin, Base):
    """A locked range. ``start``/``end`` are code points in the text at ``as_of_revision``;
    they are carried through later edits and refreshed at snapshots."""

    __tablename__ = "paragraph_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int]
    end: Mapped[int]
    as_of_revision: Mapped[int]
    locked_revision: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")  # the agreed wording
    locked_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
