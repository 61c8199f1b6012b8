"""Helpers for the fault tests (test_faults.py, test_survey_dispatch_faults.py): real worker
processes (`arq workers.main.WorkerSettings`) on the real clock, each scene on its own private
PostgreSQL and Redis (tests/workers/servers.py) that the test restarts, flushes or stops, a
real SMTP server (tests/smtp.py) counting what arrives by Message-ID, seeding through the
domain, and the fault table printed at the end of the run (tests/workers/conftest.py).

A worker's PostgreSQL connections are found through /proc (its sockets' local ports, matched
with `pg_stat_activity.client_port`), so only Linux runs these tests.

Each fault runs at two cadences: FAST (send every 2 s, sweep every 5 s, claims taken over
after 15 s) and PRODUCTION (the settings' defaults: send every minute, sweep every 5 minutes,
claims taken over after 5 minutes), where a fault that leaves claims behind drains only after
5 to 6 minutes; the PRODUCTION scenes therefore run side by side (test_faults.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from collections.abc import Set as AbstractSet
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from aiosmtpd.controller import Controller
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from domain.core.clock import SystemClock
from domain.core.db import SessionFactory, create_session_factory
from domain.core.roles import SYSTEM
from domain.core.settings import Settings
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import end_of_day, local_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.notifications import email
from domain.notifications.models import Notification, OutboxMessage
from domain.people import service as people
from domain.people.models import Person
from domain.reminders import sweep as reminders
from tests.smtp import Inbox, free_port
from tests.workers.servers import PrivatePostgres, PrivateRedis

__all__ = ["free_port"]

ROOT = Path(__file__).resolve().parents[2]
ARQ = Path(sys.executable).with_name("arq")
T = TypeVar("T")


# --- cadences --------------------------------------------------------------------------------

# Every worker: the test environment, and survey invitations sent at any hour (these workers
# run on the system clock, at whatever hour CI runs). Not cadence.
BASE_ENV = {
    "ENVIRONMENT": "test",
    "LOG_LEVEL": "INFO",
    "SURVEY_SENDING_HOURS": "00:00-24:00",
}
# What a cadence may set; anything of these in the test's own environment is dropped.
CADENCE_VARIABLES = (
    "SWEEP_EVERY_SECONDS",
    "SEND_EVERY_SECONDS",
    "OUTBOX_CLAIM_TIMEOUT_SECONDS",
    "SEND_JOB_TIMEOUT_SECONDS",
    "SURVEY_EMAIL_PER_SECOND",
    "SURVEY_SMS_PER_SECOND",
)


@dataclass(frozen=True)
class Cadence:
    name: str
    env: dict[str, str]
    # How long after the fault everything must have arrived (else the test fails, its row
    # counting what was lost).
    drain_within: float
    # How long a worker may wait for its next send job: a scene waiting for "mid-send".
    send_within: float


# Sweep every 5 s (not 5 minutes) so that a sweep that failed runs again soon, send every 2 s,
# and take over the claims of a dead sender after 15 s instead of 5 minutes (a send job then
# claims and starts messages for 4 s: docs/concepts/notifications.md, "Sending: the promise").
FAST = Cadence(
    "fast",
    {
        "SWEEP_EVERY_SECONDS": "5",
        "SEND_EVERY_SECONDS": "2",
        "OUTBOX_CLAIM_TIMEOUT_SECONDS": "15",
        # The worker refuses a claim timeout shorter than a send job's timeout.
        "SEND_JOB_TIMEOUT_SECONDS": "15",
    },
    drain_within=120,
    send_within=60,
)
# The settings' defaults: no override at all. A claim left by a dead sender is taken over
# after 5 minutes, at the next send job (every minute): up to about 6 minutes.
PRODUCTION = Cadence("production", {}, drain_within=480, send_within=150)
CADENCES = (FAST, PRODUCTION)


# --- the fault table -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    fault: str
    cadence: str
    expected: int
    received: int
    distinct: int
    duplicates: int
    lost: int
    drain_seconds: float | None
    # Duplicates the promise allows here (docs/concepts/notifications.md, "Sending: the promise"): one per sending lane that died
    # or lost PostgreSQL between the server's acceptance and the mark.
    allowed: int
    result: str = "ok"


TABLE: list[Row] = []


def table_lines(rows: list[Row]) -> list[str]:
    header = (
        "fault",
        "cadence",
        "expected",
        "received",
        "distinct",
        "duplicates",
        "allowed",
        "lost",
        "drain",
        "result",
    )
    body = [
        (
            r.fault,
            r.cadence,
            str(r.expected),
            str(r.received),
            str(r.distinct),
            str(r.duplicates),
            str(r.allowed),
            str(r.lost),
            "-" if r.drain_seconds is None else f"{r.drain_seconds:.1f} s",
            r.result,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(line: tuple[str, ...]) -> str:
        return "  ".join(
            v.ljust(w) if i < 2 or i == len(header) - 1 else v.rjust(w)
            for i, (v, w) in enumerate(zip(line, widths, strict=True))
        )

    return [
        fmt(header).rstrip(),
        "  ".join("-" * w for w in widths),
        *(fmt(line).rstrip() for line in body),
    ]


# --- worker processes ------------------------------------------------------------------------


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def worker_id(self) -> str:
        """As the worker names itself in claims (workers.main.worker_id)."""
        return f"{socket.gethostname()}:{self.pid}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback by the process; PostgreSQL sees the sockets close."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    async def stop(self) -> None:
        """SIGTERM (arq's own shutdown), SIGKILL if it has not ended within 10 s."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(self.process.wait, 10)
            self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def local_ports(pid: int) -> set[int]:
    """The local TCP ports of the sockets process `pid` holds (Linux /proc)."""
    inodes: set[str] = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return set()
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            parts = row.split()
            if len(parts) > 9 and parts[9] in inodes:
                ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


# --- the scene -------------------------------------------------------------------------------


@dataclass
class Scene:
    """One fault test's world: its own PostgreSQL and Redis, an SMTP server, worker processes
    at one cadence, and a monitoring connection to PostgreSQL (autocommit, so each look sees
    what is committed). Made by `scene()`, which closes it: every worker process is stopped
    (killed if need be) and both servers removed."""

    settings: Settings
    postgres: PrivatePostgres
    redis_server: PrivateRedis
    logs: Path
    cadence: Cadence
    # PRODUCTION scenes run side by side: each holds the gate from its start until its fault,
    # so that no more than a few seed, sweep and send at once on a small machine.
    gate: asyncio.Semaphore | None = None
    inbox: Inbox = field(default_factory=Inbox)
    workers: list[WorkerProcess] = field(default_factory=list)
    smtp_port: int = 0
    fault_at: float | None = None
    fault: str = ""
    allowed: int = 0
    expected: set[str] = field(default_factory=set)
    _row: int | None = None
    engine: AsyncEngine | None = None
    _session_factory: SessionFactory | None = None
    _controller: Controller | None = None
    _monitor_engine: AsyncEngine | None = None
    _monitor: AsyncConnection | None = None
    _gate_held: bool = False

    async def open(self) -> None:
        if self.gate is not None:
            await self.gate.acquire()
            self._gate_held = True
        self.smtp_port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.smtp_port)
        self._controller.start()
        await asyncio.to_thread(self.postgres.start)
        await asyncio.to_thread(self.redis_server.start)
        self.engine = create_async_engine(
            self.settings.database_url, pool_size=5, max_overflow=5, pool_pre_ping=True
        )
        self._session_factory = create_session_factory(self.engine)
        await self._open_monitor()

    async def close(self) -> None:
        try:
            for worker in self.workers:
                with contextlib.suppress(Exception):
                    await worker.stop()
        finally:
            for worker in self.workers:
                if worker.alive():
                    worker.kill()
            self._release_gate()
            await self._close_monitor()
            if self.engine is not None:
                await self.engine.dispose()
            if self._controller is not None:
                self._controller.stop()
            await asyncio.to_thread(self.postgres.remove)
            await asyncio.to_thread(self.redis_server.remove)

    async def _open_monitor(self) -> None:
        self._monitor_engine = create_async_engine(
            self.settings.database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        self._monitor = await self._monitor_engine.connect()

    async def _close_monitor(self) -> None:
        with contextlib.suppress(Exception):
            if self._monitor is not None:
                await self._monitor.close()
        if self._monitor_engine is not None:
            await self._monitor_engine.dispose()
        self._monitor = self._monitor_engine = None

    def _release_gate(self) -> None:
        if self.gate is not None and self._gate_held:
            self._gate_held = False
            self.gate.release()

    @property
    def session_factory(self) -> SessionFactory:
        assert self._session_factory is not None
        return self._session_factory

    @property
    def monitor(self) -> AsyncConnection:
        assert self._monitor is not None
        return self._monitor

    def start_worker(self, **settings: str) -> WorkerProcess:
        """Start `arq workers.main.WorkerSettings` at the scene's cadence, with `settings`
        (environment variables) over it."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SMTP_", "POLICY__", "NOTIFY_")) and k not in CADENCE_VARIABLES
        }
        env.update(BASE_ENV)
        env.update(self.cadence.env)
        env.update(settings)
        env.update(
            DATABASE_URL=self.settings.database_url,
            REDIS_URL=self.settings.redis_url,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(self.smtp_port),
        )
        log = self.logs / f"worker-{len(self.workers) + 1}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 (our own worker, a fixed command)
                [str(ARQ), "workers.main.WorkerSettings"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = WorkerProcess(process, log)
        self.workers.append(worker)
        return worker

    async def stop_workers(self) -> None:
        for worker in self.workers:
            await worker.stop()

    def diagnostics(self) -> str:
        return "\n".join(f"--- {w.log.name} (pid {w.pid})\n{w.tail()}" for w in self.workers)

    # --- faults ------------------------------------------------------------------------------

    def mark_fault(self) -> None:
        """The moment of the (first) fault, from which the drain time counts; a PRODUCTION
        scene lets the next one in."""
        if self.fault_at is None:
            self.fault_at = time.monotonic()
        self._release_gate()

    async def restart_postgres(self, down: float) -> None:
        """Stop PostgreSQL (a fast shutdown: every session terminated), leave it down for
        `down` seconds, start it again on the same port."""
        await self._close_monitor()
        await asyncio.to_thread(self.postgres.stop)
        self.mark_fault()
        await asyncio.sleep(down)
        await asyncio.to_thread(self.postgres.start)
        await self._open_monitor()

    async def redis_outage(self, down: float, meanwhile: Callable[[], Awaitable[None]]) -> None:
        """Stop Redis (killed: gone at once), run `meanwhile`, start it again on the same port
        `down` seconds after it stopped (empty: it persists nothing)."""
        await asyncio.to_thread(self.redis_server.stop)
        self.mark_fault()
        stopped = time.monotonic()
        await meanwhile()
        await asyncio.sleep(max(0.0, down - (time.monotonic() - stopped)))
        await asyncio.to_thread(self.redis_server.start)

    async def flushall(self) -> None:
        client = Redis.from_url(self.settings.redis_url)
        try:
            await client.flushall()
        finally:
            await client.aclose()
        self.mark_fault()

    # --- counting at the SMTP server ---------------------------------------------------------

    def begin(self, fault: str, *, allowed: int) -> None:
        """Name the scene's fault and the duplicates the promise allows there."""
        self.fault, self.allowed = fault, allowed

    def expect(self, message_ids: set[str]) -> None:
        """The Message-IDs the SMTP server must receive."""
        self.expected = set(message_ids)

    async def drain(self, settled: Callable[[], Awaitable[bool]]) -> float:
        """Wait until every expected Message-ID has arrived and `settled()` (every row marked
        sent), within the cadence's drain time of the fault. Returns the drain time: from the
        fault to the first arrival of the last expected message. On a timeout the workers
        stop, the scene's row (what was lost) is recorded and the test fails."""
        assert self.fault_at is not None, "no fault was made"
        deadline = self.fault_at + self.cadence.drain_within
        while not (self.expected <= set(self.inbox.message_ids) and await settled()):
            if time.monotonic() > deadline:
                await self.stop_workers()
                lost = len(self.expected - set(self.inbox.message_ids))
                raise AssertionError(
                    f"{self.fault} ({self.cadence.name}): {lost} of {len(self.expected)} never "
                    f"arrived within {self.cadence.drain_within:.0f} s\n{self.diagnostics()}"
                )
            await asyncio.sleep(0.25)
        first = self.inbox.first_arrivals()
        drained = max(first[m] for m in self.expected) - self.fault_at
        return max(0.0, drained)

    def record(self, drain: float | None, result: str = "ok") -> Row:
        """Put the scene's row in the fault table (or replace it), from what the SMTP server
        received."""
        received = self.inbox.message_ids
        distinct = set(received)
        row = Row(
            fault=self.fault,
            cadence=self.cadence.name,
            expected=len(self.expected),
            received=len(received),
            distinct=len(distinct),
            duplicates=len(received) - len(distinct),
            lost=len(self.expected - distinct),
            drain_seconds=drain,
            allowed=self.allowed,
            result=result,
        )
        if self._row is None:
            self._row = len(TABLE)
            TABLE.append(row)
        else:
            TABLE[self._row] = row
        return row

    def failed(self, error: BaseException) -> None:
        """The scene failed: its row says so (recorded now if it was not yet)."""
        if not self.fault:
            return
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:70]
        drain = TABLE[self._row].drain_seconds if self._row is not None else None
        self.record(drain, f"FAILED: {reason}")

    def received_by_now(self) -> set[str]:
        return set(self.inbox.message_ids)

    # --- looking at PostgreSQL ---------------------------------------------------------------

    async def database_state(self) -> str:
        """For a failure's message: the counts, and every other session with its state,
        query and locks."""
        try:
            rows = await self.monitor.execute(
                text(
                    "SELECT a.pid, a.client_port, a.state, left(a.query, 80), "
                    "(SELECT string_agg(l.relation::regclass || ' ' || l.mode || "
                    "CASE WHEN l.granted THEN '' ELSE ' (waiting)' END, ', ') FROM pg_locks l "
                    "WHERE l.pid = a.pid AND l.relation IS NOT NULL) "
                    "FROM pg_stat_activity a WHERE a.datname = current_database() "
                    "AND a.pid <> pg_backend_pid()"
                )
            )
            counts = await self.counts()
        except Exception as exc:
            return f"(no database state: {exc!r})"
        ports = {w.pid: sorted(local_ports(w.pid)) for w in self.workers}
        lines = [f"{counts}; worker ports {ports}"]
        lines += [" | ".join(str(v) for v in row) for row in rows]
        return "\n".join(lines)

    async def backends(self, worker: WorkerProcess) -> list[int]:
        """The PostgreSQL backends serving `worker`'s connections."""
        ports = sorted(local_ports(worker.pid))
        if not ports:
            return []
        rows = await self.monitor.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND client_port = ANY(:ports)"
            ),
            {"ports": ports},
        )
        return [int(pid) for pid in rows.scalars()]

    async def sweeping(self, worker: WorkerProcess) -> list[int]:
        """`worker`'s backends in the middle of a sweep: in a transaction holding obligation
        rows (`FOR UPDATE`) that has already inserted reminders (a batch done), not yet
        committed."""
        pids = await self.backends(worker)
        if not pids:
            return []
        rows = await self.monitor.execute(
            text(
                "SELECT l.pid FROM pg_locks l WHERE l.pid = ANY(:pids) "
                "AND l.relation = 'obligations'::regclass AND l.mode = 'RowShareLock' "
                "AND EXISTS (SELECT 1 FROM pg_locks n WHERE n.pid = l.pid "
                "AND n.relation = 'notifications'::regclass AND n.mode = 'RowExclusiveLock')"
            ),
            {"pids": pids},
        )
        return [int(pid) for pid in rows.scalars()]

    async def sweeps_waiting_to_insert(self, workers: list[WorkerProcess]) -> int:
        """How many sweeps (transactions holding obligation rows and waiting to insert
        reminders) the workers are running: arq runs a job on whichever worker takes it, so
        two sweeps may be two workers' or one worker's two jobs."""
        pids = [pid for worker in workers for pid in await self.backends(worker)]
        if not pids:
            return 0
        found = await self.monitor.scalar(
            text(
                "SELECT count(DISTINCT l.pid) FROM pg_locks l WHERE l.pid = ANY(:pids) "
                "AND l.relation = 'obligations'::regclass AND l.mode = 'RowShareLock' "
                "AND EXISTS (SELECT 1 FROM pg_locks n WHERE n.pid = l.pid "
                "AND n.relation = 'notifications'::regclass AND NOT n.granted)"
            ),
            {"pids": pids},
        )
        return int(found or 0)

    async def counts(self) -> Counts:
        row = (
            await self.monitor.execute(
                select(
                    select(func.count()).select_from(Notification).scalar_subquery(),
                    select(func.count()).select_from(OutboxMessage).scalar_subquery(),
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.sent_at.is_not(None))
                    .scalar_subquery(),
                )
            )
        ).one()
        return Counts(notifications=row[0], outbox=row[1], sent=row[2])

    async def outbox_settled(self) -> bool:
        """Every email in the outbox marked sent."""
        c = await self.counts()
        return 0 < c.outbox == c.sent

    # --- waiting -----------------------------------------------------------------------------

    async def wait_for(
        self,
        what: str,
        probe: Callable[[], Awaitable[T | None]],
        *,
        within: float = 60,
        every: float = 0.01,
    ) -> T:
        """Poll `probe` until it returns something truthy; fail naming `what` otherwise."""
        deadline = time.monotonic() + within
        while True:
            found = await probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what} ({self.cadence.name})\n"
                    f"{await self.database_state()}\n{self.diagnostics()}"
                )
            await asyncio.sleep(every)

    async def mid_sweep(self, worker: WorkerProcess) -> list[int]:
        return await self.wait_for(
            "a worker in the middle of a sweep", lambda: self.sweeping(worker), within=60
        )

    async def mid_sending(self) -> Counts:
        """Until a send job is sending (more sent than a moment ago), less than half sent."""
        last = -1

        async def sending() -> Counts | None:
            nonlocal last
            c = await self.counts()
            moving = 0 <= last < c.sent
            last = c.sent
            return c if moving and c.sent < c.outbox // 2 else None

        return await self.wait_for(
            "email being sent", sending, within=self.cadence.send_within, every=0.02
        )

    async def notification_keys(self) -> set[str]:
        return set((await self.monitor.execute(select(Notification.key))).scalars())

    async def whole_batches(self, expected_before: set[str]) -> int:
        """After a sweep was interrupted: the sweep commits batch by batch, so every open
        obligation is either untouched (no reminder, its next moment unchanged) or wholly
        reminded (each reminder due for it exists, its next moment moved on); nothing is
        half done. Returns how many were wholly reminded."""
        rows = (
            await self.monitor.execute(
                select(Obligation.id, Obligation.created_at, Obligation.next_reminder_at).where(
                    Obligation.state == ObligationState.OPEN
                )
            )
        ).all()
        made: dict[str, set[str]] = {}
        for key in await self.notification_keys():
            made.setdefault(key.split(":")[1], set()).add(key)
        due: dict[str, set[str]] = {}
        for key in expected_before:
            due.setdefault(key.split(":")[1], set()).add(key)
        done = 0
        for obligation_id, created_at, next_at in rows:
            oid = str(obligation_id)
            if next_at == created_at:
                assert oid not in made, f"reminders of an obligation not yet swept: {oid}"
            else:
                assert made.get(oid, set()) == due.get(oid, set()), (
                    f"half-swept: {oid}",
                    made.get(oid),
                    due.get(oid),
                )
                done += 1
        return done

    async def held_unsent(self, worker: WorkerProcess) -> set[str]:
        """The Message-IDs of the outbox messages `worker` has claimed and not marked sent."""
        rows = await self.monitor.execute(
            select(OutboxMessage.key).where(
                OutboxMessage.claimed_by == worker.worker_id, OutboxMessage.sent_at.is_(None)
            )
        )
        return {email.message_id(key) for key in rows.scalars()}

    async def outbox_rows(self) -> list[OutboxMessage]:
        async with self.session_factory() as s:
            return list(await s.scalars(select(OutboxMessage)))


