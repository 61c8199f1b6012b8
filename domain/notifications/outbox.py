"""The transactional outbox: messages written with the change that caused them, sent later.

A sender claims a batch (committed before it sends anything, so no other sender takes the
same rows), sends each, and marks each sent or failed. Nothing outside the database can be
told "exactly once": a sender that dies after the server (SMTP or GOV.UK Notify) accepted a
message and before marking it leaves a claim that another sender may take again once it is
older than the claim timeout; so every message carries a deterministic id from its key (SMTP's
Message-ID, Notify's reference) that makes such a rare resend recognisable. Every other path
sends nothing twice: right before each send the sender checks that it still holds that
message's claim, the very claim it made (`hold_claim`: same sender, same claimed_at), and
refreshes it; a message whose claim was taken over is left to whoever took it. Claims a
sender did not get to (its budget ran out, it was cancelled) are let go (`release`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.core.clock import Clock
from domain.notifications.models import OutboxMessage

CLAIM_TIMEOUT = timedelta(minutes=5)
# After this many attempts a message is given up (it stays, unsent, with its last error).
MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying again after `attempts` failed attempts: 1, 2, 4 … minutes,
    at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


async def claim_batch(
    session: AsyncSession,
    clock: Clock,
    worker_id: str,
    limit: int,
    *,
    claim_timeout: timedelta = CLAIM_TIMEOUT,
) -> list[OutboxMessage]:
    """Claim up to `limit` unsent messages that may be tried now and are not claimed (or whose
    claim is older than `claim_timeout`), oldest first; each claim counts as an attempt.
    The caller commits before sending."""
    now = clock.now()
    claimable = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.available_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
            or_(
                OutboxMessage.claimed_at.is_(None),
                OutboxMessage.claimed_at < now - claim_timeout,
            ),
        )
        .order_by(OutboxMessage.available_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(claimable.scalar_subquery()))
        .values(claimed_at=now, claimed_by=worker_id, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(populate_existing=True)
    )
    return sorted(claimed, key=lambda m: (m.available_at, m.key))


async def hold_claim(
    conn: AsyncConnection | AsyncSession,
    clock: Clock,
    message_id: uuid.UUID,
    worker_id: str,
    claimed_at: datetime,
) -> datetime | None:
    """Right before sending: does this sender still hold the claim it made at `claimed_at`
    on this unsent message? If so the claim is refreshed (claimed now: it is not taken over
    while the message is in flight) and its new time returned; if not (taken over after it
    expired, by another worker or by a later job of this one, or sent meanwhile), None, and
    the message must not be sent. Committed at once when `conn` autocommits."""
    return await conn.scalar(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claimed_by == worker_id,
            OutboxMessage.claimed_at == claimed_at,
            OutboxMessage.sent_at.is_(None),
        )
        .values(claimed_at=clock.now())
        .returning(OutboxMessage.claimed_at)
        .execution_options(synchronize_session=False)
    )


async def release(
    conn: AsyncConnection | AsyncSession,
    claims: list[tuple[uuid.UUID, datetime]],
    worker_id: str,
) -> int:
    """Let go of claims (message id, claimed_at) this sender made and did not try, without
    counting them as attempts, so that the next sender takes them at once rather than after
    the claim timeout. A claim taken over meanwhile is not touched. Returns how many."""
    if not claims:
        return 0
    result = await conn.execute(
        update(OutboxMessage)
        .where(
            tuple_(OutboxMessage.id, OutboxMessage.claimed_at).in_(claims),
            OutboxMessage.claimed_by == worker_id,
            OutboxMessage.sent_at.is_(None),
        )
        .values(
            claimed_at=None,
            claimed_by=None,
            attempts=func.greatest(OutboxMessage.attempts - 1, 0),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


async def mark_sent(
    session: AsyncConnection | AsyncSession, clock: Clock, message_id: uuid.UUID, worker_id: str
) -> bool:
    """Record that the message was sent. False if this sender no longer holds its claim and
    someone else has marked it sent already (then nothing changes)."""
    marked = await session.scalar(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .values(sent_at=clock.now(), claimed_by=worker_id, last_error=None)
        .returning(OutboxMessage.id)
    )
    return marked is not None


async def mark_failed(
    session: AsyncSession, clock: Clock, message_id: uuid.UUID, worker_id: str, error: str
) -> bool:
    """Record a failed attempt: the claim is released and the message may be tried again after
    a back-off that grows with its attempts. False if it was sent meanwhile."""
    row = await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .with_for_update()
    )
    if row is None:
        return False
    row.last_error = error[:2000]
    row.claimed_at = None
    row.claimed_by = None
    row.available_at = clock.now() + backoff(row.attempts)
    await session.flush()
    return True


async def unsent(
    session: AsyncSession, *, limit: int | None = None
) -> tuple[int, list[OutboxMessage]]:
    """The messages not sent yet (waiting, claimed, backing off after a failure, or given up
    after MAX_ATTEMPTS), oldest first: how many in all, and the first `limit` of them. For
    operations; reads `ix_outbox_messages_unsent`."""
    waiting = OutboxMessage.sent_at.is_(None)
    total = await session.scalar(select(func.count()).select_from(OutboxMessage).where(waiting))
    stmt = select(OutboxMessage).where(waiting).order_by(OutboxMessage.available_at)
    if limit is not None:
        stmt = stmt.limit(limit)
    return total or 0, list(await session.scalars(stmt))
