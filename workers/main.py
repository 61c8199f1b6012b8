"""The arq worker: wakes up, asks domain/ what is due, does it. It decides nothing itself.

Run with `arq workers.main.WorkerSettings` (or `qaf worker`). Any number of workers can run
against one PostgreSQL and one Redis: jobs are idempotent and their ids deterministic.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import arq.worker
import asyncpg
from arq import cron
from arq.connections import RedisSettings
from arq.constants import default_queue_name, health_check_key_suffix
from arq.worker import Worker, get_kwargs
from redis.asyncio.retry import Retry
from redis.backoff import EqualJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError

from domain.audits import programme, timescales
from domain.core.clock import Clock, SystemClock
from domain.core.db import create_engine, create_session_factory
from domain.core.settings import Settings, check_startable, get_settings
from domain.deadlines import service as deadlines
from domain.escalation import service as escalation
from domain.history.service import current_request_id
from domain.notifications import digest, email, reminders, throttle
from domain.surveys import campaigns, dispatch
from domain.surveys.models import Channel
from domain.system import service as system

log = logging.getLogger("qaf.worker")

HEARTBEAT_JOB_TIMEOUT = timedelta(seconds=20)
SWEEP_JOB_TIMEOUT = timedelta(seconds=60)
# A sweep stops starting new batches after this, well inside its job's timeout.
SWEEP_BUDGET = timedelta(seconds=40)
# Sending (README, "Sending: the promise"). A send job (`send_outbox`, `send_invitations`) is
# cancelled after SEND_JOB_TIMEOUT_SECONDS; it claims and starts no new message once
# `settings.send_budget_seconds` (about half of the shorter of that and the claim timeout)
# have passed, so that it ends, and its claims are marked or let go, well inside both. At
# most one job of each sending kind runs on a worker at a time (a lock per kind in the
# worker's ctx): a job that finds its kind running returns at once, claiming nothing; across
# workers only the claims in PostgreSQL decide who sends what.
SEND_JOB_TIMEOUT = timedelta(seconds=get_settings().send_job_timeout_seconds)
INVITATIONS_JOB_TIMEOUT = SEND_JOB_TIMEOUT
SENDING_KINDS = ("send_outbox", "send_invitations")
OUTBOX_BATCH = 100  # the default of OUTBOX_BATCH (settings.outbox_batch)
DIGEST_JOB_TIMEOUT = timedelta(seconds=60)
TIMEKEEPING_JOB_TIMEOUT = timedelta(seconds=60)
# Reconnecting to Redis after it went away: a jittered back-off growing to this many seconds.
RECONNECT_BACKOFF_CAP = 5.0
RECONNECT_BACKOFF_BASE = 0.25
# A cron run missed by more than this (the worker waited for Redis) is not run late, one after
# another: the job runs once at once, then on its schedule.
CRON_LATE = timedelta(seconds=5)
# A worker told to stop during a Redis outage waits this long for Redis, then stops anyway
# (within docker's 10-second grace before SIGKILL).
CLOSE_TIMEOUT_SECONDS = 5


class Outage:
    """Logs once when a service stops answering and once when it answers again, rather than
    a traceback for every attempt in between. A failure within RELAPSE_SECONDS of the end
    (a connection that died in the outage, used once more) belongs to the same outage: it is
    logged only if it lasts."""

    RELAPSE_SECONDS = 10.0

    def __init__(self, name: str, consequence: str) -> None:
        self.name = name
        self.consequence = consequence
        self.since: float | None = None
        self.ended: float | None = None
        self.logged = False

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self.since is None:
            self.since = now
            relapse = self.ended is not None and now - self.ended < self.RELAPSE_SECONDS
            self.logged = False if relapse else self._log_start(exc)
        elif not self.logged and now - self.since >= self.RELAPSE_SECONDS:
            self.logged = self._log_start(exc)

    def _log_start(self, exc: BaseException) -> bool:
        log.warning(
            "%s is not answering (%s: %s); %s", self.name, type(exc).__name__, exc, self.consequence
        )
        return True

    def answered(self) -> None:
        if self.since is not None:
            if self.logged:
                log.warning(
                    "%s answers again after %.1f s", self.name, time.monotonic() - self.since
                )
            self.since = None
            self.ended = time.monotonic()


redis_outage = Outage("Redis", "the worker waits for it, retrying with a growing back-off")
postgres_outage = Outage(
    "PostgreSQL", "jobs that need it fail quietly and are tried again at their next run"
)


def connection_lost(exc: BaseException) -> bool:
    """Was this error PostgreSQL (or the network to it) going away, rather than a fault of
    the job? Follows the chain of causes."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        error = todo.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(
            error,
            OSError
            | asyncpg.PostgresConnectionError
            | asyncpg.ConnectionDoesNotExistError
            | asyncpg.CannotConnectNowError
            | asyncpg.AdminShutdownError
            | asyncpg.CrashShutdownError,
        ):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        todo.extend(
            e
            for e in (error.__cause__, error.__context__, getattr(error, "orig", None))
            if isinstance(e, BaseException)
        )
    return False


