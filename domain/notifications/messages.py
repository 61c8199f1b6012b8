"""Telling a person something at once (not a reminder): an in-app notification and an email
in the outbox, written in the caller's transaction under one deterministic key, so that the
same news is never told twice however often the step that causes it is retried. Both link to
the subject in the front-end (domain/notifications/links.py): the notification by its
`link_path`, the email by a last line with the address."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.notifications import links
from domain.notifications.models import Notification, NotificationKind, OutboxMessage
from domain.notifications.rows import email_row, notification_row
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
    frontend_base_url: str | None = None,
) -> bool:
    """Tell `person`, unless they were already told under `key` or have left. Returns
    whether they were told now. The email goes at once: this is news, not a reminder, so it
    does not wait for a daily digest. Both link to the subject in the front-end (under
    `frontend_base_url`, by default the FRONTEND_BASE_URL setting)."""
    if not person.is_active:
        return False
    now = clock.now()
    link_path = links.path_for(subject_type, subject_id)
    email_body = body
    if link_path is not None:
        email_body = f"{body}\n\n{links.link_line(links.absolute(link_path, frontend_base_url))}"
    created = await session.scalar(
        insert(Notification)
        .values(
            **notification_row(
                key=key,
                person=person,
                kind=kind,
                title=title,
                body=body,
                subject_type=subject_type,
                subject_id=subject_id,
                link_path=link_path,
                now=now,
                email_key=key,  # emailed alone, now: never left waiting for a digest
            )
        )
        .on_conflict_do_nothing(index_elements=[Notification.key])
        .returning(Notification.id)
    )
    if created is None:
        return False
    await session.execute(
        insert(OutboxMessage)
        .values(**email_row(key=key, person=person, subject=title, body=email_body, now=now))
        .on_conflict_do_nothing(index_elements=[OutboxMessage.key])
    )
    return True
