"""The arq worker: wakes up, asks domain/ what is due, does it. It decides nothing itself.

Run with `arq workers.main.WorkerSettings` (or `qaf worker`). Any number of workers can run
against one PostgreSQL and one Redis: jobs are idempotent and their ids deterministic.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from datetime import timedelta
from typing import Any

from arq import cron
from arq.connections import RedisSettings

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
SEND_JOB_TIMEOUT = timedelta(seconds=50)
DIGEST_JOB_TIMEOUT = timedelta(seconds=60)
OUTBOX_BATCH = 100
# A send job claims batch after batch until the outbox is empty, but starts no new batch
# after this long (nor once the next send job is due), so that it ends well within its
# timeout (a job cancelled mid-batch leaves claims that expire only after
# OUTBOX_CLAIM_TIMEOUT_SECONDS) and send jobs do not pile up on a worker, each slowing the
# others until a batch outlasts the claim timeout and is taken over: sent twice.
SEND_BUDGET = SEND_JOB_TIMEOUT / 2
# Survey invitations likewise: a job sends batch after batch for each channel until none is
# due, the budget has passed or the next job is due. A batch is at most a few seconds of its
# channel's rate (dispatch.BATCH_SECONDS), well inside the claim timeout.
INVITATIONS_JOB_TIMEOUT = timedelta(seconds=50)
INVITATIONS_BUDGET = INVITATIONS_JOB_TIMEOUT / 2
TIMEKEEPING_JOB_TIMEOUT = timedelta(seconds=60)


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
    ctx["worker_id"] = worker_id()
    ctx["started_at"] = ctx["clock"].now()
    log.info("worker %s started", ctx["worker_id"])


async def shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


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


async def send_outbox(ctx: dict[str, Any]) -> int:
    """Send email from the outbox in batches of OUTBOX_BATCH, each claimed before sending and
    each message marked after, through GOV.UK Notify when configured, otherwise SMTP, until
    the outbox is empty, SEND_BUDGET has passed or the next send job is due (so that a sweep
    that queued thousands does not wait a minute per hundred). After a batch with a failure it
    stops: the server may be in trouble, and the next job tries again rather than this one
    backing off the whole outbox at once. With neither sender configured nothing is sent and
    the messages wait. Returns how many were sent."""
    settings: Settings = ctx["settings"]
    sender = email.sender_from_settings(settings)
    if sender is None:
        log.info(
            "neither NOTIFY_API_KEY nor SMTP_HOST is set: email is not sent and stays in the outbox"
        )
        return 0
    budget = min(SEND_BUDGET.total_seconds(), settings.send_every_seconds)
    started = time.monotonic()
    sent = 0
    while True:
        result = await email.deliver(
            session_factory=ctx["session_factory"],
            clock=ctx["clock"],
            sender=sender,
            worker_id=ctx["worker_id"],
            limit=OUTBOX_BATCH,
            claim_timeout=timedelta(seconds=settings.outbox_claim_timeout_seconds),
        )
        sent += result.sent
        if result.claimed:
            log.info("sent %d emails, %d failed", result.sent, result.failed)
        if result.claimed < OUTBOX_BATCH or result.failed or time.monotonic() - started > budget:
            return sent


async def send_invitations(ctx: dict[str, Any]) -> int:
    """Send the survey invitations and reminders due now (domain.surveys.dispatch), email and
    text messages side by side, each channel at its rate shared by every worker (a token
    bucket in Redis), in batches claimed before sending, until none is due, the budget has
    passed or the next job is due. A channel without a sender (text messages without
    NOTIFY_SMS_TEMPLATE_ID) is left waiting. Nothing is sent outside SURVEY_SENDING_HOURS
    (London time). Returns how many were sent."""
    settings: Settings = ctx["settings"]
    channels = dispatch.channels_from_settings(settings)
    budget = min(INVITATIONS_BUDGET.total_seconds(), settings.send_every_seconds)
    started = time.monotonic()
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
            )
            total.claimed += result.claimed
            total.sent += result.sent
            total.failed += result.failed
            total.skipped += result.skipped
            total.released += result.released
            if result.claimed < limit or result.released or time.monotonic() - started > budget:
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
                "survey invitations by %s: %d sent, %d failed, %d stopped before sending",
                channel.value,
                result.sent,
                result.failed,
                result.skipped,
            )
    return sum(r.sent for r in done)


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
    job_timeout = 60
    max_tries = 5
    allow_abort_jobs = True
