"""closure days: the authority's own days off, which are not working days

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:49:07.107944
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "closure_days",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_days")),
        sa.UniqueConstraint("day", name=op.f("uq_closure_days_day")),
    )


def downgrade() -> None:
    op.drop_table("closure_days")
