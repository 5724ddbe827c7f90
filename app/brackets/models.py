"""Brackets (each alternative is a bracket), sponsorships, positions and resolutions.

Bracket offsets live in the text itself; these rows carry identity and negotiation
metadata that the text cannot: who proposed a wording, who supports it, what the chair
decided.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedMixin, TimestampMixin, utcnow


class BracketStatus(StrEnum):
    open = "open"
    resolved = "resolved"
    ended = "ended"  # its delimiters were deleted by an edit


class BracketOrigin(StrEnum):
    text = "text"  # typed or imported
    proposal = "proposal"
    conflict = "conflict"  # produced by a concurrent-edit clash


class Stance(StrEnum):
    support = "support"
    oppose = "oppose"
    reservation = "reservation"


class SponsorRole(StrEnum):
    proposer = "proposer"
    cosponsor = "cosponsor"


class ResolutionAction(StrEnum):
    keep_alternative = "keep_alternative"
    delete = "delete"
    keep = "keep"
    reopen = "reopen"


class Bracket(TimestampMixin, Base):
    __tablename__ = "brackets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    status: Mapped[BracketStatus] = mapped_column(
        Enum(BracketStatus, native_enum=False, length=20), default=BracketStatus.open
    )
    origin: Mapped[BracketOrigin] = mapped_column(
        Enum(BracketOrigin, native_enum=False, length=20), default=BracketOrigin.text
    )
    created_revision: Mapped[int]
    ended_revision: Mapped[int | None]
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # Last known wording (inner text), refreshed when positions are taken or resolved.
    wording: Mapped[str] = mapped_column(Text, default="")


class Sponsorship(CreatedMixin, Base):
    """A delegation (or a regional group's signatory) proposing or co-sponsoring a wording."""

    __tablename__ = "sponsorships"

    id: Mapped[int] = mapped_column(primary_key=True)
    bracket_id: Mapped[str] = mapped_column(ForeignKey("brackets.id", ondelete="CASCADE"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"))
    regional_group_id: Mapped[int | None] = mapped_column(ForeignKey("regional_groups.id"))
    role: Mapped[SponsorRole] = mapped_column(Enum(SponsorRole, native_enum=False, length=20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Position(CreatedMixin, Base):
    """A delegation's stance on one wording. Append-only: the latest row is current."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    bracket_id: Mapped[str] = mapped_column(ForeignKey("brackets.id", ondelete="CASCADE"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"))
    stance: Mapped[Stance] = mapped_column(Enum(Stance, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(Text, default="")
    wording: Mapped[str] = mapped_column(Text)
    wording_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Resolution(CreatedMixin, Base):
    """A chair's decision on a bracket or group, with the tally at that moment."""

    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    bracket_id: Mapped[str] = mapped_column(ForeignKey("brackets.id", ondelete="CASCADE"))
    action: Mapped[ResolutionAction] = mapped_column(
        Enum(ResolutionAction, native_enum=False, length=20)
    )
    chosen_bracket_id: Mapped[str | None] = mapped_column(ForeignKey("brackets.id"))
    tally: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text_before: Mapped[str] = mapped_column(Text, default="")
    # The replaced range in the text at ``revision``, and the ids of the brackets it
    # held with their offsets relative to its start: what a reopening restores.
    start: Mapped[int | None]
    end: Mapped[int | None]
    members: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BracketCount(Base):
    """Open brackets, groups and options of a document at a revision, for plotting."""

    __tablename__ = "bracket_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int]
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    brackets: Mapped[int]
    groups: Mapped[int]
    options: Mapped[int]
