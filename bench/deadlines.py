"""Benchmark: the deadline sweep over a million open obligations, and the send rate of
reminder email from the outbox to a local SMTP server.

    .venv/bin/python -m bench.deadlines [--runs 30] [--sweep-seconds 300] [--emails 10000]
                                        [--keep-data]

Uses its own database (BENCH_DATABASE_URL, default `qaf_bench_deadlines`, dropped, created and
migrated as the tests do, and dropped again at the end unless --keep-data):

(a) 1,000,000 open obligations (due at the end of London days from 36 days before the
    benchmark's moment to 324 after: about 10% overdue) and 100,000 closed ones, owned by
    1,000 people whose lines climb three managers, written with INSERT … SELECT
    generate_series; ANALYZE. Then one full `reminders.sweep` at the moment (the first, which
    creates every reminder, capped at --sweep-seconds) and a second (what the worker's
    5-minute cron costs once everything exists), with the sweep's own SQL captured as it runs;
    EXPLAIN (ANALYZE, BUFFERS) of its first batch and of a batch from the middle (keyset), and
    median/p95 of --runs executions of each, and of `due_statement` with LIMIT 1,000 as
    `obligations.due_and_overdue` sends it (and of that whole function, ORM included).
(b) --emails reminder emails in the outbox, delivered through `email.deliver` (claim a batch,
    send each over SMTP with aiosmtplib, mark each sent) to an aiosmtpd server this script
    starts in a child process; messages/s, and the distinct Message-IDs the server received.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from cli import embedded, migrate
from domain.core.clock import SettableClock
from domain.core.db import create_engine, create_session_factory
from domain.core.settings import Settings
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.notifications import email, reminders

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday, in GMT
OWNERS = 1_000
SWEEP_BATCH = 500  # reminders.sweep's default

# People: 0 the director; 1-8 heads of service; 9-48 team managers; 49-1048 owners.
PEOPLE_SQL = """
INSERT INTO people (id, display_name, email, is_active, created_at, updated_at, line_manager_id)
SELECT md5('p' || i)::uuid, 'Person ' || i, 'person' || i || '@bench.qaf.local', true,
       CAST(:now AS timestamptz), CAST(:now AS timestamptz),
       CASE WHEN i = 0 THEN NULL
            WHEN i <= 8 THEN md5('p0')::uuid
            WHEN i <= 48 THEN md5('p' || (1 + (i - 9) % 8))::uuid
            ELSE md5('p' || (9 + (i - 49) % 40))::uuid END
FROM generate_series(0, 48 + CAST(:owners AS int)) AS i
"""

# Due at the end of a London day (as the domain keeps them): from 36 days before to 324 after.
OBLIGATIONS_SQL = """
INSERT INTO obligations (id, kind, subject_type, subject_id, owner_id, due_at, state, key,
                         created_at, closed_at, next_reminder_at)
SELECT gen_random_uuid(), s.kind, s.subject_type, s.subject_id,
       md5('p' || (49 + s.i % CAST(:owners AS int)))::uuid,
       (((CAST(:today AS date) + s.offset_days + 1)::timestamp AT TIME ZONE 'Europe/London')
        - interval '1 microsecond'),
       s.state, lower(replace(s.kind, '_', '-')) || ':' || s.subject_id, CAST(:now AS timestamptz),
       CASE WHEN s.state = 'OPEN' THEN NULL ELSE CAST(:now AS timestamptz) END,
       CASE WHEN s.state = 'OPEN' THEN CAST(:now AS timestamptz) END
FROM (
    SELECT i,
           CASE WHEN i % 3 = 0 THEN 'ACTION_DUE' ELSE 'AUDIT_DUE' END AS kind,
           CASE WHEN i % 3 = 0 THEN 'AuditAction' ELSE 'Audit' END AS subject_type,
           gen_random_uuid() AS subject_id,
           (i::bigint * 7919 % 360)::int - 36 AS offset_days,
           CASE WHEN i < CAST(:open AS int) THEN 'OPEN'
                WHEN i % 2 = 0 THEN 'DONE' ELSE 'CANCELLED' END AS state
    FROM generate_series(0, CAST(:open AS int) + CAST(:closed AS int) - 1) AS i
) AS s
"""

# Reminder emails as the sweep writes them (key, address, subject, body), for (b).
OUTBOX_SQL = """
INSERT INTO outbox_messages (id, key, channel, to_person_id, to_address, subject, body,
                             created_at, available_at, attempts)
