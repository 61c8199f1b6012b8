"""Daily digests: one email a day for people who chose the hour at which they get it.

A person with a `digest_hour` (0-23, Europe/London) gets their reminders in the application as
the sweep creates them, but no email for each: the notification waits (`email_key` NULL). From
their hour each day (London time at or after it, so a worker that was down catches up at its
next run), `send_due_digests` puts every reminder of theirs that waits into ONE outbox email
keyed `digest:<person id>:<London date>`, and marks those notifications with that key, in the
caller's transaction. Reminders created after the day's digest wait for the next day's.

Nothing is emailed twice, however often or concurrently it runs: the people are read locked
`FOR NO KEY UPDATE SKIP LOCKED` (so runs at once split them, and the sweep may still insert
notifications that refer to them), the email is `INSERT … ON CONFLICT (key) DO NOTHING`, and
the notifications are marked only when this run's insert won. A digest with nothing in it is
not created. People who have left get nothing. Someone who goes back to an email per reminder
(`digest_hour` NULL) gets what was still waiting in a last digest at the next run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, cast, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from domain.core.clock import LONDON, Clock
from domain.notifications import links
from domain.notifications.models import Notification, NotificationKind, OutboxMessage
from domain.notifications.rows import email_row
from domain.people.models import Person

# The notifications a digest carries: every kind the reminder sweep creates.
DIGESTED_KINDS = (
    NotificationKind.REMINDER_BEFORE.value,
    NotificationKind.REMINDER_DUE_TODAY.value,
    NotificationKind.OVERDUE.value,
)


def digest_key(person_id: uuid.UUID, day: date) -> str:
    """The one key of a person's digest of a (London) day: at most one digest a day."""
    return f"digest:{person_id}:{day.isoformat()}"


def _digest_key_sql(person_id: InstrumentedAttribute[uuid.UUID], day: date) -> ColumnElement[str]:
    """`digest_key` computed in SQL (PostgreSQL writes a uuid as Python's str() does)."""
    return literal("digest:") + cast(person_id, String) + literal(f":{day.isoformat()}")


@dataclass
class DigestResult:
    people_seen: int = 0
    digests_queued: int = 0
    notifications_digested: int = 0
    queued_keys: list[str] = field(default_factory=list)


async def send_due_digests(
    *,
    session: AsyncSession,
    clock: Clock,
    limit: int = 200,
    frontend_base_url: str | None = None,
) -> DigestResult:
    """Queue today's digest of everyone whose hour has come and who has reminders waiting,
    in the caller's transaction, in batches of `limit` people. Each line links under
    `frontend_base_url` (by default the FRONTEND_BASE_URL setting)."""
    base_url = frontend_base_url if frontend_base_url is not None else links.configured_base_url()
    local = clock.now().astimezone(LONDON)
    today = local.date()
    waiting = (
        select(Notification.id)
        .where(
            Notification.person_id == Person.id,
            Notification.email_key.is_(None),
            Notification.kind.in_(DIGESTED_KINDS),
        )
        .exists()
    )
    sent_today = (
        select(OutboxMessage.id).where(OutboxMessage.key == _digest_key_sql(Person.id, today))
    ).exists()
    result = DigestResult()
    last: uuid.UUID | None = None
    while True:
        stmt = (
            select(Person)
            .where(
                Person.is_active.is_(True),
                or_(Person.digest_hour.is_(None), Person.digest_hour <= local.hour),
                waiting,
                ~sent_today,
            )
            .order_by(Person.id)
            .limit(limit)
            .with_for_update(skip_locked=True, key_share=True, of=Person)
        )
        if last is not None:
            stmt = stmt.where(Person.id > last)
        people = list(await session.scalars(stmt))
        if not people:
            break
        last = people[-1].id
        result.people_seen += len(people)
        await _queue(session, clock, today, people, result, base_url)
        if len(people) < limit:
            break
    return result


async def _queue(
    session: AsyncSession,
    clock: Clock,
    today: date,
    people: list[Person],
    result: DigestResult,
    base_url: str,
) -> None:
    now = clock.now()
    waiting = list(
        await session.scalars(
            select(Notification)
            .where(
                Notification.person_id.in_([p.id for p in people]),
                Notification.email_key.is_(None),
                Notification.kind.in_(DIGESTED_KINDS),
            )
            .order_by(Notification.created_at, Notification.key)
        )
    )
    by_person: dict[uuid.UUID, list[Notification]] = {}
    for notification in waiting:
        by_person.setdefault(notification.person_id, []).append(notification)
    emails = []
    for person in people:
        items = by_person.get(person.id)
        if not items:
            continue  # digested meanwhile by a run that held this person before us
        subject, body = _wording(person, items, base_url)
        emails.append(
            email_row(
                key=digest_key(person.id, today), person=person, subject=subject, body=body, now=now
            )
        )
    if not emails:
        return
    won = list(
        await session.scalars(
            insert(OutboxMessage)
            .values(emails)
            .on_conflict_do_nothing(index_elements=[OutboxMessage.key])
            .returning(OutboxMessage.key)
        )
    )
    if not won:
        return  # another run queued them first; what it took is marked by it
    winners = {person.id for person in people if digest_key(person.id, today) in won}
    ids = [n.id for person_id in winners for n in by_person[person_id]]
    marked = list(
        await session.scalars(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.email_key.is_(None))
            .values(email_key=_digest_key_sql(Notification.person_id, today))
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
    )
    result.digests_queued += len(won)
    result.notifications_digested += len(marked)
    result.queued_keys.extend(sorted(won))


def _item(notification: Notification, base_url: str) -> list[str]:
    """A reminder's lines in a digest: its title (the step and the case), what is due by
    when, and the link to it."""
    lines = [f"- {notification.title}", f"  {notification.body}"]
    path = notification.link_path or links.path_for(
        notification.subject_type, notification.subject_id
    )
    if path is not None:
        lines.append(f"  {links.link_line(links.absolute(path, base_url))}")
    return lines


def _wording(person: Person, items: list[Notification], base_url: str) -> tuple[str, str]:
    count = len(items)
    subject = f"Your daily digest: {count} reminder{'s' if count != 1 else ''}"
    lines = [f"{person.display_name}, this is what the service has told you since your last email:"]
    for notification in items:
        lines.append("")
        lines.extend(_item(notification, base_url))
    lines.append("")
    if person.digest_hour is None:
        lines.append("From now on you get an email for each reminder as it comes.")
    else:
        lines.append(
            f"You get these once a day from {person.digest_hour:02d}:00 (UK time); "
            "you can change that hour in the application."
        )
    return subject, "\n".join(lines)
