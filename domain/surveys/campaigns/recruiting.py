"""Finding whom to invite: the annual survey's random sample of children, every member of some
teams for a staff survey, and the child and family of an audit for feedback on it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy as audit_policy
from domain.audits.models import Audit
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.clock import Clock
from domain.core.errors import InvalidInput, NotAllowed, NotFound
from domain.core.roles import Actor
from domain.people.models import Person, Team
from domain.surveys import policy
from domain.surveys.campaigns.invitations import Invited, Invitee, invite, invite_in_parts
from domain.surveys.campaigns.lifecycle import add_campaign, check_open_for_changes, load_for_update
from domain.surveys.definitions import Audience
from domain.surveys.models import (
    CampaignKind,
    CampaignState,
    Channel,
    Cohort,
    Survey,
    SurveyCampaign,
    SurveyInvitation,
    SurveyOptOut,
)

MAX_SAMPLE = 20_000
# Audit feedback stays open this long after it is asked for.
AUDIT_FEEDBACK_DAYS = 28
AUDIT_FEEDBACK_REMINDERS = (7,)


@dataclass(frozen=True)
class SampleRequest:
    """The annual survey's sample: up to `size` children drawn at random from those matching
    every filter given (cohorts: any of them), each invited as printed codes their
    practitioner hands over, and a parent or carer too when asked."""

    size: int
    cohorts: Sequence[Cohort] = ()
    team_ids: Sequence[uuid.UUID] = ()
    service_ids: Sequence[uuid.UUID] = ()
    include_parent_carers: bool = False


def _sample_statement(actor: Actor, campaign: SurveyCampaign, req: SampleRequest) -> Select[Any]:
    from domain.children.service import Cohort as ChildCohort
    from domain.children.service import cohort_condition

    stmt = select(Child.case_reference).where(
        children_policy.visible_children(actor),
        ~Child.id.in_(select(SurveyOptOut.child_id).where(SurveyOptOut.child_id.is_not(None))),
        ~Child.id.in_(
            select(SurveyInvitation.child_id).where(
                SurveyInvitation.campaign_id == campaign.id,
                SurveyInvitation.child_id.is_not(None),
            )
        ),
    )
    if req.cohorts:
        conditions = [
            cohort_condition(ChildCohort(c.value))
            for c in req.cohorts
            if c.value in ChildCohort.__members__
        ]
        stmt = stmt.where(or_(*conditions)) if conditions else stmt.where(false())
    if req.team_ids:
        stmt = stmt.where(Child.team_id.in_(req.team_ids))
    if req.service_ids:
        stmt = stmt.where(
            Child.team_id.in_(select(Team.id).where(Team.service_id.in_(req.service_ids)))
        )
    return stmt.order_by(func.random()).limit(req.size)


async def draw_sample(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    token_key: str,
    campaign_id: uuid.UUID,
    request: SampleRequest,
) -> Invited:
    """Draw the annual survey's sample and invite it (printed codes; contact details for
    email or text can be given instead through add_invitations)."""
    policy.check_can_run_campaigns(actor)
    if not 1 <= request.size <= MAX_SAMPLE:
        raise InvalidInput(f"A sample is 1 to {MAX_SAMPLE} children.", field="size")
    campaign = await load_for_update(session, actor, campaign_id)
    check_open_for_changes(campaign)
    if campaign.kind is not CampaignKind.ANNUAL_SURVEY:
        raise InvalidInput("Only the annual survey draws a sample.", field="campaignId")
    references = list(await session.scalars(_sample_statement(actor, campaign, request)))
    invitees: list[Invitee] = []
    for ref in references:
        invitees.append(Invitee(channel=Channel.PRINT, child_reference=ref))
        if request.include_parent_carers:
            invitees.append(
                Invitee(channel=Channel.PRINT, child_reference=ref, audience=Audience.PARENT_CARER)
            )
    result = await invite_in_parts(session, actor, clock, token_key, campaign, invitees)
    campaign.sample = {
        "size": request.size,
        "cohorts": [c.value for c in request.cohorts],
        "teamIds": [str(t) for t in request.team_ids],
        "serviceIds": [str(s) for s in request.service_ids],
        "includeParentCarers": request.include_parent_carers,
        "drawn": len(references),
    }
    return result


async def invite_teams(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    token_key: str,
    campaign_id: uuid.UUID,
    team_ids: Sequence[uuid.UUID],
) -> Invited:
    """A staff survey's invitations by email to every active member of these teams."""
    policy.check_can_run_campaigns(actor)
    if not team_ids:
        raise InvalidInput("Name at least one team.", field="teamIds")
    known = set(await session.scalars(select(Team.id).where(Team.id.in_(team_ids))))
    for n, team_id in enumerate(team_ids):
        if team_id not in known:
            raise NotFound("team", field=f"teamIds.{n}")
    people = list(
        await session.execute(
            select(Person.id, Person.email)
            .where(Person.team_id.in_(team_ids), Person.is_active.is_(True))
            .order_by(Person.display_name, Person.id)
        )
    )
    invitees = [
        Invitee(channel=Channel.EMAIL, person_id=pid, contact=email) for pid, email in people
    ]
    campaign = await load_for_update(session, actor, campaign_id)
    result = await invite_in_parts(session, actor, clock, token_key, campaign, invitees)
    return result


