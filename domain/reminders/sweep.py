"""Reminders and overdue escalation for open obligations, created by a sweep that can run at
any moment, any number of times, on any number of workers.

For an open obligation due on day D (its London date) with `n` =
`reminder_working_days_before` and `i` = `escalation_interval_working_days`:

- BEFORE, to the owner: on a working day from the n-th working day before D
  (`working_days_before(D, n)`) until the day before D. Not with n = 0.
- DUE_TODAY, to the owner: on D.
- OVERDUE once the clock is past the due moment: level 0 to the owner and level 1 to the
  owner's line manager at once; level k (k >= 2), to the k-th manager up the line, from the
  working day `working_days_after(D, 1 + (k - 1) * i)`: every `i` working days a level up,
  until the line ends.

The sweep catches up: run at any moment it creates every reminder due by then that does not
exist yet, except those a later one has replaced (a BEFORE once the due day has come, a
DUE_TODAY once the obligation is overdue): a worker down for days sends what it missed, once.
Each reminder is an in-app notification and an email in the outbox (or, for someone who
chose a digest hour, a line in their next daily digest: domain/notifications/digest.py),
created in the same transaction, under one deterministic key per (obligation, kind, level,
recipient) with `INSERT … ON CONFLICT DO NOTHING`, so nothing is ever created twice. The open
obligations are read in batches with `FOR UPDATE SKIP LOCKED`, so sweepers running at once
split the work.
People who have left (inactive) are not told; the line is still climbed past them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.settings import PolicySettings
from domain.deadlines.calendar import WorkingCalendar, local_day, start_of_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.notifications import links
from domain.notifications.models import Notification, NotificationKind, OutboxMessage
from domain.notifications.rows import email_row, notification_row
from domain.people.models import Person
from domain.reminders import about
from domain.reminders.about import Subject
from domain.reminders.steps import STEPS, Named, long_day, step

NO_SUBJECT = Subject()

MICROSECOND = timedelta(microseconds=1)

# The longest line of management the escalation climbs (a guard against loops in the data).
MAX_LEVELS = 20


class ReminderKind(StrEnum):
    BEFORE = "BEFORE"
    DUE_TODAY = "DUE_TODAY"
    OVERDUE = "OVERDUE"


NOTIFICATION_KIND = {
    ReminderKind.BEFORE: NotificationKind.REMINDER_BEFORE,
    ReminderKind.DUE_TODAY: NotificationKind.REMINDER_DUE_TODAY,
    ReminderKind.OVERDUE: NotificationKind.OVERDUE,
}


def reminder_key(
    obligation_id: uuid.UUID, kind: ReminderKind, level: int, recipient_id: uuid.UUID
) -> str:
    """The one key of a reminder: the same reminder is never created twice."""
    return f"reminder:{obligation_id}:{kind.value.lower()}:{level}:{recipient_id}"


@dataclass(frozen=True)
class Reminder:
    obligation_id: uuid.UUID
    kind: ReminderKind
    level: int  # 0: the owner; k: the k-th line manager up
    recipient_id: uuid.UUID

    @property
    def key(self) -> str:
        return reminder_key(self.obligation_id, self.kind, self.level, self.recipient_id)


@dataclass
class SweepResult:
    obligations_seen: int = 0
    notifications_created: int = 0
    emails_queued: int = 0
    # Created for people who chose a digest hour: emailed in their next daily digest.
    digest_waiting: int = 0
    batches: int = 0
    created_keys: list[str] = field(default_factory=list)


def due_reminders(
    *,
    obligation: Obligation,
    now: datetime,
    calendar: WorkingCalendar,
    policy_settings: PolicySettings,
    line: Sequence[uuid.UUID],
) -> list[Reminder]:
    """Every reminder of `obligation` due by `now` (those already created included).

    `line` is the owner's line of management, nearest first (the line manager, theirs, …)."""
    today = local_day(now)
    due_day = local_day(obligation.due_at)
    owner = obligation.owner_id
    found: list[Reminder] = []
    if now > obligation.due_at:
        found.append(Reminder(obligation.id, ReminderKind.OVERDUE, 0, owner))
        interval = policy_settings.escalation_interval_working_days
        for level, manager in enumerate(line[:MAX_LEVELS], start=1):
            if level >= 2:
                starts = calendar.working_days_after(due_day, 1 + (level - 1) * interval)
                if today < starts:
                    break
            found.append(Reminder(obligation.id, ReminderKind.OVERDUE, level, manager))
    elif today == due_day:
        found.append(Reminder(obligation.id, ReminderKind.DUE_TODAY, 0, owner))
    else:
        n = policy_settings.reminder_working_days_before
        if (
            n > 0
            and calendar.working_days_before(due_day, n) <= today < due_day
            and calendar.is_working_day(today)
        ):
            found.append(Reminder(obligation.id, ReminderKind.BEFORE, 0, owner))
    return found


