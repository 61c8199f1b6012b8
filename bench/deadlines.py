"""Benchmark: the deadline sweep over a million open obligations, and the send rate of
reminder email from the outbox to a local SMTP server.

    .venv/bin/python -m bench.deadlines [--runs 30] [--sweep-seconds 900] [--emails 10000]
                                        [--keep-data]

Uses its own database (BENCH_DATABASE_URL, default `qaf_bench_deadlines`, dropped, created and
migrated as the tests do, and dropped again at the end unless --keep-data):

(a) 1,000,000 open obligations (due at the end of London days from 36 days before the
    benchmark's moment to 324 after: about 10% overdue) and 100,000 closed ones, owned by
    1,000 people whose lines climb three managers, written with INSERT … SELECT
    generate_series, each open one with `next_reminder_at` = its creation (as right after
    migration 0008); ANALYZE. Then, as `workers.main.sweep_deadlines` runs it (the real
    `reminders.sweep(max_batches=1)`, a committed transaction per batch):
    - the one-off catch-up, every open obligation looked at once, back to back, capped at
      --sweep-seconds; if the cap stops it, the total is extrapolated (and says so), and a
      SET-UP SHORTCUT (printed as such) finishes it: the waiting obligations with no reminder
      due get `next_reminder_at` from the real `reminders.next_reminder_moment`, computed in
      bulk and written with COPY and one UPDATE … FROM, and the real sweep does the rest;
    - the steady state, one cron sweep within SWEEP_BUDGET 5 minutes later, then (after
      VACUUM) at 08:00 London on the next working day, when that day's reminders fall due,
      and 5 minutes after that;
    with EXPLAIN (ANALYZE, BUFFERS) of the sweep's batch statement (captured from the real
    sweep, one batch rolled back) at the catch-up's start, halfway (or where the cap stopped
    it) and before each steady-state sweep, and median/p95 of --runs executions of each; and of
    `due_statement` LIMIT 1,000 as `obligations.due_and_overdue` (`qaf due`) sends it.
(b) --emails reminder emails in the outbox, delivered through `email.deliver` (claim a batch,
    send each over SMTP with aiosmtplib, mark each sent) to an aiosmtpd server this script
    starts in a child process; messages/s, and the distinct Message-IDs the server received.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import bench_settings, smtp_server, throwaway_database
from domain.core.clock import LONDON, SettableClock
from domain.core.db import create_engine, create_session_factory
from domain.core.settings import Settings
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import end_of_day, local_day
from domain.deadlines.models import Obligation, ObligationState
from domain.notifications import email
from domain.reminders import sweep as reminders
from workers.cron import SWEEP_JOB_TIMEOUT
from workers.jobs import SWEEP_BUDGET, sweep_batch

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


@dataclass
class Sweeps:
    """What a run of worker-style sweeps did: each batch's result and time."""

    results: list[reminders.SweepResult] = field(default_factory=list)
    batch_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False  # the budget ran out before a batch came back empty

    def _sum(self, count: Callable[[reminders.SweepResult], int]) -> int:
        return sum(count(r) for r in self.results)

    @property
    def seen(self) -> int:
        return self._sum(lambda r: r.obligations_seen)

    @property
    def created(self) -> int:
        return self._sum(lambda r: r.notifications_created)

    @property
    def reminded(self) -> set[str]:
        """The obligations that got at least one new notification (from the created keys)."""
        return {key.split(":")[1] for r in self.results for key in r.created_keys}

    def line(self) -> str:
        per = self.seconds or 1e-9
        batch = ""
        if self.batch_seconds:
            times = sorted(self.batch_seconds)
            batch = (
                f"; a batch's transaction: median {_ms(statistics.median(times))}, p95 "
                f"{_ms(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))])}, "
                f"max {_ms(times[-1])}"
            )
        return (
            f"{self.seconds:.1f} s, {len(self.batch_seconds)} transactions "
            f"({self._sum(lambda r: r.batches)} "
            f"batches of up to {SWEEP_BATCH}); {self.seen:,} obligations read "
            f"({self.seen / per:,.0f}/s), {len(self.reminded):,} of them got something new; "
            f"{self.created:,} notifications created ({self.created / per:,.0f}/s), "
            f"{self._sum(lambda r: r.emails_queued):,} emails queued{batch}"
        )


