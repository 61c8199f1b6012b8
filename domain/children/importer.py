# ruff: noqa: S608 - the SQL here is built from this module's constant column names only
"""Import children from a CSV export of the case management system.

All or nothing: every row is checked, and one refused row means nothing is written; the report
says which rows were refused and why (never quoting a cell: a reason names the row and column).
Re-running an import updates the children it names (matched by case reference) rather than
adding them again. Any number of rows is one transaction: checked rows are copied into a
temporary table with COPY and written with a few set-based statements, so neither the
statements nor the memory grow with per-row parameters.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.children.csv_file import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    CsvRows,
    FileRefused,
    rows_from_file,
    rows_from_text,
)
from domain.core.clock import Clock, local_today
from domain.core.errors import NotAllowed
from domain.core.roles import Actor
from domain.history.registry import check_declared
from domain.history.service import current_request_id
from domain.people.models import Person, Team

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "FileRefused",
    "ImportReport",
    "RowProblem",
    "import_children",
    "rows_from_file",
    "rows_from_text",
]
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
# Rows copied into the temporary table at a time, and reasons kept for the report.
COPY_BATCH = 10_000
MAX_PROBLEMS_KEPT = 1_000
# The object type of the history rows the import writes in SQL (not through `record`, so it
# is checked against the history registry here, as `record` would).
SUBJECT = "Child"


@dataclass(frozen=True)
class RowProblem:
    """A refused row: its line in the file, the column and why. Never the cell's value."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"Line {self.row}, column {self.column}: {self.reason}."


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    # Every problem found; only the first MAX_PROBLEMS_KEPT are kept in `problems`.
    problem_count: int = 0

    @property
    def applied(self) -> bool:
        return not self.problem_count and self.rows > 0


def check_can_import(actor: Actor) -> None:
    # The operator (CLI, as the system) and administrators import: loading the authority's
    # cases is setting up the service, as people and teams are. Nothing the import reports
    # shows case content (no reference, no cell), so an administrator still sees no child.
    if not actor.is_admin:
        raise NotAllowed("Only an administrator imports children.")


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
        self,
        teams: Mapping[str, list[uuid.UUID]],
        people: Mapping[str, tuple[uuid.UUID, bool]],
        today: date,
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
            problems.append(RowProblem(number, column, reason))

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
            refuse("team", "no team has that name")
        elif len(matches) > 1:
            refuse("team", "more than one service has a team of that name")
        else:
            values["team_id"] = matches[0]

        email = row.get("allocated_practitioner_email", "")
        values["allocated_practitioner_id"] = None
        if email:
            person = self.people.get(email.lower())
            if person is None:
                refuse("allocated_practitioner_email", "no person has that email")
            elif not person[1]:
                refuse("allocated_practitioner_email", "that person is no longer active")
            else:
                values["allocated_practitioner_id"] = person[0]

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

    `rows` is read once, lazily (`rows_from_file` streams a file); a FileRefused it raises
    propagates. When the report has problems nothing has been written to the children or the
    history; the caller commits only an applied report (the CLI and the API roll back
    otherwise, so a half-import cannot happen).
    """
    check_can_import(actor)
    # One import at a time: two at once would race on the same case references.
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
    teams: dict[str, list[uuid.UUID]] = {}
    for team_id, name in await session.execute(select(Team.id, Team.name)):
        teams.setdefault(name.lower(), []).append(team_id)
    people = {
        email.lower(): (person_id, active)
        for person_id, email, active in await session.execute(
            select(Person.id, Person.email, Person.is_active)
        )
    }
    checker = _RowChecker(teams, people, local_today(clock))
    driver = await _staging_table(session)

    report = ImportReport()
    batch: list[tuple[Any, ...]] = []
    for index, row in enumerate(rows):
        # A row's number is its line in the file (the header is line 1).
        number = rows.line if isinstance(rows, CsvRows) else index + 2
        report.rows += 1
        values, problems = checker.check(number, row)
        if problems:
            report.problem_count += len(problems)
            room = MAX_PROBLEMS_KEPT - len(report.problems)
            report.problems.extend(problems[: max(room, 0)])
            batch.clear()
        elif values is not None and not report.problem_count:
            batch.append(tuple(values[c] for c in STAGED_COLUMNS))
            if len(batch) >= COPY_BATCH:
                await _copy(driver, batch)
        if progress:
            progress(1)
    if report.problem_count or not report.rows:
        return report
    await _copy(driver, batch)
    report.created, report.updated = await _write(session, actor, clock)
    report.unchanged = report.rows - report.created - report.updated
    return report


STAGED_COLUMNS = ("case_reference", *CHILD_FIELDS)
STAGE = "children_import_rows"


async def _staging_table(session: AsyncSession) -> Any:
    """A temporary table for the checked rows, gone at the end of the transaction."""
    await session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    await session.execute(
        text(
            f"CREATE TEMPORARY TABLE {STAGE} ("
            " case_reference text NOT NULL, team_id uuid NOT NULL,"
            " allocated_practitioner_id uuid, date_of_birth date NOT NULL,"
            " child_in_need boolean NOT NULL, child_protection_plan_start date,"
            " looked_after boolean NOT NULL, care_leaver boolean NOT NULL,"
            " family_first boolean NOT NULL, new_id uuid NOT NULL DEFAULT gen_random_uuid(),"
            " existing_id uuid) ON COMMIT DROP"
        )
    )
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def _copy(driver: Any, batch: list[tuple[Any, ...]]) -> None:
    if batch:
        await driver.copy_records_to_table(STAGE, records=batch, columns=list(STAGED_COLUMNS))
        batch.clear()


def _changes(old: str | None) -> str:
    """SQL for the history's {field: [old, new]} of the fields that differ (new: old is NULL)."""
    pairs = []
    for column in ("case_reference", *CHILD_FIELDS) if old is None else CHILD_FIELDS:
        before = "NULL" if old is None else f"{old}.{column}"
        pairs.append(
            f"'{column}', CASE WHEN s.{column} IS DISTINCT FROM {before}"
            f" THEN jsonb_build_array({before}, s.{column}) END"
        )
    # jsonb_strip_nulls drops the fields that did not change (their value is NULL).
    return f"jsonb_strip_nulls(jsonb_build_object({', '.join(pairs)}))"


