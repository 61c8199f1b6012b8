"""Survey mutations: publishing a version, and creating, running and inviting to campaigns.
Merged into the schema's Mutation; who may do what is the domain's decision
(`domain/surveys/policy.py`, `campaigns.py`); these resolvers translate."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import ErrorCode, UserError
from api.graphql.core.ids import decode_id, decode_optional_id
from api.graphql.core.mutations import EMPTY_ON_SUCCESS, Payload, mutate, payload
from api.graphql.surveys.campaign_types import SurveyCampaign
from api.graphql.surveys.inputs import (
    CreateSurveyCampaignInput,
    PublishSurveyVersionInput,
    SurveyInviteeInput,
    SurveySampleInput,
)
from api.graphql.surveys.types import SurveyVersion
from domain.core.errors import InvalidInput
from domain.core.roles import Actor
from domain.surveys import campaigns, definitions, dispatch, models
from domain.surveys.definitions import publishing as surveys

THE_CAMPAIGN = "The campaign, when it succeeded."


@payload(
    "survey_version",
    SurveyVersion,
    description="The version published, or why nothing changed.",
    field_description="The new version, when it succeeded.",
    errors_description="Empty when it succeeded; otherwise every problem, each naming its field "
    "path (e.g. `questions.3.options`, `translations.cy.questions.feel_safe.text`).",
    convert=lambda published: SurveyVersion.from_model(*published),
)
class SurveyVersionPayload(Payload[tuple[models.SurveyVersion, str]]):
    pass


@strawberry.type
class SurveyMutation:
    @strawberry.mutation(
        description="Publish a new version of a survey for an audience (the QA Lead or the "
        "PSW); versions already published stay as they are."
    )
    async def publish_survey_version(
        self,
        info: Info[Context, None],
        input: Annotated[
            PublishSurveyVersionInput, strawberry.argument(description="The new version.")
        ],
    ) -> SurveyVersionPayload:
        clock = info.context.clock
        refused: list[definitions.DefinitionInvalid] = []

        async def use_case(s: AsyncSession, a: Actor) -> tuple[models.SurveyVersion, str]:
            try:
                version = await surveys.publish_version(
                    session=s,
                    actor=a,
                    clock=clock,
                    survey_key=input.survey_key,
                    audience=input.audience,
                    questions=input.questions,
                    translations=input.translations,
                    name=input.name,
                    purpose=input.purpose,
                    change_note=input.change_note,
                )
            except definitions.DefinitionInvalid as error:
                refused.append(error)
                raise
            return version, input.survey_key

        published, errors = await mutate(info, use_case)
        if refused:
            errors = [
                UserError(code=ErrorCode.INVALID, field=p.field, message=p.message)
                for p in refused[0].problems
            ]
        return SurveyVersionPayload.of(published, errors)


@strawberry.type(description="Someone not invited, and why.")
class SkippedInvitee:
    index: int = strawberry.field(description="Their position in the input (from 0).")
    reason: str = strawberry.field(description="Why they were not invited.")


@payload(
    "survey_campaign",
    SurveyCampaign,
    description="The campaign, or why nothing changed.",
    field_description=THE_CAMPAIGN,
)
class SurveyCampaignPayload(Payload[models.SurveyCampaign]):
    pass


@strawberry.type(description="Who was invited, who was skipped and why, or why nothing changed.")
class InvitationsPayload:
    survey_campaign: SurveyCampaign | None = strawberry.field(description=THE_CAMPAIGN)
    invited: int = strawberry.field(description="Invitations made.")
    skipped: list[SkippedInvitee] = strawberry.field(
        description="Those not invited: opted out, invited already, unknown, or no version "
        "for their audience."
    )
    errors: list[UserError] = strawberry.field(
        description="Empty when it succeeded; a malformed invitee refuses the whole call."
    )

    @classmethod
    async def run(
        cls,
        info: Info[Context, None],
        use_case: Callable[
            [AsyncSession, Actor], Awaitable[tuple[models.SurveyCampaign, campaigns.Invited]]
        ],
    ) -> InvitationsPayload:
        result, errors = await mutate(info, use_case)
        if result is None:
            return cls(survey_campaign=None, invited=0, skipped=[], errors=errors)
        campaign, invited = result
        return cls(
            survey_campaign=SurveyCampaign.from_model(campaign),
            invited=len(invited.created),
            skipped=[SkippedInvitee(index=i, reason=r) for i, r in invited.skipped],
            errors=[],
        )


@strawberry.type(description="How many failed invitations will be tried again, or why none.")
class RetryPayload:
    retried: int = strawberry.field(description="Invitations put back to be sent.")
    survey_campaign: SurveyCampaign | None = strawberry.field(description=THE_CAMPAIGN)
    errors: list[UserError] = strawberry.field(description=EMPTY_ON_SUCCESS)


@strawberry.type(description="The opt-out recorded, or why not.")
class SurveyOptOutPayload:
    recorded: bool = strawberry.field(description="True when it is recorded.")
    errors: list[UserError] = strawberry.field(description=EMPTY_ON_SUCCESS)


async def _with_survey(
    session: AsyncSession, campaign: models.SurveyCampaign
) -> models.SurveyCampaign:
    await session.refresh(campaign, ["survey"])
    return campaign


def _token_key(info: Info[Context, None]) -> str:
    return info.context.settings.survey_token_key.get_secret_value()


CampaignId = Annotated[strawberry.ID, strawberry.argument(description="The campaign.")]


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
            campaign = await campaigns.create_campaign(
                session=s,
                actor=a,
                clock=clock,
                name=input.name,
                kind=input.kind,
                survey_key=input.survey_key,
                opens_at=input.opens_at,
                closes_at=input.closes_at,
                reminder_days=input.reminder_days,
            )
            return await _with_survey(s, campaign)

        return await SurveyCampaignPayload.run(info, use_case)

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
            lambda **given: campaigns.add_invitations(
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
        return await _inviting(
            info,
            campaign_id,
            lambda **given: campaigns.draw_sample(**given, request=sample.to_domain()),
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
            lambda **given: campaigns.invite_teams(
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
        ) -> tuple[models.SurveyCampaign, campaigns.Invited]:
            campaign, invited = await campaigns.request_audit_feedback(
                session=s,
                actor=a,
                clock=clock,
                token_key=key,
                audit_id=decode_id(audit_id, "Audit", "auditId"),
                invitees=[i.to_domain(n) for n, i in enumerate(invitees)],
            )
            return await _with_survey(s, campaign), invited

        return await InvitationsPayload.run(info, use_case)

    @strawberry.mutation(
        description="Launch a DRAFT campaign: it opens now, or is SCHEDULED until `opensAt`."
    )
    async def launch_survey_campaign(
        self, info: Info[Context, None], campaign_id: CampaignId
    ) -> SurveyCampaignPayload:
        return await _change_state(info, campaign_id, campaigns.launch_campaign)

    @strawberry.mutation(
        description="Close a campaign now: links stop working, nothing more is sent, and "
        "contact details are erased. It cannot be reopened."
    )
    async def close_survey_campaign(
        self, info: Info[Context, None], campaign_id: CampaignId
    ) -> SurveyCampaignPayload:
        return await _change_state(info, campaign_id, campaigns.close_campaign)

    @strawberry.mutation(
        description="Try a campaign's FAILED invitations again, due now (the QA Lead or the "
        "PSW), say after the mail server was mended. Not for a closed campaign."
    )
    async def retry_failed_survey_invitations(
        self, info: Info[Context, None], campaign_id: CampaignId
    ) -> RetryPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> tuple[int, models.SurveyCampaign]:
            cid = _campaign_id(campaign_id)
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
            await campaigns.record_opt_out(
                session=s,
                actor=a,
                clock=clock,
                child_reference=child_reference,
                person_id=decode_optional_id(person_id, "Person", "personId"),
            )
            return True

        recorded, errors = await mutate(info, use_case)
        return SurveyOptOutPayload(recorded=bool(recorded), errors=errors)


def _campaign_id(value: strawberry.ID) -> uuid.UUID:
    return decode_id(value, "SurveyCampaign", "campaignId")


async def _inviting(
    info: Info[Context, None],
    campaign_id: strawberry.ID,
    invite: Callable[..., Awaitable[campaigns.Invited]],
) -> InvitationsPayload:
    """Invite to a campaign: one domain call given the session, actor, clock, token key and
    campaign id; the campaign with who was invited and skipped, or typed errors."""
    clock = info.context.clock
    key = _token_key(info)

    async def use_case(
        s: AsyncSession, a: Actor
    ) -> tuple[models.SurveyCampaign, campaigns.Invited]:
        cid = _campaign_id(campaign_id)
        invited = await invite(session=s, actor=a, clock=clock, token_key=key, campaign_id=cid)
        return await _campaign_of(s, a, cid), invited

    return await InvitationsPayload.run(info, use_case)


async def _change_state(
    info: Info[Context, None],
    campaign_id: strawberry.ID,
    change: Callable[..., Awaitable[models.SurveyCampaign]],
) -> SurveyCampaignPayload:
    """Launch or close: one domain call on the campaign, the campaign or typed errors back."""
    clock = info.context.clock

    async def use_case(s: AsyncSession, a: Actor) -> models.SurveyCampaign:
        campaign = await change(
            session=s, actor=a, clock=clock, campaign_id=_campaign_id(campaign_id)
        )
        return await _with_survey(s, campaign)

    return await SurveyCampaignPayload.run(info, use_case)


async def _campaign_of(s: AsyncSession, a: Actor, campaign_id: uuid.UUID) -> models.SurveyCampaign:
    found = await campaigns.get_campaigns(session=s, actor=a, ids=[campaign_id])
    if not found:
        raise InvalidInput("No survey campaign with that id.", field="campaignId")
    return found[0]
