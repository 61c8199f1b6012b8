"""the compliments and complaints register: feedback records (with their themes) and the
stages each complaint reached in the statutory procedure

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 15:09:11.975077
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("COMPLIMENT", "COMPLAINT", name="feedback_kind", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "CHILD",
                "PARENT_CARER",
                "CARE_LEAVER",
                "PROFESSIONAL",
                "OTHER",
                name="feedback_source",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "COMMUNICATION",
                "QUALITY_OF_SERVICE",
                "STAFF_CONDUCT",
                "DELAY",
                "DECISION",
                "CONTACT_ARRANGEMENTS",
                "PLACEMENT",
                "OTHER",
                name="feedback_category",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("learning", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "STAGE_1",
                "STAGE_1_RESPONDED",
                "STAGE_2",
                "STAGE_2_RESPONDED",
                "STAGE_3",
                "CLOSED",
                "WITHDRAWN",
                name="complaint_status",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("responder_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'COMPLAINT') = (status IS NOT NULL)",
            name=op.f("ck_feedback_records_status_of_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_feedback_records_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["people.id"],
            name=op.f("fk_feedback_records_recorded_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["responder_id"], ["people.id"], name=op.f("fk_feedback_records_responder_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_feedback_records_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_feedback_records_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_records")),
    )
    op.create_index(
        op.f("ix_feedback_records_child_id"), "feedback_records", ["child_id"], unique=False
    )
    op.create_index(
        "ix_feedback_records_received", "feedback_records", ["received_on", "id"], unique=False
    )
    op.create_index(
        op.f("ix_feedback_records_responder_id"), "feedback_records", ["responder_id"], unique=False
    )
    op.create_index(
        op.f("ix_feedback_records_service_id"), "feedback_records", ["service_id"], unique=False
    )
    op.create_index(
        op.f("ix_feedback_records_team_id"), "feedback_records", ["team_id"], unique=False
    )
    op.create_table(
        "complaint_stages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("feedback_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column(
            "finding",
            sa.Enum(
                "UPHELD",
                "PARTLY_UPHELD",
                "NOT_UPHELD",
                name="complaint_finding",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("stage BETWEEN 1 AND 3", name=op.f("ck_complaint_stages_one_of_three")),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback_records.id"],
            name=op.f("fk_complaint_stages_feedback_id_feedback_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_complaint_stages_owner_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["people.id"],
            name=op.f("fk_complaint_stages_responded_by_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_stages")),
        sa.UniqueConstraint(
            "feedback_id", "stage", name=op.f("uq_complaint_stages_feedback_id_stage")
        ),
    )
    op.create_index(
        op.f("ix_complaint_stages_feedback_id"), "complaint_stages", ["feedback_id"], unique=False
    )
    op.create_table(
        "feedback_themes",
        sa.Column("feedback_id", sa.Uuid(), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback_records.id"],
            name=op.f("fk_feedback_themes_feedback_id_feedback_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_feedback_themes_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint("feedback_id", "theme_id", name=op.f("pk_feedback_themes")),
    )
    op.create_index(
        op.f("ix_feedback_themes_theme_id"), "feedback_themes", ["theme_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_themes_theme_id"), table_name="feedback_themes")
    op.drop_table("feedback_themes")
    op.drop_index(op.f("ix_complaint_stages_feedback_id"), table_name="complaint_stages")
    op.drop_table("complaint_stages")
    op.drop_index(op.f("ix_feedback_records_team_id"), table_name="feedback_records")
    op.drop_index(op.f("ix_feedback_records_service_id"), table_name="feedback_records")
    op.drop_index(op.f("ix_feedback_records_responder_id"), table_name="feedback_records")
    op.drop_index("ix_feedback_records_received", table_name="feedback_records")
    op.drop_index(op.f("ix_feedback_records_child_id"), table_name="feedback_records")
    op.drop_table("feedback_records")
