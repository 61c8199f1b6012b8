"""Survey campaigns for staff: creating and running them, inviting people, opting people out,
and following a campaign's progress. Who may do what is the domain's decision
(`domain/surveys/policy.py`, `campaigns.py`); these resolvers translate.

No field here returns an invitation's contact details, its token, or who it was for: staff
see counts and failures, never the people behind them."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from api.context import Context, SharedLoader
from api.surveys_schema import Survey, SurveyAudience
from api.types.audits import After, First
from api.types.common import (
    CountedConnection,
    IsAuthenticated,
    UserError,
    connection,
    decode_id,
    decode_optional_id,
    global_id,
    mutate,
    node_ids,
    read,
)
from domain.core.errors import InvalidInput
from domain.people.roles import Actor
from domain.surveys import campaigns as domain
from domain.surveys import dispatch, models
from domain.surveys.definitions import ENGLISH, Audience


@strawberry.enum(description="What a campaign asks, and of whom.")
class SurveyCampaignKind(Enum):
    ANNUAL_SURVEY = strawberry.enum_value(
        "ANNUAL_SURVEY",
        description="The annual survey of a sample of children and families: what difference "
        "has our help made?",
    )
    AUDIT_FEEDBACK = strawberry.enum_value(
        "AUDIT_FEEDBACK",
        description="Feedback from the child and family in a collaborative audit, asked for "
        "from the audit (`requestAuditFeedback`).",
    )
    STAFF_SURVEY = strawberry.enum_value(
        "STAFF_SURVEY", description="A staff survey, such as the Annual Health Check, by team."
    )


@strawberry.enum(description="Where a campaign is in its life.")
class SurveyCampaignState(Enum):
    DRAFT = strawberry.enum_value(
        "DRAFT", description="Being prepared: invitations are added; nothing is sent."
    )
    SCHEDULED = strawberry.enum_value(
        "SCHEDULED", description="Launched; it opens, and invitations go out, at `opensAt`."
    )
    OPEN = strawberry.enum_value(
        "OPEN", description="Invitations go out and are reminded; links can be answered."
    )
    CLOSED = strawberry.enum_value(
        "CLOSED",
        description="Closed for good: links no longer work and contact details are erased.",
    )


@strawberry.enum(description="How an invitation reaches someone.")
class InvitationChannel(Enum):
    EMAIL = strawberry.enum_value("EMAIL", description="By email, with the link.")
    SMS = strawberry.enum_value("SMS", description="By text message, with the link.")
    PRINT = strawberry.enum_value(
        "PRINT",
        description="A printed code and QR code that a practitioner hands over; nothing is sent.",
    )


@strawberry.enum(description="Where an invitation is.")
class InvitationStatus(Enum):
    QUEUED = strawberry.enum_value("QUEUED", description="Waiting to be sent.")
    SENT = strawberry.enum_value("SENT", description="Sent, not answered yet.")
    FAILED = strawberry.enum_value(
        "FAILED", description="Could not be sent after every retry (see `lastError`)."
    )
    HANDED_OVER = strawberry.enum_value(
        "HANDED_OVER", description="A printed code, handed over, not answered yet."
    )
    ANSWERED = strawberry.enum_value("ANSWERED", description="Answered.")
    OPTED_OUT = strawberry.enum_value(
        "OPTED_OUT", description="They asked not to be surveyed; nothing more is sent."
    )
    EXPIRED = strawberry.enum_value("EXPIRED", description="The campaign closed unanswered.")


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


def _dispatch_loader(
    info: Info[Context, None],
) -> DataLoader[uuid.UUID, dispatch.DispatchProgress]:
    """Every campaign in a response gets its sending progress from one statement."""
    ctx = info.context
    loader = ctx.extra.get("campaign_dispatch")
    if loader is None:
        configured = dispatch.configured_channels(ctx.settings)
        window = ctx.settings.survey_sending_window

        async def load(ids: list[uuid.UUID]) -> list[dispatch.DispatchProgress]:
            async with ctx.session_factory() as session:
                found = await dispatch.dispatch_progress(
                    session=session,
                    clock=ctx.clock,
                    campaign_ids=ids,
                    configured=configured,
                    window=window,
                )
            return [found[i] for i in ids]

        loader = SharedLoader[uuid.UUID, dispatch.DispatchProgress](load)
        ctx.extra["campaign_dispatch"] = loader
    return cast(DataLoader[uuid.UUID, dispatch.DispatchProgress], loader)


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
        ids = _ids(node_ids)
        actor = info.context.actor
        if actor is None or not ids:
            return [None] * len(ids)
        async with info.context.session_factory() as session:
            found = await domain.get_failures(session=session, actor=actor, ids=ids)
        return [_failure(found[i]) if i in found else None for i in ids]


@strawberry.type(description="A page of failed invitations.")
class SurveyInvitationFailureConnection(CountedConnection[SurveyInvitationFailure]):
    pass


def _progress_loader(info: Info[Context, None]) -> DataLoader[uuid.UUID, domain.Progress]:
    """Every campaign in a response gets its progress from one statement."""
    ctx = info.context
    loader = ctx.extra.get("campaign_progress")
    if loader is None:

        async def load(ids: list[uuid.UUID]) -> list[domain.Progress]:
            async with ctx.session_factory() as session:
                found = await domain.progress_of(session=session, campaign_ids=ids)
            return [found[i] for i in ids]

        loader = SharedLoader[uuid.UUID, domain.Progress](load)
        ctx.extra["campaign_progress"] = loader
    return cast(DataLoader[uuid.UUID, domain.Progress], loader)


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
        found = await _progress_loader(info).load(uuid.UUID(self.id))
        return SurveyCampaignProgress.from_domain(found)

    @strawberry.field(description="How its sending is going: invitations and reminders.")
    async def dispatch(self, info: Info[Context, None]) -> SurveyDispatchProgress:
        p = await _dispatch_loader(info).load(uuid.UUID(self.id))
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
            kind=SurveyCampaignKind(m.kind.value),
            state=SurveyCampaignState(m.state.value),
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
        ids = _ids(node_ids)
        actor = info.context.actor
        if actor is None or not ids:
            return [None] * len(ids)
        async with info.context.session_factory() as session:
            found = {
                c.id: c for c in await domain.get_campaigns(session=session, actor=actor, ids=ids)
            }
        return [cls.from_model(found[i]) if i in found else None for i in ids]


def _failure(m: models.SurveyInvitation) -> SurveyInvitationFailure:
    return SurveyInvitationFailure(
        id=str(m.id),
        invitation_number=str(m.id)[:8].upper(),
        channel=InvitationChannel(m.channel.value),
        audience=SurveyAudience(m.audience.value),
        status=InvitationStatus(m.status.value),
        attempts=m.attempts,
        last_error=m.last_error,
        next_attempt_at=m.next_send_at,
    )


def _ids(values: Iterable[str]) -> list[uuid.UUID]:
    return node_ids(list(values))


@strawberry.type(description="A page of survey campaigns.")
class SurveyCampaignConnection(CountedConnection[SurveyCampaign]):
    pass


@strawberry.input(description="Which campaigns to list (newest first).")
class SurveyCampaignFilter:
    kind: SurveyCampaignKind | None = strawberry.field(default=None, description="Only this kind.")
    state: SurveyCampaignState | None = strawberry.field(
        default=None, description="Only campaigns in this state."
    )
    audit_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the feedback campaign of this audit."
    )

    def to_domain(self) -> domain.CampaignFilter:
        return domain.CampaignFilter(
            kind=models.CampaignKind(self.kind.name) if self.kind else None,
            state=models.CampaignState(self.state.name) if self.state else None,
            audit_id=decode_optional_id(self.audit_id, "Audit", "filter.auditId"),
        )


@strawberry.input(description="A new campaign (ANNUAL_SURVEY or STAFF_SURVEY).")
class CreateSurveyCampaignInput:
    name: str = strawberry.field(description="Its name, e.g. 'Annual survey 2027'.")
    kind: SurveyCampaignKind = strawberry.field(
        description="ANNUAL_SURVEY or STAFF_SURVEY (audit feedback: `requestAuditFeedback`)."
    )
    survey_key: str = strawberry.field(
        description="The survey it asks, e.g. `annual_children_and_families` or "
        "`staff_annual_health_check`."
    )
    opens_at: datetime = strawberry.field(description="When invitations start to go out.")
    closes_at: datetime = strawberry.field(
        description="When links stop working and contact details are erased (within a year)."
    )
    reminder_days: list[int] = strawberry.field(
        default_factory=list,
        description="Up to five reminders, each 1 to 90 days after the invitation was sent.",
    )


@strawberry.input(
    description="Someone to invite: a child by case reference (the child, or a parent or carer "
    "about them), or a member of staff. Contact details are kept only until the campaign "
    "closes and are never shown again."
)
class SurveyInviteeInput:
    channel: InvitationChannel = strawberry.field(description="How the invitation reaches them.")
    child_reference: str | None = strawberry.field(
        default=None, description="The child's case reference (children and families)."
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="A member of staff (staff surveys)."
    )
    audience: SurveyAudience | None = strawberry.field(
        default=None,
        description="Who answers; for a child, left out means the child by their age (or as a "
        "care leaver); PARENT_CARER for their parent or carer.",
    )
    contact: str | None = strawberry.field(
        default=None,
        description="An email address (EMAIL) or UK mobile number (SMS); none for PRINT.",
    )
    language: str = strawberry.field(
        default=ENGLISH, description="Their language, where the survey is worded in it."
    )

    def to_domain(self, index: int) -> domain.Invitee:
        return domain.Invitee(
            channel=models.Channel(self.channel.name),
            child_reference=self.child_reference,
            person_id=decode_optional_id(self.person_id, "Person", f"invitees.{index}.personId"),
            audience=Audience(self.audience.name) if self.audience else None,
            contact=self.contact,
            language=self.language,
        )


@strawberry.input(
    description="The annual survey's sample: children drawn at random from those matching "
    "every filter given, each invited with a printed code their practitioner hands over."
)
class SurveySampleInput:
    size: int = strawberry.field(description="How many children, 1 to 20,000.")
    cohorts: list[SurveyCohort] = strawberry.field(
        default_factory=list, description="Children in any of these cohorts; all if empty."
    )
    team_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Children of these teams; all if empty."
    )
    service_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Children of these services' teams; all if empty."
    )
    include_parent_carers: bool = strawberry.field(
        default=False, description="Invite a parent or carer of each child too."
    )


@strawberry.type(description="Someone not invited, and why.")
class SkippedInvitee:
    index: int = strawberry.field(description="Their position in the input (from 0).")
    reason: str = strawberry.field(description="Why they were not invited.")


@strawberry.type(description="The campaign, or why nothing changed.")
class SurveyCampaignPayload:
    survey_campaign: SurveyCampaign | None = strawberry.field(
        description="The campaign, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="Who was invited, who was skipped and why, or why nothing changed.")
class InvitationsPayload:
    survey_campaign: SurveyCampaign | None = strawberry.field(
        description="The campaign, when it succeeded."
    )
    invited: int = strawberry.field(description="Invitations made.")
    skipped: list[SkippedInvitee] = strawberry.field(
        description="Those not invited: opted out, invited already, unknown, or no version "
        "for their audience."
    )
    errors: list[UserError] = strawberry.field(
        description="Empty when it succeeded; a malformed invitee refuses the whole call."
    )


@strawberry.type(description="How many failed invitations will be tried again, or why none.")
class RetryPayload:
    retried: int = strawberry.field(description="Invitations put back to be sent.")
    survey_campaign: SurveyCampaign | None = strawberry.field(
        description="The campaign, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The opt-out recorded, or why not.")
class SurveyOptOutPayload:
    recorded: bool = strawberry.field(description="True when it is recorded.")
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


def _invitations_payload(
    result: tuple[models.SurveyCampaign, domain.Invited] | None, errors: list[UserError]
) -> InvitationsPayload:
    if result is None:
        return InvitationsPayload(survey_campaign=None, invited=0, skipped=[], errors=errors)
    campaign, invited = result
    return InvitationsPayload(
        survey_campaign=SurveyCampaign.from_model(campaign),
        invited=len(invited.created),
        skipped=[SkippedInvitee(index=i, reason=r) for i, r in invited.skipped],
        errors=[],
    )


async def _with_survey(session: AsyncSession, campaign: models.SurveyCampaign) -> Any:
    await session.refresh(campaign, ["survey"])
    return campaign


def _campaign_payload(
    result: models.SurveyCampaign | None, errors: list[UserError]
) -> SurveyCampaignPayload:
    return SurveyCampaignPayload(
        survey_campaign=SurveyCampaign.from_model(result) if result else None, errors=errors
    )


def _token_key(info: Info[Context, None]) -> str:
    return info.context.settings.survey_token_key.get_secret_value()


CampaignId = Annotated[strawberry.ID, strawberry.argument(description="The campaign.")]


@strawberry.type
class SurveyCampaignQuery:
    @strawberry.field(
        description="Survey campaigns, newest first (staff; partner-agency members see none).",
        permission_classes=[IsAuthenticated],
    )
    async def survey_campaigns(
        self,
        info: Info[Context, None],
        filter: Annotated[
            SurveyCampaignFilter | None, strawberry.argument(description="Which campaigns.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> SurveyCampaignConnection:
        flt = (filter or SurveyCampaignFilter()).to_domain()
        return await connection(
            info,
            SurveyCampaignConnection,
            SurveyCampaign.from_model,
            lambda s, a: domain.list_campaigns(
                session=s, actor=a, filters=flt, first=first, after=after
            ),
            lambda s, a: domain.count_campaigns(session=s, actor=a, filters=flt),
        )

    @strawberry.field(
        description="A campaign, if you may see it; null otherwise.",
        permission_classes=[IsAuthenticated],
    )
    async def survey_campaign(
        self, info: Info[Context, None], id: CampaignId
    ) -> SurveyCampaign | None:
        campaign_id = decode_id(id, "SurveyCampaign", "id")
        found = await read(
            info, lambda s, a: domain.get_campaigns(session=s, actor=a, ids=[campaign_id])
        )
        return SurveyCampaign.from_model(found[0]) if found else None


@strawberry.type
class SurveyCampaignMutation:
    @strawberry.mutation(
        description="Create a campaign, as a DRAFT (the QA Lead or the PSW); add invitations, "
        "then launch it."
    )
    async def create_survey_campaign(
        self,
        info: Info[Context, None],
        input: Annotated[CreateSurveyCampaignInput, strawberry.argument(description="It.")],
    ) -> SurveyCampaignPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.SurveyCampaign:
            campaign = await domain.create_campaign(
                session=s,
                actor=a,
                clock=clock,
                name=input.name,
                kind=models.CampaignKind(input.kind.name),
                survey_key=input.survey_key,
                opens_at=input.opens_at,
                closes_at=input.closes_at,
                reminder_days=input.reminder_days,
            )
            return cast(models.SurveyCampaign, await _with_survey(s, campaign))

        return _campaign_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Invite people to a campaign that has not closed (at most 1,000 at a "
        "time; the QA Lead or the PSW)."
    )
    async def invite_to_survey_campaign(
        self,
        info: Info[Context, None],
        campaign_id: CampaignId,
        invitees: Annotated[
            list[SurveyInviteeInput], strawberry.argument(description="Whom to invite.")
        ],
    ) -> InvitationsPayload:
        return await _inviting(
            info,
            campaign_id,
            lambda **given: domain.add_invitations(
                **given, invitees=[i.to_domain(n) for n, i in enumerate(invitees)]
            ),
        )

    @strawberry.mutation(
        description="Draw the annual survey's sample and invite it with printed codes (the "
        "QA Lead or the PSW)."
    )
    async def draw_survey_sample(
        self,
        info: Info[Context, None],
        campaign_id: CampaignId,
        sample: Annotated[SurveySampleInput, strawberry.argument(description="The sample.")],
    ) -> InvitationsPayload:
        def request() -> domain.SampleRequest:
            return domain.SampleRequest(
                size=sample.size,
                cohorts=[models.Cohort(c.name) for c in sample.cohorts],
                team_ids=[
                    decode_id(t, "Team", f"sample.teamIds.{n}")
                    for n, t in enumerate(sample.team_ids)
                ],
                service_ids=[
                    decode_id(t, "Service", f"sample.serviceIds.{n}")
                    for n, t in enumerate(sample.service_ids)
                ],
                include_parent_carers=sample.include_parent_carers,
            )

        return await _inviting(
            info,
            campaign_id,
            lambda **given: domain.draw_sample(**given, request=request()),
        )

    @strawberry.mutation(
        description="Invite every active member of these teams to a staff survey, by email "
        "(the QA Lead or the PSW)."
    )
    async def invite_teams_to_survey_campaign(
        self,
        info: Info[Context, None],
        campaign_id: CampaignId,
        team_ids: Annotated[list[strawberry.ID], strawberry.argument(description="The teams.")],
    ) -> InvitationsPayload:
        return await _inviting(
            info,
            campaign_id,
            lambda **given: domain.invite_teams(
                **given,
                team_ids=[decode_id(t, "Team", f"teamIds.{n}") for n, t in enumerate(team_ids)],
            ),
        )

    @strawberry.mutation(
        description="Ask the child and family in an audit for their feedback (its auditor, "
        "the QA Lead or the PSW): the audit's feedback campaign opens at once for 28 days."
    )
    async def request_audit_feedback(
        self,
        info: Info[Context, None],
        audit_id: Annotated[strawberry.ID, strawberry.argument(description="The audit.")],
        invitees: Annotated[
            list[SurveyInviteeInput],
            strawberry.argument(
                description="The child and/or family (their child reference is the audit's)."
            ),
        ],
    ) -> InvitationsPayload:
        clock = info.context.clock
        key = _token_key(info)

        async def use_case(
            s: AsyncSession, a: Actor
        ) -> tuple[models.SurveyCampaign, domain.Invited]:
            campaign, invited = await domain.request_audit_feedback(
                session=s,
                actor=a,
                clock=clock,
                token_key=key,
                audit_id=decode_id(audit_id, "Audit", "auditId"),
                invitees=[i.to_domain(n) for n, i in enumerate(invitees)],
            )
            return cast(models.SurveyCampaign, await _with_survey(s, campaign)), invited

        return _invitations_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Launch a DRAFT campaign: it opens now, or is SCHEDULED until `opensAt`."
    )
    async def launch_survey_campaign(
        self, info: Info[Context, None], campaign_id: CampaignId
    ) -> SurveyCampaignPayload:
        return await _change_state(info, campaign_id, domain.launch_campaign)

    @strawberry.mutation(
        description="Close a campaign now: links stop working, nothing more is sent, and "
        "contact details are erased. It cannot be reopened."
    )
    async def close_survey_campaign(
        self, info: Info[Context, None], campaign_id: CampaignId
    ) -> SurveyCampaignPayload:
        return await _change_state(info, campaign_id, domain.close_campaign)

    @strawberry.mutation(
        description="Try a campaign's FAILED invitations again, due now (the QA Lead or the "
        "PSW), say after the mail server was mended. Not for a closed campaign."
    )
    async def retry_failed_survey_invitations(
        self, info: Info[Context, None], campaign_id: CampaignId
    ) -> RetryPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> tuple[int, models.SurveyCampaign]:
            cid = decode_id(campaign_id, "SurveyCampaign", "campaignId")
            retried = await dispatch.retry_failed(session=s, actor=a, clock=clock, campaign_id=cid)
            return retried, await _campaign_of(s, a, cid)

        result, errors = await mutate(info, use_case)
        if result is None:
            return RetryPayload(retried=0, survey_campaign=None, errors=errors)
        return RetryPayload(
            retried=result[0], survey_campaign=SurveyCampaign.from_model(result[1]), errors=[]
        )

    @strawberry.mutation(
        description="Record that a child's family, or a member of staff, asked not to be "
        "surveyed: nothing more is sent to them, now or in later campaigns. A child's by "
        "anyone who may see the child; staff by themselves, the QA Lead or the PSW."
    )
    async def record_survey_opt_out(
        self,
        info: Info[Context, None],
        child_reference: Annotated[
            str | None, strawberry.argument(description="The child's case reference.")
        ] = None,
        person_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A member of staff.")
        ] = None,
    ) -> SurveyOptOutPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> bool:
            await domain.record_opt_out(
                session=s,
                actor=a,
                clock=clock,
                child_reference=child_reference,
                person_id=decode_optional_id(person_id, "Person", "personId"),
            )
            return True

        recorded, errors = await mutate(info, use_case)
        return SurveyOptOutPayload(recorded=bool(recorded), errors=errors)


async def _inviting(
    info: Info[Context, None],
    campaign_id: strawberry.ID,
    invite: Callable[..., Awaitable[domain.Invited]],
) -> InvitationsPayload:
    """Invite to a campaign: one domain call given the session, actor, clock, token key and
    campaign id; the campaign with who was invited and skipped, or typed errors."""
    clock = info.context.clock
    key = _token_key(info)

    async def use_case(s: AsyncSession, a: Actor) -> tuple[models.SurveyCampaign, domain.Invited]:
        cid = decode_id(campaign_id, "SurveyCampaign", "campaignId")
        invited = await invite(session=s, actor=a, clock=clock, token_key=key, campaign_id=cid)
        return await _campaign_of(s, a, cid), invited

    return _invitations_payload(*await mutate(info, use_case))


async def _change_state(
    info: Info[Context, None],
    campaign_id: strawberry.ID,
    change: Callable[..., Awaitable[models.SurveyCampaign]],
) -> SurveyCampaignPayload:
    """Launch or close: one domain call on the campaign, the campaign or typed errors back."""
    clock = info.context.clock

    async def use_case(s: AsyncSession, a: Actor) -> models.SurveyCampaign:
        campaign = await change(
            session=s,
            actor=a,
            clock=clock,
            campaign_id=decode_id(campaign_id, "SurveyCampaign", "campaignId"),
        )
        return cast(models.SurveyCampaign, await _with_survey(s, campaign))

    return _campaign_payload(*await mutate(info, use_case))


async def _campaign_of(s: AsyncSession, a: Actor, campaign_id: uuid.UUID) -> models.SurveyCampaign:
    found = await domain.get_campaigns(session=s, actor=a, ids=[campaign_id])
    if not found:
        raise InvalidInput("No survey campaign with that id.", field="campaignId")
    return found[0]
