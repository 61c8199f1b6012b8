"""Surveys and their versions. A version never changes once published (a trigger refuses
UPDATE on `survey_versions`); publishing another keeps it, so responses keep the version they
answered."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.core.db import Base
from domain.surveys.definitions.form import Audience


class Survey(Base):
    """A survey the service runs, such as the annual survey of children and families; it has
    a version for each audience it asks."""

    __tablename__ = "surveys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    versions: Mapped[list[SurveyVersion]] = relationship(
        lazy="raise",
        back_populates="survey",
        order_by=lambda: [SurveyVersion.audience, SurveyVersion.version.desc()],
    )


class SurveyVersion(Base):
    """One version of a survey for one audience: its questions and their wording in each
    language (`domain/surveys/definitions.py`)."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "audience", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The unique (survey_id, audience, version) index serves lookups by survey.
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"))
    audience: Mapped[Audience] = mapped_column(
        Enum(Audience, name="survey_audience", native_enum=False, length=40)
    )
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    published_at: Mapped[datetime]
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    change_note: Mapped[str | None] = mapped_column(Text)

    survey: Mapped[Survey] = relationship(lazy="raise", back_populates="versions")


class CampaignKind(StrEnum):
    ANNUAL_SURVEY = "ANNUAL_SURVEY"
    AUDIT_FEEDBACK = "AUDIT_FEEDBACK"
    STAFF_SURVEY = "STAFF_SURVEY"


class InvitationStatus(StrEnum):
    """Where an invitation is. QUEUED waits to be sent; SENT went (and may be reminded);
    FAILED could not be sent after every retry; HANDED_OVER is a printed code given by hand;
    ANSWERED, OPTED_OUT and EXPIRED (the campaign closed unanswered) are final."""

    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
    HANDED_OVER = "HANDED_OVER"
    ANSWERED = "ANSWERED"
    OPTED_OUT = "OPTED_OUT"
    EXPIRED = "EXPIRED"


class CampaignState(StrEnum):
    """DRAFT while invitations are added; SCHEDULED once launched before its opening; OPEN
    while invitations go out and are answered; CLOSED for good, contact details erased."""

    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PRINT = "PRINT"


class Cohort(StrEnum):
    """The one cohort a respondent is counted in, fixed when invited: a child's most specific
    (care leaver, looked after, child protection, child in need, Family First), a parent or
    carer's child's, or staff."""

    CARE_LEAVER = "CARE_LEAVER"
    LOOKED_AFTER = "LOOKED_AFTER"
    CHILD_PROTECTION = "CHILD_PROTECTION"
    CHILD_IN_NEED = "CHILD_IN_NEED"
    FAMILY_FIRST = "FAMILY_FIRST"
    OTHER = "OTHER"
    STAFF = "STAFF"


def _enum(enum: type[StrEnum], name: str) -> Enum:
    return Enum(enum, name=name, native_enum=False, length=40)


class SurveyCampaign(Base):
    """A survey put to people for a while: the annual survey of a sample of children and
    families, feedback asked for within an audit, or a staff survey of some teams. It opens,
    reminds on a schedule, and closes, when its contact details are erased."""

    __tablename__ = "survey_campaigns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CampaignKind] = mapped_column(_enum(CampaignKind, "campaign_kind"))
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"), index=True)
    audit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("audits.id"), index=True)
    state: Mapped[CampaignState] = mapped_column(_enum(CampaignState, "campaign_state"))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # Reminders to those who have not answered, this many days after their invitation went.
    reminder_days: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    # What the annual survey's sample was drawn from (cohorts, teams, services, size).
    sample: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    survey: Mapped[Survey] = relationship(lazy="raise")


class SurveyInvitation(Base):
    """One person asked to answer a campaign's survey, by a one-time link.

    The link's token is never stored: it is an HMAC of `token_salt` under the service's
    survey token key (settings), so that it can be sent again in a reminder, and only its
    SHA-256 (`token_hash`) is kept to find the invitation. `contact` (an email address or
    phone number) and `token_salt` are erased when the campaign closes; no staff API returns
    either. Sending (`next_send_at`, `sends_done`, the claim) is resumable: a send is claimed
    and committed before it goes, and each message's id comes from (invitation, send number).
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (
        Index(
            "ix_survey_invitations_next_send",
            "next_send_at",
            postgresql_where=text("next_send_at IS NOT NULL"),
        ),
        Index("ix_survey_invitations_campaign_status", "campaign_id", "status"),
        CheckConstraint("num_nonnulls(child_id, person_id) = 1", name="one_invitee"),
        # One invitation per person and audience in a campaign (a child and their parent or
        # carer are two audiences of one child).
        Index(
            "uq_survey_invitations_child",
            "campaign_id",
            "child_id",
            "audience",
            unique=True,
            postgresql_where=text("child_id IS NOT NULL"),
        ),
        Index(
            "uq_survey_invitations_person",
            "campaign_id",
            "person_id",
            unique=True,
            postgresql_where=text("person_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_campaigns.id"))
    audience: Mapped[Audience] = mapped_column(
        Enum(Audience, name="survey_audience", native_enum=False, length=40)
    )
    survey_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_versions.id"))
    language: Mapped[str] = mapped_column(String(10))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "invitation_channel"))
    status: Mapped[InvitationStatus] = mapped_column(_enum(InvitationStatus, "invitation_status"))
    # Who was asked: a child (or a parent or carer, about that child), or a member of staff.
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    # What the answers are counted under, fixed when invited.
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("services.id"))
    cohort: Mapped[Cohort] = mapped_column(_enum(Cohort, "respondent_cohort"))
    contact: Mapped[str | None] = mapped_column(String(320))
    token_salt: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    # Sending: the next message (0 the invitation, then each reminder) is due at next_send_at.
    next_send_at: Mapped[datetime | None]
    sends_done: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]
    # Answering: the client's submission id (hashed) and the receipt it was given, so that a
    # retry of the same submission gets the same receipt. The response itself is not linked.
    answered_at: Mapped[datetime | None]
    # When the client says it completed the answers (a mobile client answering offline sends
    # it; answers completed before the close are taken for a grace period after it).
    completed_at: Mapped[datetime | None]
    submission_hash: Mapped[str | None] = mapped_column(String(64))
    receipt: Mapped[str | None] = mapped_column(String(40))
    opted_out_at: Mapped[datetime | None]

    campaign: Mapped[SurveyCampaign] = relationship(lazy="raise")


class SurveyResponse(Base):
    """What one respondent answered. Deliberately not linked to its invitation (nor to a child
    or person), and dated by day only: results are counted by campaign, question, audience,
    team, service and cohort, never shown for fewer than the policy's minimum group."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_campaign", "campaign_id", "team_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_campaigns.id"))
    survey_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_versions.id"))
    audience: Mapped[Audience] = mapped_column(
        Enum(Audience, name="survey_audience", native_enum=False, length=40)
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("services.id"))
    cohort: Mapped[Cohort] = mapped_column(_enum(Cohort, "respondent_cohort"))
    language: Mapped[str] = mapped_column(String(10))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    submitted_on: Mapped[date]


class SurveyOptOut(Base):
    """Someone who asked not to be surveyed: no invitation is sent or reminded to them from
    the moment it is recorded, in this campaign or any later one."""

    __tablename__ = "survey_opt_outs"
    __table_args__ = (CheckConstraint("num_nonnulls(child_id, person_id) = 1", name="one_person"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), unique=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), unique=True)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
