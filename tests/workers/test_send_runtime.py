"""The send jobs at run time, against real PostgreSQL, Redis and an SMTP server the test runs
(aiosmtpd, here slow to accept so that a send is caught in flight): one job of a kind per
worker at a time; a claim taken over is not sent by the sender that lost it; a job cancelled
mid-batch leaves nothing accepted by the server and unmarked; the sending budget is tested
before each message; unsafe timeouts are refused at start; the worker rides out Redis and
PostgreSQL going away; /readyz says whether a worker beats."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import arq.worker
import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis
from sqlalchemy import func, select

from cli import embedded
from domain.core.clock import SettableClock
from domain.core.db import SessionFactory, create_engine, create_session_factory
from domain.core.settings import ConfigurationError, Settings, check_startable
from domain.notifications import email, outbox
from domain.notifications.models import Channel as MessageChannel
from domain.notifications.models import OutboxMessage
from domain.notifications.throttle import Throttle
from domain.surveys import dispatch
from domain.surveys.models import Channel, SurveyInvitation
from tests.conftest import World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import annual_campaign, emails_for, token_key
from tests.smtp import smtp_server
from tests.workers.faults import free_port
from workers.jobs import heartbeat, send_invitations, send_outbox
from workers.main import WorkerSettings
from workers.outages import Outage, postgres_outage, redis_outage
from workers.runtime import ResilientWorker, shutdown, startup

CLAIM_TIMEOUT = timedelta(minutes=5)


class SlowInbox:
    """An SMTP server's handler that takes `delay` seconds to accept each message, counting
    Message-IDs; `in_flight[n]` is set when the n-th message (from 1) has arrived and is
    being accepted."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.message_ids: list[str] = []
        self.arrived = 0
        self.in_flight: dict[int, threading.Event] = {}

    def event(self, n: int) -> threading.Event:
        return self.in_flight.setdefault(n, threading.Event())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived += 1
        self.event(self.arrived).set()
        await asyncio.sleep(self.delay)
        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 Message accepted for delivery"


@pytest.fixture
def slow_smtp() -> Iterator[tuple[SlowInbox, int]]:
    with smtp_server(SlowInbox(delay=0.3)) as server:
        yield server


async def _queue(session_factory: SessionFactory, clock: SettableClock, count: int) -> list[str]:
    """`count` emails in the outbox, as the domain writes them; their Message-IDs."""
    keys = [f"test:{n}:{uuid.uuid4()}" for n in range(count)]
    async with session_factory() as s, s.begin():
        for n, key in enumerate(keys):
            s.add(
                OutboxMessage(
                    key=key,
                    channel=MessageChannel.EMAIL,
                    to_address=f"person{n}@qaf.test",
                    subject=f"Reminder {n}",
                    body="Something is due.",
                    created_at=clock.now() - timedelta(microseconds=count - n),
                    available_at=clock.now() - timedelta(microseconds=count - n),
                )
            )
    return [email.message_id(k) for k in keys]


async def _rows(session_factory: SessionFactory) -> list[OutboxMessage]:
    async with session_factory() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.available_at)))


def _marked_ids(rows: list[OutboxMessage]) -> list[str]:
    return [email.message_id(r.key) for r in rows if r.sent_at is not None]


async def _ctx(
    settings: Settings, clock: SettableClock, session_factory: SessionFactory, **more: Any
) -> dict[str, Any]:
    ctx: dict[str, Any] = {"settings": settings, "clock": clock, "session_factory": session_factory}
    ctx.update(more)
    await startup(ctx)
    return ctx


async def _wait_for(event: threading.Event, within: float = 10) -> None:
    assert await asyncio.to_thread(event.wait, within), "the SMTP server never got that far"


# --- one job of a kind per worker ---------------------------------------------------------


