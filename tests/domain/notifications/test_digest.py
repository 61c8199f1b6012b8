"""Daily digests at a chosen hour: a person who chose one gets their reminders in the
application at once and by email once a day, from that hour (Europe/London), each reminder
in one digest only, caught up after a worker was down, never twice however many runs at once;
people who chose no hour keep an email per reminder."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from sqlalchemy import select, update

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.deadlines.calendar import end_of_day
from domain.notifications import digest, messages
from domain.notifications.models import Notification, NotificationKind, OutboxMessage
from domain.people.models import Person
from tests.conftest import World, at
from tests.domain.deadlines.helpers import owe
from tests.domain.notifications.helpers import sweep

DAY = date(2026, 12, 2)  # a Wednesday in December: London is on UTC


async def _people(
    world: World, session_factory: SessionFactory, digest_hour: int | None = 8
) -> tuple[Person, Person]:
    manager = await world.person("Tom Manager")
    owner = await world.person("Sam Social", line_manager=manager)
    await _set_hour(session_factory, owner, digest_hour)
    return owner, manager


async def _set_hour(session_factory: SessionFactory, person: Person, hour: int | None) -> None:
    async with session_factory() as s, s.begin():
        await s.execute(update(Person).where(Person.id == person.id).values(digest_hour=hour))


async def _overdue(
    session_factory: SessionFactory, clock: SettableClock, owner: Person, count: int = 2
) -> None:
    """`count` obligations of `owner`, due the day before the clock's day, then swept: each
    an OVERDUE reminder to the owner and one to their line manager."""
    due = clock.now().date().toordinal() - 1
    await owe(session_factory, clock, owner, *[end_of_day(date.fromordinal(due))] * count)
    await sweep(session_factory, clock)


async def _digests(session_factory: SessionFactory, clock: SettableClock) -> digest.DigestResult:
    async with session_factory() as s, s.begin():
        return await digest.send_due_digests(session=s, clock=clock)


async def _outbox(session_factory: SessionFactory, person: Person) -> list[OutboxMessage]:
    async with session_factory() as s:
        rows = await s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_person_id == person.id)
            .order_by(OutboxMessage.created_at, OutboxMessage.key)
        )
        return list(rows)


async def _notifications(session_factory: SessionFactory, person: Person) -> list[Notification]:
    async with session_factory() as s:
        rows = await s.scalars(
            select(Notification)
            .where(Notification.person_id == person.id)
            .order_by(Notification.created_at, Notification.key)
        )
        return list(rows)


async def test_the_digest_comes_at_the_chosen_hour_and_not_before(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, manager = await _people(world, session_factory, digest_hour=8)
    clock.set(at(DAY, 6))
    await _overdue(session_factory, clock, owner)

    # In the application at once; no email of its own.
    notes = await _notifications(session_factory, owner)
    assert len(notes) == 2 and all(n.email_key is None for n in notes)
    assert await _outbox(session_factory, owner) == []

    clock.set(at(DAY, 7, 59))
    assert (await _digests(session_factory, clock)).digests_queued == 0
    assert await _outbox(session_factory, owner) == []

    clock.set(at(DAY, 8, 2))
    result = await _digests(session_factory, clock)
    assert (result.digests_queued, result.notifications_digested) == (1, 2)
    [mail] = await _outbox(session_factory, owner)
    key = f"digest:{owner.id}:2026-12-02"
    assert mail.key == key and mail.to_address == owner.email and mail.sent_at is None
    assert mail.subject == "Your daily digest: 2 reminders"
    assert mail.body.count("- Overdue: complete the audit") == 2
    assert "once a day from 08:00" in mail.body
    assert all(n.email_key == key for n in await _notifications(session_factory, owner))
    # The manager chose no hour: an email per reminder, as before, and no digest.
    assert sorted(m.key for m in await _outbox(session_factory, manager)) == sorted(
        n.key for n in await _notifications(session_factory, manager)
    )


async def test_the_chosen_hour_is_london_time_in_summer_too(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, _ = await _people(world, session_factory, digest_hour=8)
    summer = date(2027, 6, 16)  # British Summer Time: 08:00 in London is 07:00 UTC
    clock.set(at(summer, 5))
    await _overdue(session_factory, clock, owner, count=1)
    clock.set(at(summer, 6, 59))
    assert (await _digests(session_factory, clock)).digests_queued == 0
    clock.set(at(summer, 7, 0))
    assert (await _digests(session_factory, clock)).queued_keys == [f"digest:{owner.id}:2027-06-16"]


async def test_one_digest_a_day_holds_each_reminder_once(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, _ = await _people(world, session_factory, digest_hour=8)
    clock.set(at(DAY, 6))
    await _overdue(session_factory, clock, owner)
    clock.set(at(DAY, 8, 2))
    assert (await _digests(session_factory, clock)).digests_queued == 1

    # Later that day: a new reminder, and the digest job again: nothing until tomorrow.
    clock.set(at(DAY, 11))
    await _overdue(session_factory, clock, owner, count=1)
    for minute in (2, 7):
        clock.set(at(DAY, 11, minute))
        assert (await _digests(session_factory, clock)).digests_queued == 0
    clock.set(at(date(2026, 12, 3), 7, 57))
    assert (await _digests(session_factory, clock)).digests_queued == 0

    clock.set(at(date(2026, 12, 3), 8, 2))
    result = await _digests(session_factory, clock)
    assert (result.digests_queued, result.notifications_digested) == (1, 1)
    first, second = await _outbox(session_factory, owner)
    assert second.key == f"digest:{owner.id}:2026-12-03"
    assert second.subject == "Your daily digest: 1 reminder"
    # Each notification is in exactly one digest.
    notes = await _notifications(session_factory, owner)
    assert [n.email_key for n in notes] == [first.key, first.key, second.key]
    assert (await _digests(session_factory, clock)).digests_queued == 0


async def test_a_digest_missed_while_no_worker_ran_is_caught_up_once(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, _ = await _people(world, session_factory, digest_hour=8)
    clock.set(at(DAY, 6))
    await _overdue(session_factory, clock, owner)
    # No worker from 06:00 until 15:00: the first run after the hour sends it.
    clock.set(at(DAY, 15))
    assert (await _digests(session_factory, clock)).queued_keys == [f"digest:{owner.id}:2026-12-02"]
    # Down the whole of the next day, back the day after at 01:00: not yet; at 08:00 one digest.
    clock.set(at(date(2026, 12, 3), 6))
    await _overdue(session_factory, clock, owner, count=1)
    clock.set(at(date(2026, 12, 5), 1))
    assert (await _digests(session_factory, clock)).digests_queued == 0
    clock.set(at(date(2026, 12, 5), 9, 30))
    assert (await _digests(session_factory, clock)).queued_keys == [f"digest:{owner.id}:2026-12-05"]
    assert len(await _outbox(session_factory, owner)) == 2


async def test_without_a_chosen_hour_each_reminder_is_emailed_as_it_comes(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, manager = await _people(world, session_factory, digest_hour=None)
    clock.set(at(DAY, 6))
    await _overdue(session_factory, clock, owner)
    for person in (owner, manager):
        notes = await _notifications(session_factory, person)
        assert sorted(m.key for m in await _outbox(session_factory, person)) == sorted(
            n.key for n in notes
        )
        assert all(n.email_key == n.key for n in notes)
    clock.set(at(DAY, 23))
    assert (await _digests(session_factory, clock)).digests_queued == 0


async def test_choosing_an_hour_later_does_not_email_the_earlier_reminders_again(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, _ = await _people(world, session_factory, digest_hour=None)
    clock.set(at(DAY, 6))
    await _overdue(session_factory, clock, owner)
    await _set_hour(session_factory, owner, 7)
    clock.set(at(DAY, 7, 2))
    assert (await _digests(session_factory, clock)).digests_queued == 0
    assert len(await _outbox(session_factory, owner)) == 2


async def test_going_back_to_an_email_per_reminder_sends_what_waited_in_a_last_digest(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, _ = await _people(world, session_factory, digest_hour=18)
    clock.set(at(DAY, 6))
    await _overdue(session_factory, clock, owner)
    await _set_hour(session_factory, owner, None)
    clock.set(at(DAY, 6, 2))
    assert await _outbox(session_factory, owner) == []
    assert (await _digests(session_factory, clock)).notifications_digested == 2
    [mail] = await _outbox(session_factory, owner)
    assert "From now on you get an email for each reminder as it comes." in mail.body


async def test_people_who_have_left_get_no_digest(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, _ = await _people(world, session_factory, digest_hour=8)
    clock.set(at(DAY, 6))
    await _overdue(session_factory, clock, owner)
    async with session_factory() as s, s.begin():
        await s.execute(update(Person).where(Person.id == owner.id).values(is_active=False))
    clock.set(at(DAY, 9))
    assert (await _digests(session_factory, clock)).digests_queued == 0
    assert await _outbox(session_factory, owner) == []


async def test_digest_runs_at_once_queue_each_digest_once(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owners = []
    for i in range(6):
        owner, _ = await _people(world, session_factory, digest_hour=i)
        owners.append(owner)
    clock.set(at(DAY, 6))
    for owner in owners:
        await _overdue(session_factory, clock, owner)
    clock.set(at(DAY, 8))

    # One run holds its people while another starts: the other skips them.
    async with session_factory() as first, first.begin():
        held = await digest.send_due_digests(session=first, clock=clock, limit=2)
        assert held.digests_queued == 6
        async with session_factory() as second, second.begin():
            assert (await digest.send_due_digests(session=second, clock=clock)).people_seen == 0
    assert (await _digests(session_factory, clock)).digests_queued == 0

    # And truly at once, on fresh reminders the next day: each person's digest once.
    tomorrow = date(2026, 12, 3)
    clock.set(at(tomorrow, 6))
    for owner in owners:
        await _overdue(session_factory, clock, owner)
    clock.set(at(tomorrow, 8))
    results = await asyncio.gather(*(_digests(session_factory, clock) for _ in range(4)))
    assert sum(r.digests_queued for r in results) == 6
    assert sum(r.notifications_digested for r in results) == 12
    keys = [k for r in results for k in r.queued_keys]
    assert sorted(keys) == sorted(f"digest:{o.id}:2026-12-03" for o in owners)
    for owner in owners:
        mails = await _outbox(session_factory, owner)
        assert [m.key[-10:] for m in mails] == ["2026-12-02", "2026-12-03"]
        notes = await _notifications(session_factory, owner)
        assert [n.email_key for n in notes] == [mails[0].key] * 2 + [mails[1].key] * 2


async def test_news_told_at_once_is_emailed_at_once_and_never_in_a_digest(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, _ = await _people(world, session_factory, digest_hour=8)
    clock.set(at(DAY, 9))
    async with session_factory() as s, s.begin():
        person = await s.get(Person, owner.id)
        assert person is not None
        await messages.tell(
            session=s,
            clock=clock,
            person=person,
            kind=NotificationKind.INADEQUATE_CONFIRMED,
            title="Inadequate confirmed",
            body="An audit's Inadequate grade was confirmed.",
            subject_type="Audit",
            subject_id=uuid.uuid4(),
            key=f"news:{uuid.uuid4()}",
        )
    [note] = await _notifications(session_factory, owner)
    [mail] = await _outbox(session_factory, owner)
    assert note.email_key == note.key == mail.key
    assert (await _digests(session_factory, clock)).digests_queued == 0
