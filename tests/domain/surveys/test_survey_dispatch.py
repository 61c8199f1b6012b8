"""Sending survey invitations and reminders (domain.surveys.dispatch) to a real SMTP server
the test runs: reminders go only to those who have not answered, stop at the campaign's close
and at an opt-out (even one made while the invitation was being sent); failures are kept on
the invitation and retried after a back-off until it is FAILED; the rate is shared by two
dispatchers at once; nothing goes for a campaign that is not open; and no contact or link is
ever written to the outbox."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from domain.notifications import email, outbox
from domain.notifications.models import OutboxMessage
from domain.notifications.senders import Email, EmailSender, SendFailed
from domain.notifications.throttle import Throttle
from domain.surveys import campaigns, dispatch
from domain.surveys.campaigns import Invitee
from domain.surveys.definitions import Audience
from domain.surveys.models import (
    CampaignState,
    Channel,
    InvitationStatus,
    SurveyInvitation,
    SurveyVersion,
)
from domain.surveys.responses import respond
from tests.conftest import NOW, World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import (
    Campaign,
    annual_campaign,
    emails_for,
    token_key,
    valid_answers,
)
from tests.smtp import Inbox, free_port


@pytest.fixture
async def bucket(redis: Redis) -> AsyncIterator[Throttle]:
    yield Throttle(redis, f"test:throttle:{uuid.uuid4()}", 1000)


def _lanes(port: int, n: int = 2) -> list[EmailSender]:
    sender = email.SmtpSender(host="127.0.0.1", port=port, sender="surveys@qaf.test")
    return [sender.connection() for _ in range(n)]


async def _progress(world: World, campaign_id: uuid.UUID) -> dispatch.DispatchProgress:
    """A campaign's sending progress as the API reads it, with the test settings."""
    async with world.session_factory() as s:
        found = await dispatch.dispatch_progress(
            session=s,
            clock=world.clock,
            campaign_ids=[campaign_id],
            configured=dispatch.configured_channels(world.settings),
            window=world.settings.survey_sending_window,
        )
    return found[campaign_id]


async def _dispatch(
    world: World,
    lanes: Sequence[EmailSender],
    bucket: Throttle,
    *,
    worker_id: str = "test-worker",
    channel: Channel = Channel.EMAIL,
    limit: int | None = None,
) -> dispatch.BatchResult:
    """Batches until nothing is due, as the worker's job does."""
    total = dispatch.BatchResult()
    while True:
        result = await dispatch.send_batch(
            session_factory=world.session_factory,
            clock=world.clock,
            throttle=bucket,
            lanes=lanes,
            channel=channel,
            worker_id=worker_id,
            token_key=token_key(world),
            public_base_url=world.settings.public_base_url,
            claim_timeout=timedelta(minutes=5),
            sending_hours=world.settings.survey_sending_window,
            limit=limit,
        )
        total.claimed += result.claimed
        total.sent += result.sent
        total.failed += result.failed
        total.skipped += result.skipped
        if result.claimed == 0 or result.released:
            for lane in lanes:
                await lane.aclose()
            return total


async def _invitations(world: World, made: Campaign) -> dict[uuid.UUID, SurveyInvitation]:
    async with world.session_factory() as s:
        rows = await s.scalars(
            select(SurveyInvitation).where(SurveyInvitation.campaign_id == made.campaign.id)
        )
        return {i.id: i for i in rows}


def _contacts(made: Campaign) -> list[str]:
    return [i.contact for i in made.invitations if i.contact]


async def _answer(world: World, made: Campaign, n: int) -> None:
    async with world.session_factory() as s:
        version = await s.get(SurveyVersion, made.invitations[n].survey_version_id)
        assert version is not None
        definition = dict(version.definition)
    async with world.session_factory() as s, s.begin():
        await respond.submit(
            session=s,
            clock=world.clock,
            token=made.tokens[n],
            submission_id=str(uuid.uuid4()),
            answers=valid_answers(definition),
        )


async def _opt_out(world: World, made: Campaign, n: int) -> None:
    async with world.session_factory() as s, s.begin():
        await respond.opt_out(session=s, clock=world.clock, token=made.tokens[n])


