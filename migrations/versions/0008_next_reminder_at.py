"""obligations.next_reminder_at: when the sweep should look at an obligation next, so that the
sweep reads only what may have a reminder due (fully reminded obligations cost it nothing)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "obligations", sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Every open obligation is looked at by the next sweep, which works out its next moment.
    op.execute("UPDATE obligations SET next_reminder_at = created_at WHERE state = 'OPEN'")
    op.create_index(
        "ix_obligations_next_reminder",
        "obligations",
        ["next_reminder_at"],
        unique=False,
        postgresql_where=sa.text("state = 'OPEN' AND next_reminder_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_obligations_next_reminder",
        table_name="obligations",
        postgresql_where=sa.text("state = 'OPEN' AND next_reminder_at IS NOT NULL"),
    )
    op.drop_column("obligations", "next_reminder_at")
