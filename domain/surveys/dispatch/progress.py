"""For a campaign's runners: retrying the invitations that failed, and how sending is going."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    and_,
    case,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock, DailyWindow
from domain.core.roles import Actor
from domain.surveys import policy
from domain.surveys.campaigns.lifecycle import check_open_for_changes, load_for_update
from domain.surveys.changes import record
from domain.surveys.dispatch.claims import SENDABLE, SENT_BY
from domain.surveys.flows import (
    InvitationEvent,
    invitation_sources,
    next_status,
)
from domain.surveys.models import (
    Channel,
    InvitationStatus,
    SurveyInvitation,
)

# What a retried invitation goes back to: waiting for its first send, or for a reminder.
_RETRIED = next_status(InvitationStatus.FAILED, InvitationEvent.RETRY)
_RETRIED_REMINDER = next_status(InvitationStatus.FAILED, InvitationEvent.RETRY_REMINDER)


async def retry_failed(
    *, session: AsyncSession, actor: Actor, clock: Clock, campaign_id: uuid.UUID
) -> int:
    """Try a campaign's FAILED invitations again (its runner's decision, say after a wrong
    address was corrected or the mail server mended): each goes back to waiting for the send
    that failed, due now, with its attempts counted afresh. Nothing for a closed campaign (its
    contact details are gone). Returns how many."""
    policy.check_can_run_campaigns(actor)
    campaign = await load_for_update(session, actor, campaign_id)
    check_open_for_changes(campaign)
    now = clock.now()
    retried = await session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.campaign_id == campaign.id,
            SurveyInvitation.status.in_(invitation_sources(InvitationEvent.RETRY)),
            SurveyInvitation.contact.is_not(None),
        )
        .values(
            status=case(
                (SurveyInvitation.sends_done > 0, literal(_RETRIED_REMINDER.value)),
                else_=literal(_RETRIED.value),
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
        await record(
            session,
            actor,
            clock,
            "survey_campaign.retried_failed",
            campaign,
            {"failedInvitations": [count, 0]},
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
