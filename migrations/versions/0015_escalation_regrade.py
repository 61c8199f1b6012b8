"""An Inadequate process ended by a regrade keeps the grade it was given and how (moderation
or an amendment before moderation), so that its exception report reads as withdrawn; and the
reviews in supervision still owed are due monthly from the exception report, not from the
confirmation

Revision ID: 0015_escalation_regrade
Revises: 0014_notification_link
Create Date: 2026-12-05 08:30:00.000000
"""

import calendar
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from domain.deadlines.calendar import WorkingCalendar, end_of_day, local_day

revision: str = "0015_escalation_regrade"
down_revision: str | None = "0014_notification_link"
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
    _redate_reviews_owed()


def _redate_reviews_owed() -> None:
    """Review k of a process whose report was sent is due k months after the report (it was
    k months after the confirmation): move the open ones (few rows: processes in supervision)."""
    bind = op.get_bind()
    closures = frozenset(bind.execute(sa.text("SELECT day FROM closure_days")).scalars())
    working = WorkingCalendar(closures=closures)
    owed = bind.execute(
        sa.text(
            """
            SELECT o.id, o.key, e.report_sent_at
              FROM obligations o
              JOIN inadequate_escalations e ON o.subject_id = e.id
             WHERE o.kind = 'SUPERVISION_REVIEW_DUE' AND o.state = 'OPEN'
               AND e.report_sent_at IS NOT NULL
            """
        )
    ).all()
    for obligation_id, key, sent_at in owed:
        number = int(key.rsplit(":", 1)[1])
        sent_on = local_day(sent_at)
        index = sent_on.month - 1 + number
        year, month = sent_on.year + index // 12, index % 12 + 1
        day = min(sent_on.day, calendar.monthrange(year, month)[1])
        due = working.working_days_after(date(year, month, day), 0)
        bind.execute(
            sa.text(
                "UPDATE obligations SET due_at = :due, next_reminder_at = created_at WHERE id = :id"
            ),
            {"due": end_of_day(due), "id": obligation_id},
        )


def downgrade() -> None:
    op.drop_column("inadequate_escalations", "regraded_by")
    op.drop_column("inadequate_escalations", "regraded_grade")
