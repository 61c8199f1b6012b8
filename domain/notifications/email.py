"""Email from the outbox, through a sender: GOV.UK Notify (domain/notifications/notify.py)
when it is configured, otherwise SMTP (aiosmtplib) when an SMTP host is, otherwise none, and
then nothing is sent and messages wait in the outbox.

Each message carries a deterministic id derived from its outbox key (SMTP's Message-ID,
Notify's `reference`), so that a rare resend (a sender that died between the server's
acceptance and marking the row sent) is recognisable as the same message.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import TypeVar

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncConnection

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


T = TypeVar("T")


async def finish_in_flight(work: Awaitable[T]) -> T:
    """Run `work` (one message's send and mark) to its end even if the caller is cancelled
    meanwhile (a job's timeout, a worker shutting down), then let the cancellation go on: a
    message the server accepted is always marked, unless PostgreSQL itself is lost."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                raise
            cancelled = True
            continue
        except BaseException:
            if cancelled:
                raise asyncio.CancelledError from None
            raise
        if cancelled:
            raise asyncio.CancelledError
        return result


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    # Not sent because the claim was no longer this sender's (taken over) when its turn came.
    skipped: int = 0
    # Claimed but not tried (the budget ran out, or the job was cancelled): let go.
    released: int = 0


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


async def deliver(
    *,
    session_factory: SessionFactory,
    clock: Clock,
    sender: Sender,
    worker_id: str,
    limit: int = 100,
    claim_timeout: timedelta = outbox.CLAIM_TIMEOUT,
    deadline: float | None = None,
) -> DeliveryResult:
    """Claim a batch of email (committed), then for each message: check this sender still
    holds its claim (refreshing it), send it, and mark it sent or failed, each committed at
    once, so one bad address does not hold back the others. Nothing is claimed, and no
    further message started, once `deadline` (a `time.monotonic()` value) has passed; the
    claims not tried are let go. Cancelled, it finishes the message in flight (sent and
    marked), lets the rest go and stops."""
    if _past(deadline):
        return DeliveryResult()
    async with session_factory() as session, session.begin():
        batch = await outbox.claim_batch(
            session, clock, worker_id, limit, claim_timeout=claim_timeout
        )
    result = DeliveryResult(claimed=len(batch))
    waiting = [row for row in reversed(batch) if row.channel == Channel.EMAIL]

    async def send_one(conn: AsyncConnection, row: OutboxMessage) -> None:
        assert row.claimed_at is not None
        if await outbox.hold_claim(conn, clock, row.id, worker_id, row.claimed_at) is None:
            log.info("outbox message %s was taken over by another sender: not sent", row.key)
            result.skipped += 1
            return
        try:
            await sender.send(row)
        except SendFailed as exc:
            log.warning("sending outbox message %s failed: %s", row.key, exc)
            async with session_factory() as session, session.begin():
                await outbox.mark_failed(session, clock, row.id, worker_id, str(exc))
            result.failed += 1
            return
        await outbox.mark_sent(conn, clock, row.id, worker_id)
        result.sent += 1

    try:
        async with session_factory() as session:
            conn = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            while waiting and not _past(deadline):
                await finish_in_flight(send_one(conn, waiting.pop()))
    finally:
        if waiting:
            claims = [(row.id, row.claimed_at) for row in waiting if row.claimed_at is not None]
            try:
                async with session_factory() as session, session.begin():
                    result.released = await outbox.release(session, claims, worker_id)
            except Exception:  # PostgreSQL lost: the claims expire after the claim timeout
                log.warning("could not let go of %d outbox claims", len(claims), exc_info=True)
    return result
