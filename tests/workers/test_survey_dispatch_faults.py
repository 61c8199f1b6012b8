"""Faults in the dispatch of survey invitations: real worker processes (`arq
workers.main.WorkerSettings`) on the real clock sending a campaign of several hundred email
invitations to a real SMTP server (aiosmtpd) in the test. A worker is killed with SIGKILL in
the middle of sending and another started: every invitation arrives, counted by Message-ID,
and none twice but what the killed worker had in flight (ARCHITECTURE.md's one allowed
resend: accepted by the server, not yet marked, taken over when its claim expired, and sent
again under the same Message-ID). The workers send at 50 a second (the shared throttle), so
that the dispatch lasts long enough to be caught in the middle."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.notifications import email
from domain.surveys import dispatch
from domain.surveys.models import InvitationStatus, SurveyInvitation
from tests.conftest import World
from tests.domain.audit_helpers import build_authority
from tests.domain.survey_helpers import annual_campaign, emails_for, survey_defaults
from tests.workers.faults import Scene

INVITATIONS = 400
RATE = "50"

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="finds a worker's sockets in /proc"
    ),
]


@pytest.fixture
async def scene(
    settings: Settings, session_factory: SessionFactory, redis: Redis, tmp_path: Path
) -> AsyncIterator[Scene]:
    scene = Scene(settings, session_factory, tmp_path)
    try:
        await scene.open()
        yield scene
    finally:
        await scene.close()  # stops (or kills) every worker process it started
        await redis.flushdb()


async def _seed(settings: Settings, session_factory: SessionFactory) -> list[SurveyInvitation]:
    """A launched campaign, open now by the real clock, inviting INVITATIONS children's
    families by email (through the domain)."""
    world = World(session_factory, SettableClock(datetime.now(UTC)), settings)
    town = await build_authority(world)
    await survey_defaults(world)
    children = await world.children(town.team_a, INVITATIONS, prefix="FAULT")
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        emails_for(town, [c.case_reference for c in children]),
        reminder_days=(7,),
    )
    assert len(made.invitations) == INVITATIONS
    return made.invitations


async def _sent(scene: Scene) -> int:
    return int(
        await scene.monitor.scalar(
            select(func.count())
            .select_from(SurveyInvitation)
            .where(SurveyInvitation.sends_done > 0)
        )
        or 0
    )


async def test_a_worker_killed_mid_dispatch_resumes_sending_nothing_twice_but_its_in_flight(
    scene: Scene,
) -> None:
    invitations = await _seed(scene.settings, scene.session_factory)
    expected = {email.message_id(dispatch.send_key(i.id, 0)): i for i in invitations}

    first = scene.start_worker(SURVEY_EMAIL_PER_SECOND=RATE)

    async def partly_sent() -> int | None:
        n = await _sent(scene)
        return n if INVITATIONS // 8 < n < INVITATIONS // 2 else None

    await scene.wait_for("invitations partly sent", partly_sent, every=0.05)
    first.kill()
    await asyncio.sleep(0.5)  # the SMTP server finishes whatever the dead worker had sent whole
    assert max(scene.inbox.counts().values()) == 1
    rows = await scene.monitor.execute(
        select(SurveyInvitation.id).where(
            SurveyInvitation.claimed_by == first.worker_id, SurveyInvitation.sends_done == 0
        )
    )
    held = {email.message_id(dispatch.send_key(i, 0)) for i in rows.scalars()}
    assert held, "it died holding claims: they are taken over once they expire"
    # What it had in flight: received by the SMTP server, not yet marked sent.
    in_flight = held & set(scene.inbox.message_ids)
    sent_at_kill = await _sent(scene)
    assert sent_at_kill < INVITATIONS

    scene.start_worker(SURVEY_EMAIL_PER_SECOND=RATE)

    async def all_sent() -> bool:
        return await _sent(scene) == INVITATIONS and len(set(scene.inbox.message_ids)) == len(
            expected
        )

    await scene.wait_for("every invitation sent", all_sent, within=60, every=0.25)
    for worker in scene.workers:
        worker.stop()

    received = scene.inbox.counts()
    assert set(received) == set(expected), "lost or foreign email"
    duplicates = {mid for mid, n in received.items() if n > 1}
    print(
        f"{sent_at_kill} of {INVITATIONS} marked sent at the SIGKILL; in flight then, so sent "
        f"twice: {len(in_flight)}"
    )
    # Each lane of the dead worker had at most one message in flight.
    assert len(in_flight) <= dispatch.LANES
    assert duplicates == in_flight
    assert all(received[m] == 2 for m in in_flight)
    assert len(scene.inbox.message_ids) == len(expected) + len(in_flight)
    async with scene.session_factory() as s:
        rows_after = list(await s.scalars(select(SurveyInvitation)))
    assert all(
        r.status is InvitationStatus.SENT
        and r.sends_done == 1
        and r.claimed_at is None
        and r.next_send_at is not None
        for r in rows_after
    )
    # And every invitation went to its own address.
    assert len(rows_after) == INVITATIONS
    assert all(r.sent_at is not None for r in rows_after)
    assert min(r.next_send_at for r in rows_after if r.next_send_at) > datetime.now(
        UTC
    ) + timedelta(days=6)
