"""A demo authority: services, teams, people in every role, 300 children and a year of
audits (domain.demo_audits).

Everything is written through the domain's own use cases acting as the system, so the demo
has the same history as an authority set up by hand. It is safe to run again: what exists
already is found and kept, and the children import is an upsert.
"""

from __future__ import annotations

import calendar
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.children.importer import import_children
from domain.core.clock import LONDON, Clock, local_today
from domain.core.errors import Conflict
from domain.people import service as people_service
from domain.people.models import Person, RoleGrant, Service, Team
from domain.people.roles import SYSTEM, Role, ScopeType
from domain.people.service import PersonFields

if TYPE_CHECKING:
    from domain.demo_audits import AuditDemoSummary
    from domain.demo_feedback import FeedbackDemoSummary
    from domain.demo_surveys import SurveyDemoSummary

EMAIL_DOMAIN = "demo.qaf.local"
CASE_REFERENCE_PREFIX = "DEMO-"
# Fixed so that every run (and every developer's machine) gets the same children.
CHILDREN_SEED = 20261126
# The person whose creation marks the day the demo was first seeded.
DEMO_ANCHOR = "dcs"

CSC = "Children's Social Care"
MASH = "MASH"
FAMILY_FIRST = "Family First"
PARTNERSHIP = "Safeguarding Children Partnership"

SERVICES: tuple[tuple[str, bool], ...] = (
    (CSC, False),
    (MASH, False),
    (FAMILY_FIRST, False),
    (PARTNERSHIP, True),
)


class Cohort(Enum):
    """What a team's caseload looks like, which decides the children generated for it."""

    ASSESSMENT = "assessment"
    CHILD_PROTECTION = "child protection"
    LOOKED_AFTER = "looked after"
    CARE_LEAVER = "care leaver"
    DISABLED = "disabled"
    FRONT_DOOR = "front door"
    FAMILY_FIRST = "family first"


@dataclass(frozen=True)
class TeamPlan:
    service: str
    name: str
    cohort: Cohort | None  # None: the team holds no cases
    children: int
    group_manager: str | None  # the group manager's key; None reports to the Head of Service


GM_ASSESSMENT = "gm-assessment"
GM_CARE = "gm-care"
GM_FAMILY_FIRST = "gm-family-first"

TEAMS: tuple[TeamPlan, ...] = (
    TeamPlan(CSC, "Assessment Team 1", Cohort.ASSESSMENT, 30, GM_ASSESSMENT),
    TeamPlan(CSC, "Assessment Team 2", Cohort.ASSESSMENT, 30, GM_ASSESSMENT),
    TeamPlan(CSC, "Child Protection Team 1", Cohort.CHILD_PROTECTION, 35, GM_ASSESSMENT),
    TeamPlan(CSC, "Child Protection Team 2", Cohort.CHILD_PROTECTION, 35, GM_ASSESSMENT),
    TeamPlan(CSC, "Children in Care Team", Cohort.LOOKED_AFTER, 40, GM_CARE),
    TeamPlan(CSC, "Care Leavers Team", Cohort.CARE_LEAVER, 25, GM_CARE),
    TeamPlan(CSC, "Disabled Children's Team", Cohort.DISABLED, 20, GM_CARE),
    TeamPlan(MASH, "MASH", Cohort.FRONT_DOOR, 15, None),
    TeamPlan(FAMILY_FIRST, "Family First North", Cohort.FAMILY_FIRST, 24, GM_FAMILY_FIRST),
    TeamPlan(FAMILY_FIRST, "Family First South", Cohort.FAMILY_FIRST, 23, GM_FAMILY_FIRST),
    TeamPlan(FAMILY_FIRST, "Family First Central", Cohort.FAMILY_FIRST, 23, GM_FAMILY_FIRST),
    TeamPlan(PARTNERSHIP, "Partnership Business Unit", None, 0, None),
)