async def test_a_send_outbox_job_started_while_another_runs_returns_at_once_claiming_nothing(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    redis: Redis,
    slow_smtp: tuple[SlowInbox, int],
) -> None:
    inbox, port = slow_smtp
    queued = await _queue(session_factory, clock, 6)
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    smtp = smtp.model_copy(update={"outbox_batch": 2})
    ctx = await _ctx(smtp, clock, session_factory, redis=redis)

    first = asyncio.create_task(send_outbox({**ctx, "job_id": "send_outbox:1"}))
    await _wait_for(inbox.event(1))
    started = time.monotonic()
    second = await send_outbox({**ctx, "job_id": "send_outbox:2"})  # arq's copy of the ctx
    assert second == 0 and time.monotonic() - started < 0.2
    claimed = [r for r in await _rows(session_factory) if r.claimed_at is not None]
    assert len(claimed) == 2  # the first job's batch only: the second claimed nothing

    assert await first == 6
    assert sorted(inbox.message_ids) == sorted(queued)  # each once
    assert all(r.attempts == 1 for r in await _rows(session_factory))


async def test_a_send_invitations_job_started_while_another_runs_returns_at_once(
    world: World,
    redis: Redis,
    slow_smtp: tuple[SlowInbox, int],
    town: Authority,
) -> None:
    inbox, port = slow_smtp
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    await annual_campaign(world, town.actor(town.qa_lead), emails_for(town, refs))
    smtp = world.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    ctx = await _ctx(smtp, world.clock, world.session_factory, redis=redis)

    first = asyncio.create_task(send_invitations({**ctx, "job_id": "send_invitations:1"}))
    await _wait_for(inbox.event(1))
    async with world.session_factory() as s:
        attempts_before = await s.scalar(select(func.sum(SurveyInvitation.attempts)))
    started = time.monotonic()
    assert await send_invitations({**ctx, "job_id": "send_invitations:2"}) == 0
    assert time.monotonic() - started < 0.2
    async with world.session_factory() as s:
        assert await s.scalar(select(func.sum(SurveyInvitation.attempts))) == attempts_before

    assert await first == 6
    assert len(inbox.message_ids) == len(set(inbox.message_ids)) == 6


# --- the claim, checked right before each send ----------------------------------------------


class TakeoverAfterFirst:
    """Sends through SMTP; after the first message, the claims expire and a later job of
    the same worker takes over the rest of the batch (as a job cancelled and started again
    would), before the first job goes on."""

    def __init__(
        self, port: int, session_factory: SessionFactory, clock: SettableClock, worker: str
    ) -> None:
        self.smtp = email.SmtpSender(host="127.0.0.1", port=port, sender="qaf@qaf.test")
        self.session_factory = session_factory
        self.clock = clock
        self.worker = worker
        self.taken_over = 0

    async def send(self, message: OutboxMessage) -> None:
        await self.smtp.send(message)
        if not self.taken_over:
            self.clock.advance(CLAIM_TIMEOUT + timedelta(seconds=1))
            async with self.session_factory() as s, s.begin():
                taken = await outbox.claim_batch(
                    s, self.clock, self.worker, 100, claim_timeout=CLAIM_TIMEOUT
                )
            self.taken_over = len(taken)


async def test_the_outbox_sender_does_not_send_a_message_whose_claim_was_taken_over(
    clock: SettableClock,
    session_factory: SessionFactory,
    slow_smtp: tuple[SlowInbox, int],
) -> None:
    inbox, port = slow_smtp
    inbox.delay = 0
    queued = await _queue(session_factory, clock, 4)
    sender = TakeoverAfterFirst(port, session_factory, clock, "worker-1")
    result = await email.deliver(
        session_factory=session_factory, clock=clock, sender=sender, worker_id="worker-1"
    )
    assert sender.taken_over == 4  # the first too: its mark was still to come
    assert (result.claimed, result.sent, result.skipped) == (4, 1, 3)
    assert inbox.message_ids == queued[:1]

    # Whoever took them over sends them (here after their claims too have expired): each
    # message went once in all.
    clock.advance(CLAIM_TIMEOUT + timedelta(seconds=1))
    plain = email.SmtpSender(host="127.0.0.1", port=port, sender="qaf@qaf.test")
    again = await email.deliver(
        session_factory=session_factory, clock=clock, sender=plain, worker_id="worker-1"
    )
    assert again.sent == 3
    assert sorted(inbox.message_ids) == sorted(queued)
    assert sorted(_marked_ids(await _rows(session_factory))) == sorted(queued)


