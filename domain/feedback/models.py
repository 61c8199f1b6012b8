"""The compliments and complaints register (DOMAIN.md, "Feedback"): one `FeedbackRecord` per
compliment or complaint received, about a team or a service, with its category, themes, outcome
and learning. A complaint follows the statutory children's complaints procedure: each stage it
reaches is a `ComplaintStage` row (when it started, when its response is due, any extension,
the response), and what is owed by when is an `Obligation` (domain/deadlines), so it is
reminded and escalated like every other deadline.

The register holds the least it needs: no names of children, families or staff in its text;
a child is linked by id only where the case matters."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.audits.models import Theme
from domain.core.db import Base


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=40)


class FeedbackKind(StrEnum):
    COMPLIMENT = "COMPLIMENT"
    COMPLAINT = "COMPLAINT"


class FeedbackSource(StrEnum):
    """Who it came from."""

    CHILD = "CHILD"  # a child or young person
    PARENT_CARER = "PARENT_CARER"
    CARE_LEAVER = "CARE_LEAVER"
    PROFESSIONAL = "PROFESSIONAL"  # another agency's worker, a foster carer's supervising worker
    OTHER = "OTHER"


class FeedbackCategory(StrEnum):
    """What it is about, in the categories children's services' annual complaints reports
    commonly use."""

    COMMUNICATION = "COMMUNICATION"  # not kept informed, not listened to, calls not returned
    QUALITY_OF_SERVICE = "QUALITY_OF_SERVICE"  # the help or support given
    STAFF_CONDUCT = "STAFF_CONDUCT"  # attitude or behaviour of staff
    DELAY = "DELAY"  # in assessment, in a service starting, in a decision
    DECISION = "DECISION"  # a decision about the child or family disagreed with
    CONTACT_ARRANGEMENTS = "CONTACT_ARRANGEMENTS"  # family time for a child in care
    PLACEMENT = "PLACEMENT"  # where a child lives, the support to carers
    OTHER = "OTHER"


class ComplaintStatus(StrEnum):
    """Where a complaint stands in the statutory procedure; each names what is next."""

    STAGE_1 = "STAGE_1"  # local resolution: the service responds
    STAGE_1_RESPONDED = "STAGE_1_RESPONDED"  # responded: closed, or escalated by the complainant
    STAGE_2 = "STAGE_2"  # investigation
    STAGE_2_RESPONDED = "STAGE_2_RESPONDED"  # adjudicated: closed, or escalated
    STAGE_3 = "STAGE_3"  # a review panel was requested and is to be held
    CLOSED = "CLOSED"
    WITHDRAWN = "WITHDRAWN"  # the complainant withdrew it


OPEN_STATUSES = frozenset(
    set(ComplaintStatus) - {ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN}
)


class ComplaintFinding(StrEnum):
    """A stage's response (or the panel's finding) on the complaint."""

    UPHELD = "UPHELD"
    PARTLY_UPHELD = "PARTLY_UPHELD"
    NOT_UPHELD = "NOT_UPHELD"


feedback_themes = Table(
    "feedback_themes",
    Base.metadata,
    Column("feedback_id", ForeignKey("feedback_records.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True, index=True),
)


class FeedbackRecord(Base):
    __tablename__ = "feedback_records"
    __table_args__ = (
        Index("ix_feedback_records_received", "received_on", "id"),
        CheckConstraint("(kind = 'COMPLAINT') = (status IS NOT NULL)", name="status_of_complaints"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[FeedbackKind] = mapped_column(_enum(FeedbackKind, "feedback_kind"))
    received_on: Mapped[date]
    source: Mapped[FeedbackSource] = mapped_column(_enum(FeedbackSource, "feedback_source"))
    # About a service, and a team of it when one team is concerned (the service is then the
    # team's, so every record has one).
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    category: Mapped[FeedbackCategory] = mapped_column(_enum(FeedbackCategory, "feedback_category"))
    summary: Mapped[str] = mapped_column(Text)
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    learning: Mapped[str | None] = mapped_column(Text)
    # Complaints only: where it stands, and who owes its responses (the Head of Service of
    # the service concerned, or a named responder).
    status: Mapped[ComplaintStatus | None] = mapped_column(
        _enum(ComplaintStatus, "complaint_status")
    )
    responder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    closed_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    themes: Mapped[list[Theme]] = relationship(secondary=feedback_themes, lazy="raise")


class ComplaintStage(Base):
    """One stage a complaint reached: 1 (local resolution), 2 (investigation) or 3 (review
    panel), counted in working days from `started_on`."""

    __tablename__ = "complaint_stages"
    __table_args__ = (
        UniqueConstraint("feedback_id", "stage"),
        CheckConstraint("stage BETWEEN 1 AND 3", name="one_of_three"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    feedback_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("feedback_records.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[int] = mapped_column(SmallInteger)
    # Stage 1: the day the complaint was received; 2 and 3: the day the complainant asked.
    started_on: Mapped[date]
    due_on: Mapped[date]
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    extended_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    finding: Mapped[ComplaintFinding | None] = mapped_column(
        _enum(ComplaintFinding, "complaint_finding")
    )
    # Stage 3: the day the panel was held.
    responded_on: Mapped[date | None]
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
