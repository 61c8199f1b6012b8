"""inadequate escalations: one Inadequate process per audit, with the review of the
practitioner's other cases and the three monthly reviews in supervision

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 13:39:31.855583
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inadequate_escalations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("practitioner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "stage",
            sa.Enum(
                "MODERATION",
                "ASSURANCE",
                "OTHER_CASES_REVIEW",
                "EXCEPTION_REPORT",
                "SUPERVISION_REVIEWS",
                "DESK_TOP_AUDIT",
                "CLOSED",
                "REGRADED",
                name="escalation_stage",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("audit_completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("qa_lead_id", sa.Uuid(), nullable=True),
        sa.Column("head_of_service_id", sa.Uuid(), nullable=True),
        sa.Column("moderation_id", sa.Uuid(), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hos_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "assurance_outcome",
            sa.Enum(
                "NOT_AT_RISK",
                "ACTIONS_TAKEN",
                name="assurance_outcome",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("assurance_detail", sa.Text(), nullable=True),
        sa.Column("assured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assured_by_id", sa.Uuid(), nullable=True),
        sa.Column("review_summary", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("report_html", sa.Text(), nullable=True),
        sa.Column("report_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report_sent_by_id", sa.Uuid(), nullable=True),
        sa.Column("desk_top_audit_id", sa.Uuid(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(stage IN ('CLOSED', 'REGRADED')) = (ended_at IS NOT NULL)",
            name=op.f("ck_inadequate_escalations_ended_when_over"),
        ),
        sa.ForeignKeyConstraint(
            ["assured_by_id"],
            ["people.id"],
            name=op.f("fk_inadequate_escalations_assured_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_inadequate_escalations_audit_id_audits")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_inadequate_escalations_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["desk_top_audit_id"],
            ["audits.id"],
            name=op.f("fk_inadequate_escalations_desk_top_audit_id_audits"),
        ),
        sa.ForeignKeyConstraint(
            ["head_of_service_id"],
            ["people.id"],
            name=op.f("fk_inadequate_escalations_head_of_service_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["moderation_id"],
            ["moderations.id"],
            name=op.f("fk_inadequate_escalations_moderation_id_moderations"),
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["people.id"],
            name=op.f("fk_inadequate_escalations_practitioner_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["qa_lead_id"], ["people.id"], name=op.f("fk_inadequate_escalations_qa_lead_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["report_sent_by_id"],
            ["people.id"],
            name=op.f("fk_inadequate_escalations_report_sent_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["people.id"],
            name=op.f("fk_inadequate_escalations_reviewed_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_inadequate_escalations_service_id_services"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_inadequate_escalations_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inadequate_escalations")),
        sa.UniqueConstraint("audit_id", name=op.f("uq_inadequate_escalations_audit_id")),
    )
    op.create_index(
        op.f("ix_inadequate_escalations_child_id"),
        "inadequate_escalations",
        ["child_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inadequate_escalations_service_id"),
        "inadequate_escalations",
        ["service_id"],
        unique=False,
    )
    op.create_index(
        "ix_inadequate_escalations_stage",
        "inadequate_escalations",
        ["stage", "started_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inadequate_escalations_team_id"),
        "inadequate_escalations",
        ["team_id"],
        unique=False,
    )
    op.create_table(
        "escalation_other_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("case_reference", sa.String(length=64), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "NO_CONCERNS",
                "CONCERNS_ADDRESSED",
                "INADEQUATE",
                name="other_case_outcome",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_escalation_other_cases_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["inadequate_escalations.id"],
            name=op.f("fk_escalation_other_cases_escalation_id_inadequate_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["people.id"],
            name=op.f("fk_escalation_other_cases_reviewed_by_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_other_cases")),
        sa.UniqueConstraint(
            "escalation_id",
            "child_id",
            name=op.f("uq_escalation_other_cases_escalation_id_child_id"),
        ),
    )
    op.create_index(
        op.f("ix_escalation_other_cases_escalation_id"),
        "escalation_other_cases",
        ["escalation_id"],
        unique=False,
    )
    op.create_table(
        "escalation_supervision_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "number BETWEEN 1 AND 3", name=op.f("ck_escalation_supervision_reviews_one_of_three")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["inadequate_escalations.id"],
            name=op.f("fk_escalation_supervision_reviews_escalation_id_inadequate_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["people.id"],
            name=op.f("fk_escalation_supervision_reviews_recorded_by_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_supervision_reviews")),
        sa.UniqueConstraint(
            "escalation_id",
            "number",
            name=op.f("uq_escalation_supervision_reviews_escalation_id_number"),
        ),
    )
    op.create_index(
        op.f("ix_escalation_supervision_reviews_escalation_id"),
        "escalation_supervision_reviews",
        ["escalation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_escalation_supervision_reviews_escalation_id"),
        table_name="escalation_supervision_reviews",
    )
    op.drop_table("escalation_supervision_reviews")
    op.drop_index(
        op.f("ix_escalation_other_cases_escalation_id"), table_name="escalation_other_cases"
    )
    op.drop_table("escalation_other_cases")
    op.drop_index(op.f("ix_inadequate_escalations_team_id"), table_name="inadequate_escalations")
    op.drop_index("ix_inadequate_escalations_stage", table_name="inadequate_escalations")
    op.drop_index(op.f("ix_inadequate_escalations_service_id"), table_name="inadequate_escalations")
    op.drop_index(op.f("ix_inadequate_escalations_child_id"), table_name="inadequate_escalations")
    op.drop_table("inadequate_escalations")
