"""The arq worker runs its real jobs against real Redis and PostgreSQL, and /readyz sees it."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from pydantic import ValidationError
from sqlalchemy import select

from domain.audits.models import Audit
from domain.children.models import Child
from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.roles import Role, ScopeType
from domain.core.settings import Settings
from domain.system.models import WorkerHeartbeat
from tests.conftest import World
from tests.workers.burst import burst_worker
from workers.cron import every
from workers.jobs import (
    heartbeat,
    nine_month_dip_samples,
    programme_timescales,
    send_digests,
    send_invitations,
    send_outbox,
    start_inadequate_processes,
    survey_campaign_timekeeping,
    sweep_deadlines,
)
from workers.main import WorkerSettings


def _worker(settings: Settings, clock: SettableClock, session_factory: SessionFactory) -> Worker:
    return burst_worker(settings, clock, session_factory, [heartbeat])


async def test_a_heartbeat_job_is_recorded_once_per_job_id_and_readyz_reports_it(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    client: httpx.AsyncClient,
    redis: object,
) -> None:
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        first = await pool.enqueue_job("heartbeat", _job_id="heartbeat:2026-11-26T10:00")
        duplicate = await pool.enqueue_job("heartbeat", _job_id="heartbeat:2026-11-26T10:00")
        assert first is not None and duplicate is None  # a deterministic id is enqueued once
        worker = _worker(settings, clock, session_factory)
        await worker.main()
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        await worker.close()
    finally:
        await pool.aclose()

    async with session_factory() as s:
        beats = list(await s.scalars(select(WorkerHeartbeat)))
    assert len(beats) == 1 and beats[0].beat_at == clock.now()
    ready = (await client.get("/readyz")).json()
    assert ready["workers_alive"] == 1
    assert ready["last_worker_heartbeat"] == clock.now().isoformat()

    clock.advance(timedelta(minutes=10))
    assert (await client.get("/readyz")).json()["workers_alive"] == 0


def test_the_worker_runs_its_jobs_on_a_schedule_and_at_startup() -> None:
    jobs = {job.coroutine: job for job in WorkerSettings.cron_jobs}
    assert set(jobs) == {
        heartbeat,
        nine_month_dip_samples,
        programme_timescales,
        start_inadequate_processes,
        sweep_deadlines,
        send_digests,
        send_outbox,
        send_invitations,
        survey_campaign_timekeeping,
    }
    assert all(job.run_at_startup for job in jobs.values())
    # Digests every 5 minutes, each two minutes after a sweep.
    assert jobs[send_digests].minute == set(range(2, 60, 5))


async def test_the_worker_plans_nine_month_dip_samples_once_however_often_it_runs(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    audit_defaults: None,
    redis: object,
) -> None:
    csc = await world.service()
    team = await world.team(csc, "Child Protection Team 1")
    await world.person("Hana Head", (Role.HEAD_OF_SERVICE, ScopeType.SERVICE, csc))
    await world.person("Sam QAU", (Role.SAFEGUARDING_QAU_MANAGER, ScopeType.AUTHORITY, None))
    [child] = await world.children(team, 1, prefix="CP")
    async with session_factory() as s, s.begin():
        row = await s.get(Child, child.id)
        assert row is not None
        row.child_protection_plan_start = date(2026, 2, 20)  # nine months before the clock

    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        for attempt in range(2):  # a second run (another worker, a restart) adds nothing
            await pool.enqueue_job("nine_month_dip_samples", _job_id=f"dip:{attempt}")
            worker = burst_worker(settings, clock, session_factory, [nine_month_dip_samples])
            await worker.main()
            assert worker.jobs_failed == 0
            await worker.close()
    finally:
        await pool.aclose()
    async with session_factory() as s:
        audits = list(await s.scalars(select(Audit).where(Audit.child_id == child.id)))
    assert sorted(a.kind.value for a in audits) == ["DIP_SAMPLE", "DIP_SAMPLE"]
    assert all(a.status.value == "PLANNED" for a in audits)


def test_the_worker_cadence_comes_from_settings_and_defaults_to_five_minutes_and_a_minute() -> None:
    # The defaults: sweep at minutes 0, 5, … (second 0), send at second 15 of every minute.
    assert every(300) == {"minute": set(range(0, 60, 5)), "second": {0}}
    assert every(60, at_second=15) == {"minute": set(range(60)), "second": {15}}
    # Shorter, as the fault tests run the worker: every 2 s, every 5 s.
    assert every(2, at_second=15) == {"second": set(range(1, 60, 2))}
    assert every(5) == {"second": set(range(0, 60, 5))}
    assert Settings(_env_file=None).sweep_every_seconds == 300  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(sweep_every_seconds=7, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(send_every_seconds=90, _env_file=None)  # type: ignore[call-arg]
