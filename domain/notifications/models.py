"""Notifications: what a person is told in the application, and the outbox of messages
(email) to send, written in the same transaction as the change that caused them.

Both carry a deterministic unique `key` (for a reminder: the obligation, the reminder kind, the
escalation level and the recipient), so that the same reminder is never created twice, however
often or concurrently the sweep runs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.core.db import Base


class NotificationKind(StrEnum):
    """Why a person is told. Stored as text, so kinds to come need no migration."""

    REMINDER_BEFORE = "REMINDER_BEFORE"  # due in a few working days
    REMINDER_DUE_TODAY = "REMINDER_DUE_TODAY"  # due by the end of today
    OVERDUE = "OVERDUE"  # late: to the owner, then up their line of management
    INADEQUATE_CONFIRMED = "INADEQUATE_CONFIRMED"  # to the Head of Service, at once
    EXCEPTION_REPORT = "EXCEPTION_REPORT"  # to the AED: an exception report to read
    INADEQUATE_TO_MODERATE = "INADEQUATE_TO_MODERATE"  # to the QA Lead, at once
    INADEQUATE_PROCESS_ENDED = "INADEQUATE_PROCESS_ENDED"  # regraded: HoS, QA Lead (AEDs)
    DESK_TOP_AUDIT_PLANNED = "DESK_TOP_AUDIT_PLANNED"  # to the QA Lead, after the third review


class Channel(StrEnum):
    EMAIL = "EMAIL"


class Notification(Base):
    """An in-app notification for one person; read when `read_at` is set."""

    __tablename__ = "notifications"
    __table_args__ = (
        # A person's list, newest first.
        Index("ix_notifications_person_created", "person_id", "created_at"),
        # A person's unread count, however many they have read.
        Index(
            "ix_notifications_person_unread", "person_id", postgresql_where=text("read_at IS NULL")
        ),
        # What waits for a person's daily digest (few rows: the rest have been emailed).
        Index(
            "ix_notifications_awaiting_email",
            "person_id",
            "created_at",
            postgresql_where=text("email_key IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # What it is about, by GraphQL type name and id ("Obligation", id).
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID]
    # Where to act on it in the front-end: a path under FRONTEND_BASE_URL
    # (domain/notifications/links.py), e.g. the process a reminder's obligation is part of.
    # NULL for notifications older than links, which then link to their subject.
    link_path: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    # The key of the outbox message that emails it: its own key when it was emailed alone as
    # it came, `digest:<person id>:<London date>` once put in a daily digest. NULL while it
    # waits for its recipient's next digest (they chose an hour for one).
    email_key: Mapped[str | None] = mapped_column(String(300))


class OutboxMessage(Base):
    """A message to send outside the database. Claimed by one sender before sending (so two
    senders never send it both), marked sent after; a claim older than a timeout may be taken
    again (its sender died). `available_at` is when it may next be tried (back-off)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # What is left to send, oldest first, however much has been sent.
        Index(
            "ix_outbox_messages_unsent",
            "available_at",
            postgresql_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    to_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    available_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
