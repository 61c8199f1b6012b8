"""Notifications keep the front-end path of what they are about (their link)

Revision ID: 0014_notification_link
Revises: 0013
Create Date: 2026-12-05 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_notification_link"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("link_path", sa.String(300), nullable=True))


def downgrade() -> None:
    op.drop_column("notifications", "link_path")
