"""A campaign's life: created as a draft, launched (scheduled, then open), closed for good by
its runner or by the timekeeper (closing erases contact details). The states and the moves
between them are the table in `domain/surveys/flows.py`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.core.clock import Clock
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.roles import Actor
from domain.surveys import policy
from domain.surveys.changes import record
from domain.surveys.definitions import Audience
from domain.surveys.flows import (
    CampaignEvent,
    InvitationEvent,
    campaign_sources,
    invitation_sources,
    next_state,
)
from domain.surveys.models import (
    CampaignKind,
    CampaignState,
    InvitationStatus,
    Survey,
    SurveyCampaign,
    SurveyInvitation,
)

MAX_REMINDERS = 5
MAX_REMINDER_DAY = 90
MAX_CAMPAIGN_DAYS = 366
# Invitations still to be sent or reminded stop being sendable once the campaign closes.
STILL_OUT = invitation_sources(InvitationEvent.EXPIRE)


def check_open_for_changes(campaign: SurveyCampaign) -> None:
    """Invitations are added, a sample drawn, failed sends retried until the campaign closes."""
    next_state(campaign.state, CampaignEvent.CHANGE)


async def add_campaign(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    campaign: SurveyCampaign,
    changes: dict[str, Any],
) -> None:
    """A new campaign written, with its history."""
    session.add(campaign)
    await session.flush()
    await record(session, actor, clock, "survey_campaign.created", campaign, changes)


def _clean_name(name: str | None) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise InvalidInput("A campaign needs a name.", field="name")
    if len(clean) > 200:
        raise InvalidInput("A campaign's name is at most 200 characters.", field="name")
    return clean


def _clean_reminders(days: Sequence[int] | None) -> list[int]:
    clean = sorted(set(days or []))
    if len(clean) > MAX_REMINDERS:
        raise InvalidInput(f"At most {MAX_REMINDERS} reminders.", field="reminderDays")
    if any(d < 1 or d > MAX_REMINDER_DAY for d in clean):
        raise InvalidInput(
            f"Reminders are from 1 to {MAX_REMINDER_DAY} days after the invitation.",
            field="reminderDays",
        )
    return clean


def _check_window(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise InvalidInput("Give times with their offset from UTC.", field="opensAt")
    if closes_at <= opens_at:
        raise InvalidInput("A campaign closes after it opens.", field="closesAt")
    if closes_at <= now:
        raise InvalidInput("A campaign closes in the future.", field="closesAt")
    if closes_at - opens_at > timedelta(days=MAX_CAMPAIGN_DAYS):
        raise InvalidInput("A campaign runs for at most a year.", field="closesAt")


async def create_campaign(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    name: str,
    kind: CampaignKind,
    survey_key: str,
    opens_at: datetime,
    closes_at: datetime,
    reminder_days: Sequence[int] = (),
    sample: dict[str, Any] | None = None,
) -> SurveyCampaign:
    """A DRAFT campaign of a survey: invitations are added, then it is launched."""
    policy.check_can_run_campaigns(actor)
    if kind is CampaignKind.AUDIT_FEEDBACK:
        raise InvalidInput(
            "Feedback on an audit is asked for from the audit (requestAuditFeedback).",
            field="kind",
        )
    now = clock.now()
    clean_name = _clean_name(name)
    _check_window(opens_at, closes_at, now)
    reminders = _clean_reminders(reminder_days)
    survey = await session.scalar(
        select(Survey).where(Survey.key == survey_key).options(selectinload(Survey.versions))
    )
    if survey is None:
        raise NotFound("survey", field="surveyKey")
    audiences = {v.audience for v in survey.versions}
    if kind is CampaignKind.STAFF_SURVEY and Audience.STAFF not in audiences:
        raise InvalidInput("A staff survey needs a version for staff.", field="surveyKey")
    if kind is CampaignKind.ANNUAL_SURVEY and audiences <= {Audience.STAFF}:
        raise InvalidInput(
            "The annual survey needs versions for children or families.", field="surveyKey"
        )
    campaign = SurveyCampaign(
        name=clean_name,
        kind=kind,
        survey_id=survey.id,
        state=CampaignState.DRAFT,
        opens_at=opens_at,
        closes_at=closes_at,
        reminder_days=reminders,
        sample=sample,
        created_by_id=actor.person_id,
        created_at=now,
        updated_at=now,
    )
    await add_campaign(
        session,
        actor,
        clock,
        campaign,
        {
            "name": [None, clean_name],
            "kind": [None, kind.value],
            "survey": [None, survey_key],
            "opensAt": [None, opens_at.isoformat()],
            "closesAt": [None, closes_at.isoformat()],
            "reminderDays": [None, reminders],
        },
    )
    return campaign


async def load_for_update(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID
) -> SurveyCampaign:
    campaign = await session.scalar(
        select(SurveyCampaign)
        .where(SurveyCampaign.id == campaign_id, policy.visible_campaigns(actor))
        .with_for_update()
    )
    if campaign is None:
        raise NotFound("survey campaign", field="campaignId")
    return campaign


async def launch_campaign(
    *, session: AsyncSession, actor: Actor, clock: Clock, campaign_id: uuid.UUID
) -> SurveyCampaign:
    """DRAFT to OPEN (or SCHEDULED until it opens): its invitations start to go out."""
    policy.check_can_run_campaigns(actor)
    campaign = await load_for_update(session, actor, campaign_id)
    before = campaign.state
    next_state(before, CampaignEvent.LAUNCH)
    now = clock.now()
    if campaign.closes_at <= now:
        raise Conflict("This campaign's closing time has passed.", field="closesAt")
    _open_or_schedule(campaign, now)
    await record(
        session,
        actor,
        clock,
        "survey_campaign.launched",
        campaign,
        {"state": [before.value, campaign.state.value]},
    )
    return campaign


def _open_or_schedule(campaign: SurveyCampaign, now: datetime) -> None:
    """A draft is launched (SCHEDULED); a scheduled campaign whose time has come opens."""
    if campaign.state is CampaignState.DRAFT:
        campaign.state = next_state(campaign.state, CampaignEvent.LAUNCH)
    if campaign.opens_at <= now:
        campaign.state = next_state(campaign.state, CampaignEvent.OPEN)
        campaign.opened_at = now
    campaign.updated_at = now


async def close_campaign(
    *, session: AsyncSession, actor: Actor, clock: Clock, campaign_id: uuid.UUID
) -> SurveyCampaign:
    """Close a campaign now, before its closing time (its runner's decision)."""
    policy.check_can_run_campaigns(actor)
    campaign = await load_for_update(session, actor, campaign_id)
    check_open_for_changes(campaign)
    await _close(session, actor, clock, campaign)
    return campaign


async def _close(
    session: AsyncSession, actor: Actor, clock: Clock, campaign: SurveyCampaign
) -> None:
    """Close for good: unanswered invitations expire, and every invitation's contact details
    and token salt are erased (no link can be made again, no address is left)."""
    now = clock.now()
    before = campaign.state
    expired = await session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.campaign_id == campaign.id,
            SurveyInvitation.status.in_(STILL_OUT),
        )
        .values(status=InvitationStatus.EXPIRED)
    )
    await session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.campaign_id == campaign.id,
            or_(
                SurveyInvitation.contact.is_not(None),
                SurveyInvitation.token_salt.is_not(None),
                SurveyInvitation.next_send_at.is_not(None),
            ),
        )
        .values(contact=None, token_salt=None, next_send_at=None, claimed_at=None)
    )
    campaign.state = next_state(before, CampaignEvent.CLOSE)
    campaign.closed_at = now
    campaign.updated_at = now
    await record(
        session,
        actor,
        clock,
        "survey_campaign.closed",
        campaign,
        {
            "state": [before.value, CampaignState.CLOSED.value],
            "expiredInvitations": [None, expired.rowcount],  # type: ignore[attr-defined]
            "contactDetails": ["held", "erased"],
        },
    )


