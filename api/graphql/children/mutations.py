"""The children import for administrators (`importChildren`): the CSV text of the case
management system's export, checked and written all or nothing by the same domain function as
`qaf import-children` (`domain/children/importer.py`). The payload says how many children were
created, updated and unchanged, or why nothing was: one line per reason, naming a line and a
column, never a cell (a cell may be a case reference)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import ErrorCode, UserError
from api.graphql.core.mutations import mutate
from domain.children import importer
from domain.core.roles import Actor

# Row reasons listed in the payload; the rest are counted in one last error.
MAX_REASONS_LISTED = 20


@strawberry.input(description="A CSV export of the case management system to import.")
class ImportChildrenInput:
    csv: str = strawberry.field(
        description=(
            "The file's text (UTF-8 decoded): a header row naming the columns (case_reference, "
            "team and date_of_birth are required), then one child a row. It may be as long as "
            "the request body limit (1 MiB, some 10,000 rows) when sent as this field of a "
            "variable or as a literal; a larger file goes through `qaf import-children`."
        )
    )
    dry_run: bool = strawberry.field(
        default=False,
        description="Check every row and report the counts, writing nothing.",
    )


@strawberry.type(description="What the import did (or would do), or why nothing was imported.")
class ImportChildrenPayload:
    rows: int | None = strawberry.field(
        description="Rows read from the file; null when the file was refused as a whole."
    )
    created: int | None = strawberry.field(
        description="Children added (with dryRun: that would be); null when refused."
    )
    updated: int | None = strawberry.field(
        description="Children whose details changed (with dryRun: would); null when refused."
    )
    unchanged: int | None = strawberry.field(
        description="Children named that already had these details; null when refused."
    )
    errors: list[UserError] = strawberry.field(
        description=(
            "Empty when it succeeded. Otherwise nothing was written: INVALID on `csv` with one "
            f"line per reason (at most {MAX_REASONS_LISTED} rows' reasons, then a count of the "
            "rest), NOT_ALLOWED or UNAUTHENTICATED."
        )
    )


@dataclass
class _Outcome:
    report: importer.ImportReport


def _invalid(message: str) -> UserError:
    return UserError(code=ErrorCode.INVALID, field="csv", message=message)


def _reasons(report: importer.ImportReport) -> list[UserError]:
    errors = [_invalid(str(problem)) for problem in report.problems[:MAX_REASONS_LISTED]]
    more = report.problem_count - len(errors)
    summary = f"Nothing was imported: {report.problem_count} problem(s) in {report.rows} rows"
    errors.append(_invalid(f"{summary} ({more} more not listed)." if more else f"{summary}."))
    return errors


@strawberry.type
class ChildrenImportMutation:
    @strawberry.mutation(
        description=(
            "Import or update children from a CSV export (administrators): all rows or none, "
            "matched by case reference. Files over 1 MiB go through `qaf import-children`."
        )
    )
    async def import_children(
        self,
        info: Info[Context, None],
        input: Annotated[
            ImportChildrenInput, strawberry.argument(description="The file and how to run it.")
        ],
    ) -> ImportChildrenPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> _Outcome:
            importer.check_can_import(a)
            report = await importer.import_children(
                session=s, actor=a, clock=ctx.clock, rows=importer.rows_from_text(input.csv)
            )
            if not report.applied or input.dry_run:
                await s.rollback()
            return _Outcome(report)

        outcome, errors = await mutate(info, use_case)
        if outcome is None:
            return ImportChildrenPayload(
                rows=None, created=None, updated=None, unchanged=None, errors=errors
            )
        report = outcome.report
        if report.problem_count:
            return ImportChildrenPayload(
                rows=report.rows,
                created=None,
                updated=None,
                unchanged=None,
                errors=_reasons(report),
            )
        return ImportChildrenPayload(
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            errors=[],
        )