SELECT gen_random_uuid(),
       'reminder:' || o.id || ':overdue:0:' || o.owner_id || ':' || CAST(:tag AS text),
       'EMAIL', p.id, p.email, 'Overdue',
       'You had an audit to complete by the end of its due date; it is now overdue.',
       CAST(:now AS timestamptz), CAST(:now AS timestamptz), 0
FROM (SELECT id, owner_id FROM obligations WHERE state = 'OPEN' LIMIT CAST(:count AS int)) AS o
JOIN people AS p ON p.id = o.owner_id
"""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return f"median {_ms(statistics.median(times))}, p95 {_ms(p95)} ({len(times)} runs)"


@dataclass
class Captured:
    """The SQL the domain sent, as PostgreSQL received it, while `on` was set."""

    on: bool = False
    match: str = ""
    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.on and self.match in statement:
            self.statements.append((statement, tuple(parameters or ())))


async def _recreate(url: str) -> None:
    from tests.conftest import _recreate_database

    await _recreate_database(url)
    await asyncio.to_thread(migrate.upgrade, url)


async def _drop(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    await admin.dispose()


async def _load(engine: AsyncEngine, open_count: int) -> None:
    today = NOW.date()
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(text(PEOPLE_SQL), {"now": NOW, "owners": OWNERS})
        await conn.execute(
            text(OBLIGATIONS_SQL),
            {
                "now": NOW,
                "today": today,
                "owners": OWNERS,
                "open": open_count,
                "closed": open_count // 10,
            },
        )
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE people"))
        await conn.execute(text("VACUUM ANALYZE obligations"))
        counts = (
            await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE state = 'OPEN'),"
                    " count(*) FILTER (WHERE state <> 'OPEN'),"
                    " count(*) FILTER (WHERE state = 'OPEN' AND due_at < :now)"
                    " FROM obligations"
                ),
                {"now": NOW},
            )
        ).one()
    print(
        f"loaded {counts[0]:,} open obligations ({counts[2]:,} overdue at {NOW:%Y-%m-%d %H:%M} "
        f"UTC) and {counts[1]:,} closed, {OWNERS:,} owners under 49 managers, in "
        f"{time.perf_counter() - started:.1f} s (INSERT … SELECT generate_series, then "
        "VACUUM ANALYZE)"
    )


async def _sweep(
    engine: AsyncEngine, settings: Settings, capture: Captured, cap: float
) -> tuple[reminders.SweepResult | None, float, int]:
    """One full sweep at NOW in one transaction, as the worker's job runs it; committed.
    Returns its result (None when stopped at the cap and rolled back), its time and how many
    batches it read."""
    sessions = create_session_factory(engine)
    capture.statements.clear()
    capture.on = True
    started = time.perf_counter()
    result: reminders.SweepResult | None = None
    try:
        async with sessions() as session:

            async def run() -> reminders.SweepResult:
                async with session.begin():
                    return await reminders.sweep(
                        session=session,
                        clock=SettableClock(NOW),
                        calendar=await deadlines.calendar(session),
                        policy_settings=settings.policy,
                    )

            try:
                result = await asyncio.wait_for(run(), timeout=cap)
            except TimeoutError:
                result = None
    finally:
        capture.on = False
    return result, time.perf_counter() - started, len(capture.statements)


async def _explain_and_time(
    engine: AsyncEngine, label: str, sql: str, params: tuple[Any, ...], runs: int
) -> None:
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        tx = raw.transaction()
        await tx.start()
        plan = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
        await tx.rollback()
        lines = [r[0] for r in plan]
        times: list[float] = []
        rows = 0
        for _ in range(runs):
            tx = raw.transaction()
            await tx.start()
            started = time.perf_counter()
            rows = len(await raw.fetch(sql, *params))
            times.append(time.perf_counter() - started)
            await tx.rollback()  # releases the FOR UPDATE locks, as each sweep's commit does
    uses = "uses" if any("ix_obligations_open_due" in line for line in lines) else "DOES NOT use"
    print(f"\n-- {label}: {rows} rows; {uses} ix_obligations_open_due")
    print("   SQL: " + " ".join(sql.split()))
    print("   params: " + ", ".join(repr(p) for p in params))
    for line in lines:
        print("   " + line)
    print(f"   round trip through asyncpg: {_summary(times)}")


async def _time(runs: int, work: Callable[[], Awaitable[object]]) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return times


async def part_a(
    engine: AsyncEngine, settings: Settings, open_count: int, runs: int, cap: float
) -> None:
    print(f"\n== (a) the sweep over {open_count:,} open obligations ==")
    await _load(engine, open_count)
    capture = Captured(match="FROM obligations")
    event.listen(engine.sync_engine, "before_cursor_execute", capture)

    result, seconds, batches = await _sweep(engine, settings, capture, cap)
    sweep_sql = [(s, p) for s, p in capture.statements if "SKIP LOCKED" in s]
    if result is None:
        print(
            f"\nfirst full reminders.sweep: STOPPED at the --sweep-seconds cap ({cap:.0f} s) and "
            f"rolled back, after reading {batches} batches of {SWEEP_BATCH} "
            f"({batches * SWEEP_BATCH:,} obligations, {batches * SWEEP_BATCH / seconds:,.0f} "
            "obligations/s)"
        )
    else:
        print(
            f"\nfirst full reminders.sweep (creates every reminder): {seconds:.1f} s, one "
            f"transaction; {result.obligations_seen:,} obligations read in {batches} batches, "
            f"{result.notifications_created:,} notifications and {result.emails_queued:,} "
            f"emails created ({result.obligations_seen / seconds:,.0f} obligations/s)"
        )
        result, seconds, batches = await _sweep(engine, settings, capture, cap)
        if result is None:
            print(f"second full sweep: STOPPED at the cap ({cap:.0f} s), rolled back")
        else:
            print(
                f"second full reminders.sweep (everything exists, the 5-minute cron's steady "
                f"state): {seconds:.1f} s; {result.obligations_seen:,} obligations read, "
                f"{result.notifications_created} created (the worker's job timeout is "
                f"{60} s)"
            )

    first = sweep_sql[0]
    middle = sweep_sql[len(sweep_sql) // 2]
    await _explain_and_time(
        engine, f"the sweep's first batch (LIMIT {SWEEP_BATCH})", *first, runs=runs
    )
    await _explain_and_time(
        engine,
        f"the sweep's batch {len(sweep_sql) // 2 + 1} of {len(sweep_sql)} (keyset after the "
        "previous batch)",
        *middle,
        runs=runs,
    )

    capture.statements.clear()
    capture.on = True
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        await obligations.due_and_overdue(session=session, at=NOW, limit=1000, skip_locked=True)
    capture.on = False
    await _explain_and_time(
        engine,
        "due_statement LIMIT 1000, as due_and_overdue sends it (owners joined, SKIP LOCKED)",
        *capture.statements[0],
        runs=runs,
    )

    async def through_orm() -> None:
        async with sessions() as session, session.begin():
            await obligations.due_and_overdue(session=session, at=NOW, limit=1000, skip_locked=True)

    print(
        "   obligations.due_and_overdue(limit=1000, skip_locked=True), ORM and session "
        f"included: {_summary(await _time(runs, through_orm))}"
    )
    event.remove(engine.sync_engine, "before_cursor_execute", capture)


# --- (b) email -------------------------------------------------------------------------------


def serve_smtp(port: int, out: Path) -> None:
    """The child process: an aiosmtpd server writing each message's Message-ID to `out`."""
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.stream = out.open("a", encoding="utf-8")

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            for line in envelope.content.split(b"\r\n"):
                if not line:
                    break  # the end of the headers
                if line.lower().startswith(b"message-id:"):
                    self.stream.write(line.split(b":", 1)[1].strip().decode() + "\n")
            self.stream.flush()
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


