"""Time in the demo's year of audits: working days and hours, and the timeline that replays
the year step by step on a copy of the clock."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime, time, timedelta

from domain.core.clock import LONDON, SettableClock
from domain.deadlines.calendar import WorkingCalendar


def at_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


# Working days as the deadlines use them (weekends, England's bank holidays).
_CALENDAR = WorkingCalendar()


def working(day: date) -> date:
    """The day itself or the next working day."""
    return _CALENDAR.working_days_after(day, 0)


def last_working(day: date) -> date:
    """The day itself or the working day before it."""
    return _CALENDAR.working_days_before(day, 0)


def add_working_days(day: date, n: int) -> date:
    return _CALENDAR.working_days_after(working(day), n)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def in_hours(rng: random.Random, day: date) -> datetime:
    return at_time(working(day), rng.randint(9, 16), rng.choice((0, 15, 30, 45)))


def later(rng: random.Random, after: datetime, low: int, high: int) -> datetime:
    """A moment in working hours `low` to `high` working days after `after`."""
    days = rng.randint(low, high)
    if days == 0:
        return after + timedelta(minutes=rng.randint(20, 150))
    return max(in_hours(rng, add_working_days(local_day(after), days)), after)


def between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return working(start)
    return working(start + timedelta(days=rng.randint(0, (end - start).days)))


Life = AsyncGenerator[datetime, None]


class Timeline:
    """Steps in time order. A life is an async generator that yields the moment it next
    wants to act; the clock is set to that moment before it resumes. Nothing after `until`
    happens."""

    def __init__(self, clock: SettableClock, until: datetime) -> None:
        self.clock, self.until = clock, until
        self._queue: list[tuple[datetime, int, Life]] = []
        self._order = itertools.count()

    async def spawn(self, life: Life) -> None:
        """Run a life now up to its first wait."""
        await self._resume(life)

    async def _resume(self, life: Life) -> None:
        try:
            moment = await anext(life)
        except StopAsyncIteration:
            return
        heapq.heappush(self._queue, (max(moment, self.clock.now()), next(self._order), life))

    async def run(self) -> None:
        while self._queue and self._queue[0][0] <= self.until:
            moment, _, life = heapq.heappop(self._queue)
            self.clock.set(moment)
            await self._resume(life)
        for _, _, life in self._queue:
            await life.aclose()
        self._queue.clear()
        self.clock.set(self.until)