# Handed out in order, so each role always gets the same person.
NAMES: tuple[str, ...] = (
    "Margaret Ellison",
    "Richard Okafor",
    "Helen Whitfield",
    "Sanjay Mistry",
    "Fiona MacLeod",
    "Gareth Pritchard",
    "Claire Donnelly",
    "Imran Hussain",
    "Rebecca Thornton",
    "Daniel Osei",
    "Joanne Hargreaves",
    "Tomasz Nowak",
    "Amanda Fletcher",
    "Kwame Mensah",
    "Louise Kavanagh",
    "Priya Chauhan",
    "Stephen Marsh",
    "Nicola Brennan",
    "Aisha Begum",
    "Mark Holloway",
    "Sarah Whitmore",
    "Christopher Lane",
    "Emma Baxter",
    "Oluwaseun Adeyemi",
    "Karen Doyle",
    "Paul Stanton",
    "Rachel Greenwood",
    "Hannah Lister",
    "James Fairbairn",
    "Zainab Rahman",
    "Catherine Mulligan",
    "Andrew Kershaw",
    "Lucy Pemberton",
    "Hamza Qureshi",
    "Megan Llewellyn",
    "Siobhan O'Connor",
    "Thomas Ashworth",
    "Grace Adebayo",
    "Natalie Curran",
    "Samuel Wright",
    "Chloe Bradshaw",
    "Ravinder Sandhu",
    "Jessica Naylor",
    "Liam Flanagan",
    "Sophie Clarke-Jones",
    "Benjamin Hale",
    "Yasmin Patel",
    "Owen Griffiths",
    "Charlotte Ridley",
    "Matthew Dunmore",
    "Abigail Chapman",
    "Jamal Williams",
    "Eleanor Stokes",
    "Ryan McAllister",
    "Fatima Ali",
    "Jack Thornbury",
    "Georgia Bell",
    "Adam Kowalski",
    "Holly Sutcliffe",
    "Nathan Brooks",
    "Bethany Shaw",
    "Kieran Walsh",
    "Amira Khan",
    "Joshua Pearce",
    "Laura Fenwick",
    "Mohammed Iqbal",
    "Ellie Robson",
    "Connor Doherty",
    "Harriet Lomax",
    "Dominic Reilly",
    "Ruth Abernethy",
    "Simon Cartwright",
    "Precious Nwosu",
    "Alice Hebden",
    "Martin Cole",
    "Jasmine Ahmed",
    "Peter Lowther",
    "Gemma Harrison",
    "Victoria Akinola",
    "Neil Sanderson",
)


@dataclass(frozen=True)
class PersonPlan:
    key: str
    display_name: str
    email: str
    job_title: str
    role: Role
    scope: ScopeType
    service: str | None = None  # the service a SERVICE-scope role is held in
    team: str | None = None  # the team they work in (and hold a TEAM-scope role in)
    manager: str | None = None  # the line manager's key
    partner_agency: str | None = None


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


def _email_for(display_name: str) -> str:
    first, last = display_name.split(" ", 1)

    def part(value: str) -> str:
        return re.sub(r"[^a-z-]", "", value.lower())

    return f"{part(first)}.{part(last)}@{EMAIL_DOMAIN}"


