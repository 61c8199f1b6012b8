"""The service's own health: worker heartbeats and readiness of PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.system.models import WorkerHeartbeat

# Each worker beats every HEARTBEAT_INTERVAL (its `heartbeat` cron job, at seconds 0 and 30);
# one that has not beaten for three intervals is counted as gone (stale).
HEARTBEAT_INTERVAL = timedelta(seconds=30)
HEARTBEAT_STALE_AFTER = 3 * HEARTBEAT_INTERVAL
HEARTBEAT_FORGET_AFTER = timedelta(days=1)
CHECK_TIMEOUT_SECONDS = 2.0


async def record_heartbeat(
    *, session: AsyncSession, clock: Clock, worker_id: str, started_at: datetime
) -> None:
    """Upsert this worker's beat and forget workers silent for a day (idempotent)."""
    now = clock.now()
    stmt = insert(WorkerHeartbeat).values(worker_id=worker_id, started_at=started_at, beat_at=now)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[WorkerHeartbeat.worker_id], set_={"beat_at": now}
        )
    )
    await session.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - HEARTBEAT_FORGET_AFTER)
    )


class WorkerState:
    """What /readyz says of the workers, from the newest heartbeat."""

    OK = "ok"  # a worker beat within HEARTBEAT_STALE_AFTER
    STALE = "stale"  # workers beat once, none lately: stopped, stuck, or cut off from Redis
    NEVER_SEEN = "never seen"  # no worker has beaten (in the last day)
    UNKNOWN = "unknown"  # PostgreSQL did not answer


@dataclass(frozen=True)
class Readiness:
    database: str
    redis: str
    workers_alive: int | None
    last_heartbeat: datetime | None
    worker: str = WorkerState.UNKNOWN

    @property
    def ready(self) -> bool:
        return self.database == "ok" and self.redis == "ok"


async def check_readiness(
    *, session_factory: SessionFactory, redis: Redis, clock: Clock
) -> Readiness:
    """PostgreSQL and Redis must answer within seconds; workers are reported (ok, stale,
    never seen), not required: the API serves without a worker, which only sends and
    sweeps."""
    database, redis_state = "ok", "ok"
    workers: int | None = None
    last: datetime | None = None
    worker = WorkerState.UNKNOWN
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), session_factory() as session:
            await session.execute(text("SELECT 1"))
            beats = list(await session.scalars(select(WorkerHeartbeat.beat_at)))
            last = max(beats, default=None)
            workers = sum(1 for b in beats if clock.now() - b <= HEARTBEAT_STALE_AFTER)
            if last is None:
                worker = WorkerState.NEVER_SEEN
            else:
                worker = WorkerState.OK if workers else WorkerState.STALE
    except Exception as exc:
        database = f"unavailable ({type(exc).__name__})"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await redis.ping()
    except Exception as exc:
        redis_state = f"unavailable ({type(exc).__name__})"
    return Readiness(
        database=database,
        redis=redis_state,
        workers_alive=workers,
        last_heartbeat=last,
        worker=worker,
    )