async def _worker_sweep(
    engine: AsyncEngine,
    settings: Settings,
    at: datetime,
    budget: float,
    pause: Callable[[Sweeps], Awaitable[None]] | None = None,
) -> Sweeps:
    """Sweeps at `at` as `workers.main.sweep_deadlines` runs them: the calendar read once, then
    `workers.jobs.sweep_batch` (one batch, committed) after another, until a batch
    comes back empty or `budget` seconds have passed (SWEEP_BUDGET for the cron; the
    catch-up's --sweep-seconds). `pause` runs between batches, outside the time."""
    sessions = create_session_factory(engine)
    clock = SettableClock(at)
    done = Sweeps()
    started = time.perf_counter()
    paused = 0.0
    async with sessions() as session:
        async with session.begin():
            working = await deadlines.calendar(session)
        while time.perf_counter() - started - paused < budget:
            batch_started = time.perf_counter()
            result = await sweep_batch(session, clock, working, settings)
            done.batch_seconds.append(time.perf_counter() - batch_started)
            done.results.append(result)
            if not result.batches:
                break
            if pause is not None:
                pause_started = time.perf_counter()
                await pause(done)
                paused += time.perf_counter() - pause_started
        else:
            done.stopped = True
    done.seconds = time.perf_counter() - started - paused
    return done


async def _probe(
    engine: AsyncEngine, settings: Settings, at: datetime, capture: Captured
) -> tuple[str, tuple[Any, ...]]:
    """The sweep's batch statement at `at`, as the sweep sends it: one batch of the real
    `reminders.sweep`, captured and rolled back (nothing changes)."""
    sessions = create_session_factory(engine)
    async with sessions() as session:
        working = await deadlines.calendar(session)
        await session.rollback()
        capture.statements.clear()
        capture.on = True
        tx = await session.begin()
        try:
            await reminders.sweep(
                session=session,
                clock=SettableClock(at),
                calendar=working,
                policy_settings=settings.policy,
                max_batches=1,
            )
        finally:
            capture.on = False
            await tx.rollback()
    return next((s, p) for s, p in capture.statements if "SKIP LOCKED" in s)


async def _waiting(engine: AsyncEngine, at: datetime) -> int:
    """The open obligations a sweep at `at` would read (next_reminder_at <= at)."""
    async with engine.connect() as conn:
        count = await conn.scalar(
            text(
                "SELECT count(*) FROM obligations WHERE state = 'OPEN' AND next_reminder_at <= :at"
            ),
            {"at": at},
        )
    return int(count or 0)


async def _explain_and_time(
    engine: AsyncEngine,
    label: str,
    sql: str,
    params: tuple[Any, ...],
    runs: int,
    index: str = "ix_obligations_next_reminder",
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
            await tx.rollback()  # releases the FOR UPDATE locks, as each batch's commit does
    uses = "uses" if any(index in line for line in lines) else "DOES NOT use"
    print(f"\n-- {label}: {rows} rows; {uses} {index}")
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


async def _shortcut(engine: AsyncEngine, settings: Settings, at: datetime) -> tuple[int, int]:
    """SET-UP SHORTCUT, not the sweep: for each obligation still waiting at `at` that has no
    reminder due at `at` (the real `reminders.due_reminders` says so), its next moment by the
    real `reminders.next_reminder_moment`, computed here in bulk and written back with COPY into
    a temporary table and one UPDATE … FROM. Those with a reminder due are left to the real
    sweep. Returns how many were set and how many were left."""
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        working = await deadlines.calendar(session)
        rows = (
            await session.execute(
                select(Obligation.id, Obligation.owner_id, Obligation.due_at).where(
                    Obligation.state == ObligationState.OPEN, Obligation.next_reminder_at <= at
                )
            )
        ).all()
        people = await reminders._people(session, {row.owner_id for row in rows})
    lines = {owner: reminders._line(owner, people) for owner in {row.owner_id for row in rows}}
    moments: list[tuple[uuid.UUID, datetime | None]] = []
    for row in rows:
        obligation = Obligation(id=row.id, owner_id=row.owner_id, due_at=row.due_at)
        line = lines[row.owner_id] if row.owner_id in people else []
        if reminders.due_reminders(
            obligation=obligation,
            now=at,
            calendar=working,
            policy_settings=settings.policy,
            line=line,
        ):
            continue
        moments.append(
            (
                row.id,
                reminders.next_reminder_moment(
                    obligation=obligation,
                    now=at,
                    calendar=working,
                    policy_settings=settings.policy,
                    line_length=len(line),
                ),
            )
        )
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        async with raw.transaction():
            await raw.execute(
                "CREATE TEMPORARY TABLE next_moments (id uuid, next_reminder_at timestamptz)"
                " ON COMMIT DROP"
            )
            await raw.copy_records_to_table(
                "next_moments", records=moments, columns=["id", "next_reminder_at"]
            )
            await raw.execute("ANALYZE next_moments")
            await raw.execute(
                "UPDATE obligations AS o SET next_reminder_at = m.next_reminder_at"
                " FROM next_moments AS m WHERE o.id = m.id AND o.state = 'OPEN'"
            )
    return len(moments), len(rows) - len(moments)


async def _dead_rows(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT n_live_tup, n_dead_tup, autovacuum_count, last_autovacuum"
                    " FROM pg_stat_user_tables WHERE relname = 'obligations'"
                )
            )
        ).one()
    return f"{row[0]:,} live and {row[1]:,} dead row versions, autovacuumed {row[2]} time(s)" + (
        f" (last {row[3]:%H:%M:%S})" if row[3] else ""
    )