@asynccontextmanager
async def scene(
    template: PrivatePostgres,
    settings: Settings,
    logs: Path,
    cadence: Cadence,
    gate: asyncio.Semaphore | None = None,
) -> AsyncIterator[Scene]:
    """A scene on a fresh copy of the migrated `template` cluster and a fresh Redis."""
    postgres = await asyncio.to_thread(template.copy)
    redis_server = PrivateRedis()
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    made = Scene(
        settings=settings.model_copy(
            update={"database_url": postgres.url(), "redis_url": redis_server.url()}
        ),
        postgres=postgres,
        redis_server=redis_server,
        logs=logs,
        cadence=cadence,
        gate=gate,
    )
    try:
        await made.open()
        yield made
    except BaseException as error:
        made.failed(error)
        raise
    finally:
        await made.close()


@dataclass(frozen=True)
class Counts:
    notifications: int
    outbox: int
    sent: int


def check_promise(
    scene: Scene,
    expected: set[str],
    *,
    allowed: int,
    may_repeat: AbstractSet[str] = frozenset(),
) -> Counter[str]:
    """The sending promise (docs/concepts/notifications.md, "Sending: the promise"), counted at the SMTP server: nothing lost,
    nothing foreign, and a message received twice only if it is one of `may_repeat` (accepted
    by the server before its sender died or lost PostgreSQL, and not yet marked), at most
    `allowed` of them (one per sending lane that died or lost PostgreSQL), each exactly twice
    under its own Message-ID."""
    received = scene.inbox.counts()
    assert not expected - set(received), f"lost: {len(expected - set(received))}"
    assert not set(received) - expected, f"foreign: {sorted(set(received) - expected)[:5]}"
    duplicates = {m: n for m, n in received.items() if n > 1}
    assert all(n == 2 for n in duplicates.values()), f"more than twice: {duplicates}"
    assert len(duplicates) <= allowed, f"{len(duplicates)} sent twice, {allowed} allowed"
    assert set(duplicates) <= may_repeat, (
        f"sent twice, not in flight at the fault: {sorted(set(duplicates) - may_repeat)}"
    )
    return received


