"""The worker's jobs: each asks domain/ what is due and does it, deciding nothing itself.
Every job is idempotent and catches up by itself, so any number of workers can run them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import programme, timescales
from domain.core.clock import Clock
from domain.core.settings import Settings
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import WorkingCalendar
from domain.escalation import service as escalation
from domain.history.service import current_request_id
from domain.notifications import digest, email, throttle
from domain.reminders import sweep as reminders
from domain.surveys import campaigns, dispatch
from domain.surveys.models import Channel
from domain.system import service as system
from workers.outages import rides_out_postgres_outages
from workers.runtime import one_at_a_time

log = logging.getLogger("qaf.worker")

# A sweep stops starting new batches after this, well inside its job's timeout.
SWEEP_BUDGET = timedelta(seconds=40)


@contextlib.contextmanager
def _as_job(ctx: dict[str, Any], name: str) -> Iterator[None]:
    """What the job writes is recorded in history as done by this job (`job:<id>`)."""
    token = current_request_id.set(f"job:{ctx.get('job_id', name)}")
    try:
        yield
    finally:
        current_request_id.reset(token)


@contextlib.asynccontextmanager
async def _transaction(ctx: dict[str, Any], name: str) -> AsyncIterator[AsyncSession]:
    """The job `name`'s one unit of work."""
    with _as_job(ctx, name):
        async with ctx["session_factory"]() as session, session.begin():
            yield session


@rides_out_postgres_outages
async def heartbeat(ctx: dict[str, Any]) -> str:
    """Record that this worker runs jobs; /readyz reports the newest beat."""
    clock: Clock = ctx["clock"]
    async with _transaction(ctx, "heartbeat") as session:
        await system.record_heartbeat(
            session=session,
            clock=clock,
            worker_id=ctx["worker_id"],
            started_at=ctx["started_at"],
        )
    return str(ctx["worker_id"])


@rides_out_postgres_outages
async def nine_month_dip_samples(ctx: dict[str, Any]) -> int:
    """Plan the dip samples of child protection plans that have reached nine months.

    The domain finds what is due in PostgreSQL and is idempotent, so the job can run at
    startup (catching up whatever fell due while no worker ran) and daily, on any worker."""
    clock: Clock = ctx["clock"]
    async with _transaction(ctx, "nine_month_dip_samples") as session:
        created = await programme.create_nine_month_dip_samples(session=session, clock=clock)
    if created:
        log.info("planned %d nine-month dip samples", len(created))
    return len(created)


@rides_out_postgres_outages
async def programme_timescales(ctx: dict[str, Any]) -> int:
    """Open the month's audits and the quarter's supervision audit as obligations, and close
    those met (domain.audits.timescales). Idempotent; at startup and hourly."""
    clock: Clock = ctx["clock"]
    async with _transaction(ctx, "programme_timescales") as session:
        closed = await timescales.reconcile(session=session, clock=clock)
    return closed


@rides_out_postgres_outages
async def start_inadequate_processes(ctx: dict[str, Any]) -> int:
    """Start the Inadequate process for any audit completed as Inadequate whose event was not
    yet acted on (the process normally starts in the completion's own transaction; this
    catches up events recorded before it existed). Idempotent, on any number of workers."""
    clock: Clock = ctx["clock"]
    async with _transaction(ctx, "start_inadequate_processes") as session:
        started = await escalation.catch_up(session=session, clock=clock)
    if started:
        log.info("started %d Inadequate processes from earlier events", started)
    return started


async def sweep_batch(
    session: AsyncSession, clock: Clock, working: WorkingCalendar, settings: Settings
) -> reminders.SweepResult:
    """One batch of the sweep in its own transaction, committed when it returns."""
    async with session.begin():
        return await reminders.sweep(
            session=session,
            clock=clock,
            calendar=working,
            policy_settings=settings.policy,
            max_batches=1,
            frontend_base_url=settings.frontend_base_url,
        )


@rides_out_postgres_outages
async def sweep_deadlines(ctx: dict[str, Any]) -> int:
    """Create the reminders and escalations due by now (domain.reminders.sweep), a
    batch per transaction, so a sweep with a great deal to catch up makes lasting progress
    and a killed worker loses at most one batch; it stops after SWEEP_BUDGET (or when the
    next sweep is due) and the next run goes on. Idempotent and catching up, so it runs at
    startup and every SWEEP_EVERY_SECONDS on any number of workers. Returns how many
    notifications it created."""
    clock: Clock = ctx["clock"]
    settings: Settings = ctx["settings"]
    with _as_job(ctx, "sweep_deadlines"):
        started = time.monotonic()
        total = reminders.SweepResult()
        async with ctx["session_factory"]() as session:
            async with session.begin():
                working = await deadlines.calendar(session)
            budget = min(SWEEP_BUDGET.total_seconds(), settings.sweep_every_seconds)
            while time.monotonic() - started < budget:
                result = await sweep_batch(session, clock, working, settings)
                total.obligations_seen += result.obligations_seen
                total.notifications_created += result.notifications_created
                total.emails_queued += result.emails_queued
                if not result.batches:
                    break
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
    async with _transaction(ctx, "send_digests") as session:
        result = await digest.send_due_digests(
            session=session,
            clock=ctx["clock"],
            frontend_base_url=ctx["settings"].frontend_base_url,
        )
    if result.digests_queued:
        log.info(
            "queued %d daily digests of %d reminders",
            result.digests_queued,
            result.notifications_digested,
        )
    return result.digests_queued


@rides_out_postgres_outages
@one_at_a_time
async def send_outbox(ctx: dict[str, Any]) -> int:
    """Send email from the outbox through GOV.UK Notify when configured, otherwise SMTP, in
    batches of OUTBOX_BATCH, each claimed before sending and each message checked to be still
    this sender's right before it goes and marked right after, until the outbox is empty or
    the sending budget (settings.send_budget_seconds) is spent: it is tested before each
    message, and the claims not tried are let go. After a batch with a failure it stops: the
    server may be in trouble, and the next job tries again rather than this one backing off
    the whole outbox at once. At most one runs on a worker at a time. With neither sender
    configured nothing is sent and the messages wait. Returns how many were sent."""
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
@one_at_a_time
async def send_invitations(ctx: dict[str, Any]) -> int:
    """Send the survey invitations and reminders due now (domain.surveys.dispatch), email and
    text messages side by side, each channel at its rate shared by every worker (a token
    bucket in Redis), in batches claimed before sending, until none is due or the sending
    budget (settings.send_budget_seconds, tested before each message) is spent. At most one
    runs on a worker at a time. A channel without a sender (text messages without
    NOTIFY_SMS_TEMPLATE_ID) is left waiting. Nothing is sent outside SURVEY_SENDING_HOURS
    (London time). Returns how many were sent."""
    settings: Settings = ctx["settings"]
    channels = dispatch.channels_from_settings(settings)
    deadline = time.monotonic() + settings.send_budget_seconds

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

    with _as_job(ctx, "send_invitations"):
        try:
            done = await asyncio.gather(
                one_channel(Channel.EMAIL, channels.email, settings.survey_email_per_second),
                one_channel(Channel.SMS, channels.sms, settings.survey_sms_per_second),
            )
        finally:
            await channels.aclose()
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
    async with _transaction(ctx, "survey_campaign_timekeeping") as session:
        opened, closed = await campaigns.keep_time(session=session, clock=ctx["clock"])
    if opened or closed:
        log.info("survey campaigns: %d opened, %d closed", opened, closed)
    return opened, closed
