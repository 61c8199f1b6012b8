"""What the survey results tests share: the default surveys as `qaf migrate` seeds them, and
campaigns and responses made directly, as the respondents' submit path inserts them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from domain.people.models import Service, Team
from domain.surveys.definitions import Audience, reference
from domain.surveys.models import (
    CampaignKind,
    CampaignState,
    Cohort,
    Survey,
    SurveyCampaign,
    SurveyResponse,
    SurveyVersion,
)
from tests.conftest import World
from tests.domain.audits.helpers import uow

ANNUAL = "annual_children_and_families"
STAFF = "staff_annual_health_check"


async def seed_surveys(world: World) -> None:
    await uow(world, reference.ensure_defaults, clock=world.clock)


async def version_of(world: World, survey_key: str, audience: Audience) -> SurveyVersion:
    async with world.session_factory() as s:
        found = await s.scalar(
            select(SurveyVersion)
            .join(Survey)
            .where(Survey.key == survey_key, SurveyVersion.audience == audience)
            .order_by(SurveyVersion.version.desc())
            .limit(1)
        )
    assert found is not None
    return found


async def campaign(
    world: World, survey_key: str, kind: CampaignKind, name: str = "Annual survey 2026"
) -> SurveyCampaign:
    now = world.clock.now()
    async with world.session_factory() as s, s.begin():
        survey = await s.scalar(select(Survey).where(Survey.key == survey_key))
        assert survey is not None
        made = SurveyCampaign(
            name=name,
            kind=kind,
            survey_id=survey.id,
            state=CampaignState.OPEN,
            opens_at=now - timedelta(days=30),
            closes_at=now + timedelta(days=30),
            reminder_days=[7, 14],
            created_at=now,
            updated_at=now,
            opened_at=now - timedelta(days=30),
        )
        s.add(made)
    return made


@dataclass
class Responder:
    """Inserts responses to one campaign, as the submit path will."""

    world: World
    campaign: SurveyCampaign

    async def add(
        self,
        version: SurveyVersion,
        answers: list[dict[str, Any]],
        *,
        team: Team | None = None,
        service: Service | None = None,
        cohort: Cohort = Cohort.OTHER,
        submitted_on: date = date(2026, 11, 20),
    ) -> list[uuid.UUID]:
        rows = [
            SurveyResponse(
                id=uuid.uuid4(),
                campaign_id=self.campaign.id,
                survey_version_id=version.id,
                audience=version.audience,
                team_id=team.id if team else None,
                service_id=service.id if service else (team.service_id if team else None),
                cohort=cohort,
                language="en",
                answers=a,
                submitted_on=submitted_on,
            )
            for a in answers
        ]
        async with self.world.session_factory() as s, s.begin():
            s.add_all(rows)
        return [r.id for r in rows]


def staff_answers(workload: int, **extra: Any) -> dict[str, Any]:
    return {
        "workload": workload,
        "supervision_quality": 7,
        "management_support": 8,
        "learning_development": 6,
        "wellbeing": 4,
        "recommend": "yes",
        **extra,
    }


def child_answers(difference: int, **extra: Any) -> dict[str, Any]:
    """An answer to the annual survey's version for children aged 8 to 12."""
    return {"help_difference": difference, **extra}
