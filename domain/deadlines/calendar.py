"""Working days, and the one rule for "N working days after a moment".

DOMAIN.md: working days are Monday to Friday, excluding bank holidays in England; times are
Europe/London. The authority may also close on days of its own (closure days, kept in the
database and managed by administrators); those are not working days either.

The rule for due moments
------------------------
`WorkingCalendar.add_working_days(moment, n)` is due at the END of the n-th working day
after the day on which `moment` falls in London: 23:59:59.999999 London time on that day,
returned in UTC. So:

- Only the London date of `moment` matters, never its hour: an audit completed at 08:00 and
  one completed at 23:30 on the same London day are due at the same moment. The day of
  `moment` itself never counts towards n, whether or not it is a working day; the first
  working day strictly after it is working day 1.
- n = 0 means the end of the day of `moment` if that is a working day, otherwise the end of
  the next working day.
- Negative n is refused (ValueError), as is a moment without a timezone.
- Something is late when the clock's now is after the due moment (`now > due`).
- Clock changes need no special care: the end of a London day is converted to UTC with that
  day's own offset (22:59:59.999999 UTC in British Summer Time, 23:59:59.999999 UTC in
  Greenwich Mean Time).

Example: 3 working days after an audit completed on Thursday 24 December 2026 at 16:00 is
the end of Thursday 31 December 2026: Friday 25 is Christmas Day, the weekend follows,
Monday 28 is the substitute for Boxing Day (Saturday 26), so Tuesday 29, Wednesday 30 and
Thursday 31 are working days 1, 2 and 3.

Bank holidays come from the `holidays` package (England's list: `subdiv="ENG"`), computed
per year on first use and kept for the life of the process. A calendar is immutable:
closure days change by building a new one (`domain.deadlines.service.calendar`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

from domain.core.clock import LONDON

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def england_bank_holidays(year: int) -> Mapping[date, str]:
    """England's bank holidays in `year`, by date, with their names.

    The package also lists the calendar date of a holiday that falls at a weekend (Saturday
    26 December 2026, "Boxing Day") besides its substitute weekday ("Boxing Day (observed)",
    Monday 28 December); a weekend is not a working day anyway, so that changes nothing.
    """
    found = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return MappingProxyType({day: str(name) for day, name in sorted(found.items())})


def bank_holiday_name(day: date) -> str | None:
    """The name of England's bank holiday on `day`, or None if it is not one."""
    return england_bank_holidays(day.year).get(day)


def local_day(moment: datetime) -> date:
    """The date in London at `moment` (a timezone-aware moment)."""
    _check_aware(moment)
    return moment.astimezone(LONDON).date()


def end_of_day(day: date) -> datetime:
    """The last moment of `day` in London (23:59:59.999999 local time), in UTC."""
    return datetime.combine(day, time.max, tzinfo=LONDON).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """The first moment of `day` in London (00:00 local time), in UTC."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def _check_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a working-day calculation needs a timezone-aware moment")


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"a number of working days cannot be negative (got {n})")


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Which days are working days: Monday to Friday, not a bank holiday in England and not
    one of the authority's closure days.

    `closure_years`, when given, says for which years `closures` is complete (the service
    may load only the years it needs). Asking about a day in another year raises ValueError
    rather than quietly treating it as open.
    """

    closures: frozenset[date] = field(default_factory=frozenset)
    closure_years: range | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "closures", frozenset(self.closures))
        if self.closure_years is not None and self.closure_years.step != 1:
            raise ValueError("closure_years must be a range of consecutive years")
        outside = [d for d in self.closures if not self._knows(d.year)]
        if outside:
            raise ValueError(f"closure day {min(outside)} is outside closure_years")

    def _knows(self, year: int) -> bool:
        return self.closure_years is None or year in self.closure_years

    def _check_known(self, day: date) -> None:
        if not self._knows(day.year):
            assert self.closure_years is not None
            raise ValueError(
                f"this calendar was loaded with closure days for {self.closure_years.start}"
                f" to {self.closure_years.stop - 1} only, not for {day.year}"
            )

    # --- single days -----------------------------------------------------------------------

    def is_closure_day(self, day: date) -> bool:
        self._check_known(day)
        return day in self.closures

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a bank holiday in England, not a local closure day."""
        self._check_known(day)
        return day.weekday() < 5 and bank_holiday_name(day) is None and day not in self.closures

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= ONE_DAY
        while not self.is_working_day(day):
            day -= ONE_DAY
        return day

    # --- counting ------------------------------------------------------------------------

    def working_days_after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (which itself never counts); for n = 0, `day` if
        it is a working day, else the next working day."""
        _check_count(n)
        if n == 0:
            return day if self.is_working_day(day) else self.next_working_day(day)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_before(self, day: date, n: int) -> date:
        """The n-th working day before `day` (which itself never counts), for reminders
        n working days before a due date; for n = 0, `day` if it is a working day, else the
        working day before it."""
        _check_count(n)
        if n == 0:
            return day if self.is_working_day(day) else self.previous_working_day(day)
        for _ in range(n):
            day = self.previous_working_day(day)
        return day

    def add_working_days(self, moment: datetime, n: int) -> datetime:
        """The moment something is due, n working days after `moment`: the end of the n-th
        working day after `moment`'s London date, in UTC (see the module's docstring)."""
        _check_aware(moment)
        _check_count(n)
        return end_of_day(self.working_days_after(local_day(moment), n))
