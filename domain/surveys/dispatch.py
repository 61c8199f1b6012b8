"""Sending survey invitations and their reminders, by email and text message.

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

The message and its link are built in memory from the invitation's contact and token salt:
nothing of either is written anywhere else (the outbox keeps its rows for good; an
invitation's contact details are erased when its campaign closes).

Each channel's rate is shared by every worker through a token bucket in Redis
(`domain/notifications/throttle.py`). Without a sender for a channel (no SMS template, say),
that channel's invitations wait and `dispatch_progress` says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
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

from domain.core.clock import LONDON, Clock
from domain.core.db import SessionFactory
from domain.core.errors import Conflict, NotFound
from domain.core.settings import Settings
from domain.deadlines.calendar import DailyWindow
from domain.history import service as history
from domain.notifications import email as email_senders
from domain.notifications.notify import NotifySender, NotifyTextSender
from domain.notifications.outbox import backoff
from domain.notifications.senders import (
    Email,
    EmailSender,
    SendFailed,
    TextMessage,
    TextSender,
)
from domain.notifications.throttle import Throttle
from domain.people.roles import Actor
from domain.surveys import policy, tokens
from domain.surveys.definitions import Audience
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
SENDABLE = (InvitationStatus.QUEUED, InvitationStatus.SENT)
SENT_BY = (Channel.EMAIL, Channel.SMS)
# After this many failed attempts at one message the invitation is FAILED (1, 2, 4, 8 minutes
# apart); a campaign's runner may try its failed invitations again (`retry_failed`).
MAX_SEND_ATTEMPTS = 5
BATCH = 100
# A batch is at most this many seconds of its channel's rate, so that a batch always ends
# well within the claim timeout however low the rate is set.
BATCH_SECONDS = 5
# Messages in flight at once in a batch (one SMTP connection or Notify client each).
LANES = 4
# A batch stops after this many failures in a row (the server is in trouble): the rest of its
# claims are let go without counting as attempts, and the next run tries again.
FAILURES_IN_A_ROW = 5


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


# --- claiming and marking --------------------------------------------------------------------


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
        await session.execute(
            update(SurveyInvitation)
            .where(SurveyInvitation.id.in_(given_up))
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
        log.warning("gave up %d survey invitation sends whose senders died", len(given_up))
    found = [r for r in claimed if r.attempts <= MAX_SEND_ATTEMPTS]
    return [
        Send(
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
        for r in found
    ]


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


# --- the messages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


_ABOUT: dict[Audience, tuple[str, str]] = {
    # (what we ask about, in the subject; the opening of the body)
    Audience.CHILD_UNDER_8: (
        "Tell us how things are for you",
        "We would like to know how things are for you, and about the people who help you.",
    ),
    Audience.CHILD_8_TO_12: (
        "Tell us how things are for you",
        "We would like to know how things are going for you, and what the people who help "
        "you do well or could do better.",
    ),
    Audience.CHILD_13_AND_OVER: (
        "Tell us what you think of the help you get",
        "We want to know what you think of the help you get from children's services: what "
        "is working well for you and what could be better.",
    ),
    Audience.PARENT_CARER: (
        "Tell us about the help your family gets",
        "We would like to hear what you think of the help your family gets from children's "
        "services: what is working well and what could be better.",
    ),
    Audience.CARE_LEAVER: (
        "Tell us about the support you get as a care leaver",
        "We want to hear what you think of the support you get as a care leaver: what is "
        "working well for you and what could be better.",
    ),
    Audience.STAFF: (
        "Staff survey: tell us how things are at work",
        "We would like to hear how things are for you at work: what helps you do your job "
        "well and what gets in the way.",
    ),
}


def _day(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y}"


def message_for(
    *, audience: Audience, number: int, token: str, public_base_url: str, closes_at: datetime
) -> Message:
    """An email's subject and body for send `number` (0 the invitation, then reminders), in
    plain words for its audience, with the survey's link and a link to ask for no more. It
    names nobody and no case: the link is all that identifies the invitation."""
    link = f"{public_base_url.rstrip('/')}/s/{token}"
    subject, opening = _ABOUT[audience]
    staff = audience is Audience.STAFF
    if number > 0:
        subject = f"Reminder: {subject.lower() if not staff else subject}"
        opening = (
            "We asked you a little while ago, and would still like to hear from you. " + opening
        )
    anonymous = (
        "Your answers are counted with everyone else's, and are not shared with your manager."
        if staff
        else "Your answers are counted with everyone else's. You do not have to answer, and "
        "saying no will not change the help you get."
    )
    body = "\n\n".join(
        [
            "Hello,",
            opening,
            f"It takes a few minutes. Open the survey here:\n{link}",
            anonymous,
            f"The survey closes on {_day(closes_at)}. This link is only for you: please do "
            "not pass it on.",
            f"If you do not want any more messages about surveys, open this link:\n{link}/stop",
        ]
    )
    return Message(subject=subject, body=body)


def text_for(*, audience: Audience, number: int, token: str, public_base_url: str) -> str:
    """A text message: short, the link and how to stop."""
    link = f"{public_base_url.rstrip('/')}/s/{token}"
    ask = "We would like your views on the help you get"
    if audience is Audience.STAFF:
        ask = "Staff survey: we would like your views"
    elif audience is Audience.PARENT_CARER:
        ask = "We would like your views on the help your family gets"
    prefix = "Reminder: " if number > 0 else ""
    return f"{prefix}{ask}. It takes a few minutes: {link} No more messages: {link}/stop"


# --- sending ---------------------------------------------------------------------------------


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
    waiting = list(reversed(sends))
    tokens_held = 0
    token_lock = asyncio.Lock()
    failures_in_a_row = 0

    async def take_token() -> None:
        nonlocal tokens_held
        async with token_lock:
            if tokens_held == 0:
                # Tokens taken for sends that then stop unsent are wasted: slower, never faster.
                tokens_held = await throttle.take(
                    min(max(len(waiting), 1), max(1, int(throttle.per_second / 10)))
                )
            tokens_held -= 1

    async def check_send_mark(
        conn: AsyncConnection, sender: EmailSender | TextSender, send: Send
    ) -> None:
        nonlocal failures_in_a_row
        if not await still_to_send(conn, clock, send, worker_id):
            result.skipped += 1
            return
        try:
            await _send_one(sender, send, token_key, public_base_url, clock.now())
        except SendFailed as exc:
            log.warning("sending survey invitation %s failed: %s", send.key, exc)
            await mark_failed(conn, clock, send, str(exc))
            result.failed += 1
            failures_in_a_row += 1
            return
        failures_in_a_row = 0
        await mark_sent(conn, clock, [send])
        result.sent += 1

    async def lane(sender: EmailSender | TextSender) -> None:
        async with session_factory() as session:
            conn = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            while waiting and failures_in_a_row < FAILURES_IN_A_ROW and not _past(deadline):
                await take_token()
                if not waiting or _past(deadline):
                    break
                # Checked, sent and marked to the end even if the job is cancelled meanwhile.
                await email_senders.finish_in_flight(check_send_mark(conn, sender, waiting.pop()))

    try:
        await asyncio.gather(*(lane(sender) for sender in lanes))
    finally:
        if waiting:
            try:
                async with session_factory() as session, session.begin():
                    await release(session, waiting, worker_id)
                result.released = len(waiting)
            except Exception:  # PostgreSQL lost: the claims expire after the claim timeout
                log.warning("could not let go of %d survey claims", len(waiting), exc_info=True)
    return result


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


# --- for campaign runners --------------------------------------------------------------------


async def retry_failed(
    *, session: AsyncSession, actor: Actor, clock: Clock, campaign_id: uuid.UUID
) -> int:
    """Try a campaign's FAILED invitations again (its runner's decision, say after a wrong
    address was corrected or the mail server mended): each goes back to waiting for the send
    that failed, due now, with its attempts counted afresh. Nothing for a closed campaign (its
    contact details are gone). Returns how many."""
    policy.check_can_run_campaigns(actor)
    campaign = await session.scalar(
        select(SurveyCampaign)
        .where(SurveyCampaign.id == campaign_id, policy.visible_campaigns(actor))
        .with_for_update()
    )
    if campaign is None:
        raise NotFound("survey campaign", field="campaignId")
    if campaign.state is CampaignState.CLOSED:
        raise Conflict("This campaign has closed.", field="campaignId")
    now = clock.now()
    retried = await session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.campaign_id == campaign.id,
            SurveyInvitation.status == InvitationStatus.FAILED,
            SurveyInvitation.contact.is_not(None),
        )
        .values(
            status=case(
                (SurveyInvitation.sends_done > 0, literal(InvitationStatus.SENT.value)),
                else_=literal(InvitationStatus.QUEUED.value),
            ),
            attempts=0,
            claimed_at=None,
            claimed_by=None,
            next_send_at=max(now, campaign.opens_at),
        )
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(retried, "rowcount", 0))
    if count:
        await history.record(
            session=session,
            actor=actor,
            clock=clock,
            action="survey_campaign.retried_failed",
            object_type="SurveyCampaign",
            object_id=campaign.id,
            changes={"failedInvitations": [count, 0]},
        )
    return count


@dataclass(frozen=True)
class DispatchProgress:
    """How a campaign's sending is going."""

    # Sends waiting (invitations or reminders), and of those due now.
    to_send: int = 0
    due_now: int = 0
    # Invitations sent at least once, and reminders sent in all.
    sent: int = 0
    reminders_sent: int = 0
    # Being tried again after a failure (with an error kept), and given up (FAILED).
    retrying: int = 0
    failed: int = 0
    # Due now but waiting for a channel that is not configured (e.g. text messages without
    # NOTIFY_SMS_TEMPLATE_ID).
    waiting_for_channel: int = 0
    next_send_at: datetime | None = None
    # Outside the sending hours with sends waiting: when sending starts again.
    paused_until: datetime | None = None


