"""The arq worker: wakes up, asks domain/ what is due, does it. It decides nothing itself.

Run with `arq workers.main.WorkerSettings` (or `qaf worker`). Any number of workers can run
against one PostgreSQL and one Redis: jobs are idempotent and their ids deterministic.

- `workers.jobs`: what each job does.
- `workers.cron`: when each runs, and for how long it may.
- `workers.runtime`: what a job finds in its context, and the worker that rides out Redis
  outages; `workers.outages`: how an outage is ridden out and logged.
"""

from __future__ import annotations

import socket
from typing import Any

import arq.worker
from arq.connections import RedisSettings
from arq.constants import default_queue_name, health_check_key_suffix
from arq.worker import Worker, get_kwargs

from domain.core.settings import Settings, get_settings
from workers.cron import CRON_JOBS
from workers.runtime import ResilientWorker, shutdown, startup


def redis_settings(settings: Settings | None = None) -> RedisSettings:
    return RedisSettings.from_dsn((settings or get_settings()).redis_url)


class WorkerSettings:
    # Every job runs on a schedule (and at startup): the cron table names them all.
    functions = [job.coroutine for job in CRON_JOBS]
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings()
    health_check_interval = 30
    # arq writes this key every health_check_interval while its loop runs, and `arq --check
    # workers.main.WorkerSettings` (the container's health check) reads it. Named after the
    # host, so that in a container the check sees its own worker, not any worker at all.
    health_check_key = f"{default_queue_name}{health_check_key_suffix}:{socket.gethostname()}"
    job_timeout = 60
    max_tries = 5
    allow_abort_jobs = True


def create_worker(**overrides: Any) -> ResilientWorker:
    return ResilientWorker(**{**get_kwargs(WorkerSettings), **overrides})  # type: ignore[arg-type]


def run() -> None:
    """Run the worker until it is told to stop (SIGINT, SIGTERM): `qaf worker`."""
    create_worker().run()


def _arq_cli_runs_the_resilient_worker() -> None:
    """`arq workers.main.WorkerSettings` builds its worker with `arq.worker.create_worker`,
    which has no setting for the class: have it build a ResilientWorker for these settings
    (and anything else as before), so that both ways of running the worker ride out an
    outage."""
    original = arq.worker.create_worker
    if getattr(original, "qaf_resilient", False):
        return

    def create(settings_cls: Any, **kwargs: Any) -> Worker:
        if settings_cls is WorkerSettings:
            return create_worker(**kwargs)
        return original(settings_cls, **kwargs)

    create.qaf_resilient = True  # type: ignore[attr-defined]
    arq.worker.create_worker = create


_arq_cli_runs_the_resilient_worker()