async def test_invitations_go_once_then_reminders_only_to_those_who_have_not_answered(
    world: World, town: Authority, smtp: tuple[Inbox, int], bucket: Throttle
) -> None:
    inbox, port = smtp
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    made = await annual_campaign(
        world, town.actor(town.qa_lead), emails_for(town, refs), reminder_days=(3, 7)
    )
    started = world.clock.now()
    first = await _dispatch(world, _lanes(port), bucket)
    assert first.sent == 6 and first.failed == 0
    assert len(inbox.messages) == 6
    # Again at once: nothing more is due.
    assert (await _dispatch(world, _lanes(port), bucket)).claimed == 0
    rows = await _invitations(world, made)
    for invitation in rows.values():
        assert invitation.status is InvitationStatus.SENT
        assert invitation.sends_done == 1 and invitation.sent_at == started
        assert invitation.next_send_at == started + timedelta(days=3)
        assert invitation.claimed_at is None and invitation.attempts == 0

    # Each email: its link, a way to stop, its deterministic Message-ID; no case reference.
    for n, invitation in enumerate(made.invitations):
        (message,) = inbox.to(_contacts(made)[n])
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        body = payload.decode()
        assert f"{world.settings.public_base_url}/s/{made.tokens[n]}" in body.splitlines()
        assert f"/s/{made.tokens[n]}/stop" in body
        assert message["Message-ID"] == email.message_id(dispatch.send_key(invitation.id, 0))
        assert not any(ref in body or ref in message["Subject"] for ref in refs)

    # One answers, one opts out; three days on, the other four are reminded.
    await _answer(world, made, 0)
    await _opt_out(world, made, 1)
    world.clock.advance(timedelta(days=3, minutes=1))
    assert (await _dispatch(world, _lanes(port), bucket)).sent == 4
    reminded = {m["To"] for m in inbox.messages[6:]}
    assert reminded == set(_contacts(made)[2:])
    assert all(m["Subject"].startswith("Reminder:") for m in inbox.messages[6:])
    rows = await _invitations(world, made)
    for n, invitation in enumerate(made.invitations):
        row = rows[invitation.id]
        if n < 2:
            assert row.sends_done == 1 and row.next_send_at is None
        else:
            assert row.sends_done == 2 and row.last_reminded_at == world.clock.now()
            assert row.next_send_at == started + timedelta(days=7)

    # Seven days on, the second and last reminder; then nothing is due ever again.
    world.clock.advance(timedelta(days=4))
    assert (await _dispatch(world, _lanes(port), bucket)).sent == 4
    world.clock.advance(timedelta(days=30))
    assert (await _dispatch(world, _lanes(port), bucket)).claimed == 0
    rows = await _invitations(world, made)
    assert [rows[i.id].sends_done for i in made.invitations] == [1, 1, 3, 3, 3, 3]
    assert all(r.next_send_at is None for r in rows.values())
    assert len({m["Message-ID"] for m in inbox.messages}) == len(inbox.messages) == 14


async def test_reminders_stop_at_the_campaigns_close(
    world: World, town: Authority, smtp: tuple[Inbox, int], bucket: Throttle
) -> None:
    inbox, port = smtp
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        emails_for(town, [town.cat_children[0].case_reference]),
        days_open=5,
        reminder_days=(3, 7),
    )
    await _dispatch(world, _lanes(port), bucket)
    world.clock.advance(timedelta(days=3))
    await _dispatch(world, _lanes(port), bucket)
    assert len(inbox.messages) == 2
    (row,) = (await _invitations(world, made)).values()
    assert row.sends_done == 2 and row.next_send_at is None  # day 7 is after the close
    # Closed on time: nothing is sent, and the contact details are gone.
    world.clock.advance(timedelta(days=3))
    async with world.session_factory() as s, s.begin():
        assert await campaigns.keep_time(session=s, clock=world.clock) == (0, 1)
    (row,) = (await _invitations(world, made)).values()
    assert row.status is InvitationStatus.EXPIRED and row.contact is None