# Due dates, in days from today (London), of the seeded obligations, taken in turn: mostly
# today (one reminder each) so that a long sweep sends a bounded number of emails, with some
# before their due date, overdue by a day (owner and line manager), overdue long enough to
# climb the line, and one far off (nothing yet).
DUE_IN_DAYS = [0, 0, 0, 0, 0, 0, 1, 2, -1, -1, -4, -9, 30]


# --- seeding and the expected reminders --------------------------------------------------------


async def seed(session_factory: SessionFactory, obligation_count: int) -> None:
    """Through the domain, on the real clock: a director, 3 heads, 9 managers and 36
    practitioners in lines of management (a manager and a practitioner have left), and
    `obligation_count` open obligations owned by the practitioners, due around today, plus
    a few closed ones (nothing is due about those)."""
    clock = SystemClock()
    async with session_factory() as s, s.begin():

        async def person(name: str, manager: Person | None) -> Person:
            return await people.create_person(
                session=s,
                actor=SYSTEM,
                clock=clock,
                data=people.PersonFields(
                    display_name=name,
                    email=f"{name.lower().replace(' ', '.')}@faults.example.org",
                    line_manager_id=manager.id if manager else None,
                ),
            )

        director = await person("Dana Director", None)
        practitioners: list[Person] = []
        for h in range(3):
            head = await person(f"Head {h}", director)
            for m in range(3):
                manager = await person(f"Manager {h}{m}", head)
                for p in range(4):
                    practitioners.append(await person(f"Practitioner {h}{m}{p}", manager))
        gone = practitioners[5]
        assert gone.line_manager_id is not None
        for person_id in (gone.id, gone.line_manager_id):
            await people.update_person(
                session=s,
                actor=SYSTEM,
                clock=clock,
                person_id=person_id,
                data=people.PersonFields(is_active=False),
            )

        today = local_day(clock.now())
        for i in range(obligation_count + 20):
            opened = await obligations.open_obligation(
                session=s,
                clock=clock,
                kind=ObligationKind.AUDIT_DUE if i % 3 else ObligationKind.ACTION_DUE,
                subject_type="Audit" if i % 3 else "AuditAction",
                subject_id=uuid.uuid4(),
                owner_id=practitioners[i % len(practitioners)].id,
                due_at=end_of_day(today + timedelta(days=DUE_IN_DAYS[i % len(DUE_IN_DAYS)])),
            )
            if i >= obligation_count:
                await obligations.close_obligation(
                    session=s,
                    clock=clock,
                    key=opened.key,
                    state=ObligationState.DONE if i % 2 else ObligationState.CANCELLED,
                    by=None,
                )


