"""Reading campaigns: lists and pages, each campaign's progress, the sends that failed, and the
printed cards still to be handed over."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.clock import Clock
from domain.core.errors import NotAllowed, NotFound
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.surveys import policy
from domain.surveys.campaigns.invitations import token_of
from domain.surveys.definitions import ENGLISH, Audience
from domain.surveys.models import (
    CampaignKind,
    CampaignState,
    Channel,
    InvitationStatus,
    SurveyCampaign,
    SurveyInvitation,
    SurveyVersion,
)


def _campaigns(actor: Actor) -> Select[Any]:
    return select(SurveyCampaign).where(policy.visible_campaigns(actor))


@dataclass(frozen=True)
class CampaignFilter:
    kind: CampaignKind | None = None
    state: CampaignState | None = None
    audit_id: uuid.UUID | None = None


def _filtered(actor: Actor, f: CampaignFilter) -> Select[Any]:
    stmt = _campaigns(actor)
    if f.kind is not None:
        stmt = stmt.where(SurveyCampaign.kind == f.kind)
    if f.state is not None:
        stmt = stmt.where(SurveyCampaign.state == f.state)
    if f.audit_id is not None:
        stmt = stmt.where(SurveyCampaign.audit_id == f.audit_id)
    return stmt


async def list_campaigns(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: CampaignFilter,
    first: int | None,
    after: str | None,
) -> Page[SurveyCampaign]:
    """Newest first, each with its survey (two statements for any page)."""
    return await paginate(
        session,
        _filtered(actor, filters).options(selectinload(SurveyCampaign.survey)),
        order_by=[SurveyCampaign.created_at, SurveyCampaign.id],
        descending=True,
        first=first,
        after=after,
    )


async def count_campaigns(*, session: AsyncSession, actor: Actor, filters: CampaignFilter) -> int:
    return await count(session, _filtered(actor, filters))


async def get_campaigns(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[SurveyCampaign]:
    if not ids:
        return []
    return list(
        await session.scalars(
            _campaigns(actor)
            .where(SurveyCampaign.id.in_(ids))
            .options(selectinload(SurveyCampaign.survey))
        )
    )


@dataclass(frozen=True)
class Progress:
    """How far a campaign has gone: invitations by status, and how many were answered."""

    by_status: dict[InvitationStatus, int]

    @property
    def invited(self) -> int:
        return sum(self.by_status.values())

    def of(self, status: InvitationStatus) -> int:
        return self.by_status.get(status, 0)


async def progress_of(
    *, session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Progress]:
    """Each campaign's progress, for any number of campaigns in one statement (callers have
    checked the campaigns are visible)."""
    found: dict[uuid.UUID, dict[InvitationStatus, int]] = {c: {} for c in campaign_ids}
    if campaign_ids:
        rows = await session.execute(
            select(SurveyInvitation.campaign_id, SurveyInvitation.status, func.count())
            .where(SurveyInvitation.campaign_id.in_(campaign_ids))
            .group_by(SurveyInvitation.campaign_id, SurveyInvitation.status)
        )
        for campaign_id, status, n in rows:
            found[campaign_id][InvitationStatus(status)] = n
    return {c: Progress(by_status=s) for c, s in found.items()}


def _failures(actor: Actor, campaign_id: uuid.UUID) -> Select[Any]:
    return select(SurveyInvitation).where(
        SurveyInvitation.campaign_id == campaign_id,
        SurveyInvitation.campaign_id.in_(
            select(SurveyCampaign.id).where(policy.visible_campaigns(actor))
        ),
        or_(
            SurveyInvitation.status == InvitationStatus.FAILED,
            SurveyInvitation.last_error.is_not(None),
        ),
    )


async def failures_of(
    *, session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, first: int, after: str | None
) -> Page[SurveyInvitation]:
    """The invitations that could not be sent, with the last error (never the contact)."""
    policy.check_can_run_campaigns(actor)
    return await paginate(
        session,
        _failures(actor, campaign_id),
        order_by=[SurveyInvitation.created_at, SurveyInvitation.id],
        first=first,
        after=after,
    )


async def count_failures(*, session: AsyncSession, actor: Actor, campaign_id: uuid.UUID) -> int:
    policy.check_can_run_campaigns(actor)
    return await count(session, _failures(actor, campaign_id))


async def get_failures(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, SurveyInvitation]:
    """Failed invitations by id, for the campaign runners only (empty for anyone else)."""
    if not policy.runs_campaigns(actor) or not ids:
        return {}
    rows = await session.scalars(
        select(SurveyInvitation).where(
            SurveyInvitation.id.in_(ids),
            or_(
                SurveyInvitation.status == InvitationStatus.FAILED,
                SurveyInvitation.last_error.is_not(None),
            ),
        )
    )
    return {r.id: r for r in rows}


@dataclass(frozen=True)
class PrintedCard:
    """One printed invitation still to be handed over: its number in the campaign's printed
    invitations (in the order they were added), the survey's title for its audience, the
    token, and, for the tear-off stub the practitioner keeps, whose case it is about."""

    number: int
    audience: Audience
    title: str
    token: str
    case_reference: str | None


async def printed_cards(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    campaign_id: uuid.UUID,
    token_key: str,
) -> tuple[SurveyCampaign, list[PrintedCard]]:
    """The cards to print for a campaign's PRINT invitations that are handed over and still
    open (not answered, opted out or expired): every card for those who run campaigns (they
    print centrally and pass cards on), and for anyone else on staff only the cards about
    children allocated to them, the practitioner who hands them over. Each card's stub names
    the case, for the practitioner to tear off before handing the card over. Numbers count
    every printed invitation in the order added (by id within one call), so a card keeps its
    number when others are answered."""
    runner = policy.runs_campaigns(actor)
    if not runner and actor.person_id is None:
        raise NotAllowed("Printed invitations are for campaign runners and practitioners.")
    campaign = await session.scalar(
        select(SurveyCampaign).where(
            SurveyCampaign.id == campaign_id, policy.visible_campaigns(actor)
        )
    )
    if campaign is None:
        raise NotFound("survey campaign", field="campaignId")
    if campaign.state is CampaignState.CLOSED:
        return campaign, []
    now = clock.now()
    rows = list(
        await session.execute(
            select(
                SurveyInvitation,
                # The stub names the case only for a reader who may see the child.
                case((children_policy.visible_children(actor), Child.case_reference)),
                Child.allocated_practitioner_id,
            )
            .outerjoin(Child, Child.id == SurveyInvitation.child_id)
            .where(
                SurveyInvitation.campaign_id == campaign.id,
                SurveyInvitation.channel == Channel.PRINT,
            )
            .order_by(SurveyInvitation.created_at, SurveyInvitation.id)
        )
    )
    version_ids = {i.survey_version_id for i, _, _ in rows}
    wording: dict[uuid.UUID, dict[str, Any]] = {}
    if version_ids:
        for version in await session.scalars(
            select(SurveyVersion).where(SurveyVersion.id.in_(version_ids))
        ):
            wording[version.id] = version.definition.get("translations", {})
    cards = []
    for number, (invitation, case_reference, practitioner_id) in enumerate(rows, start=1):
        if not runner and practitioner_id != actor.person_id:
            continue
        token = token_of(invitation, token_key)
        if (
            invitation.status is InvitationStatus.HANDED_OVER
            and invitation.expires_at > now
            and token is not None
        ):
            cards.append(
                PrintedCard(
                    number=number,
                    audience=invitation.audience,
                    title=_title(wording.get(invitation.survey_version_id, {}), invitation),
                    token=token,
                    case_reference=case_reference,
                )
            )
    return campaign, cards


def _title(translations: dict[str, Any], invitation: SurveyInvitation) -> str:
    chosen = translations.get(invitation.language) or translations.get(ENGLISH) or {}
    return str(chosen.get("title", ""))
