"""The demo's 300 children: import rows for every team's caseload, the same on every run."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta

from demo.people import TEAMS, Cohort

CASE_REFERENCE_PREFIX = "DEMO-"
# Fixed so that every run (and every developer's machine) gets the same children.
CHILDREN_SEED = 20261126


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _birth_date(rng: random.Random, today: date, youngest: int, oldest: int) -> date:
    """A date of birth for someone aged between youngest and oldest (whole years) today."""
    latest = _years_before(today, youngest)
    earliest = _years_before(today, oldest + 1) + timedelta(days=1)
    return date.fromordinal(rng.randint(earliest.toordinal(), latest.toordinal()))


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _child_row(rng: random.Random, today: date, cohort: Cohort, place: int) -> dict[str, str]:
    """Date of birth and cohort flags; `place` is the child's position in the team's list."""
    cin = looked_after = care_leaver = family_first = False
    plan_start: date | None = None
    if cohort is Cohort.ASSESSMENT:
        dob = _birth_date(rng, today, 0, 17)
        cin = rng.random() < 0.6
    elif cohort is Cohort.CHILD_PROTECTION:
        if place < 4:
            # Plans at about nine months, some just past and some just short, so the
            # nine-month dip samples have cases due now and soon.
            dob = _birth_date(rng, today, 1, 15)
            plan_start = _months_before(today, 9) + timedelta(days=rng.randint(-10, 10))
        elif place < 6:
            # Babies whose plans began before they were born.
            dob = today - timedelta(days=rng.randint(20, 150))
            plan_start = dob - timedelta(days=rng.randint(30, 90))
        else:
            dob = _birth_date(rng, today, 0, 16)
            age_days = (today - dob).days
            plan_start = today - timedelta(days=rng.randint(7, min(700, age_days + 200)))
    elif cohort is Cohort.LOOKED_AFTER:
        dob = _birth_date(rng, today, 0, 17)
        looked_after = True
    elif cohort is Cohort.CARE_LEAVER:
        dob = _birth_date(rng, today, 18, 21)
        care_leaver = True
    elif cohort is Cohort.DISABLED:
        dob = _birth_date(rng, today, 2, 17)
        looked_after = rng.random() < 0.15
        cin = not looked_after
    elif cohort is Cohort.FAMILY_FIRST:
        dob = _birth_date(rng, today, 0, 17)
        family_first = True
        cin = rng.random() < 0.35
    else:  # the front door: contacts and referrals not yet in any cohort
        dob = _birth_date(rng, today, 0, 17)
    return {
        "date_of_birth": dob.isoformat(),
        "child_in_need": _yes(cin),
        "child_protection_plan_start": plan_start.isoformat() if plan_start else "",
        "looked_after": _yes(looked_after),
        "care_leaver": _yes(care_leaver),
        "family_first": _yes(family_first),
    }


def plan_children(today: date, practitioners: dict[str, list[str]]) -> list[dict[str, str]]:
    """Import rows for every demo child; `practitioners` maps a team to its workers' emails,
    the newly qualified worker last (they carry a protected, smaller caseload)."""
    rng = random.Random(CHILDREN_SEED)  # noqa: S311 - demo data, not a secret
    slots: list[dict[str, str]] = []
    for team in TEAMS:
        if team.cohort is None:
            continue
        workers = practitioners[team.name]
        weights = [2] * (len(workers) - 1) + [1]
        for place in range(team.children):
            row = _child_row(rng, today, team.cohort, place)
            row["team"] = team.name
            row["allocated_practitioner_email"] = rng.choices(workers, weights=weights)[0]
            slots.append(row)
    # A case management system's references say nothing about the team.
    rng.shuffle(slots)
    for number, row in enumerate(slots, start=1):
        row["case_reference"] = f"{CASE_REFERENCE_PREFIX}{number:06d}"
    return sorted(slots, key=lambda r: r["case_reference"])