def start_smtp() -> tuple[subprocess.Popen[bytes], int, Path]:
    """The aiosmtpd server in a child process, so that it takes no time from the sender."""
    port = embedded.free_port()
    out = Path(f"/tmp/qaf-bench-smtp-{os.getpid()}.ids")  # noqa: S108
    out.write_text("")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bench.deadlines", "--serve-smtp", str(port), str(out)],
        cwd=embedded.ROOT,
    )
    deadline = time.monotonic() + 20
    while not embedded.port_open("127.0.0.1", port):
        if time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("the SMTP server did not start")
        time.sleep(0.1)
    return server, port, out


async def part_b(engine: AsyncEngine, count: int, senders: list[int], port: int, out: Path) -> None:
    print(f"\n== (b) {count:,} reminder emails from the outbox to a local SMTP server ==")
    sender = email.SmtpSender(host="127.0.0.1", port=port, sender="qaf@bench.qaf.local")
    sessions = create_session_factory(engine)
    print(
        "aiosmtpd in a child process; email.deliver: claim 100 (committed), then per "
        "message one SMTP connection (aiosmtplib.send) and one transaction to mark it sent"
    )
    for parallel in senders:
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE outbox_messages"))
            await conn.execute(
                text(OUTBOX_SQL), {"tag": f"x{parallel}", "now": NOW, "count": count}
            )
        await asyncio.to_thread(out.write_text, "")
        clock = SettableClock(NOW)

        async def one_sender(n: int, clock: SettableClock = clock) -> int:
            sent = 0
            while True:
                result = await email.deliver(
                    session_factory=sessions,
                    clock=clock,
                    sender=sender,
                    worker_id=f"bench:{n}",
                    limit=100,
                )
                sent += result.sent
                if result.failed:
                    raise RuntimeError(f"{result.failed} messages failed")
                if result.claimed == 0:
                    return sent

        started = time.perf_counter()
        sent = sum(await asyncio.gather(*(one_sender(n) for n in range(parallel))))
        seconds = time.perf_counter() - started
        await asyncio.sleep(0.5)  # the server writes each id after accepting it
        ids = (await asyncio.to_thread(out.read_text)).split()
        async with engine.connect() as conn:
            unsent = await conn.scalar(
                text("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL")
            )
        print(
            f"{parallel} sender(s) at once: {sent:,} sent in {seconds:.1f} s = "
            f"{sent / seconds:,.0f} messages/s; the server received {len(ids):,} "
            f"messages, {len(set(ids)):,} distinct Message-IDs; {unsent} left unsent"
        )
        if len(ids) != count or len(set(ids)) != count or unsent:
            raise SystemExit("the server did not receive every message exactly once")


