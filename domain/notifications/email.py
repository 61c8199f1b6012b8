"""Email from the outbox, through a sender: GOV.UK Notify (domain/notifications/notify.py)
when it is configured, otherwise SMTP (aiosmtplib) when an SMTP host is, otherwise none, and
then nothing is sent and messages wait in the outbox.

Each message carries a deterministic id derived from its outbox key (SMTP's Message-ID,
Notify's `reference`), so that a rare resend (a sender that died between the server's
acceptance and marking the row sent) is recognisable as the same message.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

import aiosmtplib

from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.notifications import outbox
from domain.notifications.models import Channel, OutboxMessage
from domain.notifications.notify import NotifySender
from domain.notifications.senders import Email, Sender, SendFailed

log = logging.getLogger("qaf.email")


def message_id(key: str) -> str:
    """The deterministic Message-ID of the outbox message with this key."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@qaf>"


def build_message(email: Email, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = message_id(email.key)
    message["Date"] = format_datetime(email.date)
    message.set_content(email.body)
    return message


def message_bytes(email: Email, sender: str) -> bytes:
    """The message as sent over SMTP. Plain ASCII text with simple headers (every survey
    invitation, most reminders) is written out directly: the standard library's `email`
    package takes about a millisecond to build and flatten a message, most of a sender's
    time when it sends hundreds a second. Anything else goes through `build_message`."""
    headers = (sender, email.to, email.subject)
    if (
        all(h.isascii() and h.isprintable() and len(h) < 900 for h in headers)
        and email.body.isascii()
        and "\r" not in email.body
        and all(
            len(line) <= 998 and (line.isprintable() or not line) for line in email.body.split("\n")
        )
    ):
        return (
            f"From: {sender}\r\nTo: {email.to}\r\nSubject: {email.subject}\r\n"
            f"Message-ID: {message_id(email.key)}\r\nDate: {format_datetime(email.date)}\r\n"
            'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: 7bit\r\n\r\n"
            + email.body.replace("\n", "\r\n")
            + ("" if email.body.endswith("\n") else "\r\n")
        ).encode("ascii")
    return build_message(email, sender).as_bytes(policy=SMTP)


def sender_from_settings(settings: Settings) -> Sender | None:
    """GOV.UK Notify when configured, otherwise SMTP when configured, otherwise none."""
    return NotifySender.from_settings(settings) or SmtpSender.from_settings(settings)


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    timeout: float = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSender | None:
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            timeout=settings.smtp_timeout_seconds,
        )

    async def send(self, message: OutboxMessage) -> None:
        await self.send_email(Email.of_outbox(message))

    async def send_email(self, email: Email) -> None:
        """One connection per message (the outbox's way: a few messages now and then)."""
        try:
            await aiosmtplib.send(
                build_message(email, self.sender),
                hostname=self.host,
                port=self.port,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendFailed(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        return None

    def connection(self) -> SmtpConnection:
        """A sender that keeps one SMTP connection open between messages (for many messages
        in a row, such as a campaign's invitations); close it with `aclose`."""
        return SmtpConnection(self)


class SmtpConnection:
    """One SMTP connection reused for message after message: opened on the first, and again
    after any failure (a connection in an unknown state is never reused)."""

    def __init__(self, sender: SmtpSender) -> None:
        self.sender = sender
        self._smtp: aiosmtplib.SMTP | None = None

    async def send_email(self, email: Email) -> None:
        try:
            if self._smtp is None or not self._smtp.is_connected:
                self._smtp = aiosmtplib.SMTP(
                    hostname=self.sender.host,
                    port=self.sender.port,
                    timeout=self.sender.timeout,
                )
                await self._smtp.connect()
            await self._smtp.sendmail(
                self.sender.sender, [email.to], message_bytes(email, self.sender.sender)
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self.aclose()
            raise SendFailed(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                smtp.close()


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0


async def deliver(
    *,
    session_factory: SessionFactory,
    clock: Clock,
    sender: Sender,
    worker_id: str,
    limit: int = 100,
    claim_timeout: timedelta = outbox.CLAIM_TIMEOUT,
) -> DeliveryResult:
    """Claim a batch of email (committed), send each, and mark each sent or failed in its own
    short transaction, so one bad address does not hold back the others."""
    async with session_factory() as session, session.begin():
        batch = await outbox.claim_batch(
            session, clock, worker_id, limit, claim_timeout=claim_timeout
        )
    result = DeliveryResult(claimed=len(batch))
    for row in batch:
        if row.channel != Channel.EMAIL:
            continue
        try:
            await sender.send(row)
        except SendFailed as exc:
            log.warning("sending outbox message %s failed: %s", row.key, exc)
            async with session_factory() as session, session.begin():
                await outbox.mark_failed(session, clock, row.id, worker_id, str(exc))
            result.failed += 1
            continue
        async with session_factory() as session, session.begin():
            await outbox.mark_sent(session, clock, row.id, worker_id)
        result.sent += 1
    return result
