"""An Inadequate process ended by a regrade keeps the grade it was given and how (moderation
or an amendment before moderation), so that its exception report reads as withdrawn

Revision ID: 0014_escalation_regrade
Revises: 0013
Create Date: 2026-12-05 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_escalation_regrade"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "inadequate_escalations",
        sa.Column(
            "regraded_grade",
            sa.Enum(
                "OUTSTANDING",
                "GOOD",
                "REQUIRES_IMPROVEMENT",
                "INADEQUATE",
                name="grade",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
    )
    op.add_column(
        "inadequate_escalations",
        sa.Column(
            "regraded_by",
            sa.Enum("MODERATION", "AMENDMENT", name="regraded_by", native_enum=False, length=40),
            nullable=True,
        ),
    )
    # Processes regraded before this revision: the grade their moderation gave.
    op.execute(
        """
        UPDATE inadequate_escalations e
           SET regraded_grade = m.moderated_overall_grade, regraded_by = 'MODERATION'
          FROM audits a
          JOIN LATERAL (
                SELECT moderated_overall_grade FROM moderations
                 WHERE audit_id = a.id ORDER BY moderated_at DESC LIMIT 1
               ) m ON true
         WHERE e.stage = 'REGRADED' AND a.id = e.audit_id
        """
    )


def downgrade() -> None:
    op.drop_column("inadequate_escalations", "regraded_by")
    op.drop_column("inadequate_escalations", "regraded_grade")