async def request_audit_feedback(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    token_key: str,
    audit_id: uuid.UUID,
    invitees: Sequence[Invitee],
    survey_key: str = "post_audit_feedback",
) -> tuple[SurveyCampaign, Invited]:
    """Ask the child and family in an audit for their feedback on it: the audit's own campaign
    (made the first time, open at once for AUDIT_FEEDBACK_DAYS), which its auditor or a
    campaign runner may ask for. Every invitee is about the audit's child."""
    audit = await session.scalar(
        select(Audit).where(Audit.id == audit_id, audit_policy.visible_audits(actor))
    )
    if audit is None:
        raise NotFound("audit", field="auditId")
    if not (policy.runs_campaigns(actor) or audit.auditor_id == actor.person_id):
        raise NotAllowed("The audit's auditor, the QA Lead or the PSW asks for its feedback.")
    if audit.child_id is None:
        raise InvalidInput("This audit is not about a child's case.", field="auditId")
    child = await session.get(Child, audit.child_id)
    assert child is not None
    campaign = await session.scalar(
        select(SurveyCampaign)
        .where(
            SurveyCampaign.audit_id == audit.id,
            SurveyCampaign.state != CampaignState.CLOSED,
        )
        .with_for_update()
    )
    now = clock.now()
    if campaign is None:
        survey = await session.scalar(select(Survey).where(Survey.key == survey_key))
        if survey is None:
            raise NotFound("survey", field="surveyKey")
        campaign = SurveyCampaign(
            name=f"Feedback on audit {str(audit.id)[:8]}",
            kind=CampaignKind.AUDIT_FEEDBACK,
            survey_id=survey.id,
            audit_id=audit.id,
            state=CampaignState.OPEN,
            opens_at=now,
            closes_at=now + timedelta(days=AUDIT_FEEDBACK_DAYS),
            reminder_days=list(AUDIT_FEEDBACK_REMINDERS),
            created_by_id=actor.person_id,
            created_at=now,
            updated_at=now,
            opened_at=now,
        )
        await add_campaign(
            session,
            actor,
            clock,
            campaign,
            {"kind": [None, CampaignKind.AUDIT_FEEDBACK.value], "audit": [None, str(audit.id)]},
        )
    about_child = [
        Invitee(
            channel=i.channel,
            child_reference=child.case_reference,
            audience=i.audience,
            contact=i.contact,
            language=i.language,
        )
        for i in invitees
    ]
    invited = await invite(session, actor, clock, token_key, campaign, about_child)
    return campaign, invited
