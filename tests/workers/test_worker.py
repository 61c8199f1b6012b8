"""The arq worker runs its real jobs against real Redis and PostgreSQL, and /readyz sees it."""

from __future__ import annotations

from datetime import timedelta

import httpx
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from sqlalchemy import select

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.system.models import WorkerHeartbeat
from workers.main import WorkerSettings, heartbeat, shutdown, startup


def _worker(settings: Settings, clock: SettableClock, session_factory: SessionFactory) -> Worker:
    return Worker(
        functions=[heartbeat],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        burst=True,
        poll_delay=0.05,
        ctx={"settings": settings, "clock": clock, "session_factory": session_factory},
        handle_signals=False,
    )


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


def test_the_worker_settings_run_the_heartbeat_on_a_schedule() -> None:
    [job] = WorkerSettings.cron_jobs
    assert job.coroutine is heartbeat and job.run_at_startup
    assert WorkerSettings.functions == [heartbeat]