@dataclass
class TakeoverLane:
    """A survey lane (one SMTP connection) after whose first message a later job of the same
    worker takes over the batch's claims."""

    lane: Any
    world: World
    worker: str
    taken_over: int = 0

    async def send_email(self, message: Any) -> None:
        await self.lane.send_email(message)
        if not self.taken_over:
            self.world.clock.advance(CLAIM_TIMEOUT + timedelta(seconds=1))
            async with self.world.session_factory() as s, s.begin():
                taken = await dispatch.claim_sends(
                    s, self.world.clock, self.worker, Channel.EMAIL, 100, CLAIM_TIMEOUT
                )
            self.taken_over = len(taken)

    async def aclose(self) -> None:
        await self.lane.aclose()


async def test_a_survey_lane_does_not_send_what_a_later_job_of_its_worker_took_over(
    world: World, redis: Redis, slow_smtp: tuple[SlowInbox, int], town: Authority
) -> None:
    inbox, port = slow_smtp
    inbox.delay = 0
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    await annual_campaign(world, town.actor(town.qa_lead), emails_for(town, refs))
    smtp = email.SmtpSender(host="127.0.0.1", port=port, sender="surveys@qaf.test")
    lane = TakeoverLane(smtp.connection(), world, "worker-1")
    result = await dispatch.send_batch(
        session_factory=world.session_factory,
        clock=world.clock,
        throttle=Throttle(redis, f"test:{uuid.uuid4()}", 1000),
        lanes=[lane],
        channel=Channel.EMAIL,
        worker_id="worker-1",
        token_key=token_key(world),
        public_base_url=world.settings.public_base_url,
        claim_timeout=CLAIM_TIMEOUT,
        sending_hours=world.settings.survey_sending_window,
    )
    await lane.aclose()
    assert lane.taken_over == 6  # the first too: its mark was still to come
    assert (result.claimed, result.sent, result.skipped) == (6, 1, 5)
    assert len(inbox.message_ids) == 1


# --- cancelled mid-batch: nothing accepted and left unmarked ----------------------------------


async def test_a_send_outbox_job_cancelled_mid_send_marks_the_message_in_flight_and_stops(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    redis: Redis,
    slow_smtp: tuple[SlowInbox, int],
) -> None:
    inbox, port = slow_smtp
    queued = await _queue(session_factory, clock, 8)
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    ctx = await _ctx(smtp, clock, session_factory, redis=redis)

    job = asyncio.create_task(send_outbox(ctx))
    await _wait_for(inbox.event(3))  # the third message is with the server, not yet accepted
    job.cancel()  # as arq's job timeout or a worker told to stop does
    with pytest.raises(asyncio.CancelledError):
        await job

    rows = await _rows(session_factory)
    assert inbox.message_ids == queued[:3]  # the one in flight was accepted…
    assert _marked_ids(rows) == queued[:3]  # …and marked: nothing sent and unmarked
    # The rest were let go, not counted as attempts: the next job sends them at once.
    assert all(r.claimed_at is None and r.attempts == 0 for r in rows[3:])
    assert (await send_outbox(ctx)) == 5
    assert sorted(inbox.message_ids) == sorted(queued)


async def test_a_send_outbox_job_timed_out_as_arq_does_leaves_nothing_sent_and_unmarked(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    redis: Redis,
    slow_smtp: tuple[SlowInbox, int],
) -> None:
    inbox, port = slow_smtp
    await _queue(session_factory, clock, 10)
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    ctx = await _ctx(smtp, clock, session_factory, redis=redis)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(send_outbox(ctx), timeout=1.0)  # arq's job timeout
    rows = await _rows(session_factory)
    assert 1 <= len(inbox.message_ids) < 10
    assert sorted(_marked_ids(rows)) == sorted(inbox.message_ids)
    assert all(r.claimed_at is None for r in rows if r.sent_at is None)


