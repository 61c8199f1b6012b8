"""Claiming the sends that are due and marking them sent or failed.

An invitation's sends are numbered: 0 the invitation, 1… each reminder. The next one is due at
`next_send_at` (the partial index `ix_survey_invitations_next_send` finds them). A sender
claims a batch (`claim_sends`: `FOR UPDATE SKIP LOCKED`, each claim an attempt) and commits
before sending anything; then, for each message, it checks the invitation is still to be sent
(not answered, not opted out, its campaign still open, its claim still its own) right before
sending, sends it, and marks it (`mark_sent` or `mark_failed`) in its own statement at once,
so that a sender killed mid-batch leaves behind only the messages it had in flight, unmarked.
Another sender takes those over once the claim is older than the claim timeout and sends
them again: the only way a message goes twice, and it carries the same id (SMTP's Message-ID,
Notify's reference, from `send_key`), so the resend is recognisable.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.core.clock import Clock
from domain.notifications.outbox import backoff
from domain.surveys.definitions import Audience
from domain.surveys.flows import InvitationEvent, invitation_sources
from domain.surveys.models import (
    CampaignKind,
    CampaignState,
    Channel,
    InvitationStatus,
    SurveyCampaign,
    SurveyInvitation,
)

log = logging.getLogger("qaf.surveys.dispatch")


# The statuses an invitation is sent (or reminded) in.
SENDABLE = invitation_sources(InvitationEvent.SEND)
SENT_BY = (Channel.EMAIL, Channel.SMS)
# After this many failed attempts at one message the invitation is FAILED (1, 2, 4, 8 minutes
# apart); a campaign's runner may try its failed invitations again (`retry_failed`).
MAX_SEND_ATTEMPTS = 5


def send_key(invitation_id: uuid.UUID, number: int) -> str:
    """The deterministic identity of an invitation's send `number` (0 the invitation, then
    each reminder): SMTP's Message-ID is made from it, and it is Notify's reference."""
    return f"survey-invitation:{invitation_id}:{number}"


@dataclass(frozen=True)
class Send:
    """A claimed send, held in memory only while it is sent."""

    invitation_id: uuid.UUID
    number: int
    channel: Channel
    audience: Audience
    kind: CampaignKind
    contact: str = field(repr=False)
    token_salt: bytes = field(repr=False)
    closes_at: datetime
    attempts: int
    # When this sender claimed it: the claim is still its own only while this is unchanged.
    claimed_at: datetime

    @property
    def key(self) -> str:
        return send_key(self.invitation_id, self.number)


def _sendable_now(now: Any) -> Any:
    return and_(
        SurveyInvitation.next_send_at <= now,
        SurveyInvitation.status.in_(SENDABLE),
        SurveyInvitation.contact.is_not(None),
        SurveyInvitation.token_salt.is_not(None),
        SurveyInvitation.expires_at > now,
        SurveyCampaign.id == SurveyInvitation.campaign_id,
        SurveyCampaign.state == CampaignState.OPEN,
        SurveyCampaign.closes_at > now,
    )


async def claim_sends(
    session: AsyncSession,
    clock: Clock,
    worker_id: str,
    channel: Channel,
    limit: int,
    claim_timeout: timedelta,
) -> list[Send]:
    """Claim up to `limit` sends due by now through `channel` (their campaign open, their
    invitation neither answered nor opted out, not claimed or claimed longer ago than
    `claim_timeout`), the longest waiting first; each claim counts as an attempt. The caller
    commits before sending."""
    now = clock.now()
    claimable = (
        select(SurveyInvitation.id)
        .join(SurveyCampaign, SurveyCampaign.id == SurveyInvitation.campaign_id)
        .where(
            _sendable_now(now),
            SurveyInvitation.channel == channel,
            or_(
                SurveyInvitation.claimed_at.is_(None),
                SurveyInvitation.claimed_at < now - claim_timeout,
            ),
        )
        .order_by(SurveyInvitation.next_send_at)
        .limit(limit)
        .with_for_update(of=SurveyInvitation, skip_locked=True)
    )
    rows = await session.execute(
        update(SurveyInvitation)
        .where(
            # `id = ANY(ARRAY(SELECT …))`: the few rows found are updated by primary key,
            # however many invitations the table holds (a join to the same subquery, or to a
            # CTE, was planned as a hash join over a sequential scan of the whole table).
            SurveyInvitation.id == any_(func.array(claimable.scalar_subquery())),
            SurveyCampaign.id == SurveyInvitation.campaign_id,
        )
        .values(claimed_at=now, claimed_by=worker_id, attempts=SurveyInvitation.attempts + 1)
        .returning(
            SurveyInvitation.id,
            SurveyInvitation.sends_done,
            SurveyInvitation.channel,
            SurveyInvitation.audience,
            SurveyCampaign.kind,
            SurveyInvitation.contact,
            SurveyInvitation.token_salt,
            SurveyCampaign.closes_at,
            SurveyInvitation.attempts,
            SurveyInvitation.next_send_at,
            SurveyInvitation.claimed_at,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = sorted(rows, key=lambda r: (r.next_send_at, r.id))
    # A claim taken over after its sender died counted as an attempt without being marked;
    # a message whose sender dies every time (whatever in it brings the worker down) would
    # otherwise be claimed for ever. Past the limit it is FAILED, visible to the runners.
    given_up = [r.id for r in claimed if r.attempts > MAX_SEND_ATTEMPTS]
    if given_up:
        await _give_up(session, given_up)
    return [_send_of(r) for r in claimed if r.attempts <= MAX_SEND_ATTEMPTS]


async def _give_up(session: AsyncSession, invitation_ids: list[uuid.UUID]) -> None:
    await session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id.in_(invitation_ids))
        .values(
            status=InvitationStatus.FAILED,
            next_send_at=None,
            claimed_at=None,
            claimed_by=None,
            last_error=f"Given up: its sender stopped during each of {MAX_SEND_ATTEMPTS} "
            "attempts without finishing.",
        )
        .execution_options(synchronize_session=False)
    )
    log.warning("gave up %d survey invitation sends whose senders died", len(invitation_ids))


def _send_of(r: Any) -> Send:
    return Send(
        invitation_id=r.id,
        number=r.sends_done,
        channel=Channel(r.channel),
        audience=Audience(r.audience),
        kind=CampaignKind(r.kind),
        contact=r.contact,
        token_salt=r.token_salt,
        closes_at=r.closes_at,
        attempts=r.attempts,
        claimed_at=r.claimed_at,
    )


@cache
def _still_to_send() -> Any:
    # Built once: building a statement costs more than running it, at hundreds a second.
    return select(SurveyInvitation.id).where(
        SurveyInvitation.id == bindparam("invitation_id"),
        SurveyInvitation.sends_done == bindparam("number"),
        SurveyInvitation.claimed_by == bindparam("worker_id"),
        SurveyInvitation.claimed_at == bindparam("claimed_at"),
        _sendable_now(bindparam("now")),
    )


async def still_to_send(
    conn: AsyncConnection | AsyncSession, clock: Clock, send: Send, worker_id: str
) -> bool:
    """Right before sending: is this send still wanted and still ours? Not if the invitation
    was answered or opted out of since it was claimed, its campaign closed, the message was
    marked sent by another sender, or the claim was taken over (by another worker, or by a
    later job of this one: the claim must be the very one this sender made)."""
    found = await conn.scalar(
        _still_to_send(),
        {
            "invitation_id": send.invitation_id,
            "number": send.number,
            "worker_id": worker_id,
            "claimed_at": send.claimed_at,
            "now": clock.now(),
        },
    )
    return found is not None


@cache
def _mark_sent_statement() -> Any:
    number = bindparam("number", type_=Integer)
    now: Any = bindparam("now")
    sendable = and_(
        SurveyInvitation.status.in_(SENDABLE), SurveyCampaign.state == CampaignState.OPEN
    )
    first_sent = func.coalesce(SurveyInvitation.sent_at, now)
    # The next reminder: reminder_days[number] days (1-based in SQL: number + 1) after the
    # invitation went; none after the last, nor at or after the campaign's close.
    reminder_at = first_sent + func.make_interval(0, 0, 0, SurveyCampaign.reminder_days[number + 1])
    return (
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == bindparam("invitation_id"),
            SurveyInvitation.sends_done == number,
            SurveyCampaign.id == SurveyInvitation.campaign_id,
        )
        .values(
            sends_done=number + 1,
            sent_at=first_sent,
            last_reminded_at=case((number > 0, now), else_=SurveyInvitation.last_reminded_at),
            # Answered or opted out while it was being sent: it stays so.
            status=case(
                (SurveyInvitation.status.in_(SENDABLE), literal(InvitationStatus.SENT.value)),
                else_=SurveyInvitation.status,
            ),
            next_send_at=case(
                (and_(sendable, reminder_at < SurveyCampaign.closes_at), reminder_at),
                else_=None,
            ),
            claimed_at=None,
            claimed_by=None,
            attempts=0,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )


async def mark_sent(
    conn: AsyncConnection | AsyncSession, clock: Clock, sends: Sequence[Send]
) -> int:
    """Record that these sends went: one more send done, the claim let go, and the next
    reminder due `reminder_days[n]` days after the invitation went, if that is before the
    campaign closes and the invitation is still unanswered (else nothing more is due). An
    invitation answered or opted out meanwhile stays so. A send already marked (by a sender
    that took it over) is not counted twice. Returns how many were marked."""
    if not sends:
        return 0
    now = clock.now()
    params = [{"invitation_id": s.invitation_id, "number": s.number, "now": now} for s in sends]
    result = await conn.execute(_mark_sent_statement(), params[0] if len(params) == 1 else params)
    return int(getattr(result, "rowcount", len(sends)))


async def mark_failed(
    conn: AsyncConnection | AsyncSession, clock: Clock, send: Send, error: str
) -> bool:
    """Record a failed attempt (the error is kept on the invitation, never the contact): the
    claim is let go and the send is tried again after a back-off growing with its attempts;
    after MAX_SEND_ATTEMPTS the invitation is FAILED. False if it was sent or stopped
    meanwhile."""
    now = clock.now()
    given_up = SurveyInvitation.attempts >= MAX_SEND_ATTEMPTS
    retry_at = now + backoff(send.attempts)
    result = await conn.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == send.invitation_id,
            SurveyInvitation.sends_done == send.number,
            SurveyInvitation.status.in_(SENDABLE),
        )
        .values(
            last_error=error[:2000],
            claimed_at=None,
            claimed_by=None,
            status=case(
                (given_up, literal(InvitationStatus.FAILED.value)),
                else_=SurveyInvitation.status,
            ),
            next_send_at=case((given_up, None), else_=retry_at),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def release(
    conn: AsyncConnection | AsyncSession, sends: Sequence[Send], worker_id: str
) -> None:
    """Let go of claims not tried, without counting them as attempts (a claim taken over
    meanwhile is not touched)."""
    if not sends:
        return
    await conn.execute(
        update(SurveyInvitation)
        .where(
            tuple_(SurveyInvitation.id, SurveyInvitation.claimed_at).in_(
                [(s.invitation_id, s.claimed_at) for s in sends]
            ),
            SurveyInvitation.claimed_by == worker_id,
        )
        .values(
            claimed_at=None,
            claimed_by=None,
            attempts=func.greatest(SurveyInvitation.attempts - 1, 0),
        )
        .execution_options(synchronize_session=False)
    )