async def main(port: int, out: Path) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=1_000_000, help="open obligations")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sweep-seconds", type=float, default=300)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--senders", default="1,4", help="senders at once, e.g. 1,4")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    db = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/qaf_bench_deadlines"
    )
    settings = Settings(_env_file=None, environment="development", database_url=db)
    await _recreate(db)
    engine = create_engine(settings, pool_size=6, max_overflow=0)
    try:
        if not args.skip_sweep:
            await part_a(engine, settings, args.open, args.runs, args.sweep_seconds)
        else:
            async with engine.begin() as conn:
                await conn.execute(text(PEOPLE_SQL), {"now": NOW, "owners": OWNERS})
                await conn.execute(
                    text(OBLIGATIONS_SQL),
                    {
                        "now": NOW,
                        "today": NOW.date(),
                        "owners": OWNERS,
                        "open": args.emails,
                        "closed": 0,
                    },
                )
        await part_b(engine, args.emails, [int(n) for n in args.senders.split(",")], port, out)
    finally:
        await engine.dispose()
        if not args.keep_data:
            await _drop(db)
            print(f"\ndropped {make_url(db).database}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-smtp":
        serve_smtp(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        server, port, out = start_smtp()
        try:
            asyncio.run(main(port, out))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(10)
            out.unlink(missing_ok=True)
