"""arq, as the worker uses it (deterministic job ids, cron-style enqueueing, results, health
checks), on every Redis the project runs on: the embedded 6.2 of `make run` and the configured
one. The fault tests run whole workers; this proves the commands on both servers."""

from __future__ import annotations

from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis
from sqlalchemy import select

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.system.models import WorkerHeartbeat
from tests.workers.burst import burst_worker
from workers.jobs import heartbeat


def _dsn(redis: Redis) -> RedisSettings:
    kwargs = redis.connection_pool.connection_kwargs
    return RedisSettings(
        host=kwargs.get("host", "127.0.0.1"), port=kwargs.get("port", 6379), database=kwargs["db"]
    )


async def test_a_worker_runs_a_job_once_per_id_and_reports_its_health(
    each_redis: Redis, settings: Settings, clock: SettableClock, session_factory: SessionFactory
) -> None:
    redis_settings = _dsn(each_redis)
    pool = await create_pool(redis_settings)
    try:
        assert await pool.enqueue_job("heartbeat", _job_id="heartbeat:versions") is not None
        assert await pool.enqueue_job("heartbeat", _job_id="heartbeat:versions") is None
        worker = burst_worker(
            settings, clock, session_factory, [heartbeat], redis_settings=redis_settings
        )
        await worker.main()
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        # What `arq --check` reads: the health-check key the worker wrote.
        assert await each_redis.get(worker.health_check_key) is not None
        await worker.close()
        # Once done, the same id may not run again while its result is kept.
        assert await pool.enqueue_job("heartbeat", _job_id="heartbeat:versions") is None
    finally:
        await pool.aclose()
    async with session_factory() as s:
        assert len(list(await s.scalars(select(WorkerHeartbeat)))) == 1