async def dispatch_progress(
    *,
    session: AsyncSession,
    clock: Clock,
    campaign_ids: Sequence[uuid.UUID],
    configured: frozenset[Channel],
    window: DailyWindow | None = None,
) -> dict[uuid.UUID, DispatchProgress]:
    """Each campaign's sending progress, for any number of campaigns in one statement
    (callers have checked the campaigns are visible; `configured` is
    `configured_channels(settings)`, `window` its `survey_sending_window`)."""
    found = {c: DispatchProgress() for c in campaign_ids}
    if not campaign_ids:
        return found
    now = clock.now()
    i = SurveyInvitation
    waiting = and_(i.next_send_at.is_not(None), i.status.in_(SENDABLE))
    unconfigured = [c for c in SENT_BY if c not in configured]
    rows = await session.execute(
        select(
            i.campaign_id,
            func.count().filter(waiting),
            func.count().filter(waiting, i.next_send_at <= now),
            func.count().filter(i.sends_done > 0),
            func.coalesce(func.sum(func.greatest(i.sends_done - 1, 0)), 0),
            func.count().filter(i.status.in_(SENDABLE), i.last_error.is_not(None)),
            func.count().filter(i.status == InvitationStatus.FAILED),
            func.count().filter(
                waiting, i.next_send_at <= now, i.channel.in_(unconfigured or [Channel.PRINT])
            )
            if unconfigured
            else literal(0),
            func.min(i.next_send_at).filter(waiting),
        )
        .where(i.campaign_id.in_(campaign_ids))
        .group_by(i.campaign_id)
    )
    paused_until = None if window is None or window.contains(now) else window.next_opening(now)
    for row in rows:
        found[row[0]] = DispatchProgress(
            to_send=row[1],
            due_now=row[2],
            sent=row[3],
            reminders_sent=int(row[4]),
            retrying=row[5],
            failed=row[6],
            waiting_for_channel=int(row[7]),
            next_send_at=row[8],
            paused_until=paused_until if row[1] else None,
        )
    return found