async def test_survey_lanes_cancelled_mid_send_mark_their_messages_in_flight_and_stop(
    world: World,
    redis: Redis,
    slow_smtp: tuple[SlowInbox, int],
    town: Authority,
) -> None:
    inbox, port = slow_smtp
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    await annual_campaign(world, town.actor(town.qa_lead), emails_for(town, refs))
    smtp = world.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    ctx = await _ctx(smtp, world.clock, world.session_factory, redis=redis)

    job = asyncio.create_task(send_invitations(ctx))
    await _wait_for(inbox.event(1))  # four lanes, each with a message in flight; two wait
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job

    async with world.session_factory() as s:
        rows = list(await s.scalars(select(SurveyInvitation)))
    sent_keys = {email.message_id(dispatch.send_key(r.id, 0)) for r in rows if r.sends_done == 1}
    assert 1 <= len(inbox.message_ids) <= 4
    assert set(inbox.message_ids) == sent_keys  # every message accepted is marked
    waiting = [r for r in rows if r.sends_done == 0]
    assert waiting and all(r.claimed_at is None and r.attempts == 0 for r in waiting)


# --- the budget, tested before each message --------------------------------------------------


async def test_deliver_starts_no_message_after_its_deadline_and_lets_the_rest_go(
    clock: SettableClock,
    session_factory: SessionFactory,
    slow_smtp: tuple[SlowInbox, int],
) -> None:
    inbox, port = slow_smtp  # 0.3 s a message
    await _queue(session_factory, clock, 10)
    sender = email.SmtpSender(host="127.0.0.1", port=port, sender="qaf@qaf.test")
    result = await email.deliver(
        session_factory=session_factory,
        clock=clock,
        sender=sender,
        worker_id="w",
        deadline=time.monotonic() + 0.5,
    )
    assert result.claimed == 10 and 1 <= result.sent <= 3
    assert result.released == 10 - result.sent == 10 - len(inbox.message_ids)
    rows = await _rows(session_factory)
    assert all(r.claimed_at is None and r.attempts == 0 for r in rows if r.sent_at is None)
    # Past its deadline a sender claims nothing at all.
    late = await email.deliver(
        session_factory=session_factory,
        clock=clock,
        sender=sender,
        worker_id="w",
        deadline=time.monotonic(),
    )
    assert late.claimed == 0


async def test_a_survey_batch_starts_no_message_after_its_deadline_and_lets_the_rest_go(
    world: World, redis: Redis, slow_smtp: tuple[SlowInbox, int], town: Authority
) -> None:
    inbox, port = slow_smtp  # 0.3 s a message
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    await annual_campaign(world, town.actor(town.qa_lead), emails_for(town, refs))
    smtp = email.SmtpSender(host="127.0.0.1", port=port, sender="surveys@qaf.test")

    async def batch(deadline: float) -> dispatch.BatchResult:
        lane = smtp.connection()
        try:
            return await dispatch.send_batch(
                session_factory=world.session_factory,
                clock=world.clock,
                throttle=Throttle(redis, f"test:{uuid.uuid4()}", 1000),
                lanes=[lane],
                channel=Channel.EMAIL,
                worker_id="w",
                token_key=token_key(world),
                public_base_url=world.settings.public_base_url,
                claim_timeout=CLAIM_TIMEOUT,
                sending_hours=world.settings.survey_sending_window,
                deadline=deadline,
            )
        finally:
            await lane.aclose()

    assert (await batch(time.monotonic())).claimed == 0  # past it, nothing is claimed
    result = await batch(time.monotonic() + 0.5)
    assert result.claimed == 6 and 1 <= result.sent <= 3
    assert len(inbox.message_ids) == result.sent
    assert result.released == 6 - result.sent
    async with world.session_factory() as s:
        waiting = list(
            await s.scalars(select(SurveyInvitation).where(SurveyInvitation.sends_done == 0))
        )
    assert len(waiting) == result.released
    assert all(r.claimed_at is None and r.attempts == 0 for r in waiting)


