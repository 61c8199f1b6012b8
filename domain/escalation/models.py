"""The Inadequate process (DOMAIN.md, "The process for an Inadequate audit") as a record per
audit: an `InadequateEscalation`, its review of the practitioner's other cases, and the three
monthly reviews in supervision. The stage it is at is kept (the workflow in `flows.py` moves
it); what each step needs by when is an `Obligation` (domain/deadlines), so it is reminded and
escalated like every other deadline."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.audits.kinds import Grade
from domain.core.db import Base


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=40)


class EscalationStage(StrEnum):
    """Where the process stands; each names the step that is next (or how it ended)."""

    MODERATION = "MODERATION"  # the QA Lead moderates the audit
    ASSURANCE = "ASSURANCE"  # the HoS has been told and assures the child is not at risk
    OTHER_CASES_REVIEW = "OTHER_CASES_REVIEW"  # the HoS or TM reviews the other cases
    EXCEPTION_REPORT = "EXCEPTION_REPORT"  # the HoS sends the one-page report to the AED
    SUPERVISION_REVIEWS = "SUPERVISION_REVIEWS"  # three monthly reviews in supervision
    DESK_TOP_AUDIT = "DESK_TOP_AUDIT"  # the QA Lead's desk-top audit
    CLOSED = "CLOSED"  # the desk-top audit is complete: the process is over
    REGRADED = "REGRADED"  # moderation regraded the audit: the process ended there


OPEN_STAGES = frozenset(set(EscalationStage) - {EscalationStage.CLOSED, EscalationStage.REGRADED})


class RegradedBy(StrEnum):
    """How the audit was graded away from Inadequate, ending the process."""

    MODERATION = "MODERATION"  # the QA Lead's moderation regraded it
    AMENDMENT = "AMENDMENT"  # the audit was amended away from Inadequate before moderation


class AssuranceOutcome(StrEnum):
    NOT_AT_RISK = "NOT_AT_RISK"  # the child is not at risk from the inadequate practice
    ACTIONS_TAKEN = "ACTIONS_TAKEN"  # the child was at risk; these actions were taken


class OtherCaseOutcome(StrEnum):
    NO_CONCERNS = "NO_CONCERNS"
    CONCERNS_ADDRESSED = "CONCERNS_ADDRESSED"  # worries found and acted on with the worker
    INADEQUATE = "INADEQUATE"  # practice on this case is inadequate too: audit it


class InadequateEscalation(Base):
    __tablename__ = "inadequate_escalations"
    __table_args__ = (
        Index("ix_inadequate_escalations_stage", "stage", "started_at"),
        CheckConstraint(
            "(stage IN ('CLOSED', 'REGRADED')) = (ended_at IS NOT NULL)", name="ended_when_over"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # One process per audit, however often its start is attempted.
    audit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("audits.id"), unique=True)
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("services.id"), index=True)
    practitioner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    stage: Mapped[EscalationStage] = mapped_column(_enum(EscalationStage, "escalation_stage"))
    # When the audit was completed as Inadequate: the 3 and 10 working days count from it.
    audit_completed_at: Mapped[datetime]
    started_at: Mapped[datetime]
    # Who owes the QA Lead's steps and the Head of Service's (fixed when the step opens).
    qa_lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    head_of_service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))

    moderation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("moderations.id"))
    moderated_at: Mapped[datetime | None]
    hos_told_at: Mapped[datetime | None]

    assurance_outcome: Mapped[AssuranceOutcome | None] = mapped_column(
        _enum(AssuranceOutcome, "assurance_outcome")
    )
    assurance_detail: Mapped[str | None] = mapped_column(Text)
    assured_at: Mapped[datetime | None]
    assured_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))

    review_summary: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))

    # The exception report as sent: its facts frozen at that moment, for the AED to read.
    report_html: Mapped[str | None] = mapped_column(Text)
    report_sent_at: Mapped[datetime | None]
    report_sent_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))

    desk_top_audit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("audits.id"))
    ended_at: Mapped[datetime | None]
    # Why it ended before its last step (the moderation's or the amendment's reason).
    ended_reason: Mapped[str | None] = mapped_column(Text)
    # A process ended by a regrade: the grade it was given, and how (its day is `ended_at`).
    # Its exception report is then withdrawn, whether or not it had been sent.
    regraded_grade: Mapped[Grade | None] = mapped_column(_enum(Grade, "grade"))
    regraded_by: Mapped[RegradedBy | None] = mapped_column(_enum(RegradedBy, "regraded_by"))
    updated_at: Mapped[datetime]

    @property
    def report_withdrawn(self) -> bool:
        """The exception report no longer stands: the audit was regraded away from
        Inadequate (on `ended_at`, to `regraded_grade`, for `ended_reason`)."""
        return self.stage is EscalationStage.REGRADED


class OtherCaseReview(Base):
    """One of the practitioner's other open cases, prefilled when the HoS is told, with the
    outcome the reviewer records."""

    __tablename__ = "escalation_other_cases"
    __table_args__ = (UniqueConstraint("escalation_id", "child_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    escalation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inadequate_escalations.id", ondelete="CASCADE"), index=True
    )
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    case_reference: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[OtherCaseOutcome | None] = mapped_column(
        _enum(OtherCaseOutcome, "other_case_outcome")
    )
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))


class SupervisionReview(Base):
    """One of the three monthly reviews of the inadequate case in the practitioner's
    supervision."""

    __tablename__ = "escalation_supervision_reviews"
    __table_args__ = (
        UniqueConstraint("escalation_id", "number"),
        CheckConstraint("number BETWEEN 1 AND 3", name="one_of_three"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    escalation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inadequate_escalations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(SmallInteger)
    held_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
