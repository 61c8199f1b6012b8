"""What is due, and the reminders: `qaf due`, `qaf would-send`, `qaf sweep` and
`qaf rework-reminders`."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cli.common import console, load_dev_env, run_in_session
from domain.core.clock import SystemClock
from domain.core.settings import get_settings

AT_HELP = (
    "The moment, ISO 8601: 2026-12-01T09:00+00:00; without an offset London time "
    "(2026-12-01T09:00); a date alone is the start of that day in London."
)


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

    load_dev_env()
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

    found = run_in_session(work)
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

    load_dev_env()
    moment = _moment_or_now(at)
    found = asyncio.run(operations.preview(get_settings(), moment, limit))
    operations.print_preview(console, moment, found, limit)


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

    load_dev_env()
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


def rework_reminders() -> None:
    """After changing the reminder policy settings (or a line of management), have the next
    sweep work out every open obligation's reminders afresh. Nothing is sent twice: each
    reminder has its unique key."""
    from domain.deadlines import obligations

    load_dev_env()

    async def work(session: AsyncSession) -> int:
        async with session.begin():
            return await obligations.rework_reminders(session=session)

    count = run_in_session(work)
    console.print(f"{count} open obligations will be worked out afresh at the next sweep.")
