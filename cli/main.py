"""`qaf`: the operator's command line. Like the API and the workers, it only calls domain/."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cli import embedded, migrate
from domain.core.clock import SystemClock
from domain.core.db import create_engine, create_session_factory
from domain.core.errors import DomainError
from domain.core.settings import get_settings

app = typer.Typer(help="Quality assurance and learning: operations.", no_args_is_help=True)
console = Console()
T = TypeVar("T")
DEV_ENV = embedded.DATA / "dev.env"


def _load_dev_env() -> None:
    """Outside `qaf dev`, reach the embedded services it started (if DATABASE_URL is unset)."""
    if "DATABASE_URL" in os.environ or not DEV_ENV.exists():
        return
    for line in DEV_ENV.read_text().splitlines():
        key, _, value = line.partition("=")
        if key and value:
            os.environ.setdefault(key, value)
    get_settings.cache_clear()


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = create_engine(get_settings(), pool_size=2, max_overflow=0)
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (Alembic upgrade head)."""
    _load_dev_env()
    migrate.upgrade(get_settings().database_url)
    added = _ensure_reference_data()
    console.print(
        f"[green]Database is at the latest revision[/green] ({added} reference rows added)."
    )


def _ensure_reference_data() -> int:
    """The default audit templates, themes and surveys, where missing (idempotent)."""
    from domain.audits.reference import ensure_defaults
    from domain.surveys import reference as surveys

    async def work(session: AsyncSession) -> int:
        async with session.begin():
            clock = SystemClock()
            added = await ensure_defaults(session=session, clock=clock)
            return added + await surveys.ensure_defaults(session=session, clock=clock)

    return _run(work)


@app.command("seed-demo")
def seed_demo() -> None:
    """Create the demo authority: services, teams, people in every role, 300 children and a
    year of audits of every kind."""
    _load_dev_env()
    summary = _seed()
    console.print(
        f"Demo authority: {summary.services} services, {summary.teams} teams, "
        f"{summary.people_count} people; children created {summary.children_created}, "
        f"updated {summary.children_updated}."
    )


def _seed() -> Any:
    from demo import seed_demo_authority

    async def work(session: AsyncSession) -> Any:
        async with session.begin():
            return await seed_demo_authority(
                session=session,
                clock=SystemClock(),
                progress=lambda m: console.print(m),
                survey_token_key=get_settings().survey_token_key.get_secret_value(),
            )

    return _run(work)


@app.command("import-children")
def import_children(
    path: Annotated[Path, typer.Argument(help="A CSV export from the case management system.")],
    dry_run: Annotated[bool, typer.Option(help="Check every row and write nothing.")] = False,
) -> None:
    """Import or update children from CSV: all rows or none, with a reason for each refused row.

    Exit 0 imported (or, with --dry-run, would import); 2 the file or a row is refused, one line
    each on stderr and nothing written; 1 the import could not run (e.g. no database).
    """
    from domain.children import importer
    from domain.people.roles import SYSTEM

    _load_dev_env()
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
        report = _run(work)
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


@app.command("create-person")
def create_person(
    name: Annotated[str, typer.Option(help="Display name.")],
    email: Annotated[str, typer.Option(help="Work email.")],
    role: Annotated[list[str] | None, typer.Option(help="A role to grant (repeatable).")] = None,
    team: Annotated[str | None, typer.Option(help="Team name (their team; team scope).")] = None,
    service: Annotated[str | None, typer.Option(help="Service name, for a service scope.")] = None,
) -> None:
    """Create a person (for example the first administrator) and grant roles."""
    from domain.people import service as people
    from domain.people.models import Service, Team
    from domain.people.roles import ALLOWED_SCOPES, SYSTEM, Role, ScopeType

    _load_dev_env()
    clock = SystemClock()

    async def work(session: AsyncSession) -> str:
        async with session.begin():
            team_id = service_id = None
            if team:
                team_id = await session.scalar(
                    select(Team.id).where(func.lower(Team.name) == team.lower())
                )
                if team_id is None:
                    raise typer.BadParameter(f"No team called {team!r}.")
            if service:
                service_id = await session.scalar(
                    select(Service.id).where(func.lower(Service.name) == service.lower())
                )
                if service_id is None:
                    raise typer.BadParameter(f"No service called {service!r}.")
            person = await people.create_person(
                session=session,
                actor=SYSTEM,
                clock=clock,
                data=people.PersonFields(display_name=name, email=email, team_id=team_id),
            )
            for value in role or []:
                r = Role(value.upper())
                allowed = ALLOWED_SCOPES[r]
                if ScopeType.TEAM in allowed and team_id:
                    scope, sid, tid = ScopeType.TEAM, None, team_id
                elif ScopeType.SERVICE in allowed and service_id:
                    scope, sid, tid = ScopeType.SERVICE, service_id, None
                else:
                    scope, sid, tid = ScopeType.AUTHORITY, None, None
                await people.grant_role(
                    session=session,
                    actor=SYSTEM,
                    clock=clock,
                    person_id=person.id,
                    role=r,
                    scope=scope,
                    service_id=sid,
                    team_id=tid,
                )
            return str(person.id)

    try:
        person_id = _run(work)
    except (DomainError, ValueError) as exc:
        console.print(f"[red]{getattr(exc, 'message', exc)}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]Created {name} ({person_id}).[/green]")


