"""The real arq worker in one burst, in-process: the jobs enqueued with ids the test chooses,
run by a worker that knows the given functions and gets the context its crons get (settings,
the test's clock, the session factory). What the worker, notification and escalation tests share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from workers.runtime import shutdown, startup


def burst_worker(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    functions: Sequence[Callable[..., Any]],
    *,
    redis_settings: RedisSettings | None = None,
    max_jobs: int = 10,
) -> Worker:
    """A worker that runs what is queued and stops (arq's own default of 10 jobs at once)."""
    return Worker(
        functions=list(functions),
        redis_settings=redis_settings or RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        burst=True,
        poll_delay=0.05,
        max_jobs=max_jobs,
        ctx={"settings": settings, "clock": clock, "session_factory": session_factory},
        handle_signals=False,
    )


async def run_jobs(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    functions: Sequence[Callable[..., Any]],
    jobs: Sequence[tuple[str, str]],
) -> Worker:
    """Enqueue each `(job name, job id)` in order, then one burst running them one at a time
    in that order (enqueued in the same millisecond, jobs run in the order of their ids);
    fails when a job failed."""
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        for name, job_id in jobs:
            await pool.enqueue_job(name, _job_id=job_id)
        worker = burst_worker(settings, clock, session_factory, functions, max_jobs=1)
        await worker.main()
        assert worker.jobs_failed == 0
        await worker.close()
        return worker
    finally:
        await pool.aclose()