async def test_nobody_is_messaged_outside_the_sending_hours(
    world: World, town: Authority, smtp: tuple[Inbox, int], bucket: Throttle
) -> None:
    """Launched at 20:30 London time, the invitations wait for 08:00 (default sending hours
    08:00-20:00); the runner sees until when."""
    inbox, port = smtp
    world.clock.set(NOW.replace(hour=20, minute=30))  # November: London is on UTC
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        emails_for(town, [c.case_reference for c in town.cat_children]),
    )
    await _dispatch(world, _lanes(port), bucket)
    assert inbox.messages == []
    morning = NOW.replace(hour=8, minute=0) + timedelta(days=1)
    progress = await _progress(world, made.campaign.id)
    assert progress.due_now == len(town.cat_children) and progress.paused_until == morning
    world.clock.set(morning - timedelta(minutes=1))
    await _dispatch(world, _lanes(port), bucket)
    assert inbox.messages == []
    world.clock.set(morning)
    await _dispatch(world, _lanes(port), bucket)
    assert len(inbox.messages) == len(town.cat_children)


async def test_nothing_is_sent_for_a_draft_scheduled_or_closed_campaign(
    world: World, town: Authority, smtp: tuple[Inbox, int], bucket: Throttle
) -> None:
    inbox, port = smtp
    runner = town.actor(town.qa_lead)
    draft = await annual_campaign(
        world, runner, emails_for(town, [town.ann_children[0].case_reference]), launch=False
    )
    closed = await annual_campaign(
        world, runner, emails_for(town, [town.bob_children[0].case_reference])
    )
    async with world.session_factory() as s, s.begin():
        await campaigns.close_campaign(
            session=s, actor=runner, clock=world.clock, campaign_id=closed.campaign.id
        )
    # Scheduled: launched before it opens (its invitations are due when it opens).
    async with world.session_factory() as s, s.begin():
        later = await campaigns.create_campaign(
            session=s,
            actor=runner,
            clock=world.clock,
            name="Next month",
            kind=closed.campaign.kind,
            survey_key="annual_children_and_families",
            opens_at=world.clock.now() + timedelta(days=2),
            closes_at=world.clock.now() + timedelta(days=30),
        )
        await campaigns.add_invitations(
            session=s,
            actor=runner,
            clock=world.clock,
            token_key=token_key(world),
            campaign_id=later.id,
            invitees=emails_for(town, [town.cat_children[0].case_reference]),
        )
        launched = await campaigns.launch_campaign(
            session=s, actor=runner, clock=world.clock, campaign_id=later.id
        )
        assert launched.state is CampaignState.SCHEDULED
    world.clock.advance(timedelta(days=3))  # due, but not yet opened by the timekeeping
    assert (await _dispatch(world, _lanes(port), bucket)).claimed == 0
    assert inbox.messages == []
    async with world.session_factory() as s, s.begin():
        await campaigns.keep_time(session=s, clock=world.clock)
    assert (await _dispatch(world, _lanes(port), bucket)).sent == 1  # opened: now it goes
    assert len(inbox.messages) == 1
    assert draft.invitations[0].contact not in {m["To"] for m in inbox.messages}


async def test_a_failed_send_is_kept_retried_after_a_back_off_and_failed_after_five(
    world: World, town: Authority, smtp: tuple[Inbox, int], bucket: Throttle
) -> None:
    inbox, port = smtp
    runner = town.actor(town.psw)
    made = await annual_campaign(
        world, runner, emails_for(town, [c.case_reference for c in town.dan_children])
    )
    broken = _lanes(free_port(), 1)  # nobody listens there
    for attempt in range(1, dispatch.MAX_SEND_ATTEMPTS + 1):
        result = await _dispatch(world, broken, bucket)
        assert result.failed == 3, attempt
        rows = await _invitations(world, made)
        for row in rows.values():
            assert row.attempts == attempt and row.last_error and row.claimed_at is None
            if attempt < dispatch.MAX_SEND_ATTEMPTS:
                assert row.status is InvitationStatus.QUEUED
                assert row.next_send_at == world.clock.now() + outbox.backoff(attempt)
            else:
                assert row.status is InvitationStatus.FAILED and row.next_send_at is None
        # Not before its back-off.
        assert (await _dispatch(world, broken, bucket)).claimed == 0
        world.clock.advance(outbox.backoff(attempt))
    assert (await _dispatch(world, _lanes(port), bucket)).claimed == 0  # given up

    async with world.session_factory() as s:
        progress = await dispatch.dispatch_progress(
            session=s,
            clock=world.clock,
            campaign_ids=[made.campaign.id],
            configured=frozenset({Channel.EMAIL}),
        )
        failures = await campaigns.failures_of(
            session=s, actor=runner, campaign_id=made.campaign.id, first=10, after=None
        )
    assert progress[made.campaign.id].failed == 3
    assert len(failures.items) == 3

    async with world.session_factory() as s, s.begin():
        assert (
            await dispatch.retry_failed(
                session=s, actor=runner, clock=world.clock, campaign_id=made.campaign.id
            )
            == 3
        )
    assert (await _dispatch(world, _lanes(port), bucket)).sent == 3
    rows = await _invitations(world, made)
    assert all(
        r.status is InvitationStatus.SENT and r.last_error is None and r.sends_done == 1
        for r in rows.values()
    )
    assert len(inbox.messages) == 3