@app.command("token")
def token(email: Annotated[str, typer.Argument(help="The person's email.")]) -> None:
    """Print a development bearer token for a person (refused in production)."""
    from domain.identity.tokens import issue_development_token
    from domain.people.service import find_active_person

    _load_dev_env()
    settings = get_settings()

    async def work(session: AsyncSession) -> str | None:
        person = await find_active_person(session, subject=None, email=email)
        if person is None:
            return None
        return issue_development_token(settings=settings, clock=SystemClock(), person=person)

    try:
        value = _run(work)
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    if value is None:
        console.print(f"[red]No active person has the email {email}.[/red]")
        raise typer.Exit(1)
    print(value)


@app.command("due")
def due(
    at: Annotated[
        str | None,
        typer.Option(help=AT_HELP + " Now when left out; refused in production."),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this person's (their email).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 1000,
) -> None:
    """What is due and overdue at a moment: open obligations due by the end of that day in
    London, soonest first. Reads only."""
    from sqlalchemy import text

    from domain.core.clock import LONDON
    from domain.deadlines import obligations
    from domain.people.models import Person

    _load_dev_env()
    moment = _moment_or_now(at)

    async def work(session: AsyncSession) -> list[Any] | None:
        await session.execute(text("SET TRANSACTION READ ONLY"))
        owner_id = None
        if owner is not None:
            owner_id = await session.scalar(
                select(Person.id).where(func.lower(Person.email) == owner.lower())
            )
            if owner_id is None:
                return None
        return await obligations.due_and_overdue(
            session=session, at=moment, owner_id=owner_id, limit=limit
        )

    found = _run(work)
    if found is None:
        console.print(f"[red]Nobody has the email {owner}.[/red]")
        raise typer.Exit(1)
    local = moment.astimezone(LONDON)
    table = Table(
        "due (London)",
        "",
        "owner",
        "kind",
        "about",
        title=f"Due and overdue at {local:%A} {local.day} {local:%B %Y %H:%M %Z}",
    )
    late = 0
    for o in found:
        overdue = obligations.is_overdue(o, moment)
        late += overdue
        when = o.due_at.astimezone(LONDON)
        table.add_row(
            f"{when:%a} {when.day} {when:%b %Y %H:%M}",
            "[red]overdue[/red]" if overdue else "due today",
            f"{o.owner.display_name} <{o.owner.email}>",
            o.kind.value,
            f"{o.subject_type} {o.subject_id}",
        )
    console.print(table, crop=False)
    more = " (the first shown: narrow with --owner or raise --limit)" if len(found) == limit else ""
    console.print(f"{len(found)} open: {late} overdue, {len(found) - late} due today{more}.")


AT_HELP = (
    "The moment, ISO 8601: 2026-12-01T09:00+00:00; without an offset London time "
    "(2026-12-01T09:00); a date alone is the start of that day in London."
)


def _moment(at: str) -> datetime:
    from cli.operations import MomentError, parse_moment

    try:
        return parse_moment(at)
    except MomentError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _moment_or_now(at: str | None) -> datetime:
    """`--at` outside production, else now: in production what is due is due now."""
    if at is None:
        return SystemClock().now()
    if get_settings().is_production:
        console.print("[red]--at is refused in production: there, what is due is due now.[/red]")
        raise typer.Exit(1)
    return _moment(at)


@app.command("would-send")
def would_send(
    at: Annotated[
        str | None, typer.Option(help=AT_HELP + " Now when left out; refused in production.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many of each.")] = 1000,
) -> None:
    """The reminders and escalations a sweep at a moment would create (who is told, on which
    channels) and the unsent outbox. Runs the real sweep in a transaction that is rolled
    back: changes nothing."""
    from cli import operations

    _load_dev_env()
    moment = _moment_or_now(at)
    found = asyncio.run(operations.preview(get_settings(), moment, limit))
    operations.print_preview(console, moment, found, limit)


@app.command("sweep")
def sweep(
    at: Annotated[str, typer.Option(help=AT_HELP)],
    send: Annotated[
        bool, typer.Option(help="Then send the outbox through SMTP_HOST, with the same clock.")
    ] = False,
) -> None:
    """Run one real sweep of reminders with the clock stopped at a moment, and commit it
    (what the worker does every 5 minutes, at a moment you choose). Refused in production."""
    from cli import operations
    from domain.notifications.email import SmtpSender

    _load_dev_env()
    settings = get_settings()
    if settings.is_production:
        console.print(
            "[red]qaf sweep is refused in production: there the worker sweeps, by the real "
            "clock.[/red]"
        )
        raise typer.Exit(1)
    moment = _moment(at)
    sender = SmtpSender.from_settings(settings) if send else None
    if send and sender is None:
        console.print("[red]--send needs SMTP_HOST: nothing was swept or sent.[/red]")
        raise typer.Exit(1)
    outcome = asyncio.run(operations.sweep_at(settings, moment, sender))
    r = outcome.result
    console.print(
        f"Swept at {operations.long_moment(moment)}: {r.obligations_seen} open obligations "
        f"read, {r.notifications_created} reminders created, {r.emails_queued} emails queued "
        "(committed)."
    )
    if outcome.delivered is not None:
        d = outcome.delivered
        console.print(f"Outbox: {d.sent} sent, {d.failed} failed, of {d.claimed} claimed.")
        if d.failed:
            raise typer.Exit(1)


@app.command("rework-reminders")
def rework_reminders() -> None:
    """After changing the reminder policy settings (or a line of management), have the next
    sweep work out every open obligation's reminders afresh. Nothing is sent twice: each
    reminder has its unique key."""
    from domain.deadlines import obligations

    _load_dev_env()

    async def work(session: AsyncSession) -> int:
        async with session.begin():
            return await obligations.rework_reminders(session=session)

    count = _run(work)
    console.print(f"{count} open obligations will be worked out afresh at the next sweep.")


@app.command("export-schema")
def export_schema(
    check: Annotated[bool, typer.Option(help="Fail if schema.graphql is stale.")] = False,
) -> None:
    """Write the GraphQL SDL to schema.graphql."""
    from api.schema import schema

    target = embedded.ROOT / "schema.graphql"
    sdl = schema.as_str() + "\n"
    if check:
        if not target.exists() or target.read_text() != sdl:
            console.print("[red]schema.graphql is stale: run `qaf export-schema`.[/red]")
            raise typer.Exit(1)
        return
    target.write_text(sdl)
    console.print(f"Wrote {target}")


@app.command("export-openapi")
def export_openapi(
    check: Annotated[
        bool, typer.Option(help="Fail if api/openapi/respond-v1.json is stale.")
    ] = False,
) -> None:
    """Write the respondents' JSON API's OpenAPI 3.1 document to api/openapi/respond-v1.json."""
    from api.respond_contract import DOCUMENT_PATH, document_text

    text = document_text()
    if check:
        if not DOCUMENT_PATH.exists() or DOCUMENT_PATH.read_text() != text:
            console.print(f"[red]{DOCUMENT_PATH.name} is stale: run `qaf export-openapi`.[/red]")
            raise typer.Exit(1)
        return
    DOCUMENT_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT_PATH.write_text(text)
    console.print(f"Wrote {DOCUMENT_PATH}")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API with uvicorn."""
    import uvicorn

    _load_dev_env()
    uvicorn.run("api.main:app", host=host, port=port, workers=workers, proxy_headers=True)


@app.command("worker")
def worker() -> None:
    """Run the worker (as `arq workers.main.WorkerSettings` does): it rides out Redis and
    PostgreSQL outages, and stops on SIGINT or SIGTERM."""
    _load_dev_env()
    import logging.config

    from arq.logs import default_log_config

    from workers.main import run

    logging.config.dictConfig(default_log_config(verbose=False))  # as the arq command does

    run()


@app.command("dev")
def dev(host: str = "127.0.0.1", port: int = 8000) -> None:
    """`make run`: embedded services unless configured, migrate, seed, API and worker."""
    started = time.monotonic()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # so that a SIGTERM, too, stops the API and worker it started

    signal.signal(signal.SIGTERM, stop)
    env = dict(os.environ)
    redis_server: embedded.EmbeddedRedis | None = None
    if not env.get("DATABASE_URL"):
        console.print("Starting an embedded PostgreSQL in .data/pg …")
        pg = embedded.start_postgres("pg")
        pg.create_database("qaf")
        env["DATABASE_URL"] = pg.url("qaf")
    if not env.get("REDIS_URL"):
        console.print("Starting an embedded Redis …")
        redis_server = embedded.start_redis("redis")
        env["REDIS_URL"] = redis_server.url(0)
    env.setdefault("ENVIRONMENT", "development")
    os.environ.update(env)
    get_settings.cache_clear()
    DEV_ENV.parent.mkdir(exist_ok=True)
    DEV_ENV.write_text(f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}\n")

    children: list[subprocess.Popen[bytes]] = []
    try:
        console.print("Migrating …")
        migrate.upgrade(env["DATABASE_URL"])
        _ensure_reference_data()
        console.print("Seeding the demo authority …")
        summary = _seed()
        children.append(
            subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "api.main:app",
                    "--host",
                    host,
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=embedded.ROOT,
            )
        )
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "arq", "workers.main.WorkerSettings"],
                env=env,
                cwd=embedded.ROOT,
            )
        )
        deadline = time.monotonic() + 30
        while not embedded.port_open(host, port) and time.monotonic() < deadline:
            time.sleep(0.1)
        _print_welcome(host, port, summary, time.monotonic() - started)
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        console.print("[red]A process stopped; stopping the rest.[/red]")
    except KeyboardInterrupt:
        console.print("\nStopping …")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_server is not None:
            redis_server.stop()
        DEV_ENV.unlink(missing_ok=True)
        # The embedded PostgreSQL stops when this process exits (atexit).


def _print_welcome(host: str, port: int, summary: Any, seconds: float) -> None:
    from domain.identity.tokens import issue_development_token

    url = f"http://{host}:{port}/graphql"
    console.rule("[bold green]QA and Learning is running")
    console.print(f"GraphiQL:  [bold]{url}[/bold]   (ready in {seconds:.0f} s)")
    console.print(f"Health:    http://{host}:{port}/healthz and /readyz")
    table = Table(title="Demo people")
    for column in ("person", "email", "role"):
        table.add_column(column, no_wrap=True, overflow="ignore")
    for name, email, role in summary.people:
        table.add_row(name, email, role)
    console.print(table, crop=False)
    console.print(
        "A token for anyone: [bold]make token EMAIL=<email>[/bold] (or `qaf token <email>`), "
        "then paste it into GraphiQL's sign-in field."
    )
    admin = next((p for p in summary.people if p[2] == "ADMINISTRATOR"), None)
    if admin is not None:
        from domain.people.service import find_active_person

        async def work(session: AsyncSession) -> str | None:
            person = await find_active_person(session, subject=None, email=admin[1])
            if person is None:
                return None
            return issue_development_token(
                settings=get_settings(), clock=SystemClock(), person=person
            )

        value = _run(work)
        if value:
            console.print(f"Administrator's token ({admin[1]}):")
            print(value, flush=True)  # plain print: a wrapped token could not be pasted
    console.print("Ctrl-C stops everything this command started.")


if __name__ == "__main__":
    app()
