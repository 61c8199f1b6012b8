"""Answers a mobile client completed offline before its campaign closed are taken for the
policy's grace period after the close (7 days by default), with their completion time kept; a
completion after the close is refused as such (409 COMPLETED_AFTER_CLOSE), an unbelievable one
as invalid, and after the grace period a closed link is closed as before. The token still
verifies once the campaign's salts and contact details are erased at the close: a link is found
by its token's hash, which closing keeps."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import Services, create_app
from domain.core.clock import SettableClock
from domain.core.settings import Settings
from domain.surveys import campaigns
from domain.surveys.models import (
    CampaignState,
    InvitationStatus,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
)
from tests.conftest import World, app_client
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import (
    Campaign,
    annual_campaign,
    definition_of,
    emails_for,
    valid_answers,
)

SURVEY = "/respond/v1/survey"
SUBMIT = "/respond/v1/submissions"
OPT_OUT = "/respond/v1/opt-out"


async def _campaign(world: World, town: Authority, *, days_open: int = 2) -> Campaign:
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    return await annual_campaign(
        world, town.actor(town.qa_lead), emails_for(town, refs), days_open=days_open
    )


async def _answers(world: World, invitation: SurveyInvitation) -> dict[str, Any]:
    return valid_answers(await definition_of(world, invitation))


async def _close_by_the_worker(world: World) -> None:
    async with world.session_factory() as s, s.begin():
        _, closed = await campaigns.keep_time(session=s, clock=world.clock)
    assert closed == 1


async def _invitation(world: World, invitation_id: uuid.UUID) -> SurveyInvitation:
    async with world.session_factory() as s:
        found = await s.get(SurveyInvitation, invitation_id)
        assert found is not None
        return found


async def _responses(world: World) -> int:
    async with world.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(SurveyResponse)) or 0)


async def _post(
    client: httpx.AsyncClient, token: str, answers: dict[str, Any], completed_at: Any = None
) -> httpx.Response:
    body: dict[str, Any] = {"submissionId": str(uuid.uuid4()), "answers": answers}
    if completed_at is not None:
        body["completedAt"] = (
            completed_at.isoformat() if isinstance(completed_at, datetime) else completed_at
        )
    return await client.post(SUBMIT, json=body, headers={"Survey-Token": token})


async def test_answers_completed_offline_before_the_close_are_taken_in_the_grace_period(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await _campaign(world, town)
    closes = made.campaign.closes_at
    answers = await _answers(world, made.invitations[0])
    world.clock.set(closes + timedelta(minutes=3))
    await _close_by_the_worker(world)
    closed = await _invitation(world, made.invitations[0].id)
    assert closed.status is InvitationStatus.EXPIRED
    assert closed.token_salt is None and closed.contact is None

    # Six days later, the phone is back online with answers finished an hour before the close.
    world.clock.set(closes + timedelta(days=6))
    completed = closes - timedelta(hours=1)
    taken = await _post(client, made.tokens[0], answers, completed.astimezone())
    assert taken.status_code == 201, taken.text
    assert datetime.fromisoformat(taken.json()["completedAt"]) == completed
    assert await _responses(world) == 1
    stored = await _invitation(world, made.invitations[0].id)
    assert stored.status is InvitationStatus.ANSWERED
    assert stored.completed_at == completed and stored.answered_at == world.clock.now()

    # Finished after the close: its own refusal, not a bare 410.
    late = await _post(client, made.tokens[1], answers, closes + timedelta(minutes=1))
    assert (late.status_code, late.json()["code"]) == (409, "COMPLETED_AFTER_CLOSE")
    assert "after the survey closed" in late.json()["message"]
    at_close = await _post(client, made.tokens[1], answers, closes)
    assert at_close.json()["code"] == "COMPLETED_AFTER_CLOSE"
    # Saying nothing about when: closed, as before. Nor does the survey open again.
    silent = await _post(client, made.tokens[1], answers)
    assert (silent.status_code, silent.json()["code"]) == (410, "EXPIRED")
    survey = await client.get(SURVEY, headers={"Survey-Token": made.tokens[1]})
    assert (survey.status_code, survey.json()["code"]) == (410, "EXPIRED")
    page = await client.post(f"/s/{made.tokens[1]}", data={"submission_id": str(uuid.uuid4())})
    assert page.status_code == 410 and "has closed" in page.text
    assert await _responses(world) == 1

    # The grace period is 7 days: after it, a closed link is closed.
    world.clock.set(closes + timedelta(days=7, minutes=4))
    over = await _post(client, made.tokens[2], answers, closes - timedelta(days=1))
    assert (over.status_code, over.json()["code"]) == (410, "EXPIRED")
    # The link's state comes first: a closed link says so whatever time it claims.
    future = await _post(client, made.tokens[2], answers, world.clock.now() + timedelta(days=1))
    assert (future.status_code, future.json()["code"]) == (410, "EXPIRED")
    # An opt-out still works after the close (the link stays closed).
    opted = await client.post(OPT_OUT, headers={"Survey-Token": made.tokens[3]})
    assert opted.status_code == 200
    after = await _post(client, made.tokens[3], answers, world.clock.now() + timedelta(days=1))
    assert (after.status_code, after.json()["code"]) == (410, "EXPIRED")
    assert await _responses(world) == 1


async def test_a_retry_of_a_late_answer_gets_its_receipt_again(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await _campaign(world, town)
    closes = made.campaign.closes_at
    answers = await _answers(world, made.invitations[0])
    world.clock.set(closes + timedelta(days=1))
    body = {
        "submissionId": "offline-0001",
        "answers": answers,
        "completedAt": (closes - timedelta(minutes=5)).isoformat(),
    }
    first = await client.post(SUBMIT, json=body, headers={"Survey-Token": made.tokens[0]})
    again = await client.post(SUBMIT, json=body, headers={"Survey-Token": made.tokens[0]})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["receipt"] == first.json()["receipt"] and again.json()["repeated"]
    assert again.json()["completedAt"] == first.json()["completedAt"]
    assert await _responses(world) == 1


async def test_a_campaign_closed_early_counts_from_when_it_was_closed(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await _campaign(world, town, days_open=10)
    answers = await _answers(world, made.invitations[0])
    world.clock.advance(timedelta(days=2))
    closed_at = world.clock.now()
    async with world.session_factory() as s, s.begin():
        await campaigns.close_campaign(
            session=s,
            actor=town.actor(town.qa_lead),
            clock=world.clock,
            campaign_id=made.campaign.id,
        )
    world.clock.advance(timedelta(days=1))
    after = await _post(client, made.tokens[0], answers, closed_at + timedelta(hours=2))
    assert (after.status_code, after.json()["code"]) == (409, "COMPLETED_AFTER_CLOSE")
    before = await _post(client, made.tokens[0], answers, closed_at - timedelta(hours=2))
    assert before.status_code == 201, before.text


async def test_a_completion_time_that_cannot_be_true_is_refused_as_invalid(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await _campaign(world, town, days_open=10)
    answers = await _answers(world, made.invitations[0])
    world.clock.advance(timedelta(hours=3))
    now = world.clock.now()
    for completed in [
        now + timedelta(minutes=30),  # the phone's clock is wrong
        now - timedelta(days=1),  # before the survey opened
        "2026-11-26",
        "2026-11-26T12:00:00",  # no offset
        "2026-11-26 12:00:00+00:00",
        "2026-02-30T12:00:00Z",
        "2026-11-26T25:00:00Z",
        "2026-11-26T12:00:00+24:00",
        "２026-11-26T12:00:00Z",  # noqa: RUF001 (a full-width digit, on purpose)
        "2026-11-26T12:00:00\u0663Z",
        "2026-11-26T12:00:00.1234567890Z",
        12345,
        ["2026-11-26T12:00:00Z"],
    ]:
        refused = await _post(client, made.tokens[0], answers, completed)
        assert refused.status_code == 422, (completed, refused.text)
        assert refused.json()["problems"] == [
            {"field": "completedAt", "code": "INVALID", "message": refused.json()["message"]}
        ]
    assert await _responses(world) == 0
    # A phone a couple of minutes fast is believed; so are Z and a fraction.
    fast = await _post(client, made.tokens[0], answers, now + timedelta(minutes=2))
    assert fast.status_code == 201, fast.text
    exact = await _post(client, made.tokens[1], answers, "2026-11-26T12:30:00.123456789Z")
    assert exact.status_code == 201, exact.text
    assert (
        await _invitation(world, made.invitations[1].id)
    ).completed_at == datetime.fromisoformat("2026-11-26T12:30:00.123456+00:00")


@pytest.fixture
async def no_grace_client(
    settings: Settings, clock: SettableClock, engine: AsyncEngine, redis: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    policy = settings.policy.model_copy(update={"survey_offline_grace_days": 0})
    strict = settings.model_copy(update={"policy": policy})
    services = Services(strict, clock=clock, engine=engine, redis=redis)
    async with app_client(create_app(strict, services=services)) as c:
        yield c


async def test_the_grace_period_is_a_policy_setting(
    no_grace_client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    assert Settings(_env_file=None).policy.survey_offline_grace_days == 7  # type: ignore[call-arg]
    made = await _campaign(world, town)
    answers = await _answers(world, made.invitations[0])
    world.clock.set(made.campaign.closes_at + timedelta(minutes=1))
    refused = await _post(
        no_grace_client, made.tokens[0], answers, made.campaign.closes_at - timedelta(hours=1)
    )
    assert (refused.status_code, refused.json()["code"]) == (410, "EXPIRED")


async def test_a_campaign_that_never_opened_takes_no_late_answers(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        emails_for(town, [town.ann_children[0].case_reference]),
        launch=False,
        days_open=1,
    )
    answers = await _answers(world, made.invitations[0])
    world.clock.advance(timedelta(days=1, minutes=5))
    async with world.session_factory() as s, s.begin():
        await campaigns.keep_time(session=s, clock=world.clock)
        campaign = await s.get(SurveyCampaign, made.campaign.id)
        assert campaign is not None and campaign.state is CampaignState.CLOSED
    refused = await _post(
        client, made.tokens[0], answers, made.campaign.closes_at - timedelta(hours=1)
    )
    assert (refused.status_code, refused.json()["code"]) == (410, "EXPIRED")