class _Meddling:
    """An email sender that, while sending to one address, has the respondents do things
    (answer, opt out) from another session, as a person at their phone might."""

    def __init__(self, inner: EmailSender, during: dict[str, Any]) -> None:
        self.inner = inner
        self.during = during

    async def send_email(self, message: Email) -> None:
        action = self.during.pop(message.to, None)
        if action is not None:
            await action()
        await self.inner.send_email(message)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_an_opt_out_made_after_the_claim_stops_the_send_and_nothing_is_resurrected(
    world: World, town: Authority, smtp: tuple[Inbox, int], bucket: Throttle
) -> None:
    inbox, port = smtp
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        emails_for(town, [c.case_reference for c in town.ann_children]),
        reminder_days=(3,),
    )
    # One lane sends in the order claimed (equally due: by invitation id). While the first
    # is being sent, the last opts out (claimed, not yet sent) and the first itself answers
    # (before its send is marked).
    order = sorted(range(3), key=lambda n: made.invitations[n].id)
    first_n, middle_n, last_n = order
    contacts = _contacts(made)
    sending = _Meddling(
        _lanes(port, 1)[0],
        {
            contacts[first_n]: lambda: asyncio.gather(
                _opt_out(world, made, last_n), _answer(world, made, first_n)
            ),
        },
    )
    result = await _dispatch(world, [sending], bucket)
    assert result.claimed == 3 and result.sent == 2 and result.skipped == 1
    assert {m["To"] for m in inbox.messages} == {contacts[first_n], contacts[middle_n]}
    rows = await _invitations(world, made)
    first, middle, last = (rows[made.invitations[n].id] for n in order)
    assert first.status is InvitationStatus.ANSWERED and first.next_send_at is None
    assert first.sends_done == 1
    assert last.status is InvitationStatus.OPTED_OUT and last.sends_done == 0
    assert middle.status is InvitationStatus.SENT and middle.next_send_at is not None
    world.clock.advance(timedelta(days=4))
    await _dispatch(world, _lanes(port), bucket)
    assert [m["To"] for m in inbox.messages[2:]] == [contacts[middle_n]]


async def test_two_dispatchers_at_once_share_one_rate_and_send_each_once(
    world: World, town: Authority, smtp: tuple[Inbox, int], each_redis: Redis
) -> None:
    inbox, port = smtp
    children = await world.children(town.team_a, 60, prefix="RATE")
    made = await annual_campaign(
        world, town.actor(town.qa_lead), emails_for(town, [c.case_reference for c in children])
    )
    per_second = 20.0
    shared = [Throttle(each_redis, "test:throttle:shared", per_second) for _ in range(2)]
    started = time.monotonic()
    results = await asyncio.gather(
        *(
            _dispatch(world, _lanes(port, 4), shared[n], worker_id=f"worker-{n}", limit=10)
            for n in range(2)
        )
    )
    elapsed = time.monotonic() - started
    assert sum(r.sent for r in results) == 60
    assert all(r.sent > 0 for r in results), "both dispatchers took part"
    assert len({m["Message-ID"] for m in inbox.messages}) == len(inbox.messages) == 60
    # A full bucket allows a second's burst (20), then 20 a second: 60 take at least 2 s.
    assert elapsed >= (60 - per_second) / per_second * 0.95
    arrived = sorted(inbox.arrived)
    most_in_a_second = max(sum(1 for t in arrived if a <= t < a + 1) for a in arrived)
    assert most_in_a_second <= 2 * per_second + 1
    assert len(made.invitations) == 60