# --- settings -------------------------------------------------------------------------------


def test_the_send_budget_is_half_the_shorter_timeout_leaving_room_for_one_send() -> None:
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (defaults.send_job_timeout_seconds, defaults.outbox_batch) == (50, 100)
    assert defaults.outbox_claim_timeout_seconds == 300
    assert defaults.send_budget_seconds == 25  # half of min(50, 300)
    assert defaults.sending_problems() == []
    fast = Settings(
        _env_file=None,  # type: ignore[call-arg]
        outbox_claim_timeout_seconds=15,
        send_job_timeout_seconds=15,
    )
    # Half of 15 would leave a 10-second SMTP send started at 7.5 s ending after 15 s.
    assert fast.send_budget_seconds == 15 - 10 - 1
    assert fast.sending_problems() == []
    assert WorkerSettings.cron_jobs  # the send jobs' timeouts come from the settings
    timeouts = {j.name.removeprefix("cron:"): j.timeout_s for j in WorkerSettings.cron_jobs}
    assert timeouts["send_outbox"] == timeouts["send_invitations"] == 50


async def test_a_claim_timeout_shorter_than_the_job_timeout_is_refused_at_start(
    settings: Settings, clock: SettableClock, session_factory: SessionFactory
) -> None:
    unsafe = settings.model_copy(update={"outbox_claim_timeout_seconds": 15})
    with pytest.raises(ConfigurationError) as refused:
        check_startable(unsafe)
    assert "OUTBOX_CLAIM_TIMEOUT_SECONDS (15) is shorter than SEND_JOB_TIMEOUT_SECONDS (50)" in (
        str(refused.value)
    )
    with pytest.raises(ConfigurationError):
        await startup({"settings": unsafe, "clock": clock, "session_factory": session_factory})
    no_room = settings.model_copy(
        update={"send_job_timeout_seconds": 10, "outbox_claim_timeout_seconds": 10}
    )
    with pytest.raises(ConfigurationError) as refused:
        check_startable(no_room)
    assert "SMTP_TIMEOUT_SECONDS" in str(refused.value)


# --- outages --------------------------------------------------------------------------------


def test_the_arq_command_runs_the_resilient_worker() -> None:
    worker = arq.worker.create_worker(WorkerSettings)  # type: ignore[arg-type]  # as `arq` does
    assert isinstance(worker, ResilientWorker)
    assert worker.redis_settings is not None and worker.redis_settings.retry is not None


def test_after_an_outage_each_cron_job_runs_once_not_once_per_missed_tick() -> None:
    worker = arq.worker.create_worker(WorkerSettings)  # type: ignore[arg-type]
    assert isinstance(worker, ResilientWorker)
    now = datetime(2026, 11, 26, 10, 0, 30, tzinfo=UTC)
    for job in worker.cron_jobs:
        job.calculate_next(now - timedelta(minutes=10))  # as when Redis went away
    on_time = worker.cron_jobs[0]
    on_time.next_run = now - timedelta(seconds=1)  # a poll's delay: still run as scheduled
    before = {job.name: job.next_run for job in worker.cron_jobs}
    late = {n for n, at in before.items() if at is not None and at < now - timedelta(seconds=5)}
    assert {"cron:send_outbox", "cron:sweep_deadlines", "cron:heartbeat"} <= late
    try:
        worker.skip_missed_cron_runs(now)
        for job in worker.cron_jobs:
            assert job.next_run == (now if job.name in late else before[job.name]), job.name
    finally:
        for job in worker.cron_jobs:  # shared with WorkerSettings: as they were
            job.next_run = None


