"""What the register's tests share: recording a compliment or complaint about a team, and
reading a complaint's obligations."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from domain.audits.models import Theme
from domain.core.settings import PolicySettings
from domain.deadlines.models import Obligation
from domain.feedback import service as feedback
from domain.feedback.models import FeedbackCategory, FeedbackRecord, FeedbackSource
from domain.people.models import Person, Team
from tests.conftest import World
from tests.domain.audits.helpers import Authority, act

POLICY = PolicySettings()


def details(
    team: Team,
    received_on: date,
    *,
    category: FeedbackCategory = FeedbackCategory.COMMUNICATION,
    theme_ids: tuple[uuid.UUID, ...] = (),
) -> feedback.FeedbackDetails:
    return feedback.FeedbackDetails(
        received_on=received_on,
        source=FeedbackSource.PARENT_CARER,
        category=category,
        summary="The parent was not told the date of the review meeting.",
        team_id=team.id,
        theme_ids=theme_ids,
    )


async def complaint(
    auth: Authority,
    team: Team,
    received_on: date,
    *,
    by: Person | None = None,
    responder: Person | None = None,
    category: FeedbackCategory = FeedbackCategory.COMMUNICATION,
    theme_ids: tuple[uuid.UUID, ...] = (),
) -> FeedbackRecord:
    return await act(
        auth.world,
        feedback.record_complaint,
        auth.actor(by or auth.qa_lead),
        details=details(team, received_on, category=category, theme_ids=theme_ids),
        responder_id=responder.id if responder else None,
        policy_settings=POLICY,
    )


async def compliment(
    auth: Authority,
    team: Team,
    received_on: date,
    *,
    category: FeedbackCategory = FeedbackCategory.QUALITY_OF_SERVICE,
    theme_ids: tuple[uuid.UUID, ...] = (),
) -> FeedbackRecord:
    return await act(
        auth.world,
        feedback.record_compliment,
        auth.actor(auth.qa_lead),
        details=details(team, received_on, category=category, theme_ids=theme_ids),
    )


async def owed(world: World, record_id: uuid.UUID) -> dict[str, Obligation]:
    """The complaint's obligations by kind."""
    async with world.session_factory() as s:
        rows = await s.scalars(select(Obligation).where(Obligation.subject_id == record_id))
        return {o.kind.value: o for o in rows}


async def themes(world: World) -> list[Theme]:
    async with world.session_factory() as s:
        return list(await s.scalars(select(Theme).order_by(Theme.name)))
