"""Faults under real worker processes on the real clock, each scene on its own PostgreSQL and
Redis, counted at a real SMTP server by Message-ID (tests/workers/faults.py): a worker killed
with SIGKILL while it sends, Redis flushed (FLUSHALL) under a running worker, PostgreSQL
restarted in the middle of a sweep and in the middle of sending, two workers at once, and
Redis down for 30 s under a worker that must carry on by itself. Every fault runs at the fast
cadence (one test each) and at the production defaults (all side by side in one test, since
a claim left behind is taken over only after 5 minutes there).

The promise (docs/concepts/notifications.md, "Sending: the promise"): nothing is ever lost; a message is sent twice only if its
sender died or lost PostgreSQL between the server's acceptance and the mark, at most one per
sending lane (the outbox sends one message at a time per worker), always under the same
Message-ID; otherwise never. So a FLUSHALL, two workers and a Redis outage send nothing
twice; a SIGKILL or a PostgreSQL restart may resend what was in flight then, and only that.

Sizes: OBLIGATIONS open obligations make about a thousand reminders, so that a sweep (about a
second) and the sending (several seconds) can be caught in the middle; the survey scenes
(test_survey_dispatch_faults.py) send 400 invitations at 50 (fast) or 40 (production) a
second. At the fast cadence a scene takes 20 to 60 s; at the production defaults the scenes
run side by side, a few at a time up to their fault, and the slowest (a claim left by a dead
or cut-off sender, taken over after 5 minutes at the next minute's send job) drains in about
6 minutes.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.core.settings import Settings
from tests.workers.faults import (
    FAST,
    PRODUCTION,
    Cadence,
    Scene,
    WorkerProcess,
    check_promise,
    due_message_ids,
    expected_reminders,
    more_obligations,
    outcome,
    scene,
    seed,
)
from tests.workers.servers import PrivatePostgres

OBLIGATIONS = 1000
# A PostgreSQL restart: down this long between the fast shutdown and the start.
PG_DOWN = 5.0
REDIS_DOWN = 30.0
# PRODUCTION scenes in their busy part (seeding, the worker's first sweep) at once.
PRODUCTION_AT_ONCE = 3

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="finds a worker's sockets in /proc"
    ),
]

Scenario = Callable[[Scene], Awaitable[None]]


async def _seeded(scene: Scene, fault: str, *, allowed: int) -> set[str]:
    """Name the fault, seed, and return the keys of the reminders due now."""
    scene.begin(fault, allowed=allowed)
    await seed(scene.session_factory, OBLIGATIONS)
    scene.expect(await due_message_ids(scene))
    return await expected_reminders(scene.session_factory, scene.settings)


async def _finish(
    scene: Scene,
    before: set[str],
    *,
    may_repeat: AbstractSet[str] = frozenset(),
    survivors: tuple[WorkerProcess, ...] = (),
) -> None:
    """Until everything due has arrived and is marked sent (the `survivors` still running
    then, by themselves); then the workers stop, the row goes into the fault table, and
    PostgreSQL and the SMTP server are checked."""
    scene.expect(await due_message_ids(scene))
    drain = await scene.drain(scene.outbox_settled)
    for worker in survivors:
        assert worker.alive(), f"a worker ended after {scene.fault}\n{worker.tail()}"
    await scene.stop_workers()
    scene.record(drain)
    expected = await outcome(scene, before)
    check_promise(scene, expected, allowed=scene.allowed, may_repeat=may_repeat)


async def kill_mid_send(scene: Scene) -> None:
    before = await _seeded(scene, "SIGKILL mid-send", allowed=1)
    first = scene.start_worker()
    await scene.mid_sending()
    first.kill()
    scene.mark_fault()
    await asyncio.sleep(0.5)  # the SMTP server finishes whatever the dead worker had sent whole
    # What it had in flight: received by the SMTP server, its row not yet marked sent. Its
    # claims are taken over once they expire, and that message sent again.
    in_flight = await scene.held_unsent(first) & scene.received_by_now()
    scene.start_worker()  # as the restart policy would
    await _finish(scene, before, may_repeat=in_flight)
    duplicates = {m for m, n in scene.inbox.counts().items() if n > 1}
    assert duplicates == in_flight, "what was in flight is resent, once"


async def kill_mid_sweep(scene: Scene) -> None:
    """Killed in the middle of a sweep: whole batches left behind, none half done."""
    before = await _seeded(scene, "SIGKILL mid-sweep", allowed=1)
    first = scene.start_worker()
    await scene.mid_sweep(first)
    first.kill()
    scene.mark_fault()
    swept = await scene.whole_batches(before)
    assert swept < OBLIGATIONS, "the sweep was not caught before its last commit"
    await asyncio.sleep(0.5)
    # It may have been sending too (the fast cadence sends every 2 s beside the sweep).
    in_flight = await scene.held_unsent(first) & scene.received_by_now()
    scene.start_worker()
    await _finish(scene, before, may_repeat=in_flight)


async def flushall(scene: Scene) -> None:
    before = await _seeded(scene, "Redis FLUSHALL", allowed=0)
    worker = scene.start_worker()
    await scene.mid_sweep(worker)
    await scene.flushall()  # the queue, in-progress keys, results, cron bookkeeping
    await scene.mid_sending()
    await scene.flushall()
    await _finish(scene, before, survivors=(worker,))
    assert scene.workers == [worker]


async def postgres_restart_mid_sweep(scene: Scene) -> None:
    before = await _seeded(scene, "PostgreSQL restart mid-sweep", allowed=1)
    worker = scene.start_worker()
    await scene.mid_sweep(worker)
    await scene.restart_postgres(PG_DOWN)
    # The interrupted batch's transaction died with its connection; whole batches committed
    # before it stay, and the worker's next sweep does the rest.
    await scene.whole_batches(before)
    # Were it sending beside the sweep, what it had in flight may go again (its mark lost).
    accepted = scene.received_by_now()
    await _finish(scene, before, may_repeat=accepted, survivors=(worker,))
    assert scene.workers == [worker]


async def postgres_restart_mid_send(scene: Scene) -> None:
    before = await _seeded(scene, "PostgreSQL restart mid-send", allowed=1)
    worker = scene.start_worker()
    await scene.mid_sending()
    await scene.restart_postgres(PG_DOWN)
    # Only a message the server accepted before PostgreSQL came back may go again.
    accepted = scene.received_by_now()
    await _finish(scene, before, may_repeat=accepted, survivors=(worker,))
    assert scene.workers == [worker]


async def two_workers(scene: Scene) -> None:
    before = await _seeded(scene, "two workers at once", allowed=0)
    # Hold reminders back until two sweeps are inside, each holding obligation rows: then
    # both go on at once, and both workers' send jobs meet the same outbox. (arq gives a job
    # to whichever worker takes it, so the two sweeps may run on both workers or on one.)
    assert scene.engine is not None
    workers: list[WorkerProcess] = []
    async with scene.engine.begin() as conn:
        await conn.execute(text("LOCK TABLE notifications IN SHARE MODE"))
        workers += [scene.start_worker(), scene.start_worker()]

        async def two_sweeps() -> bool:
            return await scene.sweeps_waiting_to_insert(workers) >= 2

        await scene.wait_for("two sweeps at once", two_sweeps, within=60)
        scene.mark_fault()
    await _finish(scene, before, survivors=tuple(workers))


async def redis_outage(scene: Scene) -> None:
    before = await _seeded(scene, f"Redis down {REDIS_DOWN:.0f} s", allowed=0)
    worker = scene.start_worker()
    await scene.mid_sending()

    # Work that appears while Redis is down: the same worker must sweep and send it once
    # Redis is back (nobody restarts it).
    async def meanwhile() -> None:
        await more_obligations(scene.session_factory, 40)

    await scene.redis_outage(REDIS_DOWN, meanwhile)
    assert worker.alive(), f"the worker ended with Redis down\n{worker.tail()}"
    await _finish(scene, before, survivors=(worker,))
    assert scene.workers == [worker]
    # It said so once when Redis went, and once when it came back (no traceback a second).
    log = worker.log.read_text(errors="replace")
    for said in ("Redis is not answering", "Redis answers again"):
        times = log.count(said)
        assert times == 1, f"{said!r} logged {times} times for one outage\n{worker.tail()}"


OUTBOX_SCENARIOS: dict[str, Scenario] = {
    "kill_mid_send": kill_mid_send,
    "kill_mid_sweep": kill_mid_sweep,
    "flushall": flushall,
    "postgres_restart_mid_sweep": postgres_restart_mid_sweep,
    "postgres_restart_mid_send": postgres_restart_mid_send,
    "two_workers": two_workers,
    "redis_outage": redis_outage,
}


async def run(
    scenario: Scenario,
    template: PrivatePostgres,
    settings: Settings,
    logs: Path,
    cadence: Cadence,
    gate: asyncio.Semaphore | None = None,
) -> None:
    async with scene(template, settings, logs, cadence, gate) as made:
        await scenario(made)


@pytest.mark.parametrize("name", list(OUTBOX_SCENARIOS))
async def test_fault_at_the_fast_cadence(
    name: str, fault_template: PrivatePostgres, settings: Settings, tmp_path: Path
) -> None:
    await run(OUTBOX_SCENARIOS[name], fault_template, settings, tmp_path, FAST)


async def test_every_fault_at_the_production_defaults(
    fault_template: PrivatePostgres, settings: Settings, tmp_path: Path
) -> None:
    """Every fault (the survey dispatch's too) at the production defaults, side by side: each
    scene on its own servers, at most PRODUCTION_AT_ONCE of them busy before their fault."""
    from tests.workers.test_survey_dispatch_faults import SURVEY_SCENARIOS

    scenarios = {**OUTBOX_SCENARIOS, **SURVEY_SCENARIOS}
    scenarios.pop("kill_mid_sweep")  # its point (whole batches) does not depend on cadence
    gate = asyncio.Semaphore(PRODUCTION_AT_ONCE)
    done = await asyncio.gather(
        *(
            run(scenario, fault_template, settings, tmp_path / name, PRODUCTION, gate)
            for name, scenario in scenarios.items()
        ),
        return_exceptions=True,
    )
    failed = {
        name: result
        for name, result in zip(scenarios, done, strict=True)
        if isinstance(result, BaseException)
    }
    assert not failed, "\n\n".join(f"{name}: {error!r}" for name, error in failed.items())
