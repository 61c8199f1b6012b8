"""The worker's runtime: what every job finds in its context (settings, clock, database,
this worker's name and sending locks), and arq's Worker made to ride out a Redis outage."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from arq.worker import Worker
from redis.backoff import EqualJitterBackoff
from redis.exceptions import RedisError

from domain.core.clock import SystemClock
from domain.core.db import create_engine, create_session_factory
from domain.core.settings import Settings, check_startable, get_settings
from workers.outages import (
    RECONNECT_BACKOFF_BASE,
    RECONNECT_BACKOFF_CAP,
    reconnecting,
    redis_outage,
)

log = logging.getLogger("qaf.worker")

SENDING_KINDS = ("send_outbox", "send_invitations")
# A cron run missed by more than this (the worker waited for Redis) is not run late, one after
# another: the job runs once at once, then on its schedule.
CRON_LATE = timedelta(seconds=5)
# A worker told to stop during a Redis outage waits this long for Redis, then stops anyway
# (within docker's 10-second grace before SIGKILL).
CLOSE_TIMEOUT_SECONDS = 5


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    check_startable(settings)
    ctx["settings"] = settings
    ctx.setdefault("clock", SystemClock())
    if "session_factory" not in ctx:
        # Sending invitations holds a connection per lane and channel (dispatch.LANES each for
        # email and text), beside the other jobs.
        ctx["engine"] = create_engine(settings, pool_size=10, max_overflow=5)
        ctx["session_factory"] = create_session_factory(ctx["engine"])
    ctx.setdefault("worker_id", worker_id())
    ctx.setdefault("started_at", ctx["clock"].now())
    # One lock per sending kind, shared by every job this worker runs (arq gives each job a
    # copy of this dict, holding the same locks). Kept when startup runs again after Redis
    # came back, so that a job still sending keeps its kind's lock.
    sending_locks(ctx)
    log.info("worker %s started", ctx["worker_id"])


def sending_locks(ctx: dict[str, Any]) -> dict[str, asyncio.Lock]:
    locks: dict[str, asyncio.Lock] = ctx.setdefault("sending_locks", {})
    for kind in SENDING_KINDS:
        locks.setdefault(kind, asyncio.Lock())
    return locks


def already_sending(ctx: dict[str, Any], kind: str) -> asyncio.Lock | None:
    """This worker's lock for `kind`, or None (and a line in the log) when a job of that
    kind is running on this worker already: then this one claims nothing and returns."""
    lock = sending_locks(ctx)[kind]
    if lock.locked():
        log.info("%s: already sending on this worker; this run does nothing", kind)
        return None
    return lock


Send = TypeVar("Send", bound=Callable[[dict[str, Any]], Awaitable[int]])


def one_at_a_time(job: Send) -> Send:
    """A sending job (named in SENDING_KINDS) that, finding a job of its kind already
    running on this worker, returns 0 at once, claiming nothing (`already_sending`)."""

    @functools.wraps(job)
    async def wrapped(ctx: dict[str, Any]) -> int:
        lock = already_sending(ctx, job.__name__)
        if lock is None:
            return 0
        async with lock:
            return await job(ctx)

    return cast(Send, wrapped)


async def shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


class ResilientWorker(Worker):
    """arq's Worker, riding out a Redis outage: every command waits for Redis to come back
    (`reconnecting`), and should the worker's loop fail on Redis all the same (a connection
    lost in the middle of a WATCH), it starts again after a back-off instead of ending the
    process. Logs once when an outage starts and once when it ends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        settings = kwargs.get("redis_settings")
        if settings is not None and kwargs.get("redis_pool") is None:
            kwargs["redis_settings"] = reconnecting(settings)
        super().__init__(*args, **kwargs)

    async def main(self) -> None:
        failures = 0
        while True:
            try:
                await super().main()
                return
            except (RedisError, OSError) as exc:
                redis_outage.failed(exc)
                failures += 1
                backoff = EqualJitterBackoff(cap=RECONNECT_BACKOFF_CAP, base=RECONNECT_BACKOFF_BASE)
                await asyncio.sleep(backoff.compute(failures))

    async def run_cron(self, n: datetime, delay: float, num_windows: int = 2) -> None:
        self.skip_missed_cron_runs(n)
        await super().run_cron(n, delay, num_windows)

    def skip_missed_cron_runs(self, now: datetime) -> None:
        """After an outage arq would enqueue every cron run missed meanwhile, one per poll:
        a cron job more than CRON_LATE late runs once now instead, then on its
        schedule (every job is idempotent and catches up by itself)."""
        for job in self.cron_jobs:
            if job.next_run is not None and job.next_run < now - CRON_LATE:
                job.next_run = now

    async def close(self) -> None:
        # The jobs, cancelled by the signal that stops the worker, first finish the message
        # each has in flight (sent and marked: bounded by the send timeout); then arq's own
        # closing, which waits for Redis, is given CLOSE_TIMEOUT_SECONDS, so that a worker
        # stopped during a Redis outage stops all the same.
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        jobs = [t for t in self.job_tasks.values() if not t.done()]
        if jobs:
            await asyncio.wait(jobs, timeout=get_settings().send_timeout_seconds + 5)
        try:
            await asyncio.wait_for(super().close(), timeout=CLOSE_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("Redis did not answer while the worker closed; stopped all the same")