async def _steady(
    engine: AsyncEngine, settings: Settings, at: datetime, label: str, capture: Captured, runs: int
) -> Sweeps:
    """One sweep of the 5-minute cron at `at`, as the worker runs it (SWEEP_BUDGET), with
    the batch statement's plan as it stands before it."""
    waiting = await _waiting(engine, at)
    sql, params = await _probe(engine, settings, at, capture)
    await _explain_and_time(
        engine, f"the sweep's batch statement at {label}, before it runs", sql, params, runs
    )
    done = await _worker_sweep(engine, settings, at, SWEEP_BUDGET.total_seconds())
    left = await _waiting(engine, at)
    fits = (
        "fits"
        if not done.stopped and done.seconds < SWEEP_BUDGET.total_seconds()
        else "DOES NOT fit"
    )
    print(
        f"\nsteady state, the cron's sweep at {label} ({waiting:,} obligations waiting): "
        f"{done.line()}; {left:,} left waiting. It {fits} in the worker's "
        f"{SWEEP_BUDGET.total_seconds():.0f} s budget "
        f"({done.seconds / SWEEP_BUDGET.total_seconds():.0%} of it; job timeout "
        f"{SWEEP_JOB_TIMEOUT.total_seconds():.0f} s)"
    )
    return done


async def part_a(
    engine: AsyncEngine, settings: Settings, open_count: int, runs: int, cap: float
) -> None:
    print(f"\n== (a) the sweep over {open_count:,} open obligations ==")
    await _load(engine, open_count)
    capture = Captured(match="FROM obligations")
    event.listen(engine.sync_engine, "before_cursor_execute", capture)

    # 1. The one-off catch-up after migration 0008: every open obligation is waiting.
    waiting = await _waiting(engine, NOW)
    await _explain_and_time(
        engine,
        f"the sweep's batch statement at the catch-up's start ({waiting:,} waiting)",
        *await _probe(engine, settings, NOW, capture),
        runs=runs,
    )
    print(
        f"\nthe catch-up after migration 0008 at {NOW:%Y-%m-%d %H:%M} UTC: every open "
        f"obligation waiting ({waiting:,}); the worker's loop (reminders.sweep(max_batches=1), "
        f"a transaction each, committed) run back to back, capped at --sweep-seconds "
        f"({cap:.0f} s) …"
    )
    explained = False

    async def midway(done: Sweeps) -> None:
        nonlocal explained
        if explained or done.seen < waiting // 2:
            return
        explained = True
        await _explain_and_time(
            engine,
            f"the same statement halfway through the catch-up ({done.seen:,} done, "
            f"{await _waiting(engine, NOW):,} waiting; timer paused)",
            *await _probe(engine, settings, NOW, capture),
            runs=runs,
        )

    catch_up = await _worker_sweep(engine, settings, NOW, cap, pause=midway)
    left = await _waiting(engine, NOW)
    budget = SWEEP_BUDGET.total_seconds()
    if not catch_up.stopped:
        print(f"\nthe catch-up, complete and for real: {catch_up.line()}")
        total_seconds = catch_up.seconds
    else:
        print(
            f"\nthe catch-up, STOPPED at the --sweep-seconds cap with {left:,} obligations "
            f"still waiting: {catch_up.line()}"
        )
        if not explained:
            explained = True
            await _explain_and_time(
                engine,
                f"the same statement where the cap stopped the catch-up ({catch_up.seen:,} "
                f"done, {left:,} waiting)",
                *await _probe(engine, settings, NOW, capture),
                runs=runs,
            )
        share = catch_up.seen / waiting
        total_seconds = catch_up.seconds / share
        print(
            f"EXTRAPOLATED (not measured) from that {share:.0%}, the rows being read in "
            f"creation order, which here mixes due dates evenly: the whole catch-up would take "
            f"about {total_seconds:,.0f} s ({total_seconds / 60:.0f} min) of sweeping and "
            f"create about {catch_up.created / share:,.0f} notifications"
        )
    runs_needed = max(1, round(total_seconds / budget + 0.5))
    print(
        f"in production the worker sweeps {budget:.0f} s per 5-minute cron run, so the "
        f"catch-up would take about {runs_needed} runs, {runs_needed * 5 / 60:.1f} h of wall "
        "clock (derived, not measured), each batch committed as it goes"
    )
    if catch_up.stopped:
        started = time.perf_counter()
        shortcut, due = await _shortcut(engine, settings, NOW)
        print(
            f"\nSET-UP SHORTCUT (not the sweep, not counted above): for the {shortcut:,} "
            "waiting obligations with no reminder due at the moment, next_reminder_at by the "
            "real reminders.next_reminder_moment computed in Python and written with COPY into "
            f"a temporary table and one UPDATE … FROM: {time.perf_counter() - started:.1f} s. "
            f"The {due:,} with a reminder due are left to the real sweep:"
        )
        finish = await _worker_sweep(engine, settings, NOW, float("inf"))
        print(f"the rest of the catch-up, for real: {finish.line()}")
    capture.statements.clear()
    print(f"\nafter the catch-up: {await _dead_rows(engine)}")

    # 2. The steady state: what the 5-minute cron does every day.
    await _steady(engine, settings, NOW + timedelta(minutes=5), "NOW + 5 min", capture, runs)
    started = time.perf_counter()
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM (ANALYZE) obligations"))
    print(
        f"\nVACUUM (ANALYZE) obligations, autovacuum's work after the catch-up's updates: "
        f"{time.perf_counter() - started:.1f} s; now {await _dead_rows(engine)}"
    )
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        working = await deadlines.calendar(session)
    next_day = working.next_working_day(local_day(NOW))
    morning = datetime.combine(next_day, dtime(8), tzinfo=LONDON).astimezone(UTC)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE due_at < :at),"
                    " count(*) FILTER (WHERE due_at = :end_of_day),"
                    " count(*) FILTER (WHERE due_at > :end_of_day)"
                    " FROM obligations WHERE state = 'OPEN' AND next_reminder_at <= :at"
                ),
                {"at": morning, "end_of_day": end_of_day(next_day)},
            )
        ).one()
    print(
        f"\nthe next working day, {next_day:%A %d %B}: every moment of its reminders is 00:00 "
        "London (the start of the day, or a due moment + 1 µs), so the first sweep after "
        f"midnight does this; at 08:00 London waiting: {row[0]:,} overdue (newly, or the next "
        f"manager up), {row[1]:,} due that day, {row[2]:,} due later (a working day before)"
    )
    label = f"{next_day:%a %d %b} 08:00 London"
    await _steady(engine, settings, morning, label, capture, runs)
    await _steady(
        engine, settings, morning + timedelta(minutes=5), f"{label} + 5 min", capture, runs=3
    )

    # `qaf due` (obligations.due_and_overdue): what is due and overdue, by ix_obligations_open_due.
    capture.statements.clear()
    capture.on = True
    async with sessions() as session, session.begin():
        await obligations.due_and_overdue(session=session, at=NOW, limit=1000, skip_locked=True)
    capture.on = False
    await _explain_and_time(
        engine,
        "`qaf due`: due_statement LIMIT 1000, as due_and_overdue sends it (owners joined, "
        "SKIP LOCKED)",
        *capture.statements[0],
        runs=runs,
        index="ix_obligations_open_due",
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
    parser.add_argument("--sweep-seconds", type=float, default=900)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--senders", default="1,4", help="senders at once, e.g. 1,4")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    settings = bench_settings("qaf_bench_deadlines")
    async with throwaway_database(settings.database_url, keep=args.keep_data):
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


if __name__ == "__main__":
    with smtp_server() as (port, out):
        asyncio.run(main(port, out))
