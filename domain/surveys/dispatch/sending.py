"""Sending a batch of claimed sends through each channel's lanes, at the channel's rate.

Each channel's rate is shared by every worker through a token bucket in Redis
(`domain/notifications/throttle.py`). Without a sender for a channel (no SMS template, say),
that channel's invitations wait and `dispatch_progress` says so."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.core.clock import Clock, DailyWindow
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.notifications import email as email_senders
from domain.notifications.notify import NotifySender, NotifyTextSender
from domain.notifications.senders import (
    Email,
    EmailSender,
    SendFailed,
    TextMessage,
    TextSender,
)
from domain.notifications.throttle import Throttle
from domain.surveys import tokens
from domain.surveys.dispatch.claims import (
    Send,
    claim_sends,
    mark_failed,
    mark_sent,
    release,
    still_to_send,
)
from domain.surveys.dispatch.messages import message_for, text_for
from domain.surveys.models import (
    Channel,
)

log = logging.getLogger("qaf.surveys.dispatch")

BATCH = 100
# A batch is at most this many seconds of its channel's rate, so that a batch always ends
# well within the claim timeout however low the rate is set.
BATCH_SECONDS = 5
# Messages in flight at once in a batch (one SMTP connection or Notify client each).
LANES = 4
# A batch stops after this many failures in a row (the server is in trouble): the rest of its
# claims are let go without counting as attempts, and the next run tries again.
FAILURES_IN_A_ROW = 5


@dataclass(frozen=True)
class Channels:
    """What sends each channel: a list of lanes (senders used one message at a time each),
    or none when the channel is not configured (its invitations then wait)."""

    email: list[EmailSender] | None
    sms: list[TextSender] | None

    def configured(self) -> frozenset[Channel]:
        return frozenset(
            c for c, lanes in ((Channel.EMAIL, self.email), (Channel.SMS, self.sms)) if lanes
        )

    async def aclose(self) -> None:
        for lane in self.email or []:
            await lane.aclose()
        for text in self.sms or []:
            await text.aclose()


def channels_from_settings(settings: Settings, lanes: int = LANES) -> Channels:
    """Email through GOV.UK Notify when configured, otherwise SMTP, otherwise none; text
    messages through Notify's SMS template, otherwise none."""
    email_lanes: list[EmailSender] | None = None
    notify = NotifySender.from_settings(settings)
    smtp = email_senders.SmtpSender.from_settings(settings)
    if notify is not None:
        email_lanes = [notify.copy() for _ in range(lanes)]
    elif smtp is not None:
        email_lanes = [smtp.connection() for _ in range(lanes)]
    text = NotifyTextSender.from_settings(settings)
    sms_lanes: list[TextSender] | None = [text.copy() for _ in range(lanes)] if text else None
    return Channels(email=email_lanes, sms=sms_lanes)


def configured_channels(settings: Settings) -> frozenset[Channel]:
    """The channels this configuration can send (for `dispatch_progress`)."""
    found = {Channel.PRINT}
    if email_senders.sender_from_settings(settings) is not None:
        found.add(Channel.EMAIL)
    if NotifyTextSender.from_settings(settings) is not None:
        found.add(Channel.SMS)
    return frozenset(found)


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    # Stopped before sending: answered, opted out, closed or taken over since the claim.
    skipped: int = 0
    released: int = 0


def batch_size(per_second: float) -> int:
    return max(1, min(BATCH, int(per_second * BATCH_SECONDS)))


