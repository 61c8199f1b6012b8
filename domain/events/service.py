"""Recording and reading domain events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.events.models import DomainEvent

AUDIT_COMPLETED_INADEQUATE = "audit.completed_inadequate"


async def record(
    *,
    session: AsyncSession,
    clock: Clock,
    name: str,
    object_type: str,
    object_id: uuid.UUID,
    payload: dict[str, Any],
) -> DomainEvent:
    event = DomainEvent(
        name=name,
        object_type=object_type,
        object_id=object_id,
        payload=payload,
        occurred_at=clock.now(),
    )
    session.add(event)
    await session.flush()
    return event


async def for_objects(
    session: AsyncSession, object_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[DomainEvent]]:
    out: dict[uuid.UUID, list[DomainEvent]] = {i: [] for i in object_ids}
    if not object_ids:
        return out
    rows = await session.scalars(
        select(DomainEvent)
        .where(DomainEvent.object_id.in_(object_ids))
        .order_by(DomainEvent.occurred_at, DomainEvent.id)
    )
    for event in rows:
        out[event.object_id].append(event)
    return out
