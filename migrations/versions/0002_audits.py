"""audits: templates, themes, programme months, samples, benchmark rounds, audits, grades,
moderation, actions, learning points and domain events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 11:06:11.704065
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
    )
    op.create_index(
        "ix_domain_events_object", "domain_events", ["object_type", "object_id"], unique=False
    )
    op.create_index(
        "ix_domain_events_unprocessed",
        "domain_events",
        ["name"],
        unique=False,
        postgresql_where="processed_at IS NULL",
    )
    op.create_table(
        "programme_months",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_months")),
        sa.UniqueConstraint("month", name=op.f("uq_programme_months_month")),
    )
    op.create_table(
        "themes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "THEME",
                "COHORT",
                "ASPECT_OF_PRACTICE",
                name="theme_kind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_themes_kind_name")),
    )
    op.create_table(
        "audit_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "CASE_FILE",
                "THEMATIC",
                "BENCHMARKING",
                "SUPERVISION",
                "PEER",
                "DIP_SAMPLE",
                "DESK_TOP",
                "MULTI_AGENCY",
                "EXTERNAL",
                name="audit_kind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sections", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Uuid(), nullable=True),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["people.id"],
            name=op.f("fk_audit_templates_published_by_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_templates")),
        sa.UniqueConstraint("kind", "version", name=op.f("uq_audit_templates_kind_version")),
    )
    op.create_table(
        "auditor_expectations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("programme_month_id", sa.Uuid(), nullable=False),
        sa.Column("auditor_id", sa.Uuid(), nullable=False),
        sa.Column("expected_audits", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "expected_audits >= 0", name=op.f("ck_auditor_expectations_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["people.id"], name=op.f("fk_auditor_expectations_auditor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["programme_month_id"],
            ["programme_months.id"],
            name=op.f("fk_auditor_expectations_programme_month_id_programme_months"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auditor_expectations")),
        sa.UniqueConstraint(
            "programme_month_id",
            "auditor_id",
            name=op.f("uq_auditor_expectations_programme_month_id_auditor_id"),
        ),
    )
    op.create_index(
        op.f("ix_auditor_expectations_auditor_id"),
        "auditor_expectations",
        ["auditor_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_auditor_expectations_programme_month_id"),
        "auditor_expectations",
        ["programme_month_id"],
        unique=False,
    )
    op.create_table(
        "samples",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("programme_month_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "CASE_FILE",
                "THEMATIC",
                "BENCHMARKING",
                "SUPERVISION",
                "PEER",
                "DIP_SAMPLE",
                "DESK_TOP",
                "MULTI_AGENCY",
                "EXTERNAL",
                name="audit_kind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("criteria", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("requested_count", sa.Integer(), nullable=True),
        sa.Column("requested_percentage", sa.Integer(), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("include_recently_audited", sa.Boolean(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("drawn_child_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_samples_created_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["programme_month_id"],
            ["programme_months.id"],
            name=op.f("fk_samples_programme_month_id_programme_months"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
    )
    op.create_index(
        op.f("ix_samples_programme_month_id"), "samples", ["programme_month_id"], unique=False
    )
    op.create_table(
        "benchmark_rounds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "agreed_overall_grade",
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
        sa.Column("agreed_section_grades", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("agreed_rationale", sa.Text(), nullable=True),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agreed_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreed_by_id"], ["people.id"], name=op.f("fk_benchmark_rounds_agreed_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_benchmark_rounds_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_benchmark_rounds_created_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benchmark_rounds")),
    )
    op.create_index(
        op.f("ix_benchmark_rounds_child_id"), "benchmark_rounds", ["child_id"], unique=False
    )
    op.create_table(
        "audits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "CASE_FILE",
                "THEMATIC",
                "BENCHMARKING",
                "SUPERVISION",
                "PEER",
                "DIP_SAMPLE",
                "DESK_TOP",
                "MULTI_AGENCY",
                "EXTERNAL",
                name="audit_kind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "PLANNED",
                "IN_PROGRESS",
                "SUBMITTED",
                "COMPLETED",
                "CANCELLED",
                name="audit_status",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("auditor_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("subject_practitioner_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("programme_month_id", sa.Uuid(), nullable=True),
        sa.Column("sample_id", sa.Uuid(), nullable=True),
        sa.Column("benchmark_round_id", sa.Uuid(), nullable=True),
        sa.Column("trigger_key", sa.String(length=120), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("supervisor_id", sa.Uuid(), nullable=True),
        sa.Column("supervision_forum", sa.String(length=200), nullable=True),
        sa.Column("external_reviewer", sa.String(length=200), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "overall_grade",
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
        sa.Column("overall_rationale", sa.Text(), nullable=True),
        sa.Column(
            "moderated_overall_grade",
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
        sa.Column("conversation_date", sa.Date(), nullable=True),
        sa.Column("practitioner_reflections", sa.Text(), nullable=True),
        sa.Column(
            "practitioner_agreement",
            sa.Enum(
                "AGREE", "PARTLY_AGREE", "DISAGREE", name="agreement", native_enum=False, length=40
            ),
            nullable=True,
        ),
        sa.Column("voices", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["people.id"], name=op.f("fk_audits_auditor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["benchmark_round_id"],
            ["benchmark_rounds.id"],
            name=op.f("fk_audits_benchmark_round_id_benchmark_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_audits_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["programme_month_id"],
            ["programme_months.id"],
            name=op.f("fk_audits_programme_month_id_programme_months"),
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_audits_sample_id_samples")
        ),
        sa.ForeignKeyConstraint(
            ["subject_practitioner_id"],
            ["people.id"],
            name=op.f("fk_audits_subject_practitioner_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["people.id"], name=op.f("fk_audits_supervisor_id_people")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_audits_team_id_teams")),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["audit_templates.id"],
            name=op.f("fk_audits_template_id_audit_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audits")),
    )
    op.create_index(
        "ix_audits_auditor_status_due", "audits", ["auditor_id", "status", "due_date"], unique=False
    )
    op.create_index(
        op.f("ix_audits_benchmark_round_id"), "audits", ["benchmark_round_id"], unique=False
    )
    op.create_index(
        "ix_audits_child_completed", "audits", ["child_id", "completed_at"], unique=False
    )
    op.create_index(
        op.f("ix_audits_programme_month_id"), "audits", ["programme_month_id"], unique=False
    )
    op.create_index(op.f("ix_audits_sample_id"), "audits", ["sample_id"], unique=False)
    op.create_index(
        op.f("ix_audits_subject_practitioner_id"),
        "audits",
        ["subject_practitioner_id"],
        unique=False,
    )
    op.create_index("ix_audits_team_completed", "audits", ["team_id", "completed_at"], unique=False)
    op.create_index(
        "uq_audits_trigger_auditor",
        "audits",
        ["trigger_key", "auditor_id"],
        unique=True,
        postgresql_where="trigger_key IS NOT NULL",
    )
    op.create_table(
        "audit_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_audit_actions_audit_id_audits")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_audit_actions_created_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_audit_actions_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_actions")),
    )
    op.create_index(op.f("ix_audit_actions_audit_id"), "audit_actions", ["audit_id"], unique=False)
    op.create_index(op.f("ix_audit_actions_owner_id"), "audit_actions", ["owner_id"], unique=False)
    op.create_table(
        "audit_section_grades",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("section_key", sa.String(length=60), nullable=False),
        sa.Column(
            "grade",
            sa.Enum(
                "OUTSTANDING",
                "GOOD",
                "REQUIRES_IMPROVEMENT",
                "INADEQUATE",
                name="grade",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column(
            "moderated_grade",
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
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_audit_section_grades_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_section_grades")),
        sa.UniqueConstraint(
            "audit_id", "section_key", name=op.f("uq_audit_section_grades_audit_id_section_key")
        ),
    )
    op.create_index(
        op.f("ix_audit_section_grades_audit_id"), "audit_section_grades", ["audit_id"], unique=False
    )
    op.create_table(
        "audit_themes",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_audit_themes_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_audit_themes_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint("audit_id", "theme_id", name=op.f("pk_audit_themes")),
    )
    op.create_index(op.f("ix_audit_themes_theme_id"), "audit_themes", ["theme_id"], unique=False)
    op.create_table(
        "learning_points",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("is_strength", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_learning_points_audit_id_audits")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_learning_points_created_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_points")),
    )
    op.create_index(
        op.f("ix_learning_points_audit_id"), "learning_points", ["audit_id"], unique=False
    )
    op.create_table(
        "moderations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("moderator_id", sa.Uuid(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "CONFIRMED", "REGRADED", name="moderation_outcome", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "original_overall_grade",
            sa.Enum(
                "OUTSTANDING",
                "GOOD",
                "REQUIRES_IMPROVEMENT",
                "INADEQUATE",
                name="grade",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "moderated_overall_grade",
            sa.Enum(
                "OUTSTANDING",
                "GOOD",
                "REQUIRES_IMPROVEMENT",
                "INADEQUATE",
                name="grade",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("section_grades", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_moderations_audit_id_audits")
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["people.id"], name=op.f("fk_moderations_moderator_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderations")),
    )
    op.create_index(op.f("ix_moderations_audit_id"), "moderations", ["audit_id"], unique=False)
    op.create_table(
        "learning_point_themes",
        sa.Column("learning_point_id", sa.Uuid(), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learning_point_id"],
            ["learning_points.id"],
            name=op.f("fk_learning_point_themes_learning_point_id_learning_points"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_learning_point_themes_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint(
            "learning_point_id", "theme_id", name=op.f("pk_learning_point_themes")
        ),
    )
    op.create_index(
        op.f("ix_learning_point_themes_theme_id"),
        "learning_point_themes",
        ["theme_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_learning_point_themes_theme_id"), table_name="learning_point_themes")
    op.drop_table("learning_point_themes")
    op.drop_index(op.f("ix_moderations_audit_id"), table_name="moderations")
    op.drop_table("moderations")
    op.drop_index(op.f("ix_learning_points_audit_id"), table_name="learning_points")
    op.drop_table("learning_points")
    op.drop_index(op.f("ix_audit_themes_theme_id"), table_name="audit_themes")
    op.drop_table("audit_themes")
    op.drop_index(op.f("ix_audit_section_grades_audit_id"), table_name="audit_section_grades")
    op.drop_table("audit_section_grades")
    op.drop_index(op.f("ix_audit_actions_owner_id"), table_name="audit_actions")
    op.drop_index(op.f("ix_audit_actions_audit_id"), table_name="audit_actions")
    op.drop_table("audit_actions")
    op.drop_index(
        "uq_audits_trigger_auditor", table_name="audits", postgresql_where="trigger_key IS NOT NULL"
    )
    op.drop_index("ix_audits_team_completed", table_name="audits")
    op.drop_index(op.f("ix_audits_subject_practitioner_id"), table_name="audits")
    op.drop_index(op.f("ix_audits_sample_id"), table_name="audits")
    op.drop_index(op.f("ix_audits_programme_month_id"), table_name="audits")
    op.drop_index("ix_audits_child_completed", table_name="audits")
    op.drop_index(op.f("ix_audits_benchmark_round_id"), table_name="audits")
    op.drop_index("ix_audits_auditor_status_due", table_name="audits")
    op.drop_table("audits")
    op.drop_index(op.f("ix_benchmark_rounds_child_id"), table_name="benchmark_rounds")
    op.drop_table("benchmark_rounds")
    op.drop_index(op.f("ix_samples_programme_month_id"), table_name="samples")
    op.drop_table("samples")
    op.drop_index(
        op.f("ix_auditor_expectations_programme_month_id"), table_name="auditor_expectations"
    )
    op.drop_index(op.f("ix_auditor_expectations_auditor_id"), table_name="auditor_expectations")
    op.drop_table("auditor_expectations")
    op.drop_table("audit_templates")
    op.drop_table("themes")
    op.drop_table("programme_months")
    op.drop_index(
        "ix_domain_events_unprocessed",
        table_name="domain_events",
        postgresql_where="processed_at IS NULL",
    )
    op.drop_index("ix_domain_events_object", table_name="domain_events")
    op.drop_table("domain_events")