def next_reminder_moment(
    *,
    obligation: Obligation,
    now: datetime,
    calendar: WorkingCalendar,
    policy_settings: PolicySettings,
    line_length: int,
) -> datetime | None:
    """The earliest moment after `now` at which `due_reminders` could name a reminder it does
    not name at `now`; None when none ever will (overdue, and the whole line told).

    The sweep reads an obligation again only from this moment (`next_reminder_at`), so that
    what has been fully reminded costs nothing, however many such obligations there are."""
    today = local_day(now)
    due_day = local_day(obligation.due_at)
    candidates: list[datetime] = []
    if now <= obligation.due_at:
        candidates.append(obligation.due_at + MICROSECOND)  # overdue: owner and manager
        if today < due_day:
            candidates.append(start_of_day(due_day))  # due today
            n = policy_settings.reminder_working_days_before
            if n > 0:
                opens = calendar.working_days_before(due_day, n)
                if today < opens:
                    candidates.append(start_of_day(opens))  # the reminder before
                elif not calendar.is_working_day(today):
                    # In the window on a closed day, so the reminder before is still to come:
                    # on the next working day, if that is before the due day.
                    following = calendar.next_working_day(today)
                    if following < due_day:
                        candidates.append(start_of_day(following))
    else:
        interval = policy_settings.escalation_interval_working_days
        for level in range(2, min(line_length, MAX_LEVELS) + 1):
            starts = calendar.working_days_after(due_day, 1 + (level - 1) * interval)
            if starts > today:
                candidates.append(start_of_day(starts))  # the next level up the line
                break
    return min(candidates) if candidates else None


