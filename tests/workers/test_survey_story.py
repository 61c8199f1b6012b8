"""The annual survey from start to close, through GraphQL, the real worker jobs (an arq burst
worker on a clock the test moves), a real SMTP server and the phone page: the QA Lead invites
three families by email and launches; the worker sends each invitation once; one family
answers on their phone, one asks for no more surveys; a week later only the third is
reminded; at the closing time the worker closes the campaign, erases every contact detail,
and the third family's link says the survey has closed. Results stay hidden while fewer than
five have answered."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import select

from domain.core.clock import LONDON, SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.deadlines.calendar import local_day
from domain.surveys.models import SurveyInvitation, SurveyVersion
from tests.conftest import GraphQL, World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import valid_answers
from tests.smtp import Inbox
from tests.workers.burst import run_jobs
from workers.jobs import send_invitations, survey_campaign_timekeeping

LINK = re.compile(r"/s/([a-z2-7]{26})\b")


async def run_worker(
    settings: Settings, clock: SettableClock, session_factory: SessionFactory, step: str
) -> None:
    """Both survey jobs once, as the crons would run them at the clock's time."""
    functions = [survey_campaign_timekeeping, send_invitations]
    jobs = [("survey_campaign_timekeeping", f"{step}:time"), ("send_invitations", f"{step}:send")]
    await run_jobs(settings, clock, session_factory, functions, jobs)


def link_in(message: Any) -> str:
    body = message.get_payload(decode=True)
    text = body.decode() if body else message.get_payload()
    found = LINK.search(text)
    assert found, text
    return found.group(1)


async def form_answers(world: World, token: str) -> dict[str, Any]:
    async with world.session_factory() as s:
        rows = list(await s.execute(select(SurveyInvitation.survey_version_id)))
        versions = {v.id: v.definition for v in await s.scalars(select(SurveyVersion))}
    definition = versions[rows[0][0]]
    fields: list[tuple[str, str]] = []
    for key, value in valid_answers(definition).items():
        for one in value if isinstance(value, list) else [value]:
            fields.append((f"a.{key}", str(one)))
    return {"fields": fields}


async def test_the_annual_survey_goes_out_is_answered_reminded_and_closed_by_the_workers(
    world: World,
    gql: GraphQL,
    client: httpx.AsyncClient,
    clock: SettableClock,
    settings: Settings,
    session_factory: SessionFactory,
    smtp: tuple[Inbox, int],
    redis: object,
    town: Authority,
) -> None:
    inbox, port = smtp
    worker_settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    families = ["one@example.org", "two@example.org", "three@example.org"]
    now = clock.now()

    made = await gql(
        """mutation($input: CreateSurveyCampaignInput!) { createSurveyCampaign(input: $input) {
          surveyCampaign { id } errors { message } } }""",
        {
            "input": {
                "name": "Annual survey 2026",
                "kind": "ANNUAL_SURVEY",
                "surveyKey": "annual_children_and_families",
                "opensAt": now.isoformat(),
                "closesAt": (now + timedelta(days=21)).isoformat(),
                "reminderDays": [7],
            }
        },
        as_=town.qa_lead,
    )
    campaign_id = made["data"]["createSurveyCampaign"]["surveyCampaign"]["id"]
    invitees = [
        {"channel": "EMAIL", "childReference": child.case_reference, "contact": address}
        for child, address in zip(town.bob_children, families, strict=True)
    ]
    invited = await gql(
        """mutation($id: ID!, $invitees: [SurveyInviteeInput!]!) {
          inviteToSurveyCampaign(campaignId: $id, invitees: $invitees) { invited } }""",
        {"id": campaign_id, "invitees": invitees},
        as_=town.qa_lead,
    )
    assert invited["data"]["inviteToSurveyCampaign"]["invited"] == 3
    await gql(
        "mutation($id: ID!) { launchSurveyCampaign(campaignId: $id) { errors { message } } }",
        {"id": campaign_id},
        as_=town.qa_lead,
    )

    # The worker sends each invitation once.
    await run_worker(worker_settings, clock, session_factory, "day-0")
    await run_worker(worker_settings, clock, session_factory, "day-0-again")
    assert sorted(m["To"] for m in inbox.messages) == sorted(families)
    links = {address: link_in(inbox.to(address)[0]) for address in families}

    # Family one answers on their phone; family two asks for no more surveys.
    page = await client.get(f"/s/{links[families[0]]}")
    assert page.status_code == 200
    submission = re.search(r'name="submission_id" value="([^"]+)"', page.text)
    assert submission
    answers = await form_answers(world, links[families[0]])
    thanks = await client.post(
        f"/s/{links[families[0]]}",
        content=urlencode(
            [("submission_id", submission.group(1)), ("lang", "en"), *answers["fields"]]
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    stopped = await client.post(f"/s/{links[families[1]]}/stop")
    assert stopped.status_code == 200

    # A week later the reminder is due, but at 21:00 nobody is messaged: it waits for the
    # sending hours (08:00-20:00 London by default), and the runner can see until when.
    clock.advance(timedelta(days=7, hours=11))
    assert clock.now().astimezone(LONDON).hour == 21
    await run_worker(worker_settings, clock, session_factory, "day-7-night")
    assert len(inbox.messages) == 3
    waiting = await gql(
        """query($id: ID!) { surveyCampaign(id: $id) { dispatch { dueNow pausedUntil } } }""",
        {"id": campaign_id},
        as_=town.qa_lead,
    )
    morning = datetime.combine(
        local_day(clock.now()) + timedelta(days=1), time(8), tzinfo=LONDON
    ).astimezone(UTC)
    assert waiting["data"]["surveyCampaign"]["dispatch"] == {
        "dueNow": 1,
        "pausedUntil": morning.isoformat(),
    }

    # At 08:00 only family three, who has not answered, is reminded, once.
    clock.set(morning)
    await run_worker(worker_settings, clock, session_factory, "day-7")
    await run_worker(worker_settings, clock, session_factory, "day-7-again")
    assert [len(inbox.to(a)) for a in families] == [1, 1, 2]
    assert link_in(inbox.to(families[2])[1]) == links[families[2]]
    assert len({m["Message-ID"] for m in inbox.messages}) == 4

    # While fewer than five have answered, the results show nothing.
    results = await gql(
        """query($id: ID!) { surveyResults(campaignId: $id) { suppressed questions { key } } }""",
        {"id": campaign_id},
        as_=town.qa_lead,
    )
    assert results["data"]["surveyResults"] == {"suppressed": True, "questions": []}

    # At the closing time the worker closes it and erases every contact detail.
    clock.advance(timedelta(days=14))
    await run_worker(worker_settings, clock, session_factory, "day-21")
    progress = await gql(
        """query($id: ID!) { surveyCampaign(id: $id) { state
          progress { answered optedOut expired } } }""",
        {"id": campaign_id},
        as_=town.psw,
    )
    assert progress["data"]["surveyCampaign"] == {
        "state": "CLOSED",
        "progress": {"answered": 1, "optedOut": 1, "expired": 1},
    }
    async with session_factory() as s:
        rows = list(await s.scalars(select(SurveyInvitation)))
    assert all(r.contact is None and r.token_salt is None for r in rows)
    closed = await client.get(f"/s/{links[families[2]]}")
    assert closed.status_code == 410 and "closed" in closed.text
    assert len(inbox.messages) == 4
