"""Users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, CreatedMixin, TimestampMixin
from app.delegations.models import Delegation


class AffiliationKind(StrEnum):
    ministry = "ministry"
    regulator = "regulator"
    company = "company"
    academia = "academia"
    civil_society = "civil_society"
    secretariat = "secretariat"
    other = "other"


class RoleName(StrEnum):
    secretariat = "secretariat"
    chair = "chair"
    vice_chair = "vice_chair"
    delegate = "delegate"
    observer = "observer"


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    affiliation_kind: Mapped[AffiliationKind] = mapped_column(
        Enum(AffiliationKind, native_enum=False, length=20), default=AffiliationKind.other
    )
    affiliation_name: Mapped[str] = mapped_column(String(200), default="")
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL")
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    delegation: Mapped[Delegation | None] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class RoleAssignment(TimestampMixin, Base):
    """A role, scoped to a conference (None: all) and for chairs to a working group."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "conference_id", "working_group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[RoleName] = mapped_column(Enum(RoleName, native_enum=False, length=20))
    conference_id: Mapped[int | None] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE")
    )
    working_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE")
    )

    user: Mapped[User] = relationship(back_populates="roles")


class AuthSession(CreatedMixin, Base):
    """A login. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(CreatedMixin, Base):
    """An invitation to create an account with one role; the link carries its signed id."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[RoleName] = mapped_column(Enum(RoleName, native_enum=False, length=20))
    conference_id: Mapped[int | None] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE")
    )
    working_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE")
    )
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="CASCADE")
    )
    affiliation_kind: Mapped[AffiliationKind] = mapped_column(
        Enum(AffiliationKind, native_enum=False, length=20), default=AffiliationKind.other
    )
    affiliation_name: Mapped[str] = mapped_column(String(200), default="")
    invited_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
