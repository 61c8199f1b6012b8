"""daily digests: each person's chosen digest hour, and the key of the email that carries
each notification (NULL while it waits for its recipient's next digest)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("people", sa.Column("digest_hour", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_people_digest_hour_in_day"), "people", "digest_hour BETWEEN 0 AND 23"
    )
    op.add_column("notifications", sa.Column("email_key", sa.String(length=300), nullable=True))
    # Every notification so far was emailed alone, under its own key, as it came.
    op.execute("UPDATE notifications SET email_key = key")
    op.create_index(
        "ix_notifications_awaiting_email",
        "notifications",
        ["person_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("email_key IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_notifications_awaiting_email",
        table_name="notifications",
        postgresql_where=sa.text("email_key IS NULL"),
    )
    op.drop_column("notifications", "email_key")
    op.drop_constraint(op.f("ck_people_digest_hour_in_day"), "people", type_="check")
    op.drop_column("people", "digest_hour")
