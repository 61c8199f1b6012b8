"""The rows told to a person: an in-app notification and its email in the outbox, each under
the one key that keeps it from being written twice (`INSERT … ON CONFLICT DO NOTHING`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.notifications.models import Channel, NotificationKind
from domain.people.models import Person


def notification_row(
    *,
    key: str,
    person: Person,
    kind: NotificationKind,
    title: str,
    body: str,
    subject_type: str,
    subject_id: uuid.UUID,
    link_path: str | None,
    now: datetime,
    email_key: str | None,
) -> dict[str, object]:
    """A notification's columns; `email_key` names its email, None while it waits for the
    person's daily digest."""
    return {
        "id": uuid.uuid4(),
        "key": key,
        "person_id": person.id,
        "kind": kind.value,
        "title": title,
        "body": body,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "link_path": link_path,
        "created_at": now,
        "email_key": email_key,
    }


def email_row(
    *, key: str, person: Person, subject: str, body: str, now: datetime
) -> dict[str, object]:
    """An email's columns in the outbox, to go at once."""
    return {
        "id": uuid.uuid4(),
        "key": key,
        "channel": Channel.EMAIL.value,
        "to_person_id": person.id,
        "to_address": person.email,
        "subject": subject,
        "body": body,
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }
