"""The interface every email sender implements (SMTP in email.py, GOV.UK Notify in
notify.py), so the outbox's deliver loop does not care which one sends."""

from __future__ import annotations

from typing import Protocol

from domain.notifications.models import OutboxMessage


class SendFailed(Exception):
    """The message was not accepted (a refusal, an unreachable server, a time-out): recorded
    as a failed attempt, and the message is tried again after a back-off."""


class Sender(Protocol):
    async def send(self, message: OutboxMessage) -> None:
        """Send one message, or raise SendFailed."""
        ...
