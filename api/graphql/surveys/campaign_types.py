"""Survey campaigns as staff see them: their state, progress and sending, and the invitations
that failed. No field here returns an invitation's contact details, its token, or who it was
for: staff see counts and failures, never the people behind them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.ids import global_id
from api.graphql.core.ids import node_ids as node_ids_of
from api.graphql.core.pagination import After, CountedConnection, First, connection
from api.graphql.surveys.enums import (
    InvitationChannel,
    InvitationStatus,
    SurveyAudience,
    SurveyCampaignKind,
    SurveyCampaignState,
)
from api.graphql.surveys.loaders import (
    CAMPAIGN_DISPATCH,
    CAMPAIGN_PROGRESS,
    INVITATION_FAILURE,
    SURVEY_CAMPAIGN,
    CampaignSending,
    Sending,
)
from api.graphql.surveys.types import Survey
from domain.surveys import campaigns as domain
from domain.surveys import dispatch, models


# Not the domain's `Cohort`: the schema offers a subset of it (no OTHER or STAFF).
@strawberry.enum(description="The cohort a sample is drawn from.")
class SurveyCohort(Enum):
    CARE_LEAVER = strawberry.enum_value("CARE_LEAVER", description="Care leavers.")
    LOOKED_AFTER = strawberry.enum_value("LOOKED_AFTER", description="Children looked after.")
    CHILD_PROTECTION = strawberry.enum_value(
        "CHILD_PROTECTION", description="Children with a child protection plan."
    )
    CHILD_IN_NEED = strawberry.enum_value("CHILD_IN_NEED", description="Children in need.")
    FAMILY_FIRST = strawberry.enum_value(
        "FAMILY_FIRST", description="Children and families helped by Family First."
    )


@strawberry.type(description="How far a campaign has gone: its invitations by status.")
class SurveyCampaignProgress:
    invited: int = strawberry.field(description="Invitations in all.")
    queued: int = strawberry.field(description="Waiting to be sent.")
    sent: int = strawberry.field(description="Sent and not answered yet.")
    handed_over: int = strawberry.field(description="Printed codes not answered yet.")
    answered: int = strawberry.field(description="Answered.")
    opted_out: int = strawberry.field(description="Opted out.")
    failed: int = strawberry.field(description="Could not be sent after every retry.")
    expired: int = strawberry.field(description="Closed unanswered.")
    response_rate: float | None = strawberry.field(
        description="Answered as a share of those invited (0 to 1); null when none were."
    )

    @classmethod
    def from_domain(cls, p: domain.Progress) -> SurveyCampaignProgress:
        S = models.InvitationStatus
        return cls(
            invited=p.invited,
            queued=p.of(S.QUEUED),
            sent=p.of(S.SENT),
            handed_over=p.of(S.HANDED_OVER),
            answered=p.of(S.ANSWERED),
            opted_out=p.of(S.OPTED_OUT),
            failed=p.of(S.FAILED),
            expired=p.of(S.EXPIRED),
            response_rate=round(p.of(S.ANSWERED) / p.invited, 4) if p.invited else None,
        )


@strawberry.type(description="How a campaign's sending is going (invitations and reminders).")
class SurveyDispatchProgress:
    to_send: int = strawberry.field(description="Sends waiting: invitations and reminders.")
    due_now: int = strawberry.field(description="Of those, due now (going out shortly).")
    sent: int = strawberry.field(description="Invitations sent at least once.")
    reminders_sent: int = strawberry.field(description="Reminders sent in all.")
    retrying: int = strawberry.field(
        description="Being tried again after an error (with back-off)."
    )
    failed: int = strawberry.field(
        description="Given up after every retry (`retryFailedSurveyInvitations` tries again)."
    )
    waiting_for_channel: int = strawberry.field(
        description="Due now but waiting for a channel not configured here (e.g. text "
        "messages without NOTIFY_SMS_TEMPLATE_ID)."
    )
    next_send_at: datetime | None = strawberry.field(
        description="When the next send is due; null when none is waiting."
    )
    paused_until: datetime | None = strawberry.field(
        description="Messages go only within the sending hours (SURVEY_SENDING_HOURS, "
        "London time; by default 08:00-20:00, so nobody is messaged at night). Outside them, "
        "with sends waiting: when sending starts again. Otherwise null."
    )


@strawberry.type(
    description="An invitation that could not be sent (or is being retried): which channel, "
    "how many attempts, the last error. Never who it was for, nor their contact details."
)
class SurveyInvitationFailure(relay.Node):
    id: relay.NodeID[str]
    invitation_number: str = strawberry.field(
        description="A short reference to the invitation, for support."
    )
    channel: InvitationChannel = strawberry.field(description="How it was to be sent.")
    audience: SurveyAudience = strawberry.field(description="Who it was written for.")
    status: InvitationStatus = strawberry.field(description="Where it is now.")
    attempts: int = strawberry.field(description="Attempts to send it so far.")
    last_error: str | None = strawberry.field(description="The last error.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried again; null once given up."
    )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await INVITATION_FAILURE.load_many(info, node_ids_of(node_ids))
        return [_failure(m) if m else None for m in found]


@strawberry.type(description="A page of failed invitations.")
class SurveyInvitationFailureConnection(CountedConnection[SurveyInvitationFailure]):
    pass


@strawberry.type(
    description="A survey put to people for a while: invitations go out when it opens, are "
    "reminded on its schedule, and stop when it closes."
)
class SurveyCampaign(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Its name.")
    kind: SurveyCampaignKind = strawberry.field(description="What it asks, and of whom.")
    state: SurveyCampaignState = strawberry.field(description="Where it is in its life.")
    survey: Survey = strawberry.field(description="The survey it asks.")
    audit_id: strawberry.ID | None = strawberry.field(
        description="The audit whose feedback it asks for (AUDIT_FEEDBACK only)."
    )
    opens_at: datetime = strawberry.field(description="When invitations start to go out.")
    closes_at: datetime = strawberry.field(
        description="When links stop working and contact details are erased."
    )
    reminder_days: list[int] = strawberry.field(
        description="Reminders to those who have not answered, this many days after their "
        "invitation was sent."
    )
    sample: JSON | None = strawberry.field(
        description="What the annual survey's sample was drawn from: `{size, cohorts, teamIds, "
        "serviceIds, includeParentCarers, drawn}`."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    opened_at: datetime | None = strawberry.field(description="When it opened.")
    closed_at: datetime | None = strawberry.field(description="When it closed.")

    @strawberry.field(description="How far it has gone: its invitations by status.")
    async def progress(self, info: Info[Context, None]) -> SurveyCampaignProgress:
        found = await CAMPAIGN_PROGRESS.load(info, uuid.UUID(self.id))
        return SurveyCampaignProgress.from_domain(found)

    @strawberry.field(description="How its sending is going: invitations and reminders.")
    async def dispatch(self, info: Info[Context, None]) -> SurveyDispatchProgress:
        p = await CAMPAIGN_DISPATCH.load(info, CampaignSending(uuid.UUID(self.id), _sending(info)))
        return SurveyDispatchProgress(
            to_send=p.to_send,
            due_now=p.due_now,
            sent=p.sent,
            reminders_sent=p.reminders_sent,
            retrying=p.retrying,
            failed=p.failed,
            waiting_for_channel=p.waiting_for_channel,
            next_send_at=p.next_send_at,
            paused_until=p.paused_until,
        )

    @strawberry.field(
        description="Invitations that failed to send, or are being retried after an error "
        "(the QA Lead and the PSW).",
        permission_classes=[IsAuthenticated],
    )
    async def failed_invitations(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> SurveyInvitationFailureConnection:
        campaign_id = uuid.UUID(self.id)
        return await connection(
            info,
            SurveyInvitationFailureConnection,
            _failure,
            lambda s, a: domain.failures_of(
                session=s, actor=a, campaign_id=campaign_id, first=first or 50, after=after
            ),
            lambda s, a: domain.count_failures(session=s, actor=a, campaign_id=campaign_id),
        )

    @classmethod
    def from_model(cls, m: models.SurveyCampaign) -> SurveyCampaign:
        return cls(
            id=str(m.id),
            name=m.name,
            kind=m.kind,
            state=m.state,
            survey=Survey(
                id=str(m.survey.id),
                key=m.survey.key,
                name=m.survey.name,
                purpose=m.survey.purpose,
                versions=[],
                current_versions=[],
            ),
            audit_id=global_id("Audit", m.audit_id) if m.audit_id else None,
            opens_at=m.opens_at,
            closes_at=m.closes_at,
            reminder_days=list(m.reminder_days),
            sample=cast(JSON, m.sample),
            created_at=m.created_at,
            opened_at=m.opened_at,
            closed_at=m.closed_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await SURVEY_CAMPAIGN.load_many(info, node_ids_of(node_ids))
        return [cls.from_model(m) if m else None for m in found]


def _failure(m: models.SurveyInvitation) -> SurveyInvitationFailure:
    return SurveyInvitationFailure(
        id=str(m.id),
        invitation_number=str(m.id)[:8].upper(),
        channel=m.channel,
        audience=m.audience,
        status=m.status,
        attempts=m.attempts,
        last_error=m.last_error,
        next_attempt_at=m.next_send_at,
    )


@strawberry.type(description="A page of survey campaigns.")
class SurveyCampaignConnection(CountedConnection[SurveyCampaign]):
    pass


def _sending(info: Info[Context, None]) -> Sending:
    settings = info.context.settings
    return Sending(
        clock=info.context.clock,
        configured=dispatch.configured_channels(settings),
        window=settings.survey_sending_window,
    )
