"""Helpers for the fault tests (test_faults.py): real worker processes (`arq
workers.main.WorkerSettings`) on the real clock, a real SMTP server (aiosmtpd) counting what
arrives, seeding through the domain, finding a worker's PostgreSQL connections and whether it is
in the middle of a sweep, and the checks made once the workers have finished.

A worker's PostgreSQL connections are found through /proc (its sockets' local ports, matched
with `pg_stat_activity.client_port`), so only Linux runs these tests.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from domain.core.clock import SystemClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import end_of_day, local_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.notifications import email, reminders
from domain.notifications.models import Notification, OutboxMessage
from domain.people import service as people
from domain.people.models import Person
from domain.people.roles import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
ARQ = Path(sys.executable).with_name("arq")
T = TypeVar("T")

# How the worker processes are tuned for the tests (settings, not code): sweep every 5 s (not 5
# minutes) so that a sweep that failed (its connection dropped) runs again soon, send every 2 s,
# and take over the claims of a dead sender after 15 s instead of 5 minutes: well beyond the
# 2 to 3 s a batch of 100 took on a busy 2-core machine, for a live sender's batch taken over
# would be sent twice.
WORKER_ENV = {
    "ENVIRONMENT": "test",
    "SWEEP_EVERY_SECONDS": "5",
    "SEND_EVERY_SECONDS": "2",
    "OUTBOX_CLAIM_TIMEOUT_SECONDS": "15",
    "LOG_LEVEL": "INFO",
    # These workers run on the system clock, at whatever hour CI runs: send at any hour.
    "SURVEY_SENDING_HOURS": "00:00-24:00",
}
# Due dates, in days from today (London), of the seeded obligations, taken in turn: mostly
# today (one reminder each) so that a long sweep sends a bounded number of emails, with some
# before their due date, overdue by a day (owner and line manager), overdue long enough to
# climb the line, and one far off (nothing yet).
DUE_IN_DAYS = [0, 0, 0, 0, 0, 0, 1, 2, -1, -1, -4, -9, 30]


# --- SMTP ----------------------------------------------------------------------------------


class Inbox:
    """What the SMTP server accepted: the Message-ID of every message, in order."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.message_ids.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        return "250 Message accepted for delivery"

    def counts(self) -> Counter[str]:
        return Counter(list(self.message_ids))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        """As the worker names itself in outbox claims (workers.main.worker_id)."""
        return f"{socket.gethostname()}:{self.pid}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback by the process; PostgreSQL sees the sockets close."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (arq's own shutdown), SIGKILL if it has not ended within 10 s."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
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
    """One fault test's world: an SMTP server, worker processes, and a monitoring connection
    to PostgreSQL (autocommit, so each look sees what is committed). Close it in `finally`:
    every worker process is stopped, and killed if need be."""

    settings: Settings
    session_factory: SessionFactory
    logs: Path
    inbox: Inbox = field(default_factory=Inbox)
    workers: list[WorkerProcess] = field(default_factory=list)
    smtp_port: int = 0
    _controller: Controller | None = None
    _monitor_engine: AsyncEngine | None = None
    _monitor: AsyncConnection | None = None

    async def open(self) -> None:
        self.smtp_port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.smtp_port)
        self._controller.start()
        self._monitor_engine = create_async_engine(
            self.settings.database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        self._monitor = await self._monitor_engine.connect()

    async def close(self) -> None:
        try:
            for worker in self.workers:
                worker.stop()
        finally:
            for worker in self.workers:
                if worker.alive():
                    worker.kill()
            if self._monitor is not None:
                await self._monitor.close()
            if self._monitor_engine is not None:
                await self._monitor_engine.dispose()
            if self._controller is not None:
                self._controller.stop()

    @property
    def monitor(self) -> AsyncConnection:
        assert self._monitor is not None
        return self._monitor

    def start_worker(self, **settings: str) -> WorkerProcess:
        """Start `arq workers.main.WorkerSettings` with WORKER_ENV and `settings` (environment
        variables) over it."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "POLICY__"))}
        env.update(WORKER_ENV)
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

    def diagnostics(self) -> str:
        return "\n".join(f"--- {w.log.name} (pid {w.pid})\n{w.tail()}" for w in self.workers)

    # --- looking at PostgreSQL ---------------------------------------------------------------

    async def database_state(self) -> str:
        """For a failure's message: the counts, and every other session on the test database
        with its state, query and locks."""
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
        ports = {w.pid: sorted(local_ports(w.pid)) for w in self.workers}
        lines = [f"{await self.counts()}; worker ports {ports}"]
        lines += [" | ".join(str(v) for v in row) for row in rows]
        return "\n".join(lines)

    async def backends(self, worker: WorkerProcess) -> list[int]:
        """The PostgreSQL backends serving `worker`'s connections to the test database."""
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

    async def waiting_to_insert(self, worker: WorkerProcess) -> bool:
        """`worker` is in a sweep (holding obligation rows) and waits to insert reminders."""
        pids = await self.backends(worker)
        if not pids:
            return False
        found = await self.monitor.scalar(
            text(
                "SELECT count(*) FROM pg_locks l WHERE l.pid = ANY(:pids) "
                "AND l.relation = 'obligations'::regclass AND l.mode = 'RowShareLock' "
                "AND EXISTS (SELECT 1 FROM pg_locks n WHERE n.pid = l.pid "
                "AND n.relation = 'notifications'::regclass AND NOT n.granted)"
            ),
            {"pids": pids},
        )
        return bool(found)

    async def terminate(self, pids: list[int]) -> int:
        rows = await self.monitor.execute(
            text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid"),
            {"pids": pids},
        )
        return sum(1 for ok in rows.scalars() if ok)

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
                    f"timed out waiting for {what}\n{await self.database_state()}\n"
                    f"{self.diagnostics()}"
                )
            await asyncio.sleep(every)

    async def wait_until_done(self, *, within: float = 90) -> None:
        """Until every reminder due now exists, every email in the outbox is marked sent, and
        the SMTP server has received at least as many messages as the outbox holds."""

        async def done() -> bool:
            c = await self.counts()
            if c.outbox == 0 or c.sent < c.outbox or len(self.inbox.message_ids) < c.outbox:
                return False
            expected = await expected_reminders(self.session_factory, self.settings)
            return expected <= await self.notification_keys()

        await self.wait_for("the workers to finish", done, within=within, every=0.25)

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
        """The keys of the outbox messages `worker` has claimed and not marked sent."""
        rows = await self.monitor.execute(
            select(OutboxMessage.key).where(
                OutboxMessage.claimed_by == worker.worker_id, OutboxMessage.sent_at.is_(None)
            )
        )
        return set(rows.scalars())

    async def outbox_rows(self) -> list[OutboxMessage]:
        async with self.session_factory() as s:
            return list(await s.scalars(select(OutboxMessage)))


