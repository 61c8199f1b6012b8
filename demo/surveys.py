"""The demo's survey campaigns, so that `make run` shows campaigns, their progress and results:
the annual survey of a sample of children and families (with parents and carers), open for a
month more, about half answered; and the staff Annual Health Check of every team, most
answered. Written through the domain's own use cases: the QA Lead creates, samples, invites
and launches, and each answer goes through `respond.submit` with its link, as a phone would.
Runs once: campaigns are found by name.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.roles import Actor
from domain.people.models import Person, Team
from domain.people.service import actor_for_person
from domain.surveys import campaigns
from domain.surveys.definitions import reference as survey_reference
from domain.surveys.models import (
    CampaignKind,
    SurveyCampaign,
    SurveyInvitation,
    SurveyVersion,
)
from domain.surveys.responses import respond

ANNUAL = "Annual survey of children and families (demo)"
STAFF = "Staff Annual Health Check (demo)"
SAMPLE_SIZE = 120
SAY = [
    "My worker listens to me and explains things.",
    "I would like to see my worker more often.",
    "Things at home are calmer now.",
    "It took a long time for anyone to call back.",
    "The family group meeting really helped us.",
    "I did not understand the plan at first.",
]


@dataclass(frozen=True)
class SurveyDemoSummary:
    campaigns: int
    invitations: int
    responses: int


def _answers(definition: dict[str, Any], rng: random.Random, mood: float) -> dict[str, Any]:
    """Plausible answers: a respondent's `mood` (0 to 1) leans every scale one way."""
    out: dict[str, Any] = {}
    for q in definition["questions"]:
        if not q.get("required") and rng.random() < 0.15:
            continue
        match q["type"]:
            case "EMOJI_SCALE":
                out[q["key"]] = max(1, min(5, round(1 + 4 * mood + rng.uniform(-1, 1))))
            case "SCALE_0_10":
                out[q["key"]] = max(0, min(10, round(10 * mood + rng.uniform(-2, 2))))
            case "SINGLE_CHOICE":
                out[q["key"]] = rng.choice(q["options"])["key"]
            case "MULTIPLE_CHOICE":
                keys = [o["key"] for o in q["options"]]
                out[q["key"]] = rng.sample(keys, k=rng.randint(1, min(2, len(keys))))
            case "FREE_TEXT":
                if rng.random() < 0.4:
                    out[q["key"]] = rng.choice(SAY)[: q.get("maxLength") or 500]
    return out


async def _answer_some(
    session: AsyncSession,
    clock: Clock,
    token_key: str,
    invitations: list[SurveyInvitation],
    share: float,
    rng: random.Random,
) -> int:
    versions = {
        v.id: v.definition
        for v in await session.scalars(
            select(SurveyVersion).where(
                SurveyVersion.id.in_({i.survey_version_id for i in invitations})
            )
        )
    }
    answered = 0
    for invitation in invitations:
        if rng.random() >= share:
            continue
        token = campaigns.token_of(invitation, token_key)
        if token is None:
            continue
        await respond.submit(
            session=session,
            clock=clock,
            token=token,
            submission_id=str(uuid.UUID(int=rng.getrandbits(128))),
            answers=_answers(versions[invitation.survey_version_id], rng, rng.betavariate(4, 2)),
        )
        answered += 1
    return answered


@dataclass(frozen=True)
class _CampaignPlan:
    name: str
    kind: CampaignKind
    survey_key: str
    opened_days_ago: int
    closes_in_days: int
    reminder_days: tuple[int, ...]
    answered: float  # the share of invitations answered


CAMPAIGNS = (
    _CampaignPlan(
        ANNUAL, CampaignKind.ANNUAL_SURVEY, "annual_children_and_families", 21, 30, (7, 14), 0.55
    ),
    _CampaignPlan(STAFF, CampaignKind.STAFF_SURVEY, "staff_annual_health_check", 14, 14, (7,), 0.8),
)


async def _invite(
    session: AsyncSession,
    clock: Clock,
    qa_lead: Actor,
    token_key: str,
    campaign: SurveyCampaign,
    kind: CampaignKind,
) -> list[SurveyInvitation]:
    """The annual survey's sample of children and families (with parents and carers), or
    every team for the staff survey."""
    if kind is CampaignKind.ANNUAL_SURVEY:
        sample = await campaigns.draw_sample(
            session=session,
            actor=qa_lead,
            clock=clock,
            token_key=token_key,
            campaign_id=campaign.id,
            request=campaigns.SampleRequest(size=SAMPLE_SIZE, include_parent_carers=True),
        )
        return sample.created
    team_ids = list(await session.scalars(select(Team.id)))
    staff = await campaigns.invite_teams(
        session=session,
        actor=qa_lead,
        clock=clock,
        token_key=token_key,
        campaign_id=campaign.id,
        team_ids=team_ids,
    )
    return staff.created


async def seed_demo_surveys(
    *, session: AsyncSession, clock: Clock, people: dict[str, Person], token_key: str
) -> SurveyDemoSummary:
    await survey_reference.ensure_defaults(session=session, clock=clock)
    existing = set(
        await session.scalars(
            select(SurveyCampaign.name).where(SurveyCampaign.name.in_([ANNUAL, STAFF]))
        )
    )
    qa_lead = await actor_for_person(session, people["qa-lead"])
    rng = random.Random(2026)  # noqa: S311 - demo answers, not a secret
    now = clock.now()
    made = invited = answered = 0
    for plan in CAMPAIGNS:
        if plan.name in existing:
            continue
        campaign = await campaigns.create_campaign(
            session=session,
            actor=qa_lead,
            clock=clock,
            name=plan.name,
            kind=plan.kind,
            survey_key=plan.survey_key,
            opens_at=now - timedelta(days=plan.opened_days_ago),
            closes_at=now + timedelta(days=plan.closes_in_days),
            reminder_days=list(plan.reminder_days),
        )
        created = await _invite(session, clock, qa_lead, token_key, campaign, plan.kind)
        await campaigns.launch_campaign(
            session=session, actor=qa_lead, clock=clock, campaign_id=campaign.id
        )
        made += 1
        invited += len(created)
        answered += await _answer_some(session, clock, token_key, created, plan.answered, rng)
    return SurveyDemoSummary(campaigns=made, invitations=invited, responses=answered)