async def expected_reminders(
    session_factory: SessionFactory, settings: Settings, now: datetime | None = None
) -> set[str]:
    """The keys of every reminder due by `now` (the real clock by default), by the domain's
    own `due_reminders`, for recipients who have not left: what the sweep must have created.
    Reads only (no locks), so it can run beside the workers."""
    now = now or SystemClock().now()
    async with session_factory() as s:
        calendar = await deadlines.calendar(s)
        open_ = list(
            await s.scalars(select(Obligation).where(Obligation.state == ObligationState.OPEN))
        )
        everyone = {p.id: p for p in await s.scalars(select(Person))}
    keys: set[str] = set()
    for obligation in open_:
        line: list[uuid.UUID] = []
        person = everyone.get(obligation.owner_id)
        while person is not None and person.line_manager_id is not None:
            line.append(person.line_manager_id)
            person = everyone.get(person.line_manager_id)
        for reminder in reminders.due_reminders(
            obligation=obligation,
            now=now,
            calendar=calendar,
            policy_settings=settings.policy,
            line=line,
        ):
            if everyone[reminder.recipient_id].is_active:
                keys.add(reminder.key)
    return keys


async def sweep_would_create(session_factory: SessionFactory, settings: Settings) -> int:
    """Run the domain's sweep on the real clock in a transaction rolled back: how many
    reminders it would create now (0 once every due reminder exists)."""
    async with session_factory() as s, s.begin():
        calendar = await deadlines.calendar(s)
        result = await reminders.sweep(
            session=s, clock=SystemClock(), calendar=calendar, policy_settings=settings.policy
        )
        await s.rollback()
    return result.notifications_created


