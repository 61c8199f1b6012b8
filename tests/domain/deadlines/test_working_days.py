"""Working days are Monday to Friday, without England's bank holidays and the authority's
closure days, in Europe/London; something due N working days after a moment is due at the
end (in London) of the N-th working day after that moment's London day."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from domain.core.clock import LONDON, DailyWindow
from domain.deadlines.calendar import (
    WorkingCalendar,
    bank_holiday_name,
    end_of_day,
    england_bank_holidays,
)

CALENDAR = WorkingCalendar()

# England and Wales, as published on gov.uk/bank-holidays (substitute days where a holiday
# falls at a weekend).
GOV_UK = {
    2025: [
        date(2025, 1, 1),
        date(2025, 4, 18),
        date(2025, 4, 21),
        date(2025, 5, 5),
        date(2025, 5, 26),
        date(2025, 8, 25),
        date(2025, 12, 25),
        date(2025, 12, 26),
    ],
    2026: [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),  # substitute for Boxing Day (Saturday 26th)
    ],
    2027: [
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 8, 30),
        date(2027, 12, 27),  # substitute for Christmas Day (Saturday 25th)
        date(2027, 12, 28),  # substitute for Boxing Day (Sunday 26th)
    ],
}


def london(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def end_in_london(y: int, m: int, d: int) -> datetime:
    """23:59:59.999999 London time on that day, in UTC."""
    return datetime.combine(date(y, m, d), time.max, tzinfo=LONDON).astimezone(UTC)


# --- bank holidays -------------------------------------------------------------------------


@pytest.mark.parametrize("year", sorted(GOV_UK))
def test_england_bank_holidays_on_weekdays_are_the_ones_gov_uk_publishes(year: int) -> None:
    weekdays = sorted(d for d in england_bank_holidays(year) if d.weekday() < 5)
    assert weekdays == GOV_UK[year]


@pytest.mark.parametrize("day", [d for days in GOV_UK.values() for d in days])
def test_no_bank_holiday_gov_uk_publishes_is_a_working_day(day: date) -> None:
    assert bank_holiday_name(day) is not None
    assert not CALENDAR.is_working_day(day)


def test_the_substitute_days_at_christmas_2026_and_2027_are_named_as_observed() -> None:
    assert bank_holiday_name(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert bank_holiday_name(date(2027, 12, 27)) == "Christmas Day (observed)"
    assert bank_holiday_name(date(2027, 12, 28)) == "Boxing Day (observed)"


def test_one_off_bank_holidays_count_too() -> None:
    assert not CALENDAR.is_working_day(date(2022, 9, 19))  # the late Queen's state funeral
    assert not CALENDAR.is_working_day(date(2023, 5, 8))  # the coronation


def test_weekdays_that_are_not_holidays_are_working_days_and_weekends_are_not() -> None:
    week = [date(2026, 11, 23) + timedelta(days=i) for i in range(7)]
    assert [CALENDAR.is_working_day(d) for d in week] == [True] * 5 + [False] * 2


# --- the rule for due moments ----------------------------------------------------------------


def test_the_due_moment_is_the_end_of_the_working_day_in_london_given_in_utc() -> None:
    due = CALENDAR.add_working_days(london(2026, 11, 25, 10), 1)
    assert due == datetime(2026, 11, 26, 23, 59, 59, 999999, tzinfo=UTC)
    assert due.tzinfo is UTC
    assert due.astimezone(LONDON).time() == time.max


def test_the_hour_of_the_moment_does_not_change_the_due_moment() -> None:
    early = CALENDAR.add_working_days(london(2026, 11, 25, 0, 1), 3)
    late = CALENDAR.add_working_days(london(2026, 11, 25, 23, 59), 3)
    assert early == late == end_in_london(2026, 11, 30)


def test_a_working_day_after_a_friday_is_the_monday() -> None:
    assert CALENDAR.add_working_days(london(2026, 11, 6, 16), 1) == end_in_london(2026, 11, 9)


def test_five_working_days_after_a_friday_is_the_next_friday() -> None:
    assert CALENDAR.add_working_days(london(2026, 11, 6, 16), 5) == end_in_london(2026, 11, 13)


def test_a_moment_at_the_weekend_counts_from_the_monday_as_working_day_one() -> None:
    assert CALENDAR.add_working_days(london(2026, 11, 7, 11), 1) == end_in_london(2026, 11, 9)
    assert CALENDAR.add_working_days(london(2026, 11, 8, 11), 3) == end_in_london(2026, 11, 11)


def test_three_working_days_after_thursday_before_spring_bank_holiday_is_wednesday() -> None:
    # Thu 21 May 2026: Fri 22 = 1, Mon 25 is the Spring Bank Holiday, Tue 26 = 2, Wed 27 = 3.
    due = CALENDAR.add_working_days(london(2026, 5, 21, 15), 3)
    assert due == end_in_london(2026, 5, 27)
    assert due == datetime(2026, 5, 27, 22, 59, 59, 999999, tzinfo=UTC)


def test_a_working_day_after_maundy_thursday_is_the_tuesday_after_easter() -> None:
    # Thu 2 April 2026: Good Friday 3 April, the weekend, Easter Monday 6 April.
    assert CALENDAR.add_working_days(london(2026, 4, 2, 9), 1) == end_in_london(2026, 4, 7)
    assert CALENDAR.add_working_days(london(2026, 4, 2, 9), 3) == end_in_london(2026, 4, 9)


def test_an_audit_completed_on_christmas_eve_2026_is_moderated_by_new_years_eve() -> None:
    # Thu 24 Dec 2026 16:00: Fri 25 is Christmas Day, then the weekend, then Mon 28 is the
    # substitute for Boxing Day (Sat 26); so Tue 29 = 1, Wed 30 = 2, Thu 31 = 3.
    due = CALENDAR.add_working_days(london(2026, 12, 24, 16), 3)
    assert due == end_in_london(2026, 12, 31)
    assert due == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def test_five_working_days_after_christmas_eve_2026_skips_new_years_day_too() -> None:
    # Tue 29, Wed 30, Thu 31 Dec; Fri 1 Jan 2027 is New Year's Day; Mon 4, Tue 5 Jan.
    assert CALENDAR.add_working_days(london(2026, 12, 24, 16), 5) == end_in_london(2027, 1, 5)


def test_the_review_of_other_cases_ten_working_days_after_an_audit_in_mid_december() -> None:
    # Mon 14 Dec 2026: 15-18 = 1-4, 21-24 = 5-8, (25, 26, 27, 28 closed), 29 = 9, 30 = 10.
    assert CALENDAR.add_working_days(london(2026, 12, 14, 10), 10) == end_in_london(2026, 12, 30)


def test_christmas_2027_skips_both_substitute_days() -> None:
    # Fri 24 Dec 2027: Sat 25, Sun 26, Mon 27 and Tue 28 (substitutes) closed; Wed 29 = 1.
    assert CALENDAR.add_working_days(london(2027, 12, 24, 10), 1) == end_in_london(2027, 12, 29)


# --- closure days --------------------------------------------------------------------------


def test_a_local_closure_day_is_not_a_working_day() -> None:
    closed = WorkingCalendar(closures=frozenset({date(2026, 12, 29)}))
    assert not closed.is_working_day(date(2026, 12, 29))
    assert closed.is_closure_day(date(2026, 12, 29))
    assert CALENDAR.is_working_day(date(2026, 12, 29))


def test_a_closure_day_between_christmas_and_new_year_moves_the_deadline() -> None:
    # Closed Tue 29 Dec 2026: Wed 30 = 1, Thu 31 = 2, (Fri 1 Jan, weekend) Mon 4 Jan = 3.
    closed = WorkingCalendar(closures=frozenset({date(2026, 12, 29)}))
    assert closed.add_working_days(london(2026, 12, 24, 16), 3) == end_in_london(2027, 1, 4)


def test_a_calendar_loaded_for_some_years_refuses_to_answer_for_others() -> None:
    partial = WorkingCalendar(
        closures=frozenset({date(2026, 12, 29)}), closure_years=range(2026, 2027)
    )
    assert partial.add_working_days(london(2026, 12, 21), 3) == end_in_london(2026, 12, 24)
    with pytest.raises(ValueError, match="2027"):
        partial.add_working_days(london(2026, 12, 24, 16), 3)


def test_a_calendar_cannot_be_changed_once_built() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CALENDAR.closures = frozenset({date(2026, 12, 29)})  # type: ignore[misc]


# --- clock changes ---------------------------------------------------------------------------


def test_after_the_spring_clock_change_a_day_ends_at_22_59_utc() -> None:
    # Clocks go forward on Sunday 29 March 2026: Friday ends at 23:59 GMT, Monday at 23:59 BST.
    assert CALENDAR.add_working_days(london(2026, 3, 27, 10), 0) == datetime(
        2026, 3, 27, 23, 59, 59, 999999, tzinfo=UTC
    )
    assert CALENDAR.add_working_days(london(2026, 3, 27, 10), 1) == datetime(
        2026, 3, 30, 22, 59, 59, 999999, tzinfo=UTC
    )


def test_after_the_autumn_clock_change_a_day_ends_at_23_59_utc() -> None:
    # Clocks go back on Sunday 25 October 2026.
    assert CALENDAR.add_working_days(london(2026, 10, 22, 10), 1) == datetime(
        2026, 10, 23, 22, 59, 59, 999999, tzinfo=UTC
    )
    assert CALENDAR.add_working_days(london(2026, 10, 23, 10), 1) == datetime(
        2026, 10, 26, 23, 59, 59, 999999, tzinfo=UTC
    )


def test_a_moment_on_the_night_of_a_clock_change_counts_from_its_london_day() -> None:
    # 00:30 UTC on Sunday 29 March 2026 is 00:30 GMT; 01:30 UTC is 02:30 BST, same Sunday.
    for moment in (
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    ):
        assert CALENDAR.add_working_days(moment, 1) == end_in_london(2026, 3, 30)
    # 01:30 London happens twice on Sunday 25 October 2026; both count from that Sunday.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert first.astimezone(LONDON).hour == second.astimezone(LONDON).hour == 1
    assert CALENDAR.add_working_days(first, 1) == CALENDAR.add_working_days(second, 1)
    assert CALENDAR.add_working_days(first, 1) == end_in_london(2026, 10, 26)


def test_the_end_of_a_day_is_23_59_utc_in_winter_and_22_59_utc_in_summer() -> None:
    assert end_of_day(date(2026, 1, 15)) == datetime(2026, 1, 15, 23, 59, 59, 999999, tzinfo=UTC)
    assert end_of_day(date(2026, 7, 15)) == datetime(2026, 7, 15, 22, 59, 59, 999999, tzinfo=UTC)


# --- the London day of a moment ---------------------------------------------------------------


def test_half_past_eleven_on_a_summer_sunday_evening_in_london_is_still_sunday() -> None:
    # 23:30 BST on Sunday 14 June 2026 is 22:30 UTC the same Sunday.
    moment = datetime(2026, 6, 14, 22, 30, tzinfo=UTC)
    assert CALENDAR.add_working_days(moment, 1) == end_in_london(2026, 6, 15)


def test_half_past_midnight_on_a_summer_monday_in_london_is_monday_though_utc_says_sunday() -> None:
    # 00:30 BST on Monday 15 June 2026 is 23:30 UTC on Sunday 14 June: London's day counts.
    moment = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)
    assert CALENDAR.add_working_days(moment, 1) == end_in_london(2026, 6, 16)
    assert CALENDAR.add_working_days(moment, 0) == end_in_london(2026, 6, 15)


def test_a_moment_given_in_another_offset_counts_from_its_london_day() -> None:
    # 01:00 at UTC+2 on Tuesday 1 December 2026 is 23:00 GMT on Monday 30 November.
    moment = datetime(2026, 12, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert CALENDAR.add_working_days(moment, 0) == end_in_london(2026, 11, 30)
    assert CALENDAR.add_working_days(moment, 1) == end_in_london(2026, 12, 1)


# --- zero and negative ---------------------------------------------------------------------------


def test_zero_working_days_on_a_working_day_is_the_end_of_that_day() -> None:
    assert CALENDAR.add_working_days(london(2026, 11, 25, 10), 0) == end_in_london(2026, 11, 25)


def test_zero_working_days_at_the_weekend_is_the_end_of_the_next_working_day() -> None:
    assert CALENDAR.add_working_days(london(2026, 11, 28, 10), 0) == end_in_london(2026, 11, 30)


def test_zero_working_days_on_good_friday_is_the_end_of_the_tuesday_after_easter() -> None:
    assert CALENDAR.add_working_days(london(2026, 4, 3, 10), 0) == end_in_london(2026, 4, 7)


def test_a_negative_number_of_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_days(london(2026, 11, 25), -1)
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.working_days_before(date(2026, 11, 25), -1)


def test_a_moment_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        CALENDAR.add_working_days(datetime(2026, 11, 25, 10, 0), 1)


# --- next working day and reminders before a due date ---------------------------------------


def test_the_next_working_day_after_christmas_eve_2026_is_the_29th() -> None:
    assert CALENDAR.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)


def test_the_next_working_day_is_strictly_after_the_day() -> None:
    assert CALENDAR.next_working_day(date(2026, 11, 25)) == date(2026, 11, 26)
    assert CALENDAR.next_working_day(date(2026, 11, 27)) == date(2026, 11, 30)


def test_three_working_days_before_wednesday_after_a_bank_holiday_is_thursday_before() -> None:
    assert CALENDAR.working_days_before(date(2026, 5, 27), 3) == date(2026, 5, 21)


def test_a_reminder_a_working_day_before_a_due_date_after_christmas_is_christmas_eve() -> None:
    assert CALENDAR.working_days_before(date(2026, 12, 29), 1) == date(2026, 12, 24)


def test_zero_working_days_before_a_closed_day_is_the_working_day_before_it() -> None:
    assert CALENDAR.working_days_before(date(2026, 12, 25), 0) == date(2026, 12, 24)
    assert CALENDAR.working_days_before(date(2026, 12, 23), 0) == date(2026, 12, 23)


def test_counting_back_undoes_counting_forward_between_working_days() -> None:
    start = date(2026, 12, 14)
    for n in range(0, 30):
        assert CALENDAR.working_days_before(CALENDAR.working_days_after(start, n), n) == start


# Sending hours: the daily window, London time, in which survey messages go out.


def test_the_sending_hours_follow_london_time_through_summer_and_winter() -> None:
    window = DailyWindow.parse("08:00-20:00")
    # 07:30 UTC is 08:30 in British Summer Time but 07:30 in Greenwich Mean Time.
    assert window.contains(datetime(2026, 7, 1, 7, 30, tzinfo=UTC))
    assert not window.contains(datetime(2026, 12, 1, 7, 30, tzinfo=UTC))
    # 20:00 itself is outside; 19:59 inside.
    assert not window.contains(datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    assert window.contains(datetime(2026, 12, 1, 19, 59, tzinfo=UTC))


def test_outside_the_sending_hours_sends_wait_for_the_next_morning() -> None:
    window = DailyWindow.parse("08:00-20:00")
    evening = datetime(2026, 3, 28, 21, 0, tzinfo=UTC)  # Saturday, GMT
    # The clocks go forward overnight: 08:00 on Sunday is 07:00 UTC.
    assert window.next_opening(evening) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    small_hours = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert window.next_opening(small_hours) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    inside = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert window.next_opening(inside) == inside


def test_the_whole_day_is_written_to_24_00_and_a_window_cannot_cross_midnight() -> None:
    always = DailyWindow.parse("00:00-24:00")
    assert str(always) == "00:00-24:00"
    assert always.contains(datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC))
    assert str(DailyWindow.parse(" 8:00 - 20:30 ")) == "08:00-20:30"
    for bad in ("20:00-08:00", "09:00-09:00", "25:00-26:00", "08:00-24:30", "eight-eight", ""):
        with pytest.raises(ValueError):
            DailyWindow.parse(bad)
    with pytest.raises(ValueError):
        DailyWindow.parse("08:00-20:00").contains(datetime(2026, 12, 1, 12, 0))
