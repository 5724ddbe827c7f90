"""Conferences, their committees and working groups, and regional groups."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, TimestampMixin


class GroupKind(StrEnum):
    committee = "committee"
    working_group = "working_group"
    ad_hoc = "ad_hoc"


class Conference(TimestampMixin, Base):
    __tablename__ = "conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    working_groups: Mapped[list[WorkingGroup]] = relationship(
        back_populates="conference", order_by="WorkingGroup.code"
    )


class WorkingGroup(TimestampMixin, Base):
    """A committee, working group or ad hoc group; owns draft documents."""

    __tablename__ = "working_groups"
    __table_args__ = (UniqueConstraint("conference_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[GroupKind] = mapped_column(
        Enum(GroupKind, native_enum=False, length=20), default=GroupKind.working_group
    )

    conference: Mapped[Conference] = relationship(back_populates="working_groups")


class RegionalGroup(TimestampMixin, Base):
    """APT, ATU, CEPT, CITEL, RCC, Arab States."""

    __tablename__ = "regional_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
