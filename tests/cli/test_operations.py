"""The operations commands, run as an operator runs them (Typer's CliRunner) against the real
test database: `qaf would-send` shows what a sweep at a moment would create and changes
nothing; `qaf sweep --at` creates it, once, and is how a test moves time; production refuses;
a moment the commands cannot use is explained."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner, Result

from domain.core.settings import get_settings
from domain.deadlines import obligations
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import Obligation, ObligationKind
from domain.notifications.models import Notification, OutboxMessage
from domain.people.models import Person
from tests.conftest import World
from tests.smtp import Inbox

OVERDUE_AT = "2026-12-02T09:00"  # Wednesday: overdue since the end of Tuesday 1 December


@pytest.fixture
async def owed(world: World) -> dict[str, Person]:
    """Sam owes an audit by the end of Tuesday 1 December 2026 and an action by Christmas
    Eve; Sam's line is Tom, then Hana."""
    hana = await world.person("Hana Head")
    tom = await world.person("Tom Manager", line_manager=hana)
    sam = await world.person("Sam Social", line_manager=tom)
    async with world.session_factory() as s, s.begin():
        for kind, subject_type, due in (
            (ObligationKind.AUDIT_DUE, "Audit", date(2026, 12, 1)),
            (ObligationKind.ACTION_DUE, "AuditAction", date(2026, 12, 24)),
        ):
            await obligations.open_obligation(
                session=s,
                clock=world.clock,
                kind=kind,
                subject_type=subject_type,
                subject_id=uuid.uuid4(),
                owner_id=sam.id,
                due_at=end_of_day(due),
            )
    return {"sam": sam, "tom": tom, "hana": hana}