async def _write(session: AsyncSession, actor: Actor, clock: Clock) -> tuple[int, int]:
    """Create the new children and update the changed ones, each with its history row, in a
    fixed number of set-based statements whatever the number of rows."""
    check_declared(SUBJECT)
    history = {
        "object_type": SUBJECT,
        "now": clock.now(),
        "actor_id": actor.person_id,
        "actor_label": actor.display_name,
        "request_id": current_request_id.get(),
    }
    await session.execute(
        text(
            f"UPDATE {STAGE} s SET existing_id = c.id FROM children c"
            " WHERE upper(c.case_reference) = upper(s.case_reference)"
        )
    )
    await session.execute(text(f"ANALYZE {STAGE}"))
    differs = " OR ".join(f"c.{f} IS DISTINCT FROM s.{f}" for f in CHILD_FIELDS)
    # History first: it needs the values before the update.
    await session.execute(
        text(
            "INSERT INTO history (occurred_at, actor_id, actor_label, action, object_type,"
            " object_id, changes, request_id)"
            " SELECT :now, :actor_id, :actor_label, 'child.updated', :object_type, c.id,"
            f" {_changes('c')}, :request_id"
            f" FROM {STAGE} s JOIN children c ON c.id = s.existing_id WHERE {differs}"
            " ORDER BY c.id"
        ),
        history,
    )
    updated = await session.execute(
        text(
            "UPDATE children c SET updated_at = :now, "
            + ", ".join(f"{f} = s.{f}" for f in CHILD_FIELDS)
            + f" FROM {STAGE} s WHERE c.id = s.existing_id AND ({differs})"
        ),
        {"now": history["now"]},
    )
    created = await session.execute(
        text(
            "INSERT INTO children (id, case_reference, "
            + ", ".join(CHILD_FIELDS)
            + ", created_at, updated_at) SELECT s.new_id, s.case_reference, "
            + ", ".join(f"s.{f}" for f in CHILD_FIELDS)
            + f", :now, :now FROM {STAGE} s WHERE s.existing_id IS NULL"
        ),
        {"now": history["now"]},
    )
    await session.execute(
        text(
            "INSERT INTO history (occurred_at, actor_id, actor_label, action, object_type,"
            " object_id, changes, request_id)"
            " SELECT :now, :actor_id, :actor_label, 'child.imported', :object_type, s.new_id,"
            f" {_changes(None)}, :request_id"
            f" FROM {STAGE} s WHERE s.existing_id IS NULL ORDER BY s.new_id"
        ),
        history,
    )
    await session.execute(text(f"DROP TABLE {STAGE}"))
    return _rowcount(created), _rowcount(updated)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
