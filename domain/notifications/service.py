"""Use cases for a person's notifications: list them, count the unread, mark read, and
choose the hour of the daily digest."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.errors import InvalidInput, NotFound
from domain.core.pagination import Page, paginate
from domain.core.roles import Actor
from domain.history import service as history
from domain.notifications import policy
from domain.notifications.models import Notification
from domain.people.models import Person

MAX_IDS = 100


async def list_my_notifications(
    *,
    session: AsyncSession,
    actor: Actor,
    unread_only: bool,
    first: int | None,
    after: str | None,
) -> Page[Notification]:
    """The actor's notifications, newest first."""
    stmt = select(Notification).where(policy.own_notifications(actor))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return await paginate(
        session,
        stmt,
        order_by=[Notification.created_at, Notification.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_my_notifications(*, session: AsyncSession, actor: Actor, unread_only: bool) -> int:
    stmt = select(func.count()).select_from(Notification).where(policy.own_notifications(actor))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return int(await session.scalar(stmt) or 0)


async def unread_count(*, session: AsyncSession, actor: Actor) -> int:
    return await count_my_notifications(session=session, actor=actor, unread_only=True)


async def mark_read(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    ids: Sequence[uuid.UUID] | None,
    all: bool,
) -> list[Notification]:
    """Mark the actor's notifications read: those in `ids`, or every unread one with `all`.
    Someone else's notification reads as not found, and then nothing changes. Already read
    ones keep the moment they were first read. Returns the notifications named (or, with
    `all`, those just marked), as they now are."""
    policy.check_has_inbox(actor)
    if all and ids:
        raise InvalidInput("Give either `ids` or `all`, not both.", field="ids")
    if not all and not ids:
        raise InvalidInput("Name the notifications to mark read, or give `all`.", field="ids")
    now = clock.now()
    if all:
        marked = await session.scalars(
            update(Notification)
            .where(policy.own_notifications(actor), Notification.read_at.is_(None))
            .values(read_at=now)
            .returning(Notification)
            .execution_options(populate_existing=True)
        )
        return list(marked)
    assert ids is not None
    wanted = set(ids)
    if len(wanted) > MAX_IDS:
        raise InvalidInput(f"At most {MAX_IDS} at once.", field="ids")
    found = list(
        await session.scalars(
            select(Notification)
            .where(Notification.id.in_(wanted), policy.own_notifications(actor))
            .with_for_update()
        )
    )
    if len(found) != len(wanted):
        raise NotFound("notification", field="ids")
    for notification in found:
        if notification.read_at is None:
            notification.read_at = now
    await session.flush()
    return found


async def set_digest_hour(
    *, session: AsyncSession, actor: Actor, clock: Clock, hour: int | None
) -> Person:
    """The actor chooses the Europe/London hour (0-23) from which their reminders come by
    email as one daily digest, or None for an email per reminder as it comes. Their own
    choice only; a history row records a change."""
    policy.check_has_inbox(actor)
    assert actor.person_id is not None
    if hour is not None and not 0 <= hour <= 23:
        raise InvalidInput("Choose an hour from 0 to 23, or none.", field="hour")
    person = await session.get(Person, actor.person_id, with_for_update=True)
    if person is None:
        raise NotFound("person")
    if person.digest_hour != hour:
        before = person.digest_hour
        person.digest_hour = hour
        person.updated_at = clock.now()
        change = history.Change(
            "person.digest_hour_set", "Person", person.id, {"digest_hour": [before, hour]}
        )
        await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
        await session.flush()
    return person