Job = TypeVar("Job", bound=Callable[..., Awaitable[Any]])


def rides_out_postgres_outages(job: Job) -> Job:
    """A job that finds PostgreSQL gone logs it once (per outage, for all jobs) and returns
    None instead of failing with a traceback; cron runs it again at its next time."""

    @functools.wraps(job)
    async def wrapped(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            result = await job(ctx, *args, **kwargs)
        except Exception as exc:
            if not connection_lost(exc):
                raise
            postgres_outage.failed(exc)
            return None
        postgres_outage.answered()
        return result

    return cast(Job, wrapped)


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


async def shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


@rides_out_postgres_outages
async def heartbeat(ctx: dict[str, Any]) -> str:
    """Record that this worker runs jobs; /readyz reports the newest beat."""
    clock: Clock = ctx["clock"]
    token = current_request_id.set(f"job:{ctx.get('job_id', 'heartbeat')}")
    try:
        async with ctx["session_factory"]() as session, session.begin():
            await system.record_heartbeat(
                session=session,
                clock=clock,
                worker_id=ctx["worker_id"],
                started_at=ctx["started_at"],
            )
    finally:
        current_request_id.reset(token)
    return str(ctx["worker_id"])


@rides_out_postgres_outages
async def nine_month_dip_samples(ctx: dict[str, Any]) -> int:
    """Plan the dip samples of child protection plans that have reached nine months.

    The domain finds what is due in PostgreSQL and is idempotent, so the job can run at
    startup (catching up whatever fell due while no worker ran) and daily, on any worker."""
    clock: Clock = ctx["clock"]
    token = current_request_id.set(f"job:{ctx.get('job_id', 'nine_month_dip_samples')}")
    try:
        async with ctx["session_factory"]() as session, session.begin():
            created = await programme.create_nine_month_dip_samples(session=session, clock=clock)
    finally:
        current_request_id.reset(token)
    if created:
        log.info("planned %d nine-month dip samples", len(created))
    return len(created)


@rides_out_postgres_outages
async def programme_timescales(ctx: dict[str, Any]) -> int:
    """Open the month's audits and the quarter's supervision audit as obligations, and close
    those met (domain.audits.timescales). Idempotent; at startup and hourly."""
    clock: Clock = ctx["clock"]
    token = current_request_id.set(f"job:{ctx.get('job_id', 'programme_timescales')}")
    try:
        async with ctx["session_factory"]() as session, session.begin():
            closed = await timescales.reconcile(session=session, clock=clock)
    finally:
        current_request_id.reset(token)
    return closed


@rides_out_postgres_outages
async def start_inadequate_processes(ctx: dict[str, Any]) -> int:
    """Start the Inadequate process for any audit completed as Inadequate whose event was not
    yet acted on (the process normally starts in the completion's own transaction; this
    catches up events recorded before it existed). Idempotent, on any number of workers."""
    clock: Clock = ctx["clock"]
    token = current_request_id.set(f"job:{ctx.get('job_id', 'start_inadequate_processes')}")
    try:
        async with ctx["session_factory"]() as session, session.begin():
            started = await escalation.catch_up(session=session, clock=clock)
    finally:
        current_request_id.reset(token)
    if started:
        log.info("started %d Inadequate processes from earlier events", started)
    return started


@rides_out_postgres_outages
async def sweep_deadlines(ctx: dict[str, Any]) -> int:
    """Create the reminders and escalations due by now (domain.notifications.reminders), a
    batch per transaction, so a sweep with a great deal to catch up makes lasting progress
    and a killed worker loses at most one batch; it stops after SWEEP_BUDGET (or when the
    next sweep is due) and the next run goes on. Idempotent and catching up, so it runs at
    startup and every SWEEP_EVERY_SECONDS on any number of workers. Returns how many
    notifications it created."""
    clock: Clock = ctx["clock"]
    settings: Settings = ctx["settings"]
    token = current_request_id.set(f"job:{ctx.get('job_id', 'sweep_deadlines')}")
    started = time.monotonic()
    total = reminders.SweepResult()
    try:
        async with ctx["session_factory"]() as session:
            async with session.begin():
                working = await deadlines.calendar(session)
            budget = min(SWEEP_BUDGET.total_seconds(), settings.sweep_every_seconds)
            while time.monotonic() - started < budget:
                async with session.begin():
                    result = await reminders.sweep(
                        session=session,
                        clock=clock,
                        calendar=working,
                        policy_settings=settings.policy,
                        max_batches=1,
                    )
                total.obligations_seen += result.obligations_seen
                total.notifications_created += result.notifications_created
                total.emails_queued += result.emails_queued
                if not result.batches:
                    break
    finally:
        current_request_id.reset(token)
    if total.notifications_created:
        log.info(
            "created %d reminders (%d emails queued) from %d obligations",
            total.notifications_created,
            total.emails_queued,
            total.obligations_seen,
        )
    return total.notifications_created


@rides_out_postgres_outages
async def send_digests(ctx: dict[str, Any]) -> int:
    """Queue the daily digest of everyone whose chosen hour has come today and who has
    reminders waiting (domain.notifications.digest), in one transaction. Idempotent and
    catching up, so it runs at startup and every 5 minutes (two minutes after each sweep, so
    what a sweep creates at a digest's hour is in it) on any number of workers. Returns how
    many digests it queued."""
    token = current_request_id.set(f"job:{ctx.get('job_id', 'send_digests')}")
    try:
        async with ctx["session_factory"]() as session, session.begin():
            result = await digest.send_due_digests(session=session, clock=ctx["clock"])
    finally:
        current_request_id.reset(token)
    if result.digests_queued:
        log.info(
            "queued %d daily digests of %d reminders",
            result.digests_queued,
            result.notifications_digested,
        )
    return result.digests_queued


@rides_out_postgres_outages
async def send_outbox(ctx: dict[str, Any]) -> int:
    """Send email from the outbox through GOV.UK Notify when configured, otherwise SMTP, in
    batches of OUTBOX_BATCH, each claimed before sending and each message checked to be still
    this sender's right before it goes and marked right after, until the outbox is empty or
    the sending budget (settings.send_budget_seconds) is spent: it is tested before each
    message, and the claims not tried are let go. After a batch with a failure it stops: the
    server may be in trouble, and the next job tries again rather than this one backing off
    the whole outbox at once. At most one runs on a worker at a time. With neither sender
    configured nothing is sent and the messages wait. Returns how many were sent."""
    lock = already_sending(ctx, "send_outbox")
    if lock is None:
        return 0
    async with lock:
        return await _send_outbox(ctx)


async def _send_outbox(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]
    sender = email.sender_from_settings(settings)
    if sender is None:
        log.info(
            "neither NOTIFY_API_KEY nor SMTP_HOST is set: email is not sent and stays in the outbox"
        )
        return 0
    deadline = time.monotonic() + settings.send_budget_seconds
    sent = 0
    while True:
        result = await email.deliver(
            session_factory=ctx["session_factory"],
            clock=ctx["clock"],
            sender=sender,
            worker_id=ctx["worker_id"],
            limit=settings.outbox_batch,
            claim_timeout=timedelta(seconds=settings.outbox_claim_timeout_seconds),
            deadline=deadline,
        )
        sent += result.sent
        if result.claimed:
            log.info(
                "sent %d emails, %d failed, %d taken over, %d let go",
                result.sent,
                result.failed,
                result.skipped,
                result.released,
            )
        if (
            result.claimed < settings.outbox_batch
            or result.failed
            or result.released
            or time.monotonic() >= deadline
        ):
            return sent


@rides_out_postgres_outages
async def send_invitations(ctx: dict[str, Any]) -> int:
    """Send the survey invitations and reminders due now (domain.surveys.dispatch), email and
    text messages side by side, each channel at its rate shared by every worker (a token
    bucket in Redis), in batches claimed before sending, until none is due or the sending
    budget (settings.send_budget_seconds, tested before each message) is spent. At most one
    runs on a worker at a time. A channel without a sender (text messages without
    NOTIFY_SMS_TEMPLATE_ID) is left waiting. Nothing is sent outside SURVEY_SENDING_HOURS
    (London time). Returns how many were sent."""
    lock = already_sending(ctx, "send_invitations")
    if lock is None:
        return 0
    async with lock:
        return await _send_invitations(ctx)


async def _send_invitations(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]
    channels = dispatch.channels_from_settings(settings)
    deadline = time.monotonic() + settings.send_budget_seconds
    token = current_request_id.set(f"job:{ctx.get('job_id', 'send_invitations')}")

    async def one_channel(
        channel: Channel, lanes: list[Any] | None, per_second: float
    ) -> dispatch.BatchResult:
        total = dispatch.BatchResult()
        if not lanes:
            return total
        bucket = throttle.for_channel(ctx["redis"], channel.value, per_second)
        limit = dispatch.batch_size(per_second)
        while True:
            result = await dispatch.send_batch(
                session_factory=ctx["session_factory"],
                clock=ctx["clock"],
                throttle=bucket,
                lanes=lanes,
                channel=channel,
                worker_id=ctx["worker_id"],
                token_key=settings.survey_token_key.get_secret_value(),
                public_base_url=settings.public_base_url,
                claim_timeout=timedelta(seconds=settings.outbox_claim_timeout_seconds),
                sending_hours=settings.survey_sending_window,
                limit=limit,
                deadline=deadline,
            )
            total.claimed += result.claimed
            total.sent += result.sent
            total.failed += result.failed
            total.skipped += result.skipped
            total.released += result.released
            if result.claimed < limit or result.released or time.monotonic() >= deadline:
                return total

    try:
        done = await asyncio.gather(
            one_channel(Channel.EMAIL, channels.email, settings.survey_email_per_second),
            one_channel(Channel.SMS, channels.sms, settings.survey_sms_per_second),
        )
    finally:
        await channels.aclose()
        current_request_id.reset(token)
    for channel, result in zip((Channel.EMAIL, Channel.SMS), done, strict=True):
        if result.claimed:
            log.info(
                "survey invitations by %s: %d sent, %d failed, %d stopped before sending, "
                "%d let go",
                channel.value,
                result.sent,
                result.failed,
                result.skipped,
                result.released,
            )
    return sum(r.sent for r in done)


@rides_out_postgres_outages
async def survey_campaign_timekeeping(ctx: dict[str, Any]) -> tuple[int, int]:
    """Open scheduled campaigns whose time has come and close those whose time has passed
    (erasing their contact details): domain.surveys.campaigns.keep_time. Idempotent; at
    startup and every minute, so a campaign closes within a minute or so of its time even
    after downtime. Returns (opened, closed)."""
    token = current_request_id.set(f"job:{ctx.get('job_id', 'survey_campaign_timekeeping')}")
    try:
        async with ctx["session_factory"]() as session, session.begin():
            opened, closed = await campaigns.keep_time(session=session, clock=ctx["clock"])
    finally:
        current_request_id.reset(token)
    if opened or closed:
        log.info("survey campaigns: %d opened, %d closed", opened, closed)
    return opened, closed


def redis_settings(settings: Settings | None = None) -> RedisSettings:
    return RedisSettings.from_dsn((settings or get_settings()).redis_url)


def every(seconds: int, *, at_second: int = 0) -> dict[str, Any]:
    """arq cron arguments for a job run every `seconds` (one of settings.CRON_INTERVALS):
    `every(300)` is minutes 0, 5, … at second 0; `every(60, at_second=15)` second 15 of every
    minute; `every(10)` seconds 0, 10, … of every minute."""
    if seconds < 60:
        return {"second": set(range(at_second % seconds, 60, seconds))}
    return {"minute": set(range(0, 60, seconds // 60)), "second": {at_second}}


class WorkerSettings:
    functions = [
        heartbeat,
        nine_month_dip_samples,
        programme_timescales,
        start_inadequate_processes,
        sweep_deadlines,
        send_digests,
        send_outbox,
        send_invitations,
        survey_campaign_timekeeping,
    ]
    cron_jobs = [
        cron(
            nine_month_dip_samples,
            hour={6},
            minute={15},
            run_at_startup=True,
            timeout=timedelta(minutes=5),
        ),
        cron(
            programme_timescales,
            minute={7},
            run_at_startup=True,
            timeout=SWEEP_JOB_TIMEOUT,
        ),
        cron(
            start_inadequate_processes,
            minute=set(range(2, 60, 5)),
            run_at_startup=True,
            timeout=SWEEP_JOB_TIMEOUT,
        ),
        cron(
            sweep_deadlines,
            **every(get_settings().sweep_every_seconds),
            run_at_startup=True,
            timeout=SWEEP_JOB_TIMEOUT,
        ),
        cron(
            send_digests,
            minute=set(range(2, 60, 5)),
            run_at_startup=True,
            timeout=DIGEST_JOB_TIMEOUT,
        ),
        cron(
            send_outbox,
            **every(get_settings().send_every_seconds, at_second=15),
            run_at_startup=True,
            timeout=SEND_JOB_TIMEOUT,
        ),
        cron(
            send_invitations,
            **every(get_settings().send_every_seconds, at_second=40),
            run_at_startup=True,
            timeout=INVITATIONS_JOB_TIMEOUT,
        ),
        cron(
            survey_campaign_timekeeping,
            second={50},
            run_at_startup=True,
            timeout=TIMEKEEPING_JOB_TIMEOUT,
        ),
        cron(
            heartbeat,
            second={0, 30},
            run_at_startup=True,
            timeout=HEARTBEAT_JOB_TIMEOUT,
        ),
    ]
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


class _RetryLoggingOutages(Retry):
    """redis-py's retry, telling `redis_outage` when a command fails and when one succeeds."""

    async def call_with_retry(self, do: Any, fail: Any) -> Any:
        async def failed(error: Any) -> None:
            redis_outage.failed(error)
            await fail(error)

        result = await super().call_with_retry(do, failed)
        redis_outage.answered()
        return result


def reconnecting(settings: RedisSettings) -> RedisSettings:
    """`settings` with every Redis command retried for ever on a lost connection or a
    time-out, reconnecting after a jittered back-off growing to RECONNECT_BACKOFF_CAP
    seconds: the worker waits out an outage instead of ending."""
    return dataclasses.replace(
        settings,
        retry=_RetryLoggingOutages(
            EqualJitterBackoff(cap=RECONNECT_BACKOFF_CAP, base=RECONNECT_BACKOFF_BASE), -1
        ),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        retry_on_timeout=True,
    )


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