async def _people(session: AsyncSession, owner_ids: set[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """The owners and everyone above them in their lines, a level per query."""
    people: dict[uuid.UUID, Person] = {}
    frontier = set(owner_ids)
    for _ in range(MAX_LEVELS + 1):
        if not frontier:
            break
        rows = await session.scalars(select(Person).where(Person.id.in_(frontier)))
        for person in rows:
            people[person.id] = person
        frontier = {
            p.line_manager_id
            for p in people.values()
            if p.line_manager_id is not None and p.line_manager_id not in people
        }
    return people


def _line(owner_id: uuid.UUID, people: dict[uuid.UUID, Person]) -> list[uuid.UUID]:
    line: list[uuid.UUID] = []
    seen = {owner_id}
    person = people.get(owner_id)
    while person is not None and person.line_manager_id is not None:
        manager_id = person.line_manager_id
        if manager_id in seen or len(line) >= MAX_LEVELS:
            break
        line.append(manager_id)
        seen.add(manager_id)
        person = people.get(manager_id)
    return line


MAX_TITLE = 300  # the notification's and the email's title column


def _wording(reminder: Reminder, named: Named, owner: Person) -> tuple[str, str]:
    """The title (also the email's subject) and the body of a reminder: which case, which
    step and when it is due, so that no two cases' reminders read the same."""
    what = step(named)
    due_day = long_day(local_day(named.obligation.due_at))
    if reminder.kind is ReminderKind.BEFORE:
        title = f"Due {due_day}: {what}"
        body = f"You are to {what} by the end of {due_day}."
    elif reminder.kind is ReminderKind.DUE_TODAY:
        title = f"Due today: {what}"
        body = f"You are to {what} by the end of today ({due_day})."
    elif reminder.level == 0:
        title = f"Overdue: {what}"
        body = f"You were to {what} by the end of {due_day}; it is now overdue."
    else:
        title = f"Overdue for {owner.display_name}: {what}"
        body = (
            f"{owner.display_name} was to {what} by the end of {due_day}; it is now overdue. "
            f"You are told as their line manager (escalation level {reminder.level})."
        )
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    return title, body


def _case_named(
    subject: Subject, recipient: Person, references: dict[tuple[uuid.UUID, uuid.UUID], str]
) -> str | None:
    """How a reminder to `recipient` names the case: by its reference only if they may see
    the child; a message must not name a child its reader may not see."""
    if subject.child_id is None:
        return None
    reference = references.get((recipient.id, subject.child_id))
    return f"case {reference}" if reference else "a case you may not see in the service"


def link_path_of(obligation: Obligation) -> str:
    """Where a reminder of `obligation` links: the page of what it is about (the audit, the
    Inadequate process, the complaint…), or else the obligation's own."""
    return links.path_for(obligation.subject_type, obligation.subject_id) or str(
        links.path_for("Obligation", obligation.id)
    )


async def sweep(
    *,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkingCalendar,
    policy_settings: PolicySettings,
    limit: int = 500,
    max_batches: int | None = None,
    frontend_base_url: str | None = None,
) -> SweepResult:
    """Create every reminder due by the clock's now that does not exist yet, in the caller's
    transaction. Reads, in batches of `limit` locked `FOR UPDATE SKIP LOCKED` (rows another
    sweep holds are left to it), the open obligations whose `next_reminder_at` has come (the
    partial index `ix_obligations_next_reminder`), creates their reminders and sets each one's
    next moment, so a processed row leaves the set. `max_batches` bounds the work of one
    transaction (the worker commits batch by batch). Emails link under `frontend_base_url`
    (by default the FRONTEND_BASE_URL setting)."""
    now = clock.now()
    base_url = frontend_base_url if frontend_base_url is not None else links.configured_base_url()
    result = SweepResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        stmt = (
            select(Obligation)
            .where(Obligation.state == ObligationState.OPEN, Obligation.next_reminder_at <= now)
            .order_by(Obligation.next_reminder_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        batch = list(await session.scalars(stmt))
        if not batch:
            break
        batches += 1
        result.obligations_seen += len(batch)
        await _remind(session, now, calendar, policy_settings, batch, result, base_url)
        await session.flush()
        if len(batch) < limit:
            break
    result.batches = batches
    return result


async def _remind(
    session: AsyncSession,
    now: datetime,
    calendar: WorkingCalendar,
    policy_settings: PolicySettings,
    batch: list[Obligation],
    result: SweepResult,
    base_url: str,
) -> None:
    """Load the batch's people, decide what is due, load what it is about, write it."""
    people = await _people(session, {o.owner_id for o in batch})
    due = _due_in_batch(batch, people, now, calendar, policy_settings)
    if not due:
        return
    # What the reminders are about, for the whole batch at once (a fixed number of
    # statements, however many reminders): the subjects, then the case references each
    # recipient may see.
    subjects = await about.subjects_of(session, list({o.id: o for _, o, _, _ in due}.values()))
    references = await about.case_references(
        session,
        {
            (recipient, child_id)
            for _, o, _, recipient in due
            if (child_id := subjects.get(o.id, NO_SUBJECT).child_id) is not None
        },
    )
    notifications, emails = _reminder_rows(due, subjects, references, now, base_url)
    if notifications:
        await _write_reminders(session, notifications, emails, result)


_Due = tuple[Reminder, Obligation, Person, Person]  # reminder, obligation, owner, recipient


def _due_in_batch(
    batch: list[Obligation],
    people: dict[uuid.UUID, Person],
    now: datetime,
    calendar: WorkingCalendar,
    policy_settings: PolicySettings,
) -> list[_Due]:
    """The reminders due now to active recipients; each obligation's next reminder moment is
    moved on (no statement: the caller's flush writes it)."""
    due: list[_Due] = []
    for obligation in batch:
        owner = people.get(obligation.owner_id)
        line = _line(owner.id, people) if owner is not None else []
        obligation.next_reminder_at = next_reminder_moment(
            obligation=obligation,
            now=now,
            calendar=calendar,
            policy_settings=policy_settings,
            line_length=len(line),
        )
        if owner is None:
            continue
        for reminder in due_reminders(
            obligation=obligation,
            now=now,
            calendar=calendar,
            policy_settings=policy_settings,
            line=line,
        ):
            recipient = people.get(reminder.recipient_id)
            if recipient is None or not recipient.is_active:
                continue
            due.append((reminder, obligation, owner, recipient))
    return due


def _reminder_rows(
    due: list[_Due],
    subjects: dict[uuid.UUID, Subject],
    references: dict[tuple[uuid.UUID, uuid.UUID], str],
    now: datetime,
    base_url: str,
) -> tuple[list[dict[str, object]], dict[str, dict[str, object]]]:
    """The in-app notifications to create, and the emails (by key) of those who have no
    digest hour (someone who chose one gets it in their next daily digest)."""
    notifications: list[dict[str, object]] = []
    emails: dict[str, dict[str, object]] = {}
    for reminder, obligation, owner, recipient in due:
        subject = subjects.get(obligation.id, NO_SUBJECT)
        named = Named(obligation, subject, _case_named(subject, recipient, references))
        title, body = _wording(reminder, named, owner)
        link_path = link_path_of(obligation)
        digest = recipient.digest_hour is not None
        notifications.append(
            notification_row(
                key=reminder.key,
                person=recipient,
                kind=NOTIFICATION_KIND[reminder.kind],
                title=title,
                body=body,
                subject_type="Obligation",
                subject_id=obligation.id,
                link_path=link_path,
                now=now,
                # Someone who chose a digest hour gets it in their next daily digest.
                email_key=None if digest else reminder.key,
            )
        )
        if digest:
            continue
        link = links.link_line(links.absolute(link_path, base_url))
        emails[reminder.key] = email_row(
            key=reminder.key, person=recipient, subject=title, body=f"{body}\n\n{link}", now=now
        )
    return notifications, emails


async def _write_reminders(
    session: AsyncSession,
    notifications: list[dict[str, object]],
    emails: dict[str, dict[str, object]],
    result: SweepResult,
) -> None:
    # One statement for the batch, given its rows as parameters (executemany, batched by
    # SQLAlchemy's insertmanyvalues) rather than rendered into a new VALUES list each batch.
    created = list(
        await session.scalars(
            insert(Notification)
            .on_conflict_do_nothing(index_elements=[Notification.key])
            .returning(Notification.key),
            notifications,
        )
    )
    result.notifications_created += len(created)
    result.created_keys.extend(created)
    to_queue = [emails[key] for key in created if key in emails]
    result.digest_waiting += len(created) - len(to_queue)
    if to_queue:
        queued = list(
            await session.scalars(
                insert(OutboxMessage)
                .on_conflict_do_nothing(index_elements=[OutboxMessage.key])
                .returning(OutboxMessage.key),
                to_queue,
            )
        )
        result.emails_queued += len(queued)


# --- operations: what a sweep would create ------------------------------------------------------


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder a sweep would create: its in-app notification and, when an email was
    queued with it, the email's address (channels: in-app, and email when `email_to`)."""

    key: str
    kind: str  # the notification's kind (NotificationKind)
    level: int  # 0: the owner; k: the k-th line manager up
    recipient_id: uuid.UUID
    recipient_name: str
    email_to: str | None
    title: str
    obligation_id: uuid.UUID
    obligation_kind: ObligationKind
    owner_name: str
    due_at: datetime


@dataclass(frozen=True)
class WouldSend:
    result: SweepResult
    reminders: list[PlannedReminder]


async def would_send(
    *,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkingCalendar,
    policy_settings: PolicySettings,
    show: int | None = None,
) -> WouldSend:
    """What a sweep at the clock's now would create, changing nothing: the real `sweep` runs
    in a savepoint that is rolled back once its rows have been read (the first `show` of
    them, soonest due first; all of them are counted in `result`). Rows another transaction
    holds locked are skipped, as the sweep itself skips them."""
    # Imported here so that this addition leaves the module's head as it was.
    from sqlalchemy import String, any_, bindparam
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.orm import aliased

    savepoint = await session.begin_nested()
    try:
        result = await sweep(
            session=session, clock=clock, calendar=calendar, policy_settings=policy_settings
        )
        planned: list[PlannedReminder] = []
        if result.created_keys:
            owner = aliased(Person)
            keys = bindparam("keys", result.created_keys, type_=ARRAY(String(300)))
            stmt = (
                select(Notification, Person, OutboxMessage.to_address, Obligation, owner)
                .join(Person, Person.id == Notification.person_id)
                .join(Obligation, Obligation.id == Notification.subject_id)
                .join(owner, owner.id == Obligation.owner_id)
                .outerjoin(OutboxMessage, OutboxMessage.key == Notification.key)
                .where(Notification.key == any_(keys))
                .order_by(Obligation.due_at, Obligation.id, Notification.key)
            )
            if show is not None:
                stmt = stmt.limit(show)
            for note, person, to_address, obligation, owned_by in await session.execute(stmt):
                level = int(note.key.split(":")[3])  # reminder_key's fourth part
                planned.append(
                    PlannedReminder(
                        key=note.key,
                        kind=note.kind,
                        level=level,
                        recipient_id=person.id,
                        recipient_name=person.display_name,
                        email_to=to_address,
                        title=note.title,
                        obligation_id=obligation.id,
                        obligation_kind=obligation.kind,
                        owner_name=owned_by.display_name,
                        due_at=obligation.due_at,
                    )
                )
    finally:
        await savepoint.rollback()
    return WouldSend(result=result, reminders=planned)


# Moved to steps.py, named here too until the importers are rewritten (SHIMS-surveys.md).
__all__ = ["STEPS", "Named", "step"]
