"""The database and its data: `qaf migrate`, `qaf seed-demo` and `qaf import-children`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from sqlalchemy.ext.asyncio import AsyncSession

from cli import migrate
from cli.common import console, load_dev_env, run_in_session
from domain.core.clock import SystemClock
from domain.core.settings import get_settings


def migrate_command() -> None:
    """Bring the database schema up to date (Alembic upgrade head)."""
    load_dev_env()
    migrate.upgrade(get_settings().database_url)
    added = ensure_reference_data()
    console.print(
        f"[green]Database is at the latest revision[/green] ({added} reference rows added)."
    )


def ensure_reference_data() -> int:
    """The default audit templates, themes and surveys, where missing (idempotent)."""
    from domain.audits.reference import ensure_defaults
    from domain.surveys.definitions import reference as surveys

    async def work(session: AsyncSession) -> int:
        async with session.begin():
            clock = SystemClock()
            added = await ensure_defaults(session=session, clock=clock)
            return added + await surveys.ensure_defaults(session=session, clock=clock)

    return run_in_session(work)


def seed_demo() -> None:
    """Create the demo authority: services, teams, people in every role, 300 children and a
    year of audits of every kind."""
    load_dev_env()
    summary = seed()
    console.print(
        f"Demo authority: {summary.services} services, {summary.teams} teams, "
        f"{summary.people_count} people; children created {summary.children_created}, "
        f"updated {summary.children_updated}."
    )


def seed() -> Any:
    from demo import seed_demo_authority

    async def work(session: AsyncSession) -> Any:
        async with session.begin():
            return await seed_demo_authority(
                session=session,
                clock=SystemClock(),
                progress=lambda m: console.print(m),
                survey_token_key=get_settings().survey_token_key.get_secret_value(),
            )

    return run_in_session(work)


def import_children(
    path: Annotated[Path, typer.Argument(help="A CSV export from the case management system.")],
    dry_run: Annotated[bool, typer.Option(help="Check every row and write nothing.")] = False,
) -> None:
    """Import or update children from CSV: all rows or none, with a reason for each refused row.

    Exit 0 imported (or, with --dry-run, would import); 2 the file or a row is refused, one line
    each on stderr and nothing written; 1 the import could not run (e.g. no database).
    """
    from domain.children import importer
    from domain.core.roles import SYSTEM

    load_dev_env()
    errors = Console(stderr=True, highlight=False, soft_wrap=True)

    async def work(session: AsyncSession) -> importer.ImportReport:
        with path.open("rb") as stream, Progress(console=console, transient=True) as progress:
            task = progress.add_task("Checking and importing", total=None)
            async with session.begin():
                result = await importer.import_children(
                    session=session,
                    actor=SYSTEM,
                    clock=SystemClock(),
                    rows=importer.rows_from_file(stream),
                    progress=lambda n: progress.advance(task, n),
                )
                if not result.applied or dry_run:
                    await session.rollback()
            return result

    if not path.is_file():
        errors.print(f"No such file: {path}.", markup=False)
        raise typer.Exit(2)
    try:
        report = run_in_session(work)
    except importer.FileRefused as refused:
        errors.print(f"Nothing was imported: {refused.message}", markup=False)
        raise typer.Exit(2) from None
    except Exception as fault:
        errors.print(
            f"The import could not run ({type(fault).__name__}); nothing was imported. "
            "Is the database up (DATABASE_URL)?",
            markup=False,
        )
        raise typer.Exit(1) from None
    if report.problem_count:
        for problem in report.problems:
            errors.print(str(problem), markup=False)
        more = report.problem_count - len(report.problems)
        if more:
            errors.print(f"... and {more} more.", markup=False)
        errors.print(
            f"Nothing was imported: {report.problem_count} problem(s) in {report.rows} rows.",
            markup=False,
        )
        raise typer.Exit(2)
    verb = "Would import" if dry_run else "Imported"
    console.print(
        f"[green]{verb} {report.rows} rows: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged.[/green]"
    )