async def send_batch(
    *,
    session_factory: SessionFactory,
    clock: Clock,
    throttle: Throttle,
    lanes: Sequence[EmailSender] | Sequence[TextSender],
    channel: Channel,
    worker_id: str,
    token_key: str,
    public_base_url: str,
    claim_timeout: timedelta,
    sending_hours: DailyWindow,
    limit: int | None = None,
    deadline: float | None = None,
) -> BatchResult:
    """Claim a batch of `channel`'s sends due now (committed), then send them through the
    lanes at once, each at the shared rate of the channel, each checked right before it goes
    and marked right after (in its own statement, committed at once). Outside the sending
    hours (`SURVEY_SENDING_HOURS`, London time) nothing is claimed: nobody is messaged at
    night, and what is due waits for the morning. Once `deadline` (a `time.monotonic()` value)
    has passed, nothing is claimed and no lane starts another message; the claims not tried
    are let go. Cancelled (a job's timeout), each lane finishes its message in flight (sent
    and marked), the rest are let go, and the cancellation goes on. The worker's
    `send_invitations` job and the benchmark call this."""
    if not sending_hours.contains(clock.now()) or _past(deadline):
        return BatchResult()
    async with session_factory() as session, session.begin():
        sends = await claim_sends(
            session,
            clock,
            worker_id,
            channel,
            limit or batch_size(throttle.per_second),
            claim_timeout,
        )
    result = BatchResult(claimed=len(sends))
    if not sends:
        return result
    batch = _Batch(
        session_factory=session_factory,
        clock=clock,
        throttle=throttle,
        worker_id=worker_id,
        token_key=token_key,
        public_base_url=public_base_url,
        deadline=deadline,
        result=result,
        waiting=list(reversed(sends)),
    )
    try:
        await asyncio.gather(*(batch.lane(sender) for sender in lanes))
    finally:
        await batch.release_rest()
    return result


@dataclass
class _Batch:
    """A claimed batch being sent: the sends waiting (taken from the end by each lane), the
    rate tokens held for them, and how many failed in a row (the server is in trouble)."""

    session_factory: SessionFactory
    clock: Clock
    throttle: Throttle
    worker_id: str
    token_key: str
    public_base_url: str
    deadline: float | None
    result: BatchResult
    waiting: list[Send]
    tokens_held: int = 0
    token_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    failures_in_a_row: int = 0

    async def take_token(self) -> None:
        async with self.token_lock:
            if self.tokens_held == 0:
                # Tokens taken for sends that then stop unsent are wasted: slower, never faster.
                self.tokens_held = await self.throttle.take(
                    min(max(len(self.waiting), 1), max(1, int(self.throttle.per_second / 10)))
                )
            self.tokens_held -= 1

    async def check_send_mark(
        self, conn: AsyncConnection, sender: EmailSender | TextSender, send: Send
    ) -> None:
        result = self.result
        if not await still_to_send(conn, self.clock, send, self.worker_id):
            result.skipped += 1
            return
        try:
            await _send_one(sender, send, self.token_key, self.public_base_url, self.clock.now())
        except SendFailed as exc:
            log.warning("sending survey invitation %s failed: %s", send.key, exc)
            await mark_failed(conn, self.clock, send, str(exc))
            result.failed += 1
            self.failures_in_a_row += 1
            return
        self.failures_in_a_row = 0
        await mark_sent(conn, self.clock, [send])
        result.sent += 1

    async def lane(self, sender: EmailSender | TextSender) -> None:
        async with self.session_factory() as session:
            conn = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            while (
                self.waiting
                and self.failures_in_a_row < FAILURES_IN_A_ROW
                and not _past(self.deadline)
            ):
                await self.take_token()
                if not self.waiting or _past(self.deadline):
                    break
                # Checked, sent and marked to the end even if the job is cancelled meanwhile.
                await email_senders.finish_in_flight(
                    self.check_send_mark(conn, sender, self.waiting.pop())
                )

    async def release_rest(self) -> None:
        """Let go of the claims not tried (not counted as attempts)."""
        if not self.waiting:
            return
        try:
            async with self.session_factory() as session, session.begin():
                await release(session, self.waiting, self.worker_id)
            self.result.released = len(self.waiting)
        except Exception:  # PostgreSQL lost: the claims expire after the claim timeout
            log.warning("could not let go of %d survey claims", len(self.waiting), exc_info=True)


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


async def _send_one(
    sender: EmailSender | TextSender,
    send: Send,
    token_key: str,
    public_base_url: str,
    now: datetime,
) -> None:
    token = tokens.derive(token_key, send.token_salt)
    if send.channel is Channel.SMS:
        assert hasattr(sender, "send_text")
        body = text_for(
            audience=send.audience, number=send.number, token=token, public_base_url=public_base_url
        )
        await sender.send_text(TextMessage(to=send.contact, body=body, key=send.key))
        return
    assert hasattr(sender, "send_email")
    message = message_for(
        audience=send.audience,
        number=send.number,
        token=token,
        public_base_url=public_base_url,
        closes_at=send.closes_at,
    )
    await sender.send_email(
        Email(
            to=send.contact,
            subject=message.subject,
            body=message.body,
            key=send.key,
            date=now,
        )
    )
