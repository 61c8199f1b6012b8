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

# A worker that has not beaten for this long is counted as gone.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)
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


@dataclass(frozen=True)
class Readiness:
    database: str
    redis: str
    workers_alive: int | None
    last_heartbeat: datetime | None

    @property
    def ready(self) -> bool:
        return self.database == "ok" and self.redis == "ok"


async def check_readiness(
    *, session_factory: SessionFactory, redis: Redis, clock: Clock
) -> Readiness:
    """PostgreSQL and Redis must answer within seconds; workers are reported, not required."""
    database, redis_state = "ok", "ok"
    workers: int | None = None
    last: datetime | None = None
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), session_factory() as session:
            await session.execute(text("SELECT 1"))
            beats = list(await session.scalars(select(WorkerHeartbeat.beat_at)))
            last = max(beats, default=None)
            workers = sum(1 for b in beats if clock.now() - b <= HEARTBEAT_STALE_AFTER)
    except Exception as exc:
        database = f"unavailable ({type(exc).__name__})"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await redis.ping()
    except Exception as exc:
        redis_state = f"unavailable ({type(exc).__name__})"
    return Readiness(
        database=database, redis=redis_state, workers_alive=workers, last_heartbeat=last
    )
