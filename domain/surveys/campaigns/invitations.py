"""Inviting people to a campaign: each invitee is checked and matched (load), what to invite
and what to skip is decided without the database (`plan_invitations`), and the invitations
are written at once, a repeated one skipped."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.children import policy as children_policy
from domain.children.models import Child
from domain.children.service import age_in_years
from domain.core.clock import Clock
from domain.core.errors import InvalidInput
from domain.core.roles import Actor
from domain.deadlines.calendar import local_day
from domain.people.models import Person, Team
from domain.surveys import policy, tokens
from domain.surveys.campaigns.lifecycle import check_open_for_changes, load_for_update
from domain.surveys.changes import record
from domain.surveys.definitions import ENGLISH, Audience
from domain.surveys.models import (
    CampaignKind,
    Channel,
    Cohort,
    InvitationStatus,
    SurveyCampaign,
    SurveyInvitation,
    SurveyOptOut,
    SurveyVersion,
)

MAX_INVITEES_PER_CALL = 1000

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_UK_MOBILE = re.compile(r"^(?:\+44|0044|0)7[0-9]{9}$")  # ASCII digits: \d is any digit


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
    campaign = await load_for_update(session, actor, campaign_id)
    return await invite(session, actor, clock, token_key, campaign, invitees)


async def invite_in_parts(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    token_key: str,
    campaign: SurveyCampaign,
    invitees: Sequence[Invitee],
) -> Invited:
    """`invite`, MAX_INVITEES_PER_CALL at a time, the skipped numbered in the whole list."""
    result = Invited()
    for start in range(0, len(invitees), MAX_INVITEES_PER_CALL):
        part = await invite(
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


async def invite(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    token_key: str,
    campaign: SurveyCampaign,
    invitees: Sequence[Invitee],
) -> Invited:
    """Load whom the invitees name, decide whom to invite, and write the invitations."""
    check_open_for_changes(campaign)
    now = clock.now()
    known = await _load_known(session, actor, campaign, invitees)
    plan = plan_invitations(campaign.kind, invitees, known, local_day(now))
    result = Invited(skipped=list(plan.skipped))
    if plan.invite:
        rows = [_row(campaign, token_key, now, planned) for planned in plan.invite]
        result.created, repeated = await _insert(session, rows)
        result.skipped.extend((n, "Invited to this campaign already.") for n in repeated)
    result.skipped.sort()
    if result.created:
        campaign.updated_at = now
        await record(
            session,
            actor,
            clock,
            "survey_campaign.invited",
            campaign,
            {"invitations": [None, len(result.created)]},
        )
    return result


@dataclass(frozen=True)
class Known:
    """What the invitees name, as the database has it: the survey's newest version for each
    audience, the children (by case reference) the actor may see, the active staff (by id,
    with their team and its service), and which of them opted out of surveys."""

    versions: Mapping[Audience, SurveyVersion]
    children: Mapping[str, Child] = field(default_factory=dict)
    people: Mapping[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None]] = field(
        default_factory=dict
    )
    opted_children: Set[uuid.UUID] = frozenset()
    opted_people: Set[uuid.UUID] = frozenset()


@dataclass(frozen=True)
class Planned:
    """An invitation to write: for invitee `index`, the columns of whom it is about (child or
    person, team, service, cohort), and what they are asked and how."""

    index: int
    about: dict[str, Any]
    audience: Audience
    version_id: uuid.UUID
    language: str
    channel: Channel
    contact: str | None


@dataclass(frozen=True)
class Plan:
    invite: list[Planned]
    skipped: list[tuple[int, str]]


async def _load_known(
    session: AsyncSession, actor: Actor, campaign: SurveyCampaign, invitees: Sequence[Invitee]
) -> Known:
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
    return Known(
        versions=await _latest_versions(session, campaign.survey_id),
        children=children,
        people=people,
        opted_children=opted_children,
        opted_people=opted_people,
    )


def plan_invitations(
    kind: CampaignKind, invitees: Sequence[Invitee], known: Known, today: date
) -> Plan:
    """Whom to invite and whom to skip (with why), without the database. Anything malformed
    (a contact that is no address or number, an invitee naming both or neither of a child and
    a person, staff in a survey of children or the other way round) refuses the whole call."""
    contacts = [_clean_contact(i.channel, i.contact, n) for n, i in enumerate(invitees)]
    plan = Plan(invite=[], skipped=[])
    for n, invitee in enumerate(invitees):
        if (invitee.child_reference is None) == (invitee.person_id is None):
            raise InvalidInput(
                "Name either a child's case reference or a member of staff.",
                field=f"invitees.{n}",
            )
        if invitee.child_reference is not None:
            found = _about_child(kind, invitee, n, known, today)
        else:
            found = _about_person(kind, invitee, n, known)
        if isinstance(found, str):
            plan.skipped.append((n, found))
            continue
        audience, about = found
        version = known.versions.get(audience)
        if version is None:
            plan.skipped.append((n, f"This survey has no version for {audience.value}."))
            continue
        languages = version.definition.get("translations", {})
        plan.invite.append(
            Planned(
                index=n,
                about=about,
                audience=audience,
                version_id=version.id,
                language=invitee.language if invitee.language in languages else ENGLISH,
                channel=invitee.channel,
                contact=contacts[n],
            )
        )
    return plan


def _about_child(
    kind: CampaignKind, invitee: Invitee, n: int, known: Known, today: date
) -> tuple[Audience, dict[str, Any]] | str:
    """The audience and the columns of an invitation about a child, or why it is skipped."""
    assert invitee.child_reference is not None
    if kind is CampaignKind.STAFF_SURVEY:
        raise InvalidInput("A staff survey invites staff.", field=f"invitees.{n}")
    child = known.children.get(invitee.child_reference.strip())
    if child is None:
        return "No child you may see has that case reference."
    if child.id in known.opted_children:
        return "Opted out of surveys."
    audience = invitee.audience or audience_for_child(child, today)
    if audience is Audience.STAFF:
        raise InvalidInput("A child or family is not staff.", field=f"invitees.{n}")
    return audience, {
        "child_id": child.id,
        "person_id": None,
        "team_id": child.team_id,
        "service_id": child.team.service_id,
        "cohort": cohort_of(child),
    }


def _about_person(
    kind: CampaignKind, invitee: Invitee, n: int, known: Known
) -> tuple[Audience, dict[str, Any]] | str:
    """The audience and the columns of an invitation to staff, or why it is skipped."""
    if kind is not CampaignKind.STAFF_SURVEY:
        raise InvalidInput("Only a staff survey invites staff.", field=f"invitees.{n}")
    assert invitee.person_id is not None
    found = known.people.get(invitee.person_id)
    if found is None:
        return "No active member of staff with that id."
    if invitee.person_id in known.opted_people:
        return "Opted out of surveys."
    return Audience.STAFF, {
        "child_id": None,
        "person_id": invitee.person_id,
        "team_id": found[0],
        "service_id": found[1],
        "cohort": Cohort.STAFF,
    }


def _row(
    campaign: SurveyCampaign, token_key: str, now: datetime, planned: Planned
) -> dict[str, Any]:
    """The columns of a planned invitation, with its own token (derived from a new salt)."""
    salt = tokens.new_salt()
    printed = planned.channel is Channel.PRINT
    return {
        **planned.about,
        "_index": planned.index,
        "id": uuid.uuid4(),
        "campaign_id": campaign.id,
        "audience": planned.audience,
        "survey_version_id": planned.version_id,
        "language": planned.language,
        "channel": planned.channel,
        "status": InvitationStatus.HANDED_OVER if printed else InvitationStatus.QUEUED,
        "contact": planned.contact,
        "token_salt": salt,
        "token_hash": tokens.hash_token(tokens.derive(token_key, salt)),
        "expires_at": campaign.closes_at,
        "created_at": now,
        "next_send_at": None if printed else campaign.opens_at,
        "sends_done": 0,
        "attempts": 0,
    }


async def _insert(
    session: AsyncSession, values: list[dict[str, Any]]
) -> tuple[list[SurveyInvitation], list[int]]:
    """The invitations written (in the invitees' order), and the invitees invited already."""
    indexes = {v["id"]: v.pop("_index") for v in values}
    inserted = await session.scalars(
        pg_insert(SurveyInvitation)
        .values(values)
        .on_conflict_do_nothing()
        .returning(SurveyInvitation)
    )
    created = list(inserted)
    made = {i.id for i in created}
    repeated = [indexes[v["id"]] for v in values if v["id"] not in made]
    return sorted(created, key=lambda i: indexes[i.id]), repeated


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
