"""document base text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("base_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("base_label", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("base_label")
        batch.drop_column("base_text")
