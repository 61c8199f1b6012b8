"""Writing and reading history. Every use case that changes something calls `record`
inside its own unit of work, so the change and its history commit together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.history import policy
from domain.history.models import HistoryEntry
from domain.history.registry import check_declared

# The request (or job) id that caused a change; set by the API middleware and by workers.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def plain(value: Any) -> Any:
    """A JSON-safe form of a recorded value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs."""
    return {
        key: [plain(before.get(key)), plain(after.get(key))]
        for key in after
        if plain(before.get(key)) != plain(after.get(key))
    }


@dataclass(frozen=True)
class Change:
    action: str
    object_type: str
    object_id: uuid.UUID
    changes: dict[str, Any]


async def record(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    action: str,
    object_type: str,
    object_id: uuid.UUID,
    changes: Mapping[str, Any],
) -> None:
    await record_many(
        session=session,
        actor=actor,
        clock=clock,
        entries=[Change(action, object_type, object_id, dict(changes))],
    )


async def record_many(
    *, session: AsyncSession, actor: Actor, clock: Clock, entries: Sequence[Change]
) -> None:
    """One INSERT for any number of entries (an import of 300 children is one statement)."""
    if not entries:
        return
    for e in entries:
        check_declared(e.object_type)
    now = clock.now()
    request_id = current_request_id.get()
    await session.execute(
        insert(HistoryEntry),
        [
            {
                "occurred_at": now,
                "actor_id": actor.person_id,
                "actor_label": actor.display_name,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "changes": {k: plain(v) for k, v in e.changes.items()},
                "request_id": request_id,
            }
            for e in entries
        ],
    )


@dataclass(frozen=True)
class HistoryFilter:
    object_id: uuid.UUID | None = None
    object_type: str | None = None
    actor_id: uuid.UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_history(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: HistoryFilter,
    first: int | None,
    after: str | None,
) -> Page[HistoryEntry]:
    """Newest first, limited to what the actor may read (policy.visible)."""
    policy.check_can_read(actor)
    return await paginate(
        session,
        _history(actor, filters),
        order_by=[HistoryEntry.occurred_at, HistoryEntry.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_history(*, session: AsyncSession, actor: Actor, filters: HistoryFilter) -> int:
    policy.check_can_read(actor)
    return await count(session, _history(actor, filters))


def _history(actor: Actor, filters: HistoryFilter) -> Select[Any]:
    stmt = select(HistoryEntry).where(policy.visible(actor))
    if filters.object_id is not None:
        stmt = stmt.where(HistoryEntry.object_id == filters.object_id)
    if filters.object_type is not None:
        stmt = stmt.where(HistoryEntry.object_type == filters.object_type)
    if filters.actor_id is not None:
        stmt = stmt.where(HistoryEntry.actor_id == filters.actor_id)
    if filters.action is not None:
        stmt = stmt.where(HistoryEntry.action == filters.action)
    if filters.since is not None:
        stmt = stmt.where(HistoryEntry.occurred_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(HistoryEntry.occurred_at < filters.until)
    return stmt


async def get_entries(
    *, session: AsyncSession, actor: Actor, ids: Sequence[int]
) -> dict[int, HistoryEntry]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(HistoryEntry).where(HistoryEntry.id.in_(ids), policy.visible(actor))
    )
    return {e.id: e for e in rows}


async def entries_of(
    session: AsyncSession,
    object_type: str,
    object_ids: Sequence[uuid.UUID],
    *conditions: ColumnElement[bool],
) -> dict[uuid.UUID, list[HistoryEntry]]:
    """Each object's history, oldest first, in one statement: who did what when, for objects
    the caller has already been allowed to see (no history policy applies here beyond the
    caller's `conditions`)."""
    out: dict[uuid.UUID, list[HistoryEntry]] = {i: [] for i in object_ids}
    if object_ids:
        rows = await session.scalars(
            select(HistoryEntry)
            .where(
                HistoryEntry.object_type == object_type,
                HistoryEntry.object_id.in_(list(object_ids)),
                *conditions,
            )
            .order_by(HistoryEntry.occurred_at, HistoryEntry.id)
        )
        for row in rows:
            out[row.object_id].append(row)
    return out


async def record_change(session: AsyncSession, actor: Actor, clock: Clock, change: Change) -> None:
    """One entry, built as a `Change`: what a concept's use cases call (as `record`)."""
    entries = [replace(change, changes=dict(change.changes))]
    await record_many(session=session, actor=actor, clock=clock, entries=entries)


async def record_added(
    session: AsyncSession, actor: Actor, clock: Clock, row: Any, action: str, changes: Any
) -> None:
    """Add a new row, flush it (for its id) and record `action` on it, as `type(row)`."""
    session.add(row)
    await session.flush()
    entry = Change(action, type(row).__name__, row.id, dict(changes))
    await record_change(session, actor, clock, entry)