async def keep_time(*, session: AsyncSession, clock: Clock) -> tuple[int, int]:
    """Open SCHEDULED campaigns whose time has come and close those whose closing time has
    passed (erasing their contact details). Idempotent; run by the worker every few minutes
    and at startup, so a campaign closes within minutes of its time even after downtime."""
    from domain.core.roles import SYSTEM

    now = clock.now()
    opened = 0
    for campaign in await session.scalars(
        select(SurveyCampaign)
        .where(
            SurveyCampaign.state.in_(campaign_sources(CampaignEvent.OPEN)),
            SurveyCampaign.opens_at <= now,
            SurveyCampaign.closes_at > now,
        )
        .with_for_update(skip_locked=True)
    ):
        _open_or_schedule(campaign, now)
        await record(
            session,
            SYSTEM,
            clock,
            "survey_campaign.opened",
            campaign,
            {"state": [CampaignState.SCHEDULED.value, CampaignState.OPEN.value]},
        )
        opened += 1
    closed = 0
    for campaign in list(
        await session.scalars(
            select(SurveyCampaign)
            .where(
                SurveyCampaign.state.in_(campaign_sources(CampaignEvent.CLOSE)),
                SurveyCampaign.closes_at <= now,
            )
            .with_for_update(skip_locked=True)
        )
    ):
        await _close(session, SYSTEM, clock, campaign)
        closed += 1
    return opened, closed


# Reading campaigns.