def plan_people() -> list[PersonPlan]:
    """Everyone in the demo, each line manager before the people they manage."""
    names = iter(NAMES)
    plans: list[PersonPlan] = []

    def add(key: str, job_title: str, role: Role, scope: ScopeType, **where: str | None) -> None:
        name = next(names)
        plans.append(PersonPlan(key, name, _email_for(name), job_title, role, scope, **where))

    authority = ScopeType.AUTHORITY
    add("dcs", "Director of Children's Services", Role.DIRECTOR_OF_CHILDRENS_SERVICES, authority)
    add(
        "aed",
        "Assistant Executive Director, Children's Services",
        Role.ASSISTANT_EXECUTIVE_DIRECTOR,
        authority,
        manager="dcs",
    )
    add("psw", "Principal Social Worker", Role.PRINCIPAL_SOCIAL_WORKER, authority, manager="aed")
    add(
        "iro",
        "Independent Reviewing Officer / Child Protection Chair",
        Role.INDEPENDENT_REVIEWING_OFFICER,
        authority,
        manager="aed",
    )
    add("qa-lead", "Quality Assurance and Audit Lead", Role.QA_LEAD, authority, manager="aed")
    add(
        "sqau",
        "Safeguarding and Quality Assurance Unit Manager",
        Role.SAFEGUARDING_QAU_MANAGER,
        authority,
        manager="aed",
    )
    # Business support sits outside the practice hierarchy, but anything overdue still
    # needs somewhere to escalate to.
    add("admin", "Systems Administrator", Role.ADMINISTRATOR, authority, manager="aed")

    for service, _ in SERVICES:
        add(
            f"hos:{service}",
            f"Head of Service, {service}",
            Role.HEAD_OF_SERVICE,
            ScopeType.SERVICE,
            service=service,
            manager="aed",
        )
    for key, service, area in (
        (GM_ASSESSMENT, CSC, "Assessment and Child Protection"),
        (GM_CARE, CSC, "Children in Care, Care Leavers and Disabled Children"),
        (GM_FAMILY_FIRST, FAMILY_FIRST, "Family First"),
    ):
        add(
            key,
            f"Group Manager, {area}",
            Role.GROUP_MANAGER,
            ScopeType.SERVICE,
            service=service,
            manager=f"hos:{service}",
        )

    for team in TEAMS:
        tm = f"tm:{team.name}"
        add(
            tm,
            f"Team Manager, {team.name}",
            Role.TEAM_MANAGER,
            ScopeType.TEAM,
            team=team.name,
            manager=team.group_manager or f"hos:{team.service}",
        )
        add(
            f"atm:{team.name}",
            f"Assistant Team Manager, {team.name}",
            Role.ASSISTANT_TEAM_MANAGER,
            ScopeType.TEAM,
            team=team.name,
            manager=tm,
        )
        if team.cohort is None:
            continue
        for index, title in enumerate(_practitioner_titles(team.cohort)):
            add(
                f"practitioner:{team.name}:{index}",
                title,
                Role.PRACTITIONER,
                ScopeType.TEAM,
                team=team.name,
                manager=tm,
            )

    for agency, title in (
        ("Police", "Detective Inspector, Public Protection Unit"),
        ("Health", "Designated Nurse for Safeguarding Children"),
        ("Education", "Education Safeguarding Lead"),
    ):
        add(
            f"partner:{agency}",
            title,
            Role.PARTNER_AGENCY_MEMBER,
            authority,
            partner_agency=agency,
        )

    emails = [p.email for p in plans]
    if len(set(emails)) != len(emails):
        raise ValueError("Two demo people would share an email address.")
    return plans


def _practitioner_titles(cohort: Cohort) -> tuple[str, str, str]:
    # One newly qualified worker per team, so ASYE observations have someone to observe.
    if cohort is Cohort.CARE_LEAVER:
        return ("Senior Practice Lead", "Personal Adviser", "Social Worker (ASYE)")
    if cohort is Cohort.FAMILY_FIRST:
        return ("Senior Practice Lead", "Family First Practitioner", "Social Worker (ASYE)")
    return ("Senior Practice Lead", "Social Worker", "Social Worker (ASYE)")


# --- organisation -----------------------------------------------------------------------


async def _ensure_service(
    session: AsyncSession, clock: Clock, name: str, is_multi_agency: bool
) -> tuple[Service, bool]:
    existing = await session.scalar(select(Service).where(func.lower(Service.name) == name.lower()))
    if existing is not None:
        return existing, False
    service = await people_service.create_service(
        session=session, actor=SYSTEM, clock=clock, name=name, is_multi_agency=is_multi_agency
    )
    return service, True


async def _ensure_team(
    session: AsyncSession, clock: Clock, service: Service, name: str
) -> tuple[Team, bool]:
    existing = await session.scalar(
        select(Team).where(Team.service_id == service.id, func.lower(Team.name) == name.lower())
    )
    if existing is not None:
        return existing, False
    team = await people_service.create_team(
        session=session, actor=SYSTEM, clock=clock, service_id=service.id, name=name
    )
    return team, True