@pytest.fixture
def qaf(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("SMTP_HOST", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str) -> Result:
    from cli.main import app

    return runner.invoke(app, list(args))


def counts(url: str) -> tuple[int, int]:
    """Notifications and outbox messages in the database, read from outside the test."""

    async def read() -> tuple[int, int]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                notes = await conn.scalar(select(func.count()).select_from(Notification))
                emails = await conn.scalar(select(func.count()).select_from(OutboxMessage))
        finally:
            await engine.dispose()
        return notes or 0, emails or 0

    return asyncio.run(read())


def test_would_send_lists_the_reminders_and_escalation_and_changes_nothing(
    qaf: CliRunner, owed: dict[str, Person], world: World
) -> None:
    url = world.settings.database_url
    result = run(qaf, "would-send", "--at", OVERDUE_AT)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "A sweep at Wednesday 2 December 2026 09:00 GMT would create" in out
    sam, tom = owed["sam"], owed["tom"]
    assert "Sam Social (owner)" in out and f"email to {sam.email}" in out
    assert "Tom Manager (line manager, level 1)" in out and f"email to {tom.email}" in out
    assert "Hana Head" not in out  # level 2 only from the third working day after
    assert out.count("OVERDUE") == 2 and "AUDIT_DUE" in out and "ACTION_DUE" not in out
    assert "2 reminders would be created (in-app notifications), 2 emails queued" in out
    assert "0 unsent emails in the outbox." in out
    assert "Nothing was changed" in out
    assert counts(url) == (0, 0)

    # Two working days before Christmas Eve: the action's reminder to Sam, and the audit
    # still overdue, now up to Hana.
    result = run(qaf, "would-send", "--at", "2026-12-22")
    assert result.exit_code == 0, result.output
    assert "REMINDER_BEFORE" in result.output and "ACTION_DUE" in result.output
    assert "Hana Head (line manager, level 2)" in result.output
    assert "4 reminders would be created" in result.output
    assert counts(url) == (0, 0)


def test_sweep_at_a_moment_creates_the_reminders_once_and_moves_time(
    qaf: CliRunner, owed: dict[str, Person], world: World
) -> None:
    url = world.settings.database_url
    result = run(qaf, "sweep", "--at", OVERDUE_AT)
    assert result.exit_code == 0, result.output
    assert "2 reminders created, 2 emails queued (committed)" in result.output
    assert counts(url) == (2, 2)

    result = run(qaf, "sweep", "--at", OVERDUE_AT)
    assert result.exit_code == 0, result.output
    assert "0 reminders created, 0 emails queued" in result.output
    assert counts(url) == (2, 2)

    # What is waiting shows in would-send, which now has nothing new to create.
    result = run(qaf, "would-send", "--at", OVERDUE_AT)
    assert "0 reminders would be created" in result.output
    assert "2 unsent emails in the outbox." in result.output
    assert "Overdue for Sam Social" in result.output and "waiting" in result.output

    # Friday 4 December, the third working day after: the escalation reaches Hana.
    result = run(qaf, "sweep", "--at", "2026-12-04T09:00+00:00")
    assert "1 reminders created" in result.output
    assert counts(url) == (3, 3)


def test_sweep_with_send_delivers_the_outbox_through_smtp(
    qaf: CliRunner,
    owed: dict[str, Person],
    smtp: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run(qaf, "sweep", "--at", OVERDUE_AT, "--send")
    assert result.exit_code == 1 and "--send needs SMTP_HOST" in result.output

    inbox, port = smtp
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    get_settings.cache_clear()
    result = run(qaf, "sweep", "--at", OVERDUE_AT, "--send")
    assert result.exit_code == 0, result.output
    assert "Outbox: 2 sent, 0 failed, of 2 claimed." in result.output
    assert sorted(m["To"] for m in inbox.messages) == sorted([owed["sam"].email, owed["tom"].email])
    assert len(set(inbox.message_ids)) == 2

    result = run(qaf, "sweep", "--at", OVERDUE_AT, "--send")
    assert "Outbox: 0 sent, 0 failed, of 0 claimed." in result.output
    assert len(inbox.messages) == 2


def test_production_refuses_a_sweep_and_a_moment(
    qaf: CliRunner, owed: dict[str, Person], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    result = run(qaf, "sweep", "--at", OVERDUE_AT)
    assert result.exit_code == 1 and "qaf sweep is refused in production" in result.output
    result = run(qaf, "would-send", "--at", OVERDUE_AT)
    assert result.exit_code == 1 and "--at is refused in production" in result.output
    assert counts(world.settings.database_url) == (0, 0)


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("tomorrow", "is not an ISO 8601 moment"),
        ("2026-13-01", "is not an ISO 8601 moment"),
        ("2026-03-29T01:30", "ambiguous or does not exist in London"),  # clocks go forward
        ("2026-10-25T01:30", "ambiguous or does not exist in London"),  # and back
    ],
)
def test_a_moment_the_commands_cannot_use_is_explained(
    qaf: CliRunner, world: World, at: str, message: str
) -> None:
    for command in ("sweep", "would-send", "due"):
        result = run(qaf, command, "--at", at)
        assert result.exit_code == 1, result.output
        assert message in result.output
    assert counts(world.settings.database_url) == (0, 0)


def test_a_date_or_an_offset_is_understood(qaf: CliRunner, owed: dict[str, Person]) -> None:
    result = run(qaf, "due", "--at", "2026-12-01")
    assert "Due and overdue at Tuesday 1 December 2026 00:00 GMT" in result.output
    assert "1 open: 0 overdue, 1 due today." in result.output
    # A table's title wraps to the table's width.
    result = run(qaf, "due", "--at", "2026-10-25T01:30+01:00")
    assert "Sunday 25 October 2026 01:30 BST" in " ".join(result.output.split())
    result = run(qaf, "due", "--at", "2026-10-25T01:30Z")
    assert "Sunday 25 October 2026 01:30 GMT" in " ".join(result.output.split())


def test_rework_reminders_has_the_next_sweep_look_at_every_open_obligation_again(
    qaf: CliRunner, owed: dict[str, Person], world: World
) -> None:
    url = world.settings.database_url

    def waiting() -> int:
        """Open obligations the next sweep will read (their next moment is their creation)."""

        async def read() -> int:
            engine = create_async_engine(url, poolclass=NullPool)
            try:
                async with engine.connect() as conn:
                    found = await conn.scalar(
                        select(func.count())
                        .select_from(Obligation)
                        .where(Obligation.next_reminder_at == Obligation.created_at)
                    )
            finally:
                await engine.dispose()
            return found or 0

        return asyncio.run(read())

    assert waiting() == 2
    assert run(qaf, "sweep", "--at", OVERDUE_AT).exit_code == 0
    assert waiting() == 0  # each has its next moment (or none left)

    result = run(qaf, "rework-reminders")
    assert result.exit_code == 0, result.output
    assert "2 open obligations will be worked out afresh" in result.output
    assert waiting() == 2
    before = counts(url)
    assert run(qaf, "sweep", "--at", OVERDUE_AT).exit_code == 0
    assert counts(url) == before  # read again, and still nothing twice
