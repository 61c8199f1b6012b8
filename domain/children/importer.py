"""Import children from a CSV export of the case management system.

All or nothing: every row is checked first, and one refused row means nothing is written;
the report says which rows were refused and why. Re-running an import updates the children
it names (matched by case reference) rather than adding them again.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.children.models import Child
from domain.core.clock import Clock, local_today
from domain.core.errors import NotAllowed
from domain.history import service as history
from domain.people.models import Person, Team
from domain.people.roles import Actor

REQUIRED_COLUMNS = ("case_reference", "team", "date_of_birth")
OPTIONAL_COLUMNS = (
    "allocated_practitioner_email",
    "child_in_need",
    "child_protection_plan_start",
    "looked_after",
    "care_leaver",
    "family_first",
)
CHILD_FIELDS = (
    "team_id",
    "allocated_practitioner_id",
    "date_of_birth",
    "child_in_need",
    "child_protection_plan_start",
    "looked_after",
    "care_leaver",
    "family_first",
)
CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$")
TRUE = {"y", "yes", "true", "1"}
FALSE = {"", "n", "no", "false", "0"}
# Care leavers are supported to 25; nobody older has a children's social care case.
OLDEST_AGE_YEARS = 26
# A child protection plan may start before birth (an unborn baby's plan).
PRE_BIRTH_PLAN_DAYS = 280
IMPORT_LOCK = 0x51AF_0001


@dataclass(frozen=True)
class RowProblem:
    row: int
    case_reference: str | None
    column: str
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.problems and self.rows > 0


def check_can_import(actor: Actor) -> None:
    # The import is run by the operator through the CLI, acting as the system. Staff roles
    # (an administrator included) neither import nor read what an import report shows.
    if not actor.is_system:
        raise NotAllowed("Children are imported through the CLI by the operator.")


def read_csv(stream: TextIO) -> tuple[list[dict[str, str]], list[RowProblem]]:
    """Rows keyed by normalised column name, and problems with the header itself."""
    reader = csv.DictReader(stream)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowProblem(1, None, c, "required column is missing") for c in missing]
    rows = []
    for raw in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k})
    return rows, []


def read_csv_text(content: str) -> tuple[list[dict[str, str]], list[RowProblem]]:
    return read_csv(io.StringIO(content))


def _parse_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    raise ValueError("is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError("must be yes or no")


class _RowChecker:
    def __init__(
        self, teams: Mapping[str, list[uuid.UUID]], people: Mapping[str, Person], today: date
    ) -> None:
        self.teams = teams
        self.people = people
        self.today = today
        self.seen: dict[str, int] = {}

    def check(
        self, number: int, row: Mapping[str, str]
    ) -> tuple[dict[str, Any] | None, list[RowProblem]]:
        ref = row.get("case_reference", "")
        problems: list[RowProblem] = []

        def refuse(column: str, reason: str) -> None:
            problems.append(RowProblem(number, ref or None, column, reason))

        values: dict[str, Any] = {}
        for column, raw in row.items():
            if "\x00" in column or "\x00" in raw:
                refuse(column.replace("\x00", ""), "contains a NUL character")
        if problems:
            return None, problems
        if not CASE_REFERENCE.match(ref):
            refuse("case_reference", "is required: letters, digits and / _ . - (at most 64)")
        elif ref.upper() in self.seen:
            refuse("case_reference", f"appears already on row {self.seen[ref.upper()]}")
        else:
            self.seen[ref.upper()] = number
        values["case_reference"] = ref

        team_name = row.get("team", "")
        matches = self.teams.get(team_name.lower(), [])
        if not team_name:
            refuse("team", "is required")
        elif not matches:
            refuse("team", f"no team is called {team_name!r}")
        elif len(matches) > 1:
            refuse("team", f"more than one service has a team called {team_name!r}")
        else:
            values["team_id"] = matches[0]

        email = row.get("allocated_practitioner_email", "")
        values["allocated_practitioner_id"] = None
        if email:
            person = self.people.get(email.lower())
            if person is None:
                refuse("allocated_practitioner_email", "no person has that email")
            elif not person.is_active:
                refuse("allocated_practitioner_email", "that person is no longer active")
            else:
                values["allocated_practitioner_id"] = person.id

        dob: date | None = None
        try:
            dob = _parse_date(row.get("date_of_birth", ""))
        except ValueError as exc:
            refuse("date_of_birth", str(exc))
        if dob is not None:
            if dob > self.today:
                refuse("date_of_birth", "is in the future")
            elif dob.year < self.today.year - OLDEST_AGE_YEARS:
                refuse("date_of_birth", f"is more than {OLDEST_AGE_YEARS} years ago")
            values["date_of_birth"] = dob

        plan = row.get("child_protection_plan_start", "")
        values["child_protection_plan_start"] = None
        if plan:
            try:
                start = _parse_date(plan)
            except ValueError as exc:
                refuse("child_protection_plan_start", str(exc))
            else:
                if start > self.today:
                    refuse("child_protection_plan_start", "is in the future")
                elif dob is not None and start < dob - timedelta(days=PRE_BIRTH_PLAN_DAYS):
                    refuse("child_protection_plan_start", "is before the child could have had one")
                values["child_protection_plan_start"] = start

        for flag in ("child_in_need", "looked_after", "care_leaver", "family_first"):
            try:
                values[flag] = _parse_bool(row.get(flag, ""))
            except ValueError as exc:
                refuse(flag, str(exc))
        if values.get("looked_after") and values.get("care_leaver"):
            refuse("care_leaver", "a care leaver is no longer looked after: choose one")
        return (None if problems else values), problems


async def import_children(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    rows: Iterable[Mapping[str, str]],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row, then create or update them all in the caller's unit of work.

    When the report has problems nothing has been written; the caller commits only an
    applied report (the CLI rolls back otherwise, so a half-import cannot happen).
    """
    check_can_import(actor)
    # One import at a time: two at once would race on the same case references.
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
    teams: dict[str, list[uuid.UUID]] = {}
    for team_id, name in await session.execute(select(Team.id, Team.name)):
        teams.setdefault(name.lower(), []).append(team_id)
    people = {p.email.lower(): p for p in await session.scalars(select(Person))}
    checker = _RowChecker(teams, people, local_today(clock))

    report = ImportReport()
    checked: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        report.rows += 1
        values, problems = checker.check(number, row)
        report.problems.extend(problems)
        if values is not None:
            checked.append(values)
        if progress:
            progress(1)
    if report.problems or not checked:
        return report

    existing = {
        c.case_reference.upper(): c
        for c in await session.scalars(
            select(Child).where(
                func.upper(Child.case_reference).in_([v["case_reference"].upper() for v in checked])
            )
        )
    }
    now = clock.now()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    entries: list[history.Change] = []
    for values in checked:
        child = existing.get(values["case_reference"].upper())
        if child is None:
            new_id = uuid.uuid4()
            inserts.append({"id": new_id, "created_at": now, "updated_at": now, **values})
            entries.append(
                history.Change("child.imported", "Child", new_id, history.diff({}, values))
            )
            continue
        changes = history.diff(
            {f: getattr(child, f) for f in CHILD_FIELDS}, {f: values[f] for f in CHILD_FIELDS}
        )
        if not changes:
            report.unchanged += 1
            continue
        updates.append({"id": child.id, "updated_at": now, **{f: values[f] for f in CHILD_FIELDS}})
        entries.append(history.Change("child.updated", "Child", child.id, changes))
    if inserts:
        await session.execute(insert(Child), inserts)
    if updates:
        await session.execute(update(Child), updates)
    await history.record_many(session=session, actor=actor, clock=clock, entries=entries)
    report.created, report.updated = len(inserts), len(updates)
    return report
