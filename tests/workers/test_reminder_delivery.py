"""The worker sweeps deadlines and delivers the reminders by email to a real SMTP server the
test runs (aiosmtpd on 127.0.0.1): each message once, with a deterministic Message-ID, however
often the jobs run, and a sender that died holding a claim is taken over after its timeout."""

from __future__ import annotations

from datetime import timedelta

from arq.worker import Worker
from sqlalchemy import select

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.notifications import email, outbox
from domain.notifications.models import OutboxMessage
from domain.people.models import Person
from tests.conftest import World
from tests.domain.deadlines.helpers import overdue_line
from tests.smtp import Inbox, free_port
from tests.workers.burst import run_jobs
from workers.jobs import send_digests, send_outbox, sweep_deadlines


async def _run(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    jobs: list[tuple[str, str]],
) -> Worker:
    # In the order enqueued (the sweep, then the sending): the ids are numbered in that order.
    numbered = [(name, f"{step}:{job_id}") for step, (name, job_id) in enumerate(jobs)]
    functions = [sweep_deadlines, send_digests, send_outbox]
    return await run_jobs(settings, clock, session_factory, functions, numbered)


async def test_the_worker_sends_each_reminder_once_to_a_real_smtp_server(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    smtp_settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    await overdue_line(world, 5)
    expected = 5 * 2

    await _run(
        smtp_settings,
        clock,
        session_factory,
        [("sweep_deadlines", "sweep:1"), ("send_outbox", "send:1")],
    )
    assert len(inbox.messages) == expected
    assert len(set(inbox.message_ids)) == expected
    # Again, as another worker or a restart would: nothing new, nothing twice.
    clock.advance(timedelta(minutes=10))
    await _run(
        smtp_settings,
        clock,
        session_factory,
        [("sweep_deadlines", "sweep:2"), ("send_outbox", "send:2"), ("send_outbox", "send:3")],
    )
    assert len(inbox.messages) == expected
    async with session_factory() as s:
        rows = list(await s.scalars(select(OutboxMessage)))
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows)
    assert sorted(inbox.message_ids) == sorted(email.message_id(r.key) for r in rows)
    assert {m["To"] for m in inbox.messages} == {r.to_address for r in rows}


async def test_a_claim_left_by_a_dead_sender_is_taken_over_after_its_timeout(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    smtp_settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    await overdue_line(world, 2)
    await _run(smtp_settings, clock, session_factory, [("sweep_deadlines", "sweep:1")])
    async with session_factory() as s, s.begin():  # a sender claims, then dies
        claimed = await outbox.claim_batch(s, clock, "dead-worker", 100)
    assert len(claimed) == 4

    await _run(smtp_settings, clock, session_factory, [("send_outbox", "send:1")])
    assert inbox.messages == []  # still held by the dead sender's claim
    clock.advance(outbox.CLAIM_TIMEOUT + timedelta(seconds=1))
    await _run(smtp_settings, clock, session_factory, [("send_outbox", "send:2")])
    assert len(inbox.messages) == len(set(inbox.message_ids)) == 4


async def test_without_an_smtp_host_email_waits_in_the_outbox(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
) -> None:
    await overdue_line(world, 1)
    await _run(
        settings, clock, session_factory, [("sweep_deadlines", "s:1"), ("send_outbox", "o:1")]
    )
    async with session_factory() as s:
        rows = list(await s.scalars(select(OutboxMessage)))
    assert len(rows) == 2 and all(r.sent_at is None and r.claimed_at is None for r in rows)


async def test_a_failed_send_is_retried_after_a_back_off(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
) -> None:
    await overdue_line(world, 1)
    await _run(settings, clock, session_factory, [("sweep_deadlines", "s:1")])
    unreachable = email.SmtpSender(host="127.0.0.1", port=free_port(), sender="qaf@test")
    result = await email.deliver(
        session_factory=session_factory, clock=clock, sender=unreachable, worker_id="w"
    )
    assert (result.claimed, result.failed, result.sent) == (2, 2, 0)
    async with session_factory() as s:
        rows = list(await s.scalars(select(OutboxMessage)))
    assert all(r.last_error and r.claimed_at is None and r.attempts == 1 for r in rows)
    assert all(r.available_at == clock.now() + outbox.backoff(1) for r in rows)
    again = await email.deliver(
        session_factory=session_factory, clock=clock, sender=unreachable, worker_id="w"
    )
    assert again.claimed == 0  # not before the back-off


async def test_someone_who_chose_an_hour_gets_one_daily_digest_by_email(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    smtp_settings = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "frontend_base_url": "https://qa.example.gov.uk",
        }
    )
    await overdue_line(world, 3)  # now 09:00 in London
    async with session_factory() as s, s.begin():
        owner = await s.scalar(select(Person).where(Person.display_name == "Sam Social"))
        assert owner is not None
        owner.digest_hour = 9
    jobs = [("sweep_deadlines", "sweep"), ("send_digests", "digest"), ("send_outbox", "send")]

    await _run(smtp_settings, clock, session_factory, [(n, f"{j}:1") for n, j in jobs])
    clock.advance(timedelta(minutes=5))
    await _run(smtp_settings, clock, session_factory, [(n, f"{j}:2") for n, j in jobs])

    to_owner = [m for m in inbox.messages if m["To"] == owner.email]
    assert len(to_owner) == 1  # three reminders, one email
    [digest] = to_owner
    assert digest["Subject"] == "Your daily digest: 3 reminders"
    assert digest["Message-ID"] == email.message_id(f"digest:{owner.id}:2026-12-02")
    text = digest.get_payload(decode=True).decode()
    assert text.count("- Overdue: ") == 3
    # Each line links into the front-end the worker was configured with.
    assert text.count("https://qa.example.gov.uk/") == 3
    # Their line manager chose no hour: an email for each reminder, as they come.
    assert len(inbox.messages) - 1 == 3
    for message in inbox.messages:
        assert "https://qa.example.gov.uk/" in message.get_payload(decode=True).decode()


async def test_one_send_job_sends_batch_after_batch_until_the_outbox_is_empty(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    smtp_settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    await overdue_line(world, 130)  # 260 emails
    worker = await _run(
        smtp_settings,
        clock,
        session_factory,
        [("sweep_deadlines", "sweep:1"), ("send_outbox", "send:1")],
    )
    assert worker.jobs_complete == 2
    assert len(inbox.messages) == len(set(inbox.message_ids)) == 260


async def test_a_send_job_stops_after_a_batch_with_failures(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
) -> None:
    unreachable = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port()})
    await overdue_line(world, 60)  # 120 emails
    await _run(
        unreachable,
        clock,
        session_factory,
        [("sweep_deadlines", "sweep:1"), ("send_outbox", "send:1")],
    )
    async with session_factory() as s:
        rows = list(await s.scalars(select(OutboxMessage)))
    # One batch tried and failed (backing off); the rest waits for the next job, untouched.
    assert sorted(r.attempts for r in rows) == [0] * 20 + [1] * 100
