"""What a reminder sweep decides for a batch of obligations, without a database: whom each
overdue obligation's reminders go to up the line (leavers skipped), and the rows written for
them: the notification always, the email only for someone without a digest hour."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.core.settings import PolicySettings
from domain.deadlines.calendar import WorkingCalendar
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.notifications import links
from domain.notifications.rows import email_row
from domain.people.models import Person
from domain.reminders.sweep import ReminderKind, _due_in_batch, _reminder_rows

DUE = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)  # a Monday
NOW = datetime(2026, 3, 3, 10, tzinfo=UTC)  # the day after: overdue
BASE = "https://qa.example.org"


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Nothing here touches the database."""


def _person(name: str, manager: Person | None = None, **fields: object) -> Person:
    return Person(
        id=uuid.uuid4(),
        display_name=name,
        email=f"{name.lower()}@example.org",
        line_manager_id=manager.id if manager else None,
        **{"is_active": True, "digest_hour": None, **fields},
    )


def _obligation(owner: Person) -> Obligation:
    return Obligation(
        id=uuid.uuid4(),
        kind=ObligationKind.MODERATION_DUE,
        subject_type="Audit",
        subject_id=uuid.uuid4(),
        owner_id=owner.id,
        due_at=DUE,
        state=ObligationState.OPEN,
        key=f"moderation:{uuid.uuid4()}",
    )


def test_an_overdue_obligation_tells_its_owner_and_the_line_but_not_leavers() -> None:
    boss = _person("Boss")
    left = _person("Left", boss, is_active=False)
    owner = _person("Owner", left)
    obligation = _obligation(owner)
    people = {p.id: p for p in (boss, left, owner)}
    due = _due_in_batch([obligation], people, NOW, WorkingCalendar(), PolicySettings())
    assert [(r.kind, r.level, recipient.display_name) for r, _, _, recipient in due] == [
        (ReminderKind.OVERDUE, 0, "Owner"),
    ]
    assert obligation.next_reminder_at is not None


def test_someone_with_a_digest_hour_gets_no_email_now() -> None:
    manager = _person("Manager", digest_hour=8)
    owner = _person("Owner", manager)
    obligation = _obligation(owner)
    people = {p.id: p for p in (manager, owner)}
    due = _due_in_batch([obligation], people, NOW, WorkingCalendar(), PolicySettings())
    assert [recipient.display_name for _, _, _, recipient in due] == ["Owner", "Manager"]
    notifications, emails = _reminder_rows(due, {}, {}, NOW, BASE)
    assert [n["person_id"] for n in notifications] == [owner.id, manager.id]
    assert notifications[1]["email_key"] is None
    assert list(emails) == [notifications[0]["key"]]
    email = emails[str(notifications[0]["key"])]
    assert email["to_address"] == "owner@example.org"
    assert notifications[0]["link_path"] == links.path_for("Audit", obligation.subject_id)
    assert str(email["body"]).endswith(links.absolute(str(notifications[0]["link_path"]), BASE))
    assert "Overdue for Owner" in str(notifications[1]["title"])


def test_an_email_row_goes_at_once() -> None:
    person = _person("Ann")
    row = email_row(key="k", person=person, subject="S", body="B", now=NOW)
    assert (row["created_at"], row["available_at"], row["attempts"]) == (NOW, NOW, 0)
