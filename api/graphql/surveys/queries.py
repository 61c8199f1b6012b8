"""Survey queries: definitions, campaigns and results, merged into the schema's Query. Who may
read what is the domain's decision (`domain/surveys/policy.py`); these resolvers translate."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.ids import decode_id
from api.graphql.core.pagination import After, First, connection, read
from api.graphql.surveys.campaign_types import SurveyCampaign, SurveyCampaignConnection
from api.graphql.surveys.enums import ResultBreakdown
from api.graphql.surveys.inputs import SurveyCampaignFilter
from api.graphql.surveys.result_types import (
    CAMPAIGN,
    SurveyCommentConnection,
    SurveyResults,
)
from api.graphql.surveys.types import (
    Survey,
    SurveyAnswerCheck,
    SurveyAnswerError,
    SurveyConnection,
)
from domain.surveys import campaigns
from domain.surveys.definitions import publishing as surveys
from domain.surveys.responses import comments as survey_comments
from domain.surveys.responses import results


@strawberry.type
class SurveyQuery:
    @strawberry.field(
        description="Survey definitions, by key (staff; partner-agency members see none).",
        permission_classes=[IsAuthenticated],
    )
    async def surveys(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> SurveyConnection:
        return await connection(
            info,
            SurveyConnection,
            Survey.from_model,
            lambda s, a: surveys.list_surveys(session=s, actor=a, first=first, after=after),
            lambda s, a: surveys.count_surveys(session=s, actor=a),
        )

    @strawberry.field(
        description="A survey by its key, if you may read it; null otherwise.",
        permission_classes=[IsAuthenticated],
    )
    async def survey(
        self,
        info: Info[Context, None],
        key: Annotated[str, strawberry.argument(description="The survey's key.")],
    ) -> Survey | None:
        found = await read(info, lambda s, a: surveys.get_survey(session=s, actor=a, key=key))
        return Survey.from_model(found) if found else None

    @strawberry.field(
        description="Check answers against a version as a respondent's would be checked, "
        "for staff previewing a form; nothing is kept.",
        permission_classes=[IsAuthenticated],
    )
    async def validate_survey_answers(
        self,
        info: Info[Context, None],
        version_id: Annotated[strawberry.ID, strawberry.argument(description="The version.")],
        answers: Annotated[
            JSON, strawberry.argument(description="An object of question keys to answers.")
        ],
    ) -> SurveyAnswerCheck:
        check = await read(
            info,
            lambda s, a: surveys.check_answers_to(
                session=s,
                actor=a,
                version_id=decode_id(version_id, "SurveyVersion", "versionId"),
                answers=answers,
            ),
        )
        return SurveyAnswerCheck(
            valid=check.ok,
            errors=[
                SurveyAnswerError(
                    question_key=p.question_key,
                    code=p.kind,
                    message=p.message,
                )
                for p in check.problems
            ],
            answers=cast(JSON, check.answers),
        )


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
            lambda s, a: campaigns.list_campaigns(
                session=s, actor=a, filters=flt, first=first, after=after
            ),
            lambda s, a: campaigns.count_campaigns(session=s, actor=a, filters=flt),
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
            info, lambda s, a: campaigns.get_campaigns(session=s, actor=a, ids=[campaign_id])
        )
        return SurveyCampaign.from_model(found[0]) if found else None


ResultsCampaignId = Annotated[
    strawberry.ID, strawberry.argument(description="The campaign's global id (`SurveyCampaign`).")
]


@strawberry.type
class SurveyResultsQuery:
    @strawberry.field(
        description="A campaign's results in aggregate within your scope, per question, overall "
        "and (with `by`) by group. Refused (NOT_ALLOWED) to practitioners, administrators, "
        "partner-agency members and other roles; an unknown campaign is NOT_FOUND.",
        permission_classes=[IsAuthenticated],
    )
    async def survey_results(
        self,
        info: Info[Context, None],
        campaign_id: ResultsCampaignId,
        by: Annotated[
            ResultBreakdown | None,
            strawberry.argument(description="Break each question down by this; none if left out."),
        ] = None,
    ) -> SurveyResults:
        found = await read(
            info,
            lambda s, a: results.campaign_results(
                session=s,
                actor=a,
                policy_settings=info.context.settings.policy,
                campaign_id=decode_id(campaign_id, CAMPAIGN, "campaignId"),
                by=by,
            ),
        )
        return SurveyResults.from_domain(found, by)

    @strawberry.field(
        description="The free-text answers to one question of a campaign, newest first, for the "
        "QA Lead, the PSW, the AED and the DCS only (free text from a child can identify them); "
        "none when fewer than the minimum responded.",
        permission_classes=[IsAuthenticated],
    )
    async def survey_comments(
        self,
        info: Info[Context, None],
        campaign_id: ResultsCampaignId,
        question_key: Annotated[
            str, strawberry.argument(description="The key of a free-text question.")
        ],
        first: First = None,
        after: After = None,
    ) -> SurveyCommentConnection:
        policy_settings = info.context.settings.policy
        page = await read(
            info,
            lambda s, a: survey_comments.list_comments(
                session=s,
                actor=a,
                policy_settings=policy_settings,
                campaign_id=decode_id(campaign_id, CAMPAIGN, "campaignId"),
                question_key=question_key,
                first=first,
                after=after,
            ),
        )

        async def total() -> int:
            return await read(
                info,
                lambda s, a: survey_comments.count_comments(
                    session=s,
                    actor=a,
                    policy_settings=policy_settings,
                    campaign_id=decode_id(campaign_id, CAMPAIGN, "campaignId"),
                    question_key=question_key,
                ),
            )

        return SurveyCommentConnection.from_page(page, total)
