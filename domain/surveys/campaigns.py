"""Survey campaigns: creating one, inviting people to it, launching, opting out, and the
timekeeping that opens and closes campaigns (closing erases contact details).

Sending invitations and reminders is `domain/surveys/dispatch.py`; answering is
`domain/surveys/respond.py`; the results are `domain/surveys/results.py`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, false, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.audits import policy as audit_policy
from domain.audits.models import Audit
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.children.service import age_in_years
from domain.core.clock import Clock
from domain.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.core.pagination import Page, count, paginate
from domain.deadlines.calendar import local_day
from domain.history import service as history
from domain.people.models import Person, Team
from domain.people.roles import Actor
from domain.surveys import policy, tokens
from domain.surveys.definitions import ENGLISH, Audience
from domain.surveys.models import (
    CampaignKind,
    CampaignState,
    Channel,
    Cohort,
    InvitationStatus,
    Survey,
    SurveyCampaign,
    SurveyInvitation,
    SurveyOptOut,
    SurveyVersion,
)

MAX_REMINDERS = 5
MAX_REMINDER_DAY = 90
MAX_CAMPAIGN_DAYS = 366
MAX_INVITEES_PER_CALL = 1000
MAX_SAMPLE = 20_000
# Audit feedback stays open this long after it is asked for.
AUDIT_FEEDBACK_DAYS = 28
AUDIT_FEEDBACK_REMINDERS = (7,)
# Invitations still to be sent or reminded stop being sendable once the campaign closes.
STILL_OUT = (
    InvitationStatus.QUEUED,
    InvitationStatus.SENT,
    InvitationStatus.FAILED,
    InvitationStatus.HANDED_OVER,
)
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_UK_MOBILE = re.compile(r"^(?:\+44|0044|0)7[0-9]{9}$")  # ASCII digits: \d is any digit


def _check_open_for_changes(campaign: SurveyCampaign) -> None:
    if campaign.state is CampaignState.CLOSED:
        raise Conflict("This campaign has closed.", field="campaignId")


async def _history(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    action: str,
    campaign: SurveyCampaign,
    changes: dict[str, Any],
) -> None:
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action=action,
        object_type="SurveyCampaign",
        object_id=campaign.id,
        changes=changes,
    )


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
    session.add(campaign)
    await session.flush()
    await _history(
        session,
        actor,
        clock,
        "survey_campaign.created",
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


async def _load_for_update(
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
    campaign = await _load_for_update(session, actor, campaign_id)
    if campaign.state is not CampaignState.DRAFT:
        raise Conflict("Only a draft campaign is launched.", field="campaignId")
    now = clock.now()
    if campaign.closes_at <= now:
        raise Conflict("This campaign's closing time has passed.", field="closesAt")
    _open_or_schedule(campaign, now)
    await _history(
        session,
        actor,
        clock,
        "survey_campaign.launched",
        campaign,
        {"state": [CampaignState.DRAFT.value, campaign.state.value]},
    )
    return campaign


def _open_or_schedule(campaign: SurveyCampaign, now: datetime) -> None:
    if campaign.opens_at <= now:
        campaign.state = CampaignState.OPEN
        campaign.opened_at = now
    else:
        campaign.state = CampaignState.SCHEDULED
    campaign.updated_at = now


async def close_campaign(
    *, session: AsyncSession, actor: Actor, clock: Clock, campaign_id: uuid.UUID
) -> SurveyCampaign:
    """Close a campaign now, before its closing time (its runner's decision)."""
    policy.check_can_run_campaigns(actor)
    campaign = await _load_for_update(session, actor, campaign_id)
    _check_open_for_changes(campaign)
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
    campaign.state = CampaignState.CLOSED
    campaign.closed_at = now
    campaign.updated_at = now
    await _history(
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


@dataclass(frozen=True)
class Invitee:
    """Someone to invite: a child by case reference (the child, or a parent or carer about
    them, by `audience`), or a member of staff by person id."""

    channel: Channel
    child_reference: str | None = None
    person_id: uuid.UUID | None = None
    audience: Audience | None = None
    contact: str | None = None
    language: str = ENGLISH


@dataclass
class Invited:
    created: list[SurveyInvitation] = field(default_factory=list)
    # (position in the input, why it was skipped) for those not invited.
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _clean_contact(channel: Channel, contact: str | None, index: int) -> str | None:
    raw = (contact or "").strip()
    match channel:
        case Channel.PRINT:
            if raw:
                raise InvalidInput(
                    "A printed invitation has no contact details.", field=f"invitees.{index}"
                )
            return None
        case Channel.EMAIL:
            if not _EMAIL.match(raw) or len(raw) > 320:
                raise InvalidInput("That is not an email address.", field=f"invitees.{index}")
            return raw
        case Channel.SMS:
            number = re.sub(r"[\s()-]", "", raw)
            if not _UK_MOBILE.match(number):
                raise InvalidInput("That is not a UK mobile number.", field=f"invitees.{index}")
            return "+44" + number[-10:]


def audience_for_child(child: Child, today: Any) -> Audience:
    if child.care_leaver:
        return Audience.CARE_LEAVER
    age = age_in_years(child.date_of_birth, today)
    if age < 8:
        return Audience.CHILD_UNDER_8
    if age <= 12:
        return Audience.CHILD_8_TO_12
    return Audience.CHILD_13_AND_OVER


def cohort_of(child: Child) -> Cohort:
    if child.care_leaver:
        return Cohort.CARE_LEAVER
    if child.looked_after:
        return Cohort.LOOKED_AFTER
    if child.child_protection_plan_start is not None:
        return Cohort.CHILD_PROTECTION
    if child.child_in_need:
        return Cohort.CHILD_IN_NEED
    if child.family_first:
        return Cohort.FAMILY_FIRST
    return Cohort.OTHER


async def _latest_versions(
    session: AsyncSession, survey_id: uuid.UUID
) -> dict[Audience, SurveyVersion]:
    rows = await session.scalars(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.version)
    )
    return {v.audience: v for v in rows}


async def add_invitations(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    token_key: str,
    campaign_id: uuid.UUID,
    invitees: Sequence[Invitee],
) -> Invited:
    """Invite people to a campaign that has not closed. Each gets the newest version of the
    survey for their audience, in their language where it has one (else English). Those who
    opted out, were invited already, or whom the actor may not see are skipped, each with the
    reason; anything malformed refuses the whole call (nothing is added)."""
    policy.check_can_run_campaigns(actor)
    if len(invitees) > MAX_INVITEES_PER_CALL:
        raise InvalidInput(f"At most {MAX_INVITEES_PER_CALL} invitees at a time.", field="invitees")
    campaign = await _load_for_update(session, actor, campaign_id)
    return await _invite(session, actor, clock, token_key, campaign, invitees)


async def _invite(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    token_key: str,
    campaign: SurveyCampaign,
    invitees: Sequence[Invitee],
) -> Invited:
    _check_open_for_changes(campaign)
    now = clock.now()
    today = local_day(now)
    versions = await _latest_versions(session, campaign.survey_id)
    contacts = [_clean_contact(i.channel, i.contact, n) for n, i in enumerate(invitees)]

    references = {i.child_reference.strip() for i in invitees if i.child_reference}
    children: dict[str, Child] = {}
    if references:
        rows = await session.scalars(
            select(Child)
            .where(Child.case_reference.in_(references), children_policy.visible_children(actor))
            .options(selectinload(Child.team))
        )
        children = {c.case_reference: c for c in rows}
    person_ids = {i.person_id for i in invitees if i.person_id}
    people: dict[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None]] = {}
    if person_ids:
        rows_p = await session.execute(
            select(Person.id, Person.team_id, Team.service_id)
            .outerjoin(Team, Team.id == Person.team_id)
            .where(Person.id.in_(person_ids), Person.is_active.is_(True))
        )
        people = {pid: (team_id, service_id) for pid, team_id, service_id in rows_p}
    opted_children, opted_people = await _opted_out(
        session, [c.id for c in children.values()], list(people)
    )

    result = Invited()
    values: list[dict[str, Any]] = []
    for n, invitee in enumerate(invitees):
        if (invitee.child_reference is None) == (invitee.person_id is None):
            raise InvalidInput(
                "Name either a child's case reference or a member of staff.",
                field=f"invitees.{n}",
            )
        row: dict[str, Any]
        if invitee.child_reference is not None:
            if campaign.kind is CampaignKind.STAFF_SURVEY:
                raise InvalidInput("A staff survey invites staff.", field=f"invitees.{n}")
            child = children.get(invitee.child_reference.strip())
            if child is None:
                result.skipped.append((n, "No child you may see has that case reference."))
                continue
            if child.id in opted_children:
                result.skipped.append((n, "Opted out of surveys."))
                continue
            audience = invitee.audience or audience_for_child(child, today)
            if audience is Audience.STAFF:
                raise InvalidInput("A child or family is not staff.", field=f"invitees.{n}")
            row = {
                "child_id": child.id,
                "person_id": None,
                "team_id": child.team_id,
                "service_id": child.team.service_id,
                "cohort": cohort_of(child),
            }
        else:
            if campaign.kind is not CampaignKind.STAFF_SURVEY:
                raise InvalidInput("Only a staff survey invites staff.", field=f"invitees.{n}")
            assert invitee.person_id is not None
            found = people.get(invitee.person_id)
            if found is None:
                result.skipped.append((n, "No active member of staff with that id."))
                continue
            if invitee.person_id in opted_people:
                result.skipped.append((n, "Opted out of surveys."))
                continue
            audience = Audience.STAFF
            row = {
                "child_id": None,
                "person_id": invitee.person_id,
                "team_id": found[0],
                "service_id": found[1],
                "cohort": Cohort.STAFF,
            }
        version = versions.get(audience)
        if version is None:
            result.skipped.append((n, f"This survey has no version for {audience.value}."))
            continue
        languages = version.definition.get("translations", {})
        language = invitee.language if invitee.language in languages else ENGLISH
        salt = tokens.new_salt()
        printed = invitee.channel is Channel.PRINT
        values.append(
            {
                **row,
                "_index": n,
                "id": uuid.uuid4(),
                "campaign_id": campaign.id,
                "audience": audience,
                "survey_version_id": version.id,
                "language": language,
                "channel": invitee.channel,
                "status": InvitationStatus.HANDED_OVER if printed else InvitationStatus.QUEUED,
                "contact": contacts[n],
                "token_salt": salt,
                "token_hash": tokens.hash_token(tokens.derive(token_key, salt)),
                "expires_at": campaign.closes_at,
                "created_at": now,
                "next_send_at": None if printed else campaign.opens_at,
                "sends_done": 0,
                "attempts": 0,
            }
        )
    if values:
        indexes = {v["id"]: v.pop("_index") for v in values}
        inserted = await session.scalars(
            pg_insert(SurveyInvitation)
            .values(values)
            .on_conflict_do_nothing()
            .returning(SurveyInvitation)
        )
        created = list(inserted)
        made = {i.id for i in created}
        for v in values:
            if v["id"] not in made:
                result.skipped.append((indexes[v["id"]], "Invited to this campaign already."))
        result.created = sorted(created, key=lambda i: indexes[i.id])
    result.skipped.sort()
    if result.created:
        campaign.updated_at = now
        await _history(
            session,
            actor,
            clock,
            "survey_campaign.invited",
            campaign,
            {"invitations": [None, len(result.created)]},
        )
    return result


