"""Helpers for survey campaign tests: the default surveys as `qaf migrate` leaves them, a
campaign of the annual survey with some invitations, and each invitation's link token."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain.children.models import Child
from domain.core.roles import Actor
from domain.people.models import Team
from domain.surveys import campaigns
from domain.surveys.campaigns import Invitee
from domain.surveys.definitions import reference as survey_reference
from domain.surveys.models import (
    CampaignKind,
    Channel,
    SurveyCampaign,
    SurveyInvitation,
    SurveyVersion,
)
from tests.conftest import World
from tests.domain.audits.helpers import Authority


async def survey_defaults(world: World) -> None:
    async with world.session_factory() as s, s.begin():
        await survey_reference.ensure_defaults(session=s, clock=world.clock)


def token_key(world: World) -> str:
    return world.settings.survey_token_key.get_secret_value()


@dataclass
class Campaign:
    campaign: SurveyCampaign
    invitations: list[SurveyInvitation]
    tokens: list[str]


async def annual_campaign(
    world: World,
    runner: Actor,
    invitees: Sequence[Invitee],
    *,
    launch: bool = True,
    days_open: int = 28,
    reminder_days: Sequence[int] = (7,),
    kind: CampaignKind = CampaignKind.ANNUAL_SURVEY,
    survey_key: str = "annual_children_and_families",
) -> Campaign:
    """A campaign opening now, with these invitees, launched unless asked not to be."""
    now = world.clock.now()
    async with world.session_factory() as s, s.begin():
        campaign = await campaigns.create_campaign(
            session=s,
            actor=runner,
            clock=world.clock,
            name="Annual survey 2026",
            kind=kind,
            survey_key=survey_key,
            opens_at=now,
            closes_at=now + timedelta(days=days_open),
            reminder_days=reminder_days,
        )
        invited = await campaigns.add_invitations(
            session=s,
            actor=runner,
            clock=world.clock,
            token_key=token_key(world),
            campaign_id=campaign.id,
            invitees=invitees,
        )
        if launch:
            await campaigns.launch_campaign(
                session=s, actor=runner, clock=world.clock, campaign_id=campaign.id
            )
    made = [campaigns.token_of(i, token_key(world)) for i in invited.created]
    return Campaign(campaign, invited.created, [t for t in made if t is not None])


def printed_for(children_refs: Sequence[str]) -> list[Invitee]:
    return [Invitee(channel=Channel.PRINT, child_reference=ref) for ref in children_refs]


def emails_for(authority: Authority, children_refs: Sequence[str]) -> list[Invitee]:
    return [
        Invitee(
            channel=Channel.EMAIL,
            child_reference=ref,
            contact=f"family.{uuid.uuid4().hex[:8]}@example.org",
        )
        for ref in children_refs
    ]


def valid_answers(
    definition: dict[str, Any], *, text: str = "More time with my worker"
) -> dict[str, Any]:
    """An answer to every question of a stored version: a happy face, 7 out of 10, the first
    option (or options), and some words."""
    answers: dict[str, Any] = {}
    for q in definition["questions"]:
        match q["type"]:
            case "EMOJI_SCALE":
                answers[q["key"]] = 4
            case "SCALE_0_10":
                answers[q["key"]] = 7
            case "SINGLE_CHOICE":
                answers[q["key"]] = q["options"][0]["key"]
            case "MULTIPLE_CHOICE":
                answers[q["key"]] = [q["options"][0]["key"]]
            case "FREE_TEXT":
                answers[q["key"]] = text
    return answers


async def young_child(world: World, team: Team, reference: str, *, age: int = 6) -> Child:
    """A child of `age` (under 8 by default: they answer the faces version)."""
    now = world.clock.now()
    child = Child(
        case_reference=reference,
        team_id=team.id,
        date_of_birth=date(now.year - age, 1, 15),
        child_in_need=True,
        created_at=now,
        updated_at=now,
    )
    async with world.session_factory() as s, s.begin():
        s.add(child)
    return child


async def definition_of(world: World, invitation: SurveyInvitation) -> dict[str, Any]:
    """The definition of the survey version an invitation asks about."""
    async with world.session_factory() as s:
        version = await s.get(SurveyVersion, invitation.survey_version_id)
        assert version is not None
        return dict(version.definition)
