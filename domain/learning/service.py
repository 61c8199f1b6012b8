"""Task and Finish Groups: set one up, record its learning (tagged with themes, like an
audit's), close it; and read groups through the policy's filter.

Learning is recorded while a group is open; once closed (`ended_on` set) it is refused with a
CONFLICT, so what a group learned is what it reported by its end. Every change writes its
history in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.audits.models import LearningPoint
from domain.audits.reference import themes_by_ids
from domain.core.clock import Clock, local_today
from domain.core.db import rows_by
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.history import service as history
from domain.learning import policy
from domain.learning.models import TaskAndFinishGroup
from domain.people.models import Person, Service

SUBJECT = "TaskAndFinishGroup"
MAX_TEXT = 20_000


def _text(value: str | None, field: str, limit: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput("This is required.", field=field)
    if len(cleaned) > limit:
        raise InvalidInput(f"At most {limit} characters.", field=field)
    return cleaned


@dataclass(frozen=True)
class GroupDetails:
    name: str
    purpose: str
    chair_id: uuid.UUID
    # None: a group for the whole authority.
    service_id: uuid.UUID | None = None
    # None: today.
    started_on: date | None = None


async def create_group(
    *, session: AsyncSession, actor: Actor, clock: Clock, details: GroupDetails
) -> TaskAndFinishGroup:
    """A Task and Finish Group is set up for a service or for the whole authority, with a
    chair, from the day it starts."""
    if details.service_id is not None and await session.get(Service, details.service_id) is None:
        raise NotFound("service", field="serviceId")
    policy.check_can_create(actor, details.service_id)
    name = _text(details.name, "name", 200)
    purpose = _text(details.purpose, "purpose")
    chair = await session.get(Person, details.chair_id)
    if chair is None or not chair.is_active:
        raise NotFound("active person", field="chairId")
    now = clock.now()
    group = TaskAndFinishGroup(
        id=uuid.uuid4(),
        name=name,
        purpose=purpose,
        service_id=details.service_id,
        chair_id=chair.id,
        started_on=details.started_on or local_today(clock),
        created_by_id=actor.person_id,
        created_at=now,
        updated_at=now,
    )
    session.add(group)
    await session.flush()
    change = history.Change(
        "task_and_finish_group.created",
        SUBJECT,
        group.id,
        {
            "name": [None, group.name],
            "purpose": [None, group.purpose],
            "service_id": [None, history.plain(group.service_id)],
            "chair_id": [None, str(group.chair_id)],
            "started_on": [None, group.started_on.isoformat()],
        },
    )
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
    return group


async def _load_for_change(
    session: AsyncSession, actor: Actor, group_id: uuid.UUID
) -> TaskAndFinishGroup:
    group = await session.scalar(
        select(TaskAndFinishGroup)
        .where(TaskAndFinishGroup.id == group_id, policy.visible_groups(actor))
        .with_for_update()
    )
    if group is None:
        raise NotFound("Task and Finish Group", field="groupId")
    policy.check_can_run(actor, group)
    return group


async def close_group(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    group_id: uuid.UUID,
    ended_on: date | None = None,
) -> TaskAndFinishGroup:
    """The group has finished (on `ended_on`, today by default): no more learning after it."""
    group = await _load_for_change(session, actor, group_id)
    if group.ended_on is not None:
        raise Conflict("That group is closed already.", field="groupId")
    today = local_today(clock)
    day = ended_on or today
    if day > today:
        raise InvalidInput("A group cannot end in the future.", field="endedOn")
    if day < group.started_on:
        raise InvalidInput("A group cannot end before it started.", field="endedOn")
    group.ended_on, group.updated_at = day, clock.now()
    change = history.Change(
        "task_and_finish_group.closed", SUBJECT, group.id, {"ended_on": [None, day.isoformat()]}
    )
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
    return group


async def record_learning(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    group_id: uuid.UUID,
    text: str,
    theme_ids: Sequence[uuid.UUID],
    is_strength: bool,
) -> LearningPoint:
    """A learning point from an open group, tagged with themes like any other learning."""
    group = await _load_for_change(session, actor, group_id)
    if group.ended_on is not None:
        raise Conflict("That group has closed: it records no more learning.", field="groupId")
    clean = _text(text, "text")
    point = LearningPoint(
        id=uuid.uuid4(),
        task_and_finish_group_id=group.id,
        text=clean,
        is_strength=is_strength,
        created_by_id=actor.person_id,
        created_at=clock.now(),
    )
    point.themes = await themes_by_ids(session, list(dict.fromkeys(theme_ids)), "themeIds")
    session.add(point)
    group.updated_at = clock.now()
    await session.flush()
    change = history.Change(
        "learning.added",
        "LearningPoint",
        point.id,
        {
            "task_and_finish_group_id": [None, str(group.id)],
            "themes": [None, [str(t.id) for t in point.themes]],
            "is_strength": [None, is_strength],
        },
    )
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
    return point


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFilter:
    service_id: uuid.UUID | None = None
    open_only: bool = False


def _groups(actor: Actor, f: GroupFilter) -> Select[Any]:
    stmt = select(TaskAndFinishGroup).where(policy.visible_groups(actor))
    if f.service_id is not None:
        stmt = stmt.where(TaskAndFinishGroup.service_id == f.service_id)
    if f.open_only:
        stmt = stmt.where(TaskAndFinishGroup.ended_on.is_(None))
    return stmt


async def list_groups(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: GroupFilter,
    first: int | None,
    after: str | None,
) -> Page[TaskAndFinishGroup]:
    """Groups the actor may see, the most recently started first."""
    return await paginate(
        session,
        _groups(actor, filters),
        order_by=[TaskAndFinishGroup.started_on, TaskAndFinishGroup.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_groups(*, session: AsyncSession, actor: Actor, filters: GroupFilter) -> int:
    return await count(session, _groups(actor, filters))


async def get_groups(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, TaskAndFinishGroup]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(TaskAndFinishGroup).where(
            TaskAndFinishGroup.id.in_(ids), policy.visible_groups(actor)
        )
    )
    return {g.id: g for g in rows}


async def learning_of(
    session: AsyncSession, group_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[LearningPoint]]:
    """Each group's learning, oldest first (the caller already sees the groups)."""
    return await rows_by(
        session,
        LearningPoint.task_and_finish_group_id,
        group_ids,
        LearningPoint.created_at,
        selectinload(LearningPoint.themes),
    )
