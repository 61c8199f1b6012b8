"""The interfaces every sender implements (SMTP in email.py, GOV.UK Notify in notify.py), so
that neither the outbox's deliver loop nor the dispatch of survey invitations cares which one
sends.

A message to send is a plain value (`Email`, `TextMessage`) built by whoever sends it: the
outbox builds one from its row, the survey dispatch from an invitation it holds in memory,
so that an invitation's contact and link are never written anywhere else (the outbox table
keeps its rows for good; an invitation's contact details are erased when its campaign
closes). `key` is the message's deterministic identity: SMTP's Message-ID and Notify's
`reference` are made from it, so that a rare resend is recognisable as the same message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.notifications.models import OutboxMessage


class SendFailed(Exception):
    """The message was not accepted (a refusal, an unreachable server, a time-out): recorded
    as a failed attempt, and the message is tried again after a back-off."""


@dataclass(frozen=True)
class Email:
    to: str = field(repr=False)
    subject: str
    body: str = field(repr=False)
    key: str
    date: datetime

    @classmethod
    def of_outbox(cls, row: OutboxMessage) -> Email:
        return cls(
            to=row.to_address, subject=row.subject, body=row.body, key=row.key, date=row.created_at
        )


@dataclass(frozen=True)
class TextMessage:
    """A text message (SMS) to a mobile number."""

    to: str = field(repr=False)
    body: str = field(repr=False)
    key: str


class Sender(Protocol):
    async def send(self, message: OutboxMessage) -> None:
        """Send one outbox message, or raise SendFailed."""
        ...


class EmailSender(Protocol):
    async def send_email(self, email: Email) -> None:
        """Send one email, or raise SendFailed."""
        ...

    async def aclose(self) -> None:
        """Let go of any connection held between messages."""
        ...


class TextSender(Protocol):
    async def send_text(self, text: TextMessage) -> None:
        """Send one text message, or raise SendFailed."""
        ...

    async def aclose(self) -> None: ...
