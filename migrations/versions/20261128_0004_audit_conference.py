"""audit entries name their conference

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 17:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("conference_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_audit_log_conference_id"), ["conference_id"])
        batch.create_foreign_key(
            batch.f("fk_audit_log_conference_id_conferences"),
            "conferences",
            ["conference_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(batch.f("fk_audit_log_conference_id_conferences"), type_="foreignkey")
        batch.drop_index(batch.f("ix_audit_log_conference_id"))
        batch.drop_column("conference_id")