async def _ensure_person(
    session: AsyncSession,
    clock: Clock,
    plan: PersonPlan,
    services: dict[str, Service],
    teams: dict[str, Team],
    people: dict[str, Person],
) -> tuple[Person, int]:
    """The person and how many records (person, role grant) this call created."""
    created = 0
    person = await session.scalar(
        select(Person).where(func.lower(Person.email) == plan.email.lower())
    )
    if person is None:
        # Someone already there is left as they are: an operator may have changed them.
        person = await people_service.create_person(
            session=session,
            actor=SYSTEM,
            clock=clock,
            data=PersonFields(
                display_name=plan.display_name,
                email=plan.email,
                job_title=plan.job_title,
                team_id=teams[plan.team].id if plan.team else None,
                line_manager_id=people[plan.manager].id if plan.manager else None,
                partner_agency=plan.partner_agency,
            ),
        )
        created += 1

    service_id = (
        services[plan.service].id if plan.scope is ScopeType.SERVICE and plan.service else None
    )
    team_id = teams[plan.team].id if plan.scope is ScopeType.TEAM and plan.team else None
    held = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.person_id == person.id,
            RoleGrant.role == plan.role,
            RoleGrant.scope == plan.scope,
            RoleGrant.service_id.is_not_distinct_from(service_id),
            RoleGrant.team_id.is_not_distinct_from(team_id),
        )
    )
    if held is None:
        await people_service.grant_role(
            session=session,
            actor=SYSTEM,
            clock=clock,
            person_id=person.id,
            role=plan.role,
            scope=plan.scope,
            service_id=service_id,
            team_id=team_id,
        )
        created += 1
    return person, created


# --- children ---------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _birth_date(rng: random.Random, today: date, youngest: int, oldest: int) -> date:
    """A date of birth for someone aged between youngest and oldest (whole years) today."""
    latest = _years_before(today, youngest)
    earliest = _years_before(today, oldest + 1) + timedelta(days=1)
    return date.fromordinal(rng.randint(earliest.toordinal(), latest.toordinal()))


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _child_row(rng: random.Random, today: date, cohort: Cohort, place: int) -> dict[str, str]:
    """Date of birth and cohort flags; `place` is the child's position in the team's list."""
    cin = looked_after = care_leaver = family_first = False
    plan_start: date | None = None
    if cohort is Cohort.ASSESSMENT:
        dob = _birth_date(rng, today, 0, 17)
        cin = rng.random() < 0.6
    elif cohort is Cohort.CHILD_PROTECTION:
        if place < 4:
            # Plans at about nine months, some just past and some just short, so the
            # nine-month dip samples have cases due now and soon.
            dob = _birth_date(rng, today, 1, 15)
            plan_start = _months_before(today, 9) + timedelta(days=rng.randint(-10, 10))
        elif place < 6:
            # Babies whose plans began before they were born.
            dob = today - timedelta(days=rng.randint(20, 150))
            plan_start = dob - timedelta(days=rng.randint(30, 90))
        else:
            dob = _birth_date(rng, today, 0, 16)
            age_days = (today - dob).days
            plan_start = today - timedelta(days=rng.randint(7, min(700, age_days + 200)))
    elif cohort is Cohort.LOOKED_AFTER:
        dob = _birth_date(rng, today, 0, 17)
        looked_after = True
    elif cohort is Cohort.CARE_LEAVER:
        dob = _birth_date(rng, today, 18, 21)
        care_leaver = True
    elif cohort is Cohort.DISABLED:
        dob = _birth_date(rng, today, 2, 17)
        looked_after = rng.random() < 0.15
        cin = not looked_after
    elif cohort is Cohort.FAMILY_FIRST:
        dob = _birth_date(rng, today, 0, 17)
        family_first = True
        cin = rng.random() < 0.35
    else:  # the front door: contacts and referrals not yet in any cohort
        dob = _birth_date(rng, today, 0, 17)
    return {
        "date_of_birth": dob.isoformat(),
        "child_in_need": _yes(cin),
        "child_protection_plan_start": plan_start.isoformat() if plan_start else "",
        "looked_after": _yes(looked_after),
        "care_leaver": _yes(care_leaver),
        "family_first": _yes(family_first),
    }