async def test_the_worker_rides_out_a_redis_outage_and_logs_it_once(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    redis_outage.ended = None  # no earlier outage in this process to relapse into
    server = embedded.start_redis("test-outage-redis")
    port = server.port
    ran: list[str] = []

    async def note(ctx: dict[str, Any], what: str) -> str:
        ran.append(what)
        return what

    redis_settings = RedisSettings(host="127.0.0.1", port=port)
    worker = ResilientWorker(
        functions=[arq.worker.func(note, name="note")],
        redis_settings=redis_settings,
        poll_delay=0.05,
        handle_signals=False,
        ctx={"settings": settings, "clock": clock, "session_factory": session_factory},
    )
    task = asyncio.create_task(worker.async_run())
    try:
        pool = await create_pool(redis_settings)
        await pool.enqueue_job("note", "before")
        await pool.aclose()
        for _ in range(600):
            if ran:
                break
            await asyncio.sleep(0.05)
        assert ran == ["before"], ran

        caplog.set_level(logging.WARNING, logger="qaf.worker")
        server.stop()
        await asyncio.sleep(3)  # Redis gone: the worker waits, it does not end
        assert not task.done()
        server = embedded.start_redis("test-outage-redis", port=port)
        pool = await create_pool(redis_settings)
        await pool.enqueue_job("note", "after")
        await pool.aclose()
        for _ in range(600):
            if len(ran) == 2:
                break
            await asyncio.sleep(0.05)
        assert ran == ["before", "after"], ran
        assert not task.done()
        lines = [r.getMessage() for r in caplog.records if r.name == "qaf.worker"]
        assert sum("Redis is not answering" in line for line in lines) == 1, lines
        assert sum("Redis answers again" in line for line in lines) == 1, lines
    finally:
        worker.handle_sig(15)  # type: ignore[arg-type]
        await asyncio.gather(task, return_exceptions=True)
        await worker.close()
        server.stop()


async def test_a_job_finding_postgresql_gone_logs_it_once_and_the_next_run_carries_on(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qaf.worker")
    postgres_outage.ended = None  # no earlier outage in this process to relapse into
    gone = settings.model_copy(
        update={"database_url": f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/qaf"}
    )
    engine = create_engine(gone)
    try:
        ctx = await _ctx(gone, clock, create_session_factory(engine))
        assert await heartbeat(ctx) is None  # failed quietly: the next cron run tries again
        assert await heartbeat(ctx) is None
    finally:
        await engine.dispose()
    ctx["session_factory"] = session_factory
    assert await heartbeat(ctx) == ctx["worker_id"]
    lines = [r.getMessage() for r in caplog.records if r.name == "qaf.worker"]
    assert sum("PostgreSQL is not answering" in line for line in lines) == 1, lines
    assert sum("PostgreSQL answers again" in line for line in lines) == 1, lines
    assert not any(r.exc_info for r in caplog.records if r.name == "qaf.worker")
    await shutdown(ctx)


def test_an_outage_is_logged_once_and_a_dead_connection_after_it_is_not_a_new_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qaf.worker")
    outage = Outage("Redis", "waiting")
    for _ in range(5):
        outage.failed(ConnectionError("refused"))
    outage.answered()
    outage.failed(ConnectionError("reset"))  # a pooled connection that died in the outage
    outage.answered()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("Redis is not answering (ConnectionError: refused)")
    assert lines[1].startswith("Redis answers again after")


# --- /readyz --------------------------------------------------------------------------------


async def test_readyz_says_whether_a_worker_beats_without_failing_the_api_for_it(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    client: httpx.AsyncClient,
    redis: Redis,
) -> None:
    never = await client.get("/readyz")
    assert never.status_code == 200
    assert (never.json()["worker"], never.json()["workers_alive"]) == ("never seen", 0)

    ctx = await _ctx(settings, clock, session_factory)
    await heartbeat(ctx)
    ok = (await client.get("/readyz")).json()
    assert (ok["worker"], ok["workers_alive"]) == ("ok", 1)

    clock.advance(timedelta(seconds=89))
    assert (await client.get("/readyz")).json()["worker"] == "ok"
    clock.advance(timedelta(seconds=2))  # three heartbeats (30 s apart) missed
    stale = await client.get("/readyz")
    assert stale.status_code == 200  # the API serves without a worker
    assert (stale.json()["status"], stale.json()["worker"]) == ("ready", "stale")
    assert stale.json()["workers_alive"] == 0
