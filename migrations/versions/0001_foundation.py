"""foundation: services, teams, people, role grants, children, history, worker heartbeats

History is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE on it unless the
session says it is a retention purge (SET LOCAL qaf.history_purge = 'on'), which the
retention work will use and nothing else does.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 10:48:14.375025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_multi_agency", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("name", name=op.f("uq_services_name")),
    )
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker_id", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeats")),
    )
    op.create_index(
        op.f("ix_worker_heartbeats_beat_at"), "worker_heartbeats", ["beat_at"], unique=False
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_teams_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("service_id", "name", name=op.f("uq_teams_service_id_name")),
    )
    op.create_index(op.f("ix_teams_service_id"), "teams", ["service_id"], unique=False)
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("line_manager_id", sa.Uuid(), nullable=True),
        sa.Column("partner_agency", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "line_manager_id IS NULL OR line_manager_id <> id",
            name=op.f("ck_people_not_own_manager"),
        ),
        sa.ForeignKeyConstraint(
            ["line_manager_id"], ["people.id"], name=op.f("fk_people_line_manager_id_people")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_people_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("subject", name=op.f("uq_people_subject")),
    )
    op.create_index(op.f("ix_people_line_manager_id"), "people", ["line_manager_id"], unique=False)
    op.create_index(op.f("ix_people_team_id"), "people", ["team_id"], unique=False)
    op.create_index(
        "uq_people_email_lower", "people", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_table(
        "children",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_reference", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("allocated_practitioner_id", sa.Uuid(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("child_in_need", sa.Boolean(), nullable=False),
        sa.Column("child_protection_plan_start", sa.Date(), nullable=True),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("care_leaver", sa.Boolean(), nullable=False),
        sa.Column("family_first", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocated_practitioner_id"],
            ["people.id"],
            name=op.f("fk_children_allocated_practitioner_id_people"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_children_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
        sa.UniqueConstraint("case_reference", name=op.f("uq_children_case_reference")),
    )
    op.create_index(
        op.f("ix_children_allocated_practitioner_id"),
        "children",
        ["allocated_practitioner_id"],
        unique=False,
    )
    op.create_index(op.f("ix_children_team_id"), "children", ["team_id"], unique=False)
    op.create_table(
        "history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_history_actor_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history")),
    )
    op.create_index(op.f("ix_history_action"), "history", ["action"], unique=False)
    op.create_index(op.f("ix_history_actor_id"), "history", ["actor_id"], unique=False)
    op.create_index("ix_history_object", "history", ["object_type", "object_id"], unique=False)
    op.create_index("ix_history_occurred_at_id", "history", ["occurred_at", "id"], unique=False)
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "DIRECTOR_OF_CHILDRENS_SERVICES",
                "ASSISTANT_EXECUTIVE_DIRECTOR",
                "PRINCIPAL_SOCIAL_WORKER",
                "HEAD_OF_SERVICE",
                "GROUP_MANAGER",
                "TEAM_MANAGER",
                "ASSISTANT_TEAM_MANAGER",
                "INDEPENDENT_REVIEWING_OFFICER",
                "QA_LEAD",
                "SAFEGUARDING_QAU_MANAGER",
                "PRACTITIONER",
                "PARTNER_AGENCY_MEMBER",
                "ADMINISTRATOR",
                name="role",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "scope",
            sa.Enum(
                "AUTHORITY", "SERVICE", "TEAM", name="scope_type", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(scope = 'AUTHORITY' AND service_id IS NULL AND team_id IS NULL) OR (scope = 'SERVICE' AND service_id IS NOT NULL AND team_id IS NULL) OR (scope = 'TEAM' AND team_id IS NOT NULL AND service_id IS NULL)",
            name=op.f("ck_role_grants_scope_matches_target"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_role_grants_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_role_grants_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_role_grants_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
        sa.UniqueConstraint(
            "person_id",
            "role",
            "scope",
            "service_id",
            "team_id",
            name=op.f("uq_role_grants_person_id_role_scope_service_id_team_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(op.f("ix_role_grants_person_id"), "role_grants", ["person_id"], unique=False)
    op.create_index(op.f("ix_role_grants_service_id"), "role_grants", ["service_id"], unique=False)
    op.create_index(op.f("ix_role_grants_team_id"), "role_grants", ["team_id"], unique=False)
    op.execute(
        """
        CREATE FUNCTION history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF coalesce(current_setting('qaf.history_purge', true), '') = 'on' THEN
                IF TG_OP = 'UPDATE' THEN
                    RETURN NEW;
                END IF;
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'history is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history "
        "FOR EACH ROW EXECUTE FUNCTION history_is_append_only()"
    )
    op.execute(
        "CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history "
        "FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS history_no_truncate ON history")
    op.execute("DROP TRIGGER IF EXISTS history_append_only ON history")
    op.execute("DROP FUNCTION IF EXISTS history_is_append_only()")
    op.drop_index(op.f("ix_role_grants_team_id"), table_name="role_grants")
    op.drop_index(op.f("ix_role_grants_service_id"), table_name="role_grants")
    op.drop_index(op.f("ix_role_grants_person_id"), table_name="role_grants")
    op.drop_table("role_grants")
    op.drop_index("ix_history_occurred_at_id", table_name="history")
    op.drop_index("ix_history_object", table_name="history")
    op.drop_index(op.f("ix_history_actor_id"), table_name="history")
    op.drop_index(op.f("ix_history_action"), table_name="history")
    op.drop_table("history")
    op.drop_index(op.f("ix_children_team_id"), table_name="children")
    op.drop_index(op.f("ix_children_allocated_practitioner_id"), table_name="children")
    op.drop_table("children")
    op.drop_index("uq_people_email_lower", table_name="people")
    op.drop_index(op.f("ix_people_team_id"), table_name="people")
    op.drop_index(op.f("ix_people_line_manager_id"), table_name="people")
    op.drop_table("people")
    op.drop_index(op.f("ix_teams_service_id"), table_name="teams")
    op.drop_table("teams")
    op.drop_index(op.f("ix_worker_heartbeats_beat_at"), table_name="worker_heartbeats")
    op.drop_table("worker_heartbeats")
    op.drop_table("services")
