"""Telling a person something at once (not a reminder): an in-app notification and an email
in the outbox, written in the caller's transaction under one deterministic key, so that the
same news is never told twice however often the step that causes it is retried."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.notifications.models import Channel, Notification, NotificationKind, OutboxMessage
from domain.people.models import Person


async def tell(
    *,
    session: AsyncSession,
    clock: Clock,
    person: Person,
    kind: NotificationKind,
    title: str,
    body: str,
    subject_type: str,
    subject_id: uuid.UUID,
    key: str,
) -> bool:
    """Tell `person`, unless they were already told under `key` or have left. Returns
    whether they were told now. The email goes at once: this is news, not a reminder, so it
    does not wait for a daily digest."""
    if not person.is_active:
        return False
    now = clock.now()
    created = await session.scalar(
        insert(Notification)
        .values(
            id=uuid.uuid4(),
            key=key,
            person_id=person.id,
            kind=kind.value,
            title=title,
            body=body,
            subject_type=subject_type,
            subject_id=subject_id,
            created_at=now,
            email_key=key,  # emailed alone, now: never left waiting for a digest
        )
        .on_conflict_do_nothing(index_elements=[Notification.key])
        .returning(Notification.id)
    )
    if created is None:
        return False
    await session.execute(
        insert(OutboxMessage)
        .values(
            id=uuid.uuid4(),
            key=key,
            channel=Channel.EMAIL.value,
            to_person_id=person.id,
            to_address=person.email,
            subject=title,
            body=body,
            created_at=now,
            available_at=now,
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=[OutboxMessage.key])
    )
    return True
