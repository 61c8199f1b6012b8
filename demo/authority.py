"""The whole demo authority: its organisation and children, the register, the survey
campaigns and a year of audits, each seeded by its own module of this package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from demo.audits import AuditDemoSummary, seed_demo_audits
from demo.children import plan_children
from demo.feedback import FeedbackDemoSummary, seed_demo_feedback
from demo.people import (
    DEMO_ANCHOR,
    SERVICES,
    TEAMS,
    ensure_person,
    ensure_service,
    ensure_team,
    plan_people,
)
from demo.surveys import SurveyDemoSummary, seed_demo_surveys
from domain.children.importer import ImportReport, import_children
from domain.core.clock import LONDON, Clock, local_today
from domain.core.errors import Conflict
from domain.core.roles import SYSTEM, Role
from domain.people.models import Person, Service, Team


@dataclass(frozen=True)
class DemoSummary:
    services: int
    teams: int
    children_created: int
    children_updated: int
    children_unchanged: int
    # True when the organisation (services, teams, people, roles) was all there already.
    already_seeded: bool
    # (display name, email, main role) for every demo person, to say who can sign in as whom.
    people: list[tuple[str, str, str]]
    # The year of audits: what was seeded, or found already there.
    audits: AuditDemoSummary | None = None
    # Compliments, complaints and the Task and Finish Group: what the database holds.
    register: FeedbackDemoSummary | None = None
    # The survey campaigns seeded by this run (none when they were there already).
    surveys: SurveyDemoSummary | None = None

    @property
    def people_count(self) -> int:
        return len(self.people)


@dataclass
class _Organisation:
    """The demo's services, teams and people by key, as found or created."""

    services: dict[str, Service] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    # A team's practitioners' emails, the newly qualified worker last.
    practitioners: dict[str, list[str]] = field(default_factory=dict)
    summary_people: list[tuple[str, str, str]] = field(default_factory=list)
    created: int = 0  # records (service, team, person, role grant) this run created


async def _seed_organisation(
    session: AsyncSession, clock: Clock, say: Callable[[str], None]
) -> _Organisation:
    org = _Organisation()
    for name, is_multi_agency in SERVICES:
        org.services[name], new = await ensure_service(session, clock, name, is_multi_agency)
        org.created += new
    for plan in TEAMS:
        org.teams[plan.name], new = await ensure_team(
            session, clock, org.services[plan.service], plan.name
        )
        org.created += new
    say(f"Services and teams: {len(org.services)} services, {len(org.teams)} teams.")

    for person_plan in plan_people():
        person, records = await ensure_person(
            session, clock, person_plan, org.services, org.teams, org.people
        )
        org.created += records
        org.people[person_plan.key] = person
        org.summary_people.append((person.display_name, person.email, person_plan.role.value))
        if person_plan.role is Role.PRACTITIONER and person_plan.team is not None:
            org.practitioners.setdefault(person_plan.team, []).append(person.email)
    say(f"People: {len(org.people)} across every role; {org.created} organisation records created.")
    return org


async def _seed_children(
    session: AsyncSession, clock: Clock, org: _Organisation, say: Callable[[str], None]
) -> ImportReport:
    await session.flush()
    # Dates are worked out from the day the demo was first seeded, not from today: otherwise
    # every later run would move each child's birthday and plan start and rewrite them all.
    seeded_on = org.people[DEMO_ANCHOR].created_at.astimezone(LONDON).date()
    rows = plan_children(min(seeded_on, local_today(clock)), org.practitioners)
    report = await import_children(session=session, actor=SYSTEM, clock=clock, rows=rows)
    if report.problems:
        # Nothing was imported; the caller's transaction rolls the organisation back too.
        first = "; ".join(str(p) for p in report.problems[:3])
        raise Conflict(
            f"The demo children could not be imported ({report.problem_count} problems): {first}"
        )
    say(
        f"Children: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
    return report


async def seed_demo_authority(
    *,
    session: AsyncSession,
    clock: Clock,
    progress: Callable[[str], None] | None = None,
    with_audits: bool = True,
    survey_token_key: str | None = None,
) -> DemoSummary:
    """Create (or find) the demo authority in the caller's unit of work; commits nothing.

    With `with_audits`, it also gets a year of audits (once: see demo.audits); with a
    `survey_token_key`, survey campaigns answered in part (once: see demo.surveys)."""

    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    org = await _seed_organisation(session, clock, say)
    report = await _seed_children(session, clock, org, say)
    register = await seed_demo_feedback(
        session=session,
        clock=clock,
        people=org.people,
        services=org.services,
        teams=org.teams,
        progress=progress,
    )
    surveys = None
    if survey_token_key is not None:
        surveys = await seed_demo_surveys(
            session=session, clock=clock, people=org.people, token_key=survey_token_key
        )
        say(
            f"Surveys: {surveys.campaigns} campaigns, {surveys.invitations} invitations, "
            f"{surveys.responses} answered."
        )
    audits = None
    if with_audits:
        audits = await seed_demo_audits(session=session, clock=clock, progress=progress)
    return DemoSummary(
        services=len(org.services),
        teams=len(org.teams),
        children_created=report.created,
        children_updated=report.updated,
        children_unchanged=report.unchanged,
        already_seeded=org.created == 0,
        people=org.summary_people,
        audits=audits,
        register=register,
        surveys=surveys,
    )
