"""The operations commands' work: `qaf due`, `qaf would-send` and `qaf sweep`.

Each asks domain/ (obligations, reminders, the outbox, email delivery) and decides nothing
itself; this module parses the operator's moment and prints what the domain answered.

Moments (`--at`): ISO 8601. With an offset (`2026-12-01T09:00+00:00`, `…Z`) it is that
moment; without one (`2026-12-01T09:00`) it is London wall-clock time, and a date alone
(`2026-12-01`) is the start of that day in London. A London time that happens twice or not at
all (the hour the clocks change) is refused: give an offset.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.table import Table

from domain.core.clock import LONDON, SettableClock
from domain.core.db import create_engine, create_session_factory
from domain.core.settings import Settings
from domain.deadlines import service as deadlines
from domain.notifications import email, outbox
from domain.notifications.models import OutboxMessage
from domain.reminders import sweep as reminders

OUTBOX_BATCH = 100


class MomentError(ValueError):
    """An `--at` the commands cannot use; the message says why, for the operator."""


def parse_moment(value: str) -> datetime:
    """The moment an operator means by `value` (see the module's docstring)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MomentError(
            f"--at {value!r} is not an ISO 8601 moment: give e.g. 2026-12-01T09:00+00:00, "
            "2026-12-01T09:00 (London time) or 2026-12-01 (the start of that day in London)."
        ) from exc
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return moment
    first, second = moment.replace(tzinfo=LONDON, fold=0), moment.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise MomentError(
            f"--at {value!r} is ambiguous or does not exist in London (the clocks change "
            "then): give an offset, e.g. +00:00 or +01:00."
        )
    return first


def long_moment(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y %H:%M %Z}"


def _short(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def cli_worker_id() -> str:
    return f"qaf-cli:{socket.gethostname()}:{os.getpid()}"


# --- would-send --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """An unsent outbox message, as read (the rows are gone from the session once it rolls
    back)."""

    created_at: datetime
    to_address: str
    subject: str
    attempts: int
    state: str


@dataclass(frozen=True)
class Preview:
    would: reminders.WouldSend
    unsent_total: int
    unsent: list[Waiting]


async def preview(settings: Settings, moment: datetime, show: int) -> Preview:
    """The sweep at `moment`, run and rolled back, and the outbox as it is."""
    engine = create_engine(settings, pool_size=2, max_overflow=0)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            would = await reminders.would_send(
                session=session,
                clock=SettableClock(moment),
                calendar=await deadlines.calendar(session),
                policy_settings=settings.policy,
                show=show,
            )
            total, rows = await outbox.unsent(session, limit=show)
            waiting = [
                Waiting(m.created_at, m.to_address, m.subject, m.attempts, _state(m)) for m in rows
            ]
            # would_send rolled its savepoint back already; nothing here is kept either.
            await session.rollback()
    finally:
        await engine.dispose()
    return Preview(would=would, unsent_total=total, unsent=waiting)


def print_preview(console: Console, moment: datetime, found: Preview, show: int) -> None:
    result = found.would.result
    table = Table(
        "due (London)",
        "owner",
        "obligation",
        "reminder",
        "to",
        "channels",
        title=f"A sweep at {long_moment(moment)} would create",
    )
    for r in found.would.reminders:
        who = "owner" if r.level == 0 else f"line manager, level {r.level}"
        channels = f"in-app, email to {r.email_to}" if r.email_to else "in-app"
        table.add_row(
            _short(r.due_at),
            r.owner_name,
            r.obligation_kind.value,
            r.kind,
            f"{r.recipient_name} ({who})",
            channels,
        )
    console.print(table, crop=False)
    more = (
        f" (the first {show} shown: raise --limit)" if result.notifications_created > show else ""
    )
    console.print(
        f"{result.notifications_created} reminders would be created (in-app notifications), "
        f"{result.emails_queued} emails queued, from {result.obligations_seen} open "
        f"obligations read{more}."
    )

    table = Table(
        "created (London)", "to", "subject", "attempts", "state", title="Unsent in the outbox now"
    )
    for m in found.unsent:
        table.add_row(_short(m.created_at), m.to_address, m.subject, str(m.attempts), m.state)
    console.print(table, crop=False)
    more = f" (the first {show} shown)" if found.unsent_total > show else ""
    console.print(f"{found.unsent_total} unsent emails in the outbox{more}.")
    console.print(
        "[bold]Nothing was changed:[/bold] the sweep ran in a transaction that was rolled back."
    )


def _state(message: OutboxMessage) -> str:
    if message.attempts >= outbox.MAX_ATTEMPTS:
        return f"given up: {message.last_error or ''}".strip()
    if message.claimed_at is not None:
        return f"claimed by {message.claimed_by}"
    if message.last_error:
        return f"retry from {_short(message.available_at)}: {message.last_error}"
    return "waiting"


# --- sweep -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepOutcome:
    result: reminders.SweepResult
    delivered: email.DeliveryResult | None


async def sweep_at(
    settings: Settings, moment: datetime, sender: email.SmtpSender | None
) -> SweepOutcome:
    """One real sweep with the clock stopped at `moment`, committed; then, with a sender,
    the outbox delivered batch after batch until nothing more can be sent at `moment`."""
    clock = SettableClock(moment)
    engine = create_engine(settings, pool_size=2, max_overflow=0)
    try:
        sessions = create_session_factory(engine)
        async with sessions() as session, session.begin():
            result = await reminders.sweep(
                session=session,
                clock=clock,
                calendar=await deadlines.calendar(session),
                policy_settings=settings.policy,
            )
        delivered = None
        if sender is not None:
            delivered = email.DeliveryResult()
            worker = cli_worker_id()
            while True:
                batch = await email.deliver(
                    session_factory=sessions,
                    clock=clock,
                    sender=sender,
                    worker_id=worker,
                    limit=OUTBOX_BATCH,
                )
                delivered.claimed += batch.claimed
                delivered.sent += batch.sent
                delivered.failed += batch.failed
                if batch.claimed < OUTBOX_BATCH:
                    break
    finally:
        await engine.dispose()
    return SweepOutcome(result=result, delivered=delivered)
