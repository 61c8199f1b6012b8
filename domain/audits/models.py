"""Audit templates, the programme and its samples, audits of every kind, their grades,
moderation, benchmarking rounds, actions and learning points."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.audits.kinds import (
    Agreement,
    AuditKind,
    AuditStatus,
    Grade,
    ModerationOutcome,
    ThemeKind,
)
from domain.core.db import Base
from domain.people.models import Person, Team


def _enum(cls: type[Any], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=40)


class Theme(Base):
    """A theme, cohort or aspect of practice that thematic audits and learning are tagged with."""

    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[ThemeKind] = mapped_column(_enum(ThemeKind, "theme_kind"))
    name: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


audit_themes = Table(
    "audit_themes",
    Base.metadata,
    Column("audit_id", ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True, index=True),
)

learning_point_themes = Table(
    "learning_point_themes",
    Base.metadata,
    Column(
        "learning_point_id", ForeignKey("learning_points.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True, index=True),
)


class AuditTemplate(Base):
    """One version of the template for a kind of audit. A version never changes once
    published; an audit keeps the version it was started with."""

    __tablename__ = "audit_templates"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[AuditKind] = mapped_column(_enum(AuditKind, "audit_kind"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    # [{key, title, graded, questions: [{key, text, type, required, help}]}]; section keys are
    # stable across versions so that reports line up by section.
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    published_at: Mapped[datetime]
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    change_note: Mapped[str | None] = mapped_column(Text)


class ProgrammeMonth(Base):
    """A month of the audit programme: its themes and notes, and each auditor's expectation."""

    __tablename__ = "programme_months"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    month: Mapped[date] = mapped_column(unique=True)  # the first day of the month
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AuditorExpectation(Base):
    __tablename__ = "auditor_expectations"
    __table_args__ = (
        UniqueConstraint("programme_month_id", "auditor_id"),
        CheckConstraint("expected_audits >= 0", name="not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    programme_month_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme_months.id", ondelete="CASCADE"), index=True
    )
    auditor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    expected_audits: Mapped[int] = mapped_column(Integer)


