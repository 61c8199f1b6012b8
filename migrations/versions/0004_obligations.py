"""obligations: what someone must do by when (an audit's auditor, an action's owner), the
source of truth for deadlines; open audits and actions already planned get theirs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:10:23.775972
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The end of a London day, as `domain.deadlines.calendar.end_of_day` computes it: the first
# moment of the next London day less one microsecond (the clocks never change at midnight).
END_OF_LONDON_DAY = (
    "(((%s + 1)::timestamp AT TIME ZONE 'Europe/London') - interval '1 microsecond')"
)


def upgrade() -> None:
    op.create_table(
        "obligations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "AUDIT_DUE", "ACTION_DUE", name="obligation_kind", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "OPEN", "DONE", "CANCELLED", name="obligation_state", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(state = 'OPEN') = (closed_at IS NULL)",
            name=op.f("ck_obligations_closed_at_when_closed"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["people.id"], name=op.f("fk_obligations_closed_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_obligations_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
        sa.UniqueConstraint("key", name=op.f("uq_obligations_key")),
    )
    op.create_index(
        "ix_obligations_open_due",
        "obligations",
        ["due_at"],
        unique=False,
        postgresql_where=sa.text("state = 'OPEN'"),
    )
    op.create_index(
        "ix_obligations_owner_state_due",
        "obligations",
        ["owner_id", "state", "due_at"],
        unique=False,
    )
    # Audits and actions still open when this runs are owed as if planned now, with the keys
    # the domain uses (`domain.deadlines.obligations.obligation_key`), due at the end of their
    # due date in London as `domain.deadlines.calendar.end_of_day` computes it: the first
    # moment of the next London day less a microsecond (the clocks never change at midnight).
    op.execute(
        "INSERT INTO obligations (id, kind, subject_type, subject_id, owner_id, due_at, state,"
        " key, created_at)"
        " SELECT gen_random_uuid(), 'AUDIT_DUE', 'Audit', id, auditor_id,"
        " ((due_date + 1)::timestamp AT TIME ZONE 'Europe/London') - interval '1 microsecond',"
        " 'OPEN', 'audit-due:' || id, now()"
        " FROM audits WHERE status IN ('PLANNED', 'IN_PROGRESS', 'SUBMITTED')"
    )
    op.execute(
        "INSERT INTO obligations (id, kind, subject_type, subject_id, owner_id, due_at, state,"
        " key, created_at)"
        " SELECT gen_random_uuid(), 'ACTION_DUE', 'AuditAction', id, owner_id,"
        " ((due_date + 1)::timestamp AT TIME ZONE 'Europe/London') - interval '1 microsecond',"
        " 'OPEN', 'action-due:' || id, now()"
        " FROM audit_actions WHERE done_at IS NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_obligations_owner_state_due", table_name="obligations")
    op.drop_index(
        "ix_obligations_open_due",
        table_name="obligations",
        postgresql_where=sa.text("state = 'OPEN'"),
    )
    op.drop_table("obligations")