def plan_children(today: date, practitioners: dict[str, list[str]]) -> list[dict[str, str]]:
    """Import rows for every demo child; `practitioners` maps a team to its workers' emails,
    the newly qualified worker last (they carry a protected, smaller caseload)."""
    rng = random.Random(CHILDREN_SEED)  # noqa: S311 - demo data, not a secret
    slots: list[dict[str, str]] = []
    for team in TEAMS:
        if team.cohort is None:
            continue
        workers = practitioners[team.name]
        weights = [2] * (len(workers) - 1) + [1]
        for place in range(team.children):
            row = _child_row(rng, today, team.cohort, place)
            row["team"] = team.name
            row["allocated_practitioner_email"] = rng.choices(workers, weights=weights)[0]
            slots.append(row)
    # A case management system's references say nothing about the team.
    rng.shuffle(slots)
    for number, row in enumerate(slots, start=1):
        row["case_reference"] = f"{CASE_REFERENCE_PREFIX}{number:06d}"
    return sorted(slots, key=lambda r: r["case_reference"])


# --- the whole demo ---------------------------------------------------------------------


async def seed_demo_authority(
    *,
    session: AsyncSession,
    clock: Clock,
    progress: Callable[[str], None] | None = None,
    with_audits: bool = True,
    survey_token_key: str | None = None,
) -> DemoSummary:
    """Create (or find) the demo authority in the caller's unit of work; commits nothing.

    With `with_audits`, it also gets a year of audits (once: see domain.demo_audits); with a
    `survey_token_key`, survey campaigns answered in part (once: see domain.demo_surveys)."""

    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    created = 0
    services: dict[str, Service] = {}
    for name, is_multi_agency in SERVICES:
        services[name], new = await _ensure_service(session, clock, name, is_multi_agency)
        created += new
    teams: dict[str, Team] = {}
    for plan in TEAMS:
        teams[plan.name], new = await _ensure_team(
            session, clock, services[plan.service], plan.name
        )
        created += new
    say(f"Services and teams: {len(services)} services, {len(teams)} teams.")

    people: dict[str, Person] = {}
    practitioners: dict[str, list[str]] = {}
    summary_people: list[tuple[str, str, str]] = []
    for person_plan in plan_people():
        person, records = await _ensure_person(session, clock, person_plan, services, teams, people)
        created += records
        people[person_plan.key] = person
        summary_people.append((person.display_name, person.email, person_plan.role.value))
        if person_plan.role is Role.PRACTITIONER and person_plan.team is not None:
            practitioners.setdefault(person_plan.team, []).append(person.email)
    say(f"People: {len(people)} across every role; {created} organisation records created.")

    await session.flush()
    # Dates are worked out from the day the demo was first seeded, not from today: otherwise
    # every later run would move each child's birthday and plan start and rewrite them all.
    seeded_on = people[DEMO_ANCHOR].created_at.astimezone(LONDON).date()
    rows = plan_children(min(seeded_on, local_today(clock)), practitioners)
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
    # Imported here: the register's seed builds on this module's people and teams.
    from domain.demo_feedback import seed_demo_feedback

    register = await seed_demo_feedback(
        session=session,
        clock=clock,
        people=people,
        services=services,
        teams=teams,
        progress=progress,
    )
    surveys = None
    if survey_token_key is not None:
        from domain.demo_surveys import seed_demo_surveys

        surveys = await seed_demo_surveys(
            session=session, clock=clock, people=people, token_key=survey_token_key
        )
        say(
            f"Surveys: {surveys.campaigns} campaigns, {surveys.invitations} invitations, "
            f"{surveys.responses} answered."
        )
    audits = None
    if with_audits:
        # Imported here: the audits' seed builds on this module's people and teams.
        from domain.demo_audits import seed_demo_audits

        audits = await seed_demo_audits(session=session, clock=clock, progress=progress)
    return DemoSummary(
        services=len(services),
        teams=len(teams),
        children_created=report.created,
        children_updated=report.updated,
        children_unchanged=report.unchanged,
        already_seeded=created == 0,
        people=summary_people,
        audits=audits,
        register=register,
        surveys=surveys,
    )