class Sample(Base):
    """A draw of cases for the programme: the filter, the size asked for and the seed, so the
    same seed over the same cases gives the same sample."""

    __tablename__ = "samples"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    programme_month_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme_months.id"), index=True
    )
    kind: Mapped[AuditKind] = mapped_column(_enum(AuditKind, "audit_kind"))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSONB)
    requested_count: Mapped[int | None] = mapped_column(Integer)
    requested_percentage: Mapped[int | None] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    include_recently_audited: Mapped[bool] = mapped_column(Boolean)
    candidates: Mapped[int] = mapped_column(Integer)
    drawn_child_ids: Mapped[list[str]] = mapped_column(JSONB)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class BenchmarkRound(Base):
    """Several auditors audit the same case blind, then an agreed grade is recorded."""

    __tablename__ = "benchmark_rounds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    due_date: Mapped[date]
    agreed_overall_grade: Mapped[Grade | None] = mapped_column(_enum(Grade, "grade"))
    agreed_section_grades: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    agreed_rationale: Mapped[str | None] = mapped_column(Text)
    agreed_at: Mapped[datetime | None]
    agreed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class Audit(Base):
    __tablename__ = "audits"
    __table_args__ = (
        Index("ix_audits_auditor_status_due", "auditor_id", "status", "due_date"),
        Index("ix_audits_team_completed", "team_id", "completed_at"),
        Index("ix_audits_child_completed", "child_id", "completed_at"),
        # One nine-month dip sample per plan and auditor, however often the sweep runs.
        Index(
            "uq_audits_trigger_auditor",
            "trigger_key",
            "auditor_id",
            unique=True,
            postgresql_where="trigger_key IS NOT NULL",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[AuditKind] = mapped_column(_enum(AuditKind, "audit_kind"))
    status: Mapped[AuditStatus] = mapped_column(_enum(AuditStatus, "audit_status"))
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("audit_templates.id"))
    auditor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    # What the audit is about: a child's case, and/or the practitioner whose work it is.
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"))
    subject_practitioner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id"), index=True
    )
    # The team whose work is audited, fixed when planned: it decides who sees the audit.
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    programme_month_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("programme_months.id"), index=True
    )
    sample_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("samples.id"), index=True)
    benchmark_round_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("benchmark_rounds.id"), index=True
    )
    trigger_key: Mapped[str | None] = mapped_column(String(120))
    due_date: Mapped[date]

    # Supervision audits: a supervision relationship (supervisor and supervisee) or a forum.
    supervisor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    supervision_forum: Mapped[str | None] = mapped_column(String(200))
    # Multi-agency and external audits: who reviewed, and what they found.
    external_reviewer: Mapped[str | None] = mapped_column(String(200))
    findings: Mapped[str | None] = mapped_column(Text)

    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    overall_grade: Mapped[Grade | None] = mapped_column(_enum(Grade, "grade"))
    overall_rationale: Mapped[str | None] = mapped_column(Text)
    moderated_overall_grade: Mapped[Grade | None] = mapped_column(_enum(Grade, "grade"))

    # The collaborative conversation with the practitioner.
    conversation_date: Mapped[date | None]
    practitioner_reflections: Mapped[str | None] = mapped_column(Text)
    practitioner_agreement: Mapped[Agreement | None] = mapped_column(_enum(Agreement, "agreement"))
    # The child's and family's views: [{"who": ..., "said": ...}].
    voices: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)

    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    template: Mapped[AuditTemplate] = relationship(lazy="raise")
    auditor: Mapped[Person] = relationship(foreign_keys=[auditor_id], lazy="raise")
    team: Mapped[Team | None] = relationship(lazy="raise")
    section_grades: Mapped[list[AuditSectionGrade]] = relationship(
        lazy="raise", order_by="AuditSectionGrade.section_key"
    )
    themes: Mapped[list[Theme]] = relationship(secondary=audit_themes, lazy="raise")


class AuditSectionGrade(Base):
    __tablename__ = "audit_section_grades"
    __table_args__ = (UniqueConstraint("audit_id", "section_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    audit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    section_key: Mapped[str] = mapped_column(String(60))
    grade: Mapped[Grade] = mapped_column(_enum(Grade, "grade"))
    rationale: Mapped[str] = mapped_column(Text)
    moderated_grade: Mapped[Grade | None] = mapped_column(_enum(Grade, "grade"))


class Moderation(Base):
    """The QA Lead's moderation of a completed audit: confirmed or regraded, with a reason.
    The auditor's grades stay on the audit; the moderated ones sit beside them."""

    __tablename__ = "moderations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    audit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("audits.id"), index=True)
    moderator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    outcome: Mapped[ModerationOutcome] = mapped_column(
        _enum(ModerationOutcome, "moderation_outcome")
    )
    original_overall_grade: Mapped[Grade] = mapped_column(_enum(Grade, "grade"))
    moderated_overall_grade: Mapped[Grade] = mapped_column(_enum(Grade, "grade"))
    # {section_key: [original, moderated]} for each section the moderation looked at.
    section_grades: Mapped[dict[str, list[str]]] = mapped_column(JSONB, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    moderated_at: Mapped[datetime]


class AuditAction(Base):
    __tablename__ = "audit_actions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    audit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("audits.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    due_date: Mapped[date]
    done_at: Mapped[datetime | None]
    done_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class LearningPoint(Base):
    """Something learned, a strength or an area to develop, tagged with themes. It comes from
    exactly one source: an audit, or a Task and Finish Group (`domain/learning/`)."""

    __tablename__ = "learning_points"
    __table_args__ = (
        CheckConstraint("num_nonnulls(audit_id, task_and_finish_group_id) = 1", name="one_source"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    audit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("audits.id"), index=True)
    task_and_finish_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("task_and_finish_groups.id"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    is_strength: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]

    themes: Mapped[list[Theme]] = relationship(secondary=learning_point_themes, lazy="raise")