def token_of(invitation: SurveyInvitation, token_key: str) -> str | None:
    """The invitation's link token, or None once its campaign closed (the salt is erased)."""
    if invitation.token_salt is None:
        return None
    return tokens.derive(token_key, invitation.token_salt)


async def _opted_out(
    session: AsyncSession, child_ids: Sequence[uuid.UUID], person_ids: Sequence[uuid.UUID]
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    if not child_ids and not person_ids:
        return set(), set()
    rows = await session.execute(
        select(SurveyOptOut.child_id, SurveyOptOut.person_id).where(
            or_(
                SurveyOptOut.child_id.in_(child_ids or [uuid.UUID(int=0)]),
                SurveyOptOut.person_id.in_(person_ids or [uuid.UUID(int=0)]),
            )
        )
    )
    children: set[uuid.UUID] = set()
    people: set[uuid.UUID] = set()
    for child_id, person_id in rows:
        if child_id:
            children.add(child_id)
        if person_id:
            people.add(person_id)
    return children, people


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
    campaign = await _load_for_update(session, actor, campaign_id)
    _check_open_for_changes(campaign)
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
    result = Invited()
    for start in range(0, len(invitees), MAX_INVITEES_PER_CALL):
        part = await _invite(
            session,
            actor,
            clock,
            token_key,
            campaign,
            invitees[start : start + MAX_INVITEES_PER_CALL],
        )
        result.created.extend(part.created)
        result.skipped.extend((start + n, why) for n, why in part.skipped)
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
    result = Invited()
    campaign = await _load_for_update(session, actor, campaign_id)
    for start in range(0, len(invitees), MAX_INVITEES_PER_CALL):
        part = await _invite(
            session,
            actor,
            clock,
            token_key,
            campaign,
            invitees[start : start + MAX_INVITEES_PER_CALL],
        )
        result.created.extend(part.created)
        result.skipped.extend((start + n, why) for n, why in part.skipped)
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
        session.add(campaign)
        await session.flush()
        await _history(
            session,
            actor,
            clock,
            "survey_campaign.created",
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
    invited = await _invite(session, actor, clock, token_key, campaign, about_child)
    return campaign, invited


async def record_opt_out(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    child_reference: str | None = None,
    person_id: uuid.UUID | None = None,
) -> SurveyOptOut:
    """Someone asked not to be surveyed (told to staff): honoured at once, in every open
    campaign (nothing more is sent or reminded) and in every later one. A child's case is
    recorded by anyone who may see the child; a member of staff by themselves or a runner."""
    if (child_reference is None) == (person_id is None):
        raise InvalidInput("Name either a child's case reference or a member of staff.")
    child_id: uuid.UUID | None = None
    if child_reference is not None:
        child_id = await session.scalar(
            select(Child.id).where(
                Child.case_reference == child_reference.strip(),
                children_policy.visible_children(actor),
            )
        )
        if child_id is None:
            raise NotFound("child", field="childReference")
    elif not (policy.runs_campaigns(actor) or actor.person_id == person_id):
        raise NotAllowed("A member of staff opts out for themselves, or through the QA Lead.")
    return await opt_out(
        session=session,
        clock=clock,
        child_id=child_id,
        person_id=person_id,
        recorded_by_id=actor.person_id,
    )


async def opt_out(
    *,
    session: AsyncSession,
    clock: Clock,
    child_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    recorded_by_id: uuid.UUID | None = None,
) -> SurveyOptOut:
    """Record the opt-out (once) and stop every invitation of theirs not yet answered."""
    now = clock.now()
    column = SurveyOptOut.child_id if child_id is not None else SurveyOptOut.person_id
    await session.execute(
        pg_insert(SurveyOptOut)
        .values(
            id=uuid.uuid4(),
            child_id=child_id,
            person_id=person_id,
            recorded_at=now,
            recorded_by_id=recorded_by_id,
        )
        .on_conflict_do_nothing(index_elements=[column])
    )
    invitee = (
        SurveyInvitation.child_id == child_id
        if child_id is not None
        else SurveyInvitation.person_id == person_id
    )
    await session.execute(
        update(SurveyInvitation)
        .where(invitee, SurveyInvitation.status.in_(STILL_OUT))
        .values(status=InvitationStatus.OPTED_OUT, opted_out_at=now, next_send_at=None)
    )
    found = await session.scalar(
        select(SurveyOptOut).where(column == (child_id if child_id is not None else person_id))
    )
    assert found is not None
    return found


async def keep_time(*, session: AsyncSession, clock: Clock) -> tuple[int, int]:
    """Open SCHEDULED campaigns whose time has come and close those whose closing time has
    passed (erasing their contact details). Idempotent; run by the worker every few minutes
    and at startup, so a campaign closes within minutes of its time even after downtime."""
    from domain.people.roles import SYSTEM

    now = clock.now()
    opened = 0
    for campaign in await session.scalars(
        select(SurveyCampaign)
        .where(
            SurveyCampaign.state == CampaignState.SCHEDULED,
            SurveyCampaign.opens_at <= now,
            SurveyCampaign.closes_at > now,
        )
        .with_for_update(skip_locked=True)
    ):
        _open_or_schedule(campaign, now)
        await _history(
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
                SurveyCampaign.state.in_(
                    [CampaignState.DRAFT, CampaignState.SCHEDULED, CampaignState.OPEN]
                ),
                SurveyCampaign.closes_at <= now,
            )
            .with_for_update(skip_locked=True)
        )
    ):
        await _close(session, SYSTEM, clock, campaign)
        closed += 1
    return opened, closed


# Reading campaigns.


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
