"""Delegations: a member state at a conference, the unit that takes positions."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.conferences.models import RegionalGroup
from app.db.base import Base, TimestampMixin

delegation_regional_groups = Table(
    "delegation_regional_groups",
    Base.metadata,
    Column("delegation_id", ForeignKey("delegations.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "regional_group_id",
        ForeignKey("regional_groups.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Delegation(TimestampMixin, Base):
    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("conference_id", "country_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    country_code: Mapped[str] = mapped_column(String(3))  # ISO 3166-1 alpha-3
    name: Mapped[str] = mapped_column(String(200))

    regional_groups: Mapped[list[RegionalGroup]] = relationship(
        secondary=delegation_regional_groups, order_by="RegionalGroup.code"
    )
