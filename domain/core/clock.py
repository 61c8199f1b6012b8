"""Time is injected. Domain code asks a Clock for "now"; tests and operations move it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock, for the running service."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock:
    """A clock that stands still until told to move: for tests and 'what if' operations."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = _aware(moment)

    def advance(self, delta: timedelta) -> None:
        self._now = self._now + delta


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a clock needs a timezone-aware moment")
    return moment.astimezone(UTC)


def local_today(clock: Clock, tz: ZoneInfo = LONDON) -> date:
    """Today's date where the service works (Europe/London by default)."""
    return clock.now().astimezone(tz).date()


_WINDOW = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*")


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """Hours of every day, London time, written "08:00-20:00" (from 08:00 up to, not
    including, 20:00); "00:00-24:00" is the whole day. A window does not cross midnight.
    Survey messages go to children, families and staff only inside one
    (`SURVEY_SENDING_HOURS`)."""

    start: time
    end: time | None  # None: until midnight

    @classmethod
    def parse(cls, text: str) -> DailyWindow:
        found = _WINDOW.fullmatch(text)
        if found is None:
            raise ValueError(f"hours are written HH:MM-HH:MM, such as 08:00-20:00, not {text!r}")
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"{text!r} is not a time of day from 00:00 to 24:00")
        start, end = time(h1, m1), None if h2 == 24 else time(h2, m2)
        if end is not None and end <= start:
            raise ValueError(f"{text!r} ends before it starts (a window cannot cross midnight)")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{'24:00' if self.end is None else f'{self.end:%H:%M}'}"

    def contains(self, moment: datetime) -> bool:
        local = _aware_moment(moment).astimezone(LONDON).time()
        return self.start <= local and (self.end is None or local < self.end)

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when inside the window, otherwise when it next opens (in UTC)."""
        if self.contains(moment):
            return moment
        day = moment.astimezone(LONDON).date()
        if moment.astimezone(LONDON).time() >= self.start:
            day += timedelta(days=1)  # after today's window: tomorrow's
        return datetime.combine(day, self.start, tzinfo=LONDON).astimezone(UTC)


def _aware_moment(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a working-day calculation needs a timezone-aware moment")
    return moment
