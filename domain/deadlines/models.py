"""The authority's own closure days (working days on which it is closed, so that deadlines
counted in working days skip them as they skip weekends and England's bank holidays), and
obligations: what someone must do by when, kept in PostgreSQL, which is the source of truth for
every deadline (Redis only carries work)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.core.db import Base
from domain.people.models import Person


class ClosureDay(Base):
    """A day the authority is closed although it is a weekday and not a bank holiday
    (for example an extra day between Christmas and New Year)."""

    __tablename__ = "closure_days"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class ObligationKind(StrEnum):
    """What must be done. Stored as text without a database check, so that the kinds still to
    come (the Inadequate process's steps, complaint stages, observations) need no migration."""

    AUDIT_DUE = "AUDIT_DUE"  # the auditor completes a planned audit by its due date
    ACTION_DUE = "ACTION_DUE"  # an action's owner marks it done by its due date
    # The programme's periodic timescales (domain/audits/timescales.py).
    MONTHLY_AUDITS_DUE = "MONTHLY_AUDITS_DUE"  # an auditor's expected audits for a month
    SUPERVISION_AUDITS_DUE = "SUPERVISION_AUDITS_DUE"  # a supervision audit each quarter
    # The Inadequate process (domain/escalation); the subject is the InadequateEscalation.
    MODERATION_DUE = "MODERATION_DUE"  # the QA Lead moderates the Inadequate audit
    ASSURANCE_DUE = "ASSURANCE_DUE"  # the HoS assures the child is not at risk
    OTHER_CASES_REVIEW_DUE = "OTHER_CASES_REVIEW_DUE"  # the HoS or TM reviews the other cases
    EXCEPTION_REPORT_DUE = "EXCEPTION_REPORT_DUE"  # the HoS sends the report to the AED
    SUPERVISION_REVIEW_DUE = "SUPERVISION_REVIEW_DUE"  # a monthly review in supervision
    # The complaints procedure (domain/feedback); the subject is the FeedbackRecord.
    COMPLAINT_STAGE1_DUE = "COMPLAINT_STAGE1_DUE"  # the stage 1 response
    COMPLAINT_STAGE2_DUE = "COMPLAINT_STAGE2_DUE"  # the stage 2 investigation's response
    COMPLAINT_STAGE3_PANEL_DUE = "COMPLAINT_STAGE3_PANEL_DUE"  # the stage 3 review panel


class ObligationState(StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class Obligation(Base):
    """Someone must do something about an object by a moment.

    Created by the domain when its trigger happens (an audit planned, an action added) and
    closed when the act is recorded (DONE) or made unnecessary (CANCELLED). `key` is
    deterministic from what created it (`audit-due:<audit id>`), so opening it twice is one
    row; reminders and escalations hang off it later, each with its own unique key.
    """

    __tablename__ = "obligations"
    __table_args__ = (
        # The sweep: every open obligation due by a moment, soonest first, however many are
        # closed. Partial, so a million closed rows cost the sweep nothing.
        Index("ix_obligations_open_due", "due_at", postgresql_where=text("state = 'OPEN'")),
        # The sweep: open obligations whose next reminder may be due, soonest first. NULL
        # (nothing left to remind) is outside the index, so fully reminded rows cost nothing.
        Index(
            "ix_obligations_next_reminder",
            "next_reminder_at",
            postgresql_where=text("state = 'OPEN' AND next_reminder_at IS NOT NULL"),
        ),
        # A person's list (mine, my reports'), by state and due moment.
        Index("ix_obligations_owner_state_due", "owner_id", "state", "due_at"),
        CheckConstraint("(state = 'OPEN') = (closed_at IS NULL)", name="closed_at_when_closed"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[ObligationKind] = mapped_column(
        Enum(ObligationKind, name="obligation_kind", native_enum=False, length=40)
    )
    # What it is about, by the GraphQL type name of the object and its id ("Audit", id).
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID]
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    due_at: Mapped[datetime]
    state: Mapped[ObligationState] = mapped_column(
        Enum(ObligationState, name="obligation_state", native_enum=False, length=20)
    )
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # When the sweep should look at it next (domain/reminders/sweep.py): set to its
    # creation when opened or moved, then by each sweep to the moment its next reminder may
    # fall due; NULL once there is nothing left to remind.
    next_reminder_at: Mapped[datetime | None]
    # Who recorded the act that closed it; None when the system did.
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))

    owner: Mapped[Person] = relationship(foreign_keys=[owner_id], lazy="raise")
