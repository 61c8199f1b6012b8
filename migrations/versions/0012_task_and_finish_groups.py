"""Task and Finish Groups; a learning point comes from an audit or from a group (exactly one)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 16:12:33.714850

Downgrading deletes the learning recorded in groups (with its theme tags), since a learning
point must then belong to an audit again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_and_finish_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("chair_id", sa.Uuid(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= started_on",
            name=op.f("ck_task_and_finish_groups_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["people.id"], name=op.f("fk_task_and_finish_groups_chair_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_task_and_finish_groups_created_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_task_and_finish_groups_service_id_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_and_finish_groups")),
    )
    op.create_index(
        op.f("ix_task_and_finish_groups_chair_id"), "task_and_finish_groups", ["chair_id"]
    )
    op.create_index(
        op.f("ix_task_and_finish_groups_service_id"), "task_and_finish_groups", ["service_id"]
    )

    op.add_column(
        "learning_points", sa.Column("task_and_finish_group_id", sa.Uuid(), nullable=True)
    )
    op.alter_column("learning_points", "audit_id", existing_type=sa.UUID(), nullable=True)
    op.create_index(
        op.f("ix_learning_points_task_and_finish_group_id"),
        "learning_points",
        ["task_and_finish_group_id"],
    )
    op.create_foreign_key(
        op.f("fk_learning_points_task_and_finish_group_id_task_and_finish_groups"),
        "learning_points",
        "task_and_finish_groups",
        ["task_and_finish_group_id"],
        ["id"],
    )
    # Every existing point has its audit, so the constraint holds from the start.
    op.create_check_constraint(
        op.f("ck_learning_points_one_source"),
        "learning_points",
        "num_nonnulls(audit_id, task_and_finish_group_id) = 1",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_learning_points_one_source"), "learning_points", type_="check")
    op.execute("DELETE FROM learning_points WHERE audit_id IS NULL")
    op.drop_constraint(
        op.f("fk_learning_points_task_and_finish_group_id_task_and_finish_groups"),
        "learning_points",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_learning_points_task_and_finish_group_id"), table_name="learning_points")
    op.alter_column("learning_points", "audit_id", existing_type=sa.UUID(), nullable=False)
    op.drop_column("learning_points", "task_and_finish_group_id")
    op.drop_index(op.f("ix_task_and_finish_groups_service_id"), table_name="task_and_finish_groups")
    op.drop_index(op.f("ix_task_and_finish_groups_chair_id"), table_name="task_and_finish_groups")
    op.drop_table("task_and_finish_groups")