async def more_obligations(session_factory: SessionFactory, count: int) -> None:
    """`count` more open obligations due today, owned by the practitioners still here."""
    clock = SystemClock()
    async with session_factory() as s, s.begin():
        owners = list(
            await s.scalars(
                select(Person)
                .where(Person.display_name.like("Practitioner %"), Person.is_active)
                .order_by(Person.display_name)
            )
        )
        today = local_day(clock.now())
        for i in range(count):
            await obligations.open_obligation(
                session=s,
                clock=clock,
                kind=ObligationKind.AUDIT_DUE,
                subject_type="Audit",
                subject_id=uuid.uuid4(),
                owner_id=owners[i % len(owners)].id,
                due_at=end_of_day(today),
            )


async def due_message_ids(scene: Scene) -> set[str]:
    """The Message-IDs of every reminder due now: what the SMTP server must receive."""
    keys = await expected_reminders(scene.session_factory, scene.settings)
    assert keys, "nothing was due: the seed is wrong"
    return {email.message_id(key) for key in keys}


async def outcome(scene: Scene, expected_before: set[str]) -> set[str]:
    """Once the workers are stopped: check what they left in PostgreSQL and return the
    Message-IDs of the outbox. Every reminder due now exists once (and nothing else but what
    was due when the test began, should London's midnight have passed meanwhile); a sweep now
    would create nothing; each has one email, marked sent."""
    settings, factory = scene.settings, scene.session_factory
    expected = await expected_reminders(factory, settings)
    notifications = await scene.notification_keys()
    rows = await scene.outbox_rows()
    assert expected, "nothing was due: the seed is wrong"
    assert expected <= notifications, f"missing reminders: {len(expected - notifications)}"
    assert notifications <= expected | expected_before, "reminders that were never due"
    assert await sweep_would_create(factory, settings) == 0
    assert sorted(r.key for r in rows) == sorted(notifications)  # one email per reminder
    unsent = [r.key for r in rows if r.sent_at is None]
    assert not unsent, f"{len(unsent)} emails never sent"
    return {email.message_id(r.key) for r in rows}
