"""survey definitions: surveys and their versions, one per audience and version number; a
trigger keeps a published version as it was

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 15:09:58.652817
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("key", name=op.f("uq_surveys_key")),
    )
    op.create_table(
        "survey_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "CHILD_UNDER_8",
                "CHILD_8_TO_12",
                "CHILD_13_AND_OVER",
                "PARENT_CARER",
                "CARE_LEAVER",
                "STAFF",
                name="survey_audience",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Uuid(), nullable=True),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["people.id"],
            name=op.f("fk_survey_versions_published_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_versions_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_versions")),
        sa.UniqueConstraint(
            "survey_id",
            "audience",
            "version",
            name=op.f("uq_survey_versions_survey_id_audience_version"),
        ),
    )
    # A published version never changes: responses will keep the version they answered.
    op.execute(
        """
        CREATE FUNCTION survey_version_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'survey_versions are immutable once published';
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER survey_version_immutable BEFORE UPDATE ON survey_versions "
        "FOR EACH ROW EXECUTE FUNCTION survey_version_is_immutable()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS survey_version_immutable ON survey_versions")
    op.execute("DROP FUNCTION IF EXISTS survey_version_is_immutable()")
    op.drop_table("survey_versions")
    op.drop_table("surveys")
