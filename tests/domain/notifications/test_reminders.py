"""Reminders before a due date, on it, and overdue escalation up the line of management, with
a clock moved across days: working days (weekends, bank holidays, closure days) respected,
each reminder created exactly once however often or concurrently the sweep runs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime

from sqlalchemy import func, select

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import PolicySettings
from domain.deadlines import obligations
from domain.deadlines.calendar import WorkingCalendar, end_of_day, start_of_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.notifications.models import Notification, OutboxMessage
from domain.people.models import Person
from domain.reminders import sweep as reminders
from tests.conftest import World, at
from tests.domain.deadlines.helpers import owe
from tests.domain.notifications.helpers import sweep

POLICY = PolicySettings()  # 2 working days before; escalation every 2 working days
DUE = date(2026, 12, 24)  # Thursday before Christmas: Fri 25 and Mon 28 are bank holidays


async def _line(world: World) -> tuple[Person, Person, Person, Person]:
    aed = await world.person("Ada Director")
    hos = await world.person("Hana Head", line_manager=aed)
    tm = await world.person("Tom Manager", line_manager=hos)
    owner = await world.person("Sam Social", line_manager=tm)
    return owner, tm, hos, aed


async def _open(
    session_factory: SessionFactory, clock: SettableClock, owner: Person, due: date = DUE
) -> uuid.UUID:
    [obligation_id] = await owe(
        session_factory, clock, owner, end_of_day(due), kind=ObligationKind.ACTION_DUE
    )
    return obligation_id


async def _sweep(
    session_factory: SessionFactory,
    clock: SettableClock,
    calendar: WorkingCalendar | None = None,
) -> reminders.SweepResult:
    return await sweep(session_factory, clock, calendar=calendar, policy_settings=POLICY)


async def _sent(session_factory: SessionFactory) -> list[tuple[str, str]]:
    async with session_factory() as s:
        rows = await s.execute(
            select(Notification.kind, Notification.person_id).order_by(Notification.created_at)
        )
        outbox = await s.scalar(select(func.count()).select_from(OutboxMessage))
        notes = [(k, str(p)) for k, p in rows]
    assert outbox == len(notes)  # every notification has its email, created with it
    return notes


async def test_reminders_before_on_the_day_and_escalating_over_working_days(
    session_factory: SessionFactory, clock: SettableClock, world: World
) -> None:
    owner, tm, hos, aed = await _line(world)
    await _open(session_factory, clock, owner)
    o, t, h, a = (str(p.id) for p in (owner, tm, hos, aed))
    expected: list[tuple[str, str]] = []

    steps = [
        (date(2026, 12, 21), []),  # Monday: 3 working days before, too early
        (date(2026, 12, 22), [("REMINDER_BEFORE", o)]),  # 2 working days before
        (date(2026, 12, 23), []),
        (date(2026, 12, 24), [("REMINDER_DUE_TODAY", o)]),
        # Christmas Day: overdue since midnight, to the owner and their line manager.
        (date(2026, 12, 25), [("OVERDUE", o), ("OVERDUE", t)]),
        (date(2026, 12, 28), []),  # substitute bank holiday
        (date(2026, 12, 29), []),  # working day 1 after the due date
        (date(2026, 12, 30), []),  # 2
        (date(2026, 12, 31), [("OVERDUE", h)]),  # 3 = 1 + 2: the next level up
        (date(2027, 1, 1), []),  # New Year's Day
        (date(2027, 1, 4), []),  # 4
        (date(2027, 1, 5), [("OVERDUE", a)]),  # 5 = 1 + 2 * 2: the top of the line
        (date(2027, 1, 12), []),  # the line has ended: nothing more
    ]
    for day, new in steps:
        for hour in (0, 9, 17):
            clock.set(at(day, hour))
            for _ in range(2):  # however often it runs
                await _sweep(session_factory, clock)
        expected += new
        assert sorted(await _sent(session_factory)) == sorted(expected), day


async def test_a_worker_down_for_days_catches_up_once_and_closure_days_count(
    session_factory: SessionFactory, clock: SettableClock, world: World
) -> None:
    owner, tm, hos, aed = await _line(world)
    await _open(session_factory, clock, owner)
    # The authority closes on Wednesday 30 December: level 2 moves to Monday 4 January.
    calendar = WorkingCalendar(closures=frozenset({date(2026, 12, 30)}))
    clock.set(at(date(2026, 12, 31), 9))
    result = await _sweep(session_factory, clock, calendar)
    # The reminders before and on the day are replaced by the overdue ones; none is lost.
    assert sorted(await _sent(session_factory)) == sorted(
        [("OVERDUE", str(owner.id)), ("OVERDUE", str(tm.id))]
    )
    assert result.notifications_created == result.emails_queued == 2
    clock.set(at(date(2027, 1, 4), 9))
    await _sweep(session_factory, clock, calendar)
    assert ("OVERDUE", str(hos.id)) in await _sent(session_factory)
    clock.set(at(date(2027, 2, 1), 9))
    again = await _sweep(session_factory, clock, calendar)
    assert again.notifications_created == 1  # only the top of the line was still missing
    assert len(await _sent(session_factory)) == 4
    assert ("OVERDUE", str(aed.id)) in await _sent(session_factory)


async def test_two_sweeps_at_once_create_nothing_twice(
    session_factory: SessionFactory, clock: SettableClock, world: World
) -> None:
    owner, *_ = await _line(world)
    for _ in range(30):
        await _open(session_factory, clock, owner)
    clock.set(at(date(2027, 1, 5), 9))

    async def one() -> int:
        return (await _sweep(session_factory, clock)).notifications_created

    created = await asyncio.gather(one(), one(), one())
    assert sum(created) == 30 * 4
    notes = await _sent(session_factory)
    assert len(notes) == 30 * 4
    async with session_factory() as s:
        keys = list(await s.scalars(select(Notification.key)))
    assert len(set(keys)) == len(keys)
    assert (await _sweep(session_factory, clock)).notifications_created == 0


async def test_a_closed_obligation_gets_no_more_reminders(
    session_factory: SessionFactory, clock: SettableClock, world: World
) -> None:
    owner, *_ = await _line(world)
    oid = await _open(session_factory, clock, owner)
    clock.set(at(date(2026, 12, 22), 9))
    await _sweep(session_factory, clock)
    async with session_factory() as s, s.begin():
        key = await s.scalar(select(Obligation.key).where(Obligation.id == oid))
        assert key is not None
        await obligations.close_obligation(
            session=s, clock=clock, key=key, state=ObligationState.DONE, by=owner.id
        )
    for day in (date(2026, 12, 24), date(2027, 1, 20)):
        clock.set(at(day, 9))
        assert (await _sweep(session_factory, clock)).notifications_created == 0
    assert len(await _sent(session_factory)) == 1


async def test_no_one_who_has_left_is_told_but_the_line_is_climbed_past_them(
    session_factory: SessionFactory, clock: SettableClock, world: World
) -> None:
    owner, tm, hos, _ = await _line(world)
    async with session_factory() as s, s.begin():
        row = await s.get(Person, tm.id)
        assert row is not None
        row.is_active = False
    await _open(session_factory, clock, owner)
    clock.set(at(date(2026, 12, 31), 9))
    await _sweep(session_factory, clock)
    assert sorted(await _sent(session_factory)) == sorted(
        [("OVERDUE", str(owner.id)), ("OVERDUE", str(hos.id))]
    )


async def test_a_reminder_before_the_due_date_waits_for_a_working_day(
    session_factory: SessionFactory, clock: SettableClock, world: World
) -> None:
    owner, *_ = await _line(world)
    # Due Tuesday 5 January 2027: 2 working days before is Thursday 31 December (New Year's
    # Day is a bank holiday). Opened on Saturday 2 January: nothing until Monday.
    clock.set(at(date(2027, 1, 2), 9))
    await _open(session_factory, clock, owner, due=date(2027, 1, 5))
    for day in (date(2027, 1, 2), date(2027, 1, 3)):
        clock.set(at(day, 9))
        assert (await _sweep(session_factory, clock)).notifications_created == 0
    clock.set(at(date(2027, 1, 4), 9))
    assert (await _sweep(session_factory, clock)).notifications_created == 1
    assert await _sent(session_factory) == [("REMINDER_BEFORE", str(owner.id))]


async def test_a_sweep_skips_the_obligations_another_sweep_holds_instead_of_waiting(
    session_factory: SessionFactory, clock: SettableClock, world: World
) -> None:
    owner, *_ = await _line(world)
    await _open(session_factory, clock, owner)
    clock.set(at(date(2026, 12, 25), 9))
    async with session_factory() as first, first.begin():
        held = await reminders.sweep(
            session=first, clock=clock, calendar=WorkingCalendar(), policy_settings=POLICY
        )
        assert held.obligations_seen == 1 and held.notifications_created == 2
        other = await asyncio.wait_for(_sweep(session_factory, clock), timeout=5)
        assert (other.obligations_seen, other.notifications_created) == (0, 0)
    assert len(await _sent(session_factory)) == 2


# --- the sweep reads only what may have a reminder due ---------------------------------------


async def _next(session_factory: SessionFactory, obligation_id: uuid.UUID) -> datetime | None:
    async with session_factory() as s:
        value: datetime | None = await s.scalar(
            select(Obligation.next_reminder_at).where(Obligation.id == obligation_id)
        )
        return value


async def test_a_fully_reminded_obligation_is_not_read_again(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    owner, *_managers = await _line(world)
    clock.set(at(date(2026, 12, 1), 9))
    oid = await _open(session_factory, clock, owner)
    assert await _next(session_factory, oid) == clock.now()  # looked at by the next sweep

    assert (await _sweep(session_factory, clock)).obligations_seen == 1
    # Nothing to say until the reminder before: 2 working days before Thursday 24 December.
    assert await _next(session_factory, oid) == start_of_day(date(2026, 12, 22))
    clock.set(at(date(2026, 12, 21), 9))
    assert (await _sweep(session_factory, clock)).obligations_seen == 0
    # Reminded before on Tuesday 22: nothing more until the due day itself.
    clock.set(at(date(2026, 12, 22), 9))
    assert (await _sweep(session_factory, clock)).notifications_created == 1
    assert await _next(session_factory, oid) == start_of_day(DUE)
    clock.set(at(date(2026, 12, 23), 9))
    assert (await _sweep(session_factory, clock)).obligations_seen == 0

    # Overdue on Tuesday 29 December: owner and Tom at once, Hana 2 working days on
    # (from 1 + 2 = 3 working days after the due day: 31 December), Ada 2 more (5 January,
    # New Year's Day being a bank holiday).
    clock.set(at(date(2026, 12, 29), 9))
    await _sweep(session_factory, clock)
    assert await _next(session_factory, oid) == start_of_day(date(2026, 12, 31))
    clock.set(at(date(2026, 12, 31), 9))
    await _sweep(session_factory, clock)
    assert await _next(session_factory, oid) == start_of_day(date(2027, 1, 5))
    clock.set(at(date(2027, 1, 5), 9))
    await _sweep(session_factory, clock)
    assert await _next(session_factory, oid) is None  # the whole line has been told
    clock.set(at(date(2027, 2, 1), 9))
    assert (await _sweep(session_factory, clock)).obligations_seen == 0
    kinds = [k for k, _ in await _sent(session_factory)]
    assert kinds.count("OVERDUE") == 4  # owner, Tom, Hana, Ada: each once

    # A new due date is worked out afresh at the next sweep.
    async with session_factory() as s, s.begin():
        o = await s.get_one(Obligation, oid)
        await obligations.move_obligation(session=s, key=o.key, due_at=end_of_day(date(2027, 3, 1)))
    assert (await _sweep(session_factory, clock)).obligations_seen == 1
