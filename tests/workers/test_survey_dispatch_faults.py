"""Faults in the dispatch of survey invitations: real worker processes (`arq
workers.main.WorkerSettings`) on the real clock, each scene on its own PostgreSQL and Redis
(tests/workers/faults.py), sending a campaign of INVITATIONS email invitations to a real SMTP
server. A worker killed with SIGKILL in the middle of sending (another started, as a restart
policy would), and PostgreSQL restarted in the middle of sending: every invitation arrives,
counted by Message-ID, and none twice but what was in flight then (accepted by the server,
not yet marked), at most one per lane (dispatch.LANES), sent again under the same Message-ID
once its claim expired. The workers send at 50 a second at the fast cadence (the shared
throttle; 40, the default, at the production one), so that the dispatch lasts long enough to
be caught in the middle. The production-default runs of these scenes are part of
test_faults.py's side-by-side production test."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.core.clock import SettableClock
from domain.core.settings import Settings
from domain.notifications import email
from domain.surveys import dispatch
from domain.surveys.models import InvitationStatus, SurveyInvitation
from tests.conftest import World
from tests.domain.audits.helpers import build_authority
from tests.domain.surveys.helpers import annual_campaign, emails_for, survey_defaults
from tests.workers.faults import FAST, Scene, WorkerProcess, check_promise, scene
from tests.workers.servers import PrivatePostgres

INVITATIONS = 400
FAST_RATE = "50"
PG_DOWN = 5.0

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="finds a worker's sockets in /proc"
    ),
]


async def _seed(scene: Scene, fault: str) -> set[str]:
    """Name the fault; a launched campaign, open now by the real clock, inviting INVITATIONS
    children's families by email (through the domain). Returns the invitations' Message-IDs
    (what the SMTP server must receive). The promise allows one duplicate per lane."""
    scene.begin(fault, allowed=dispatch.LANES)
    world = World(scene.session_factory, SettableClock(datetime.now(UTC)), scene.settings)
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
    expected = {email.message_id(dispatch.send_key(i.id, 0)) for i in made.invitations}
    scene.expect(expected)
    return expected


def _rate(scene: Scene) -> dict[str, str]:
    return {"SURVEY_EMAIL_PER_SECOND": FAST_RATE} if scene.cadence is FAST else {}


async def _sent(scene: Scene) -> int:
    return int(
        await scene.monitor.scalar(
            select(func.count())
            .select_from(SurveyInvitation)
            .where(SurveyInvitation.sends_done > 0)
        )
        or 0
    )


async def _settled(scene: Scene) -> bool:
    """Every invitation marked sent, no claim left."""
    done = await scene.monitor.scalar(
        select(func.count())
        .select_from(SurveyInvitation)
        .where(SurveyInvitation.sends_done > 0, SurveyInvitation.claimed_at.is_(None))
    )
    return done == INVITATIONS


async def _partly_sent(scene: Scene) -> int:
    async def partly() -> int | None:
        n = await _sent(scene)
        return n if INVITATIONS // 8 < n < INVITATIONS // 2 else None

    return await scene.wait_for(
        "invitations partly sent", partly, within=scene.cadence.send_within, every=0.02
    )


async def _finish(
    scene: Scene,
    expected: set[str],
    may_repeat: set[str],
    survivors: tuple[WorkerProcess, ...] = (),
) -> dict[str, int]:
    drain = await scene.drain(lambda: _settled(scene))
    for worker in survivors:
        assert worker.alive(), f"a worker ended after {scene.fault}\n{worker.tail()}"
    await scene.stop_workers()
    scene.record(drain)
    received = check_promise(scene, expected, allowed=dispatch.LANES, may_repeat=may_repeat)
    async with scene.session_factory() as s:
        rows = list(await s.scalars(select(SurveyInvitation)))
    assert len(rows) == INVITATIONS
    assert all(
        r.status is InvitationStatus.SENT
        and r.sends_done == 1
        and r.claimed_at is None
        and r.sent_at is not None
        and r.next_send_at is not None
        for r in rows
    )
    # The next send is the reminder, a week on.
    assert min(r.next_send_at for r in rows if r.next_send_at) > datetime.now(UTC) + timedelta(
        days=6
    )
    return {m: n for m, n in received.items() if n > 1}


async def kill_mid_dispatch(scene: Scene) -> None:
    expected = await _seed(scene, "SIGKILL mid-dispatch (survey)")
    first = scene.start_worker(**_rate(scene))
    await _partly_sent(scene)
    first.kill()
    scene.mark_fault()
    await asyncio.sleep(0.5)  # the SMTP server finishes whatever the dead worker had sent whole
    rows = await scene.monitor.execute(
        select(SurveyInvitation.id).where(
            SurveyInvitation.claimed_by == first.worker_id, SurveyInvitation.sends_done == 0
        )
    )
    held = {email.message_id(dispatch.send_key(i, 0)) for i in rows.scalars()}
    assert held, "it died holding claims: they are taken over once they expire"
    # What it had in flight: received by the SMTP server, not yet marked sent.
    in_flight = held & scene.received_by_now()
    assert await _sent(scene) < INVITATIONS
    scene.start_worker(**_rate(scene))
    duplicates = await _finish(scene, expected, in_flight)
    # Each lane of the dead worker had at most one message in flight, and it went again.
    assert set(duplicates) == in_flight


async def postgres_restart_mid_dispatch(scene: Scene) -> None:
    expected = await _seed(scene, "PostgreSQL restart mid-dispatch (survey)")
    worker = scene.start_worker(**_rate(scene))
    await _partly_sent(scene)
    await scene.restart_postgres(PG_DOWN)
    # Only what the server accepted before PostgreSQL came back may go again (its mark lost),
    # at most one per lane.
    accepted = scene.received_by_now()
    await _finish(scene, expected, accepted, survivors=(worker,))
    assert scene.workers == [worker]


SURVEY_SCENARIOS: dict[str, Callable[[Scene], Awaitable[None]]] = {
    "kill_mid_dispatch": kill_mid_dispatch,
    "postgres_restart_mid_dispatch": postgres_restart_mid_dispatch,
}


@pytest.mark.parametrize("name", list(SURVEY_SCENARIOS))
async def test_survey_fault_at_the_fast_cadence(
    name: str, fault_template: PrivatePostgres, settings: Settings, tmp_path: Path
) -> None:
    async with scene(fault_template, settings, tmp_path, FAST) as made:
        await SURVEY_SCENARIOS[name](made)