@dataclass(frozen=True)
class Counts:
    notifications: int
    outbox: int
    sent: int


# --- seeding and the expected reminders --------------------------------------------------------


async def seed(session_factory: SessionFactory, settings: Settings, obligation_count: int) -> None:
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


@dataclass
class Outcome:
    expected: set[str]
    notifications: set[str]
    outbox: list[OutboxMessage]
    received: Counter[str]

    @property
    def duplicates(self) -> dict[str, int]:
        return {mid: n for mid, n in self.received.items() if n > 1}


async def outcome(scene: Scene, expected_before: set[str]) -> Outcome:
    """Once the workers are stopped: check what they left and return it for the test's own
    assertions about duplicates. Every reminder due now exists once (and nothing else but
    what was due when the test began, should London's midnight have passed meanwhile); a
    sweep now would create nothing; each has one email, marked sent; the SMTP server received
    every one of them, under its outbox key's Message-ID, and nothing else."""
    settings, factory = scene.settings, scene.session_factory
    expected = await expected_reminders(factory, settings)
    notifications = await scene.notification_keys()
    rows = await scene.outbox_rows()
    received = scene.inbox.counts()
    assert expected, "nothing was due: the seed is wrong"
    assert expected <= notifications, f"missing reminders: {len(expected - notifications)}"
    assert notifications <= expected | expected_before, "reminders that were never due"
    assert await sweep_would_create(factory, settings) == 0
    assert sorted(r.key for r in rows) == sorted(notifications)  # one email per reminder
    unsent = [r.key for r in rows if r.sent_at is None]
    assert not unsent, f"{len(unsent)} emails never sent"
    assert set(received) == {email.message_id(r.key) for r in rows}, "lost or foreign email"
    return Outcome(expected, notifications, rows, received)