async def test_no_contact_or_link_is_written_to_the_outbox(
    world: World, town: Authority, smtp: tuple[Inbox, int], bucket: Throttle
) -> None:
    inbox, port = smtp
    await annual_campaign(
        world,
        town.actor(town.qa_lead),
        emails_for(town, [c.case_reference for c in town.cat_children]),
    )
    await _dispatch(world, _lanes(port), bucket)
    assert len(inbox.messages) == 3
    async with world.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_text_messages_wait_without_an_sms_template_and_progress_says_so(
    world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        [
            Invitee(channel=Channel.SMS, child_reference=c.case_reference, contact="07700900123")
            for c in town.dan_children
        ],
    )
    channels = dispatch.channels_from_settings(world.settings)
    assert channels.sms is None
    configured = dispatch.configured_channels(world.settings)
    assert Channel.SMS not in configured
    progress = await _progress(world, made.campaign.id)
    assert progress.waiting_for_channel == 3 and progress.due_now == 3 and progress.sent == 0
    text = dispatch.text_for(
        audience=Audience.PARENT_CARER,
        number=0,
        token=made.tokens[0],
        public_base_url="https://qaf.example.gov.uk",
    )
    assert len(text) <= 160 * 2 and f"/s/{made.tokens[0]}/stop" in text


def test_each_audience_has_its_own_plain_message() -> None:
    seen = set()
    for audience in Audience:
        message = dispatch.message_for(
            audience=audience,
            number=0,
            token="t" * 26,
            public_base_url="https://qaf.example.gov.uk/",
            closes_at=NOW,
        )
        assert "https://qaf.example.gov.uk/s/" + "t" * 26 in message.body
        assert "Thursday 26 November 2026" in message.body
        seen.add(message.body)
    assert len(seen) == len(Audience)


async def test_a_send_that_fails_does_not_raise_out_of_the_batch(
    world: World, town: Authority, bucket: Throttle
) -> None:
    class Refusing:
        async def send_email(self, message: Email) -> None:
            raise SendFailed("550 mailbox unavailable")

        async def aclose(self) -> None:
            return None

    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        emails_for(town, [town.ann_children[0].case_reference]),
    )
    result = await _dispatch(world, [Refusing()], bucket)
    assert result.failed == 1
    (row,) = (await _invitations(world, made)).values()
    assert row.last_error == "550 mailbox unavailable" and row.status is InvitationStatus.QUEUED


async def test_a_send_whose_sender_dies_every_time_is_given_up_as_failed(
    world: World, town: Authority
) -> None:
    """Each claim taken over from a dead sender was an attempt; after the limit the
    invitation is FAILED with a reason, rather than claimed again for ever."""
    made = await annual_campaign(
        world, town.actor(town.qa_lead), emails_for(town, [town.ann_children[0].case_reference])
    )
    timeout = timedelta(minutes=5)
    for attempt in range(1, dispatch.MAX_SEND_ATTEMPTS + 1):
        async with world.session_factory() as s, s.begin():
            claimed = await dispatch.claim_sends(
                s, world.clock, f"doomed-{attempt}", Channel.EMAIL, 10, timeout
            )
        assert len(claimed) == 1, attempt
        # The worker dies mid-send: nothing is marked; its claim expires.
        world.clock.advance(timeout + timedelta(seconds=1))
    async with world.session_factory() as s, s.begin():
        assert await dispatch.claim_sends(s, world.clock, "next", Channel.EMAIL, 10, timeout) == []
    rows = await _invitations(world, made)
    (row,) = rows.values()
    assert row.status is InvitationStatus.FAILED and row.next_send_at is None
    assert row.last_error is not None and "Given up" in row.last_error
