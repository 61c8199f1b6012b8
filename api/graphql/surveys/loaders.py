"""Per-request loaders for surveys and campaigns: by id as far as the caller may see them, and
every campaign in a response gets its progress and its sending progress from one statement each.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.graphql.core.loaders import Loader, Loaders, lists_of, visible_by_id
from domain.core.clock import Clock, DailyWindow
from domain.core.roles import Actor
from domain.surveys import campaigns, dispatch, models
from domain.surveys.definitions import publishing as surveys


async def _surveys(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, models.Survey]:
    return {s.id: s for s in await surveys.get_surveys(session=session, actor=actor, ids=ids)}


async def _campaigns(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, models.SurveyCampaign]:
    found = await campaigns.get_campaigns(session=session, actor=actor, ids=ids)
    return {c.id: c for c in found}


SURVEY: Loader[uuid.UUID, models.Survey | None] = visible_by_id(_surveys)
SURVEY_VERSION: Loader[uuid.UUID, models.SurveyVersion | None] = visible_by_id(
    lambda s, a, ids: surveys.get_versions(session=s, actor=a, ids=ids)
)
SURVEY_CAMPAIGN: Loader[uuid.UUID, models.SurveyCampaign | None] = visible_by_id(_campaigns)
INVITATION_FAILURE: Loader[uuid.UUID, models.SurveyInvitation | None] = visible_by_id(
    lambda s, a, ids: campaigns.get_failures(session=s, actor=a, ids=ids)
)
CAMPAIGN_PROGRESS: Loader[uuid.UUID, campaigns.Progress] = lists_of(
    lambda s, ids: campaigns.progress_of(session=s, campaign_ids=ids)
)


@dataclass(frozen=True)
class Sending:
    """What a campaign's sending progress is measured against: the request's clock, the
    channels configured here and the sending hours."""

    clock: Clock
    configured: frozenset[models.Channel]
    window: DailyWindow


@dataclass(frozen=True)
class CampaignSending:
    """A campaign to measure, with the request's `Sending` (the same for every key of a
    request, so a batch reads it from its first key)."""

    campaign_id: uuid.UUID
    sending: Sending


async def _dispatch(
    loaders: Loaders, keys: list[CampaignSending]
) -> list[dispatch.DispatchProgress]:
    sending = keys[0].sending
    async with loaders.session_factory() as session:
        found = await dispatch.dispatch_progress(
            session=session,
            clock=sending.clock,
            campaign_ids=[k.campaign_id for k in keys],
            configured=sending.configured,
            window=sending.window,
        )
    return [found[k.campaign_id] for k in keys]


CAMPAIGN_DISPATCH: Loader[CampaignSending, dispatch.DispatchProgress] = Loader(
    _dispatch, cache_key=lambda k: k.campaign_id
)
