"""The demo authority's organisation: its services, teams and people in every role, and
how each is found or created through the people use cases, acting as the system."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.roles import SYSTEM, Role, ScopeType
from domain.people import service as people_service
from domain.people.models import Person, RoleGrant, Service, Team
from domain.people.service import PersonFields

EMAIL_DOMAIN = "demo.qaf.local"
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


def _email_for(display_name: str) -> str:
    first, last = display_name.split(" ", 1)

    def part(value: str) -> str:
        return re.sub(r"[^a-z-]", "", value.lower())

    return f"{part(first)}.{part(last)}@{EMAIL_DOMAIN}"


# (key, job title, role, line manager's key): the authority-wide roles, the DCS first.
AUTHORITY_LEADERS: tuple[tuple[str, str, Role, str | None], ...] = (
    ("dcs", "Director of Children's Services", Role.DIRECTOR_OF_CHILDRENS_SERVICES, None),
    (
        "aed",
        "Assistant Executive Director, Children's Services",
        Role.ASSISTANT_EXECUTIVE_DIRECTOR,
        "dcs",
    ),
    ("psw", "Principal Social Worker", Role.PRINCIPAL_SOCIAL_WORKER, "aed"),
    (
        "iro",
        "Independent Reviewing Officer / Child Protection Chair",
        Role.INDEPENDENT_REVIEWING_OFFICER,
        "aed",
    ),
    ("qa-lead", "Quality Assurance and Audit Lead", Role.QA_LEAD, "aed"),
    (
        "sqau",
        "Safeguarding and Quality Assurance Unit Manager",
        Role.SAFEGUARDING_QAU_MANAGER,
        "aed",
    ),
    # Business support sits outside the practice hierarchy, but anything overdue still
    # needs somewhere to escalate to.
    ("admin", "Systems Administrator", Role.ADMINISTRATOR, "aed"),
)


class _Roster:
    """The people planned so far; each new one gets the next name."""

    def __init__(self) -> None:
        self.names = iter(NAMES)
        self.plans: list[PersonPlan] = []

    def add(
        self, key: str, job_title: str, role: Role, scope: ScopeType, **where: str | None
    ) -> None:
        name = next(self.names)
        self.plans.append(PersonPlan(key, name, _email_for(name), job_title, role, scope, **where))


def plan_people() -> list[PersonPlan]:
    """Everyone in the demo, each line manager before the people they manage."""
    roster = _Roster()
    _plan_leaders(roster)
    _plan_teams(roster)
    _plan_partners(roster)
    plans = roster.plans
    emails = [p.email for p in plans]
    if len(set(emails)) != len(emails):
        raise ValueError("Two demo people would share an email address.")
    return plans


def _plan_leaders(roster: _Roster) -> None:
    """The authority's leaders, the Heads of Service and the group managers."""
    for key, job_title, role, manager in AUTHORITY_LEADERS:
        roster.add(key, job_title, role, ScopeType.AUTHORITY, manager=manager)
    add = roster.add
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


def _plan_teams(roster: _Roster) -> None:
    """Each team's manager, assistant manager and practitioners."""
    add = roster.add
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


def _plan_partners(roster: _Roster) -> None:
    add = roster.add
    authority = ScopeType.AUTHORITY
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


def _practitioner_titles(cohort: Cohort) -> tuple[str, str, str]:
    # One newly qualified worker per team, so ASYE observations have someone to observe.
    if cohort is Cohort.CARE_LEAVER:
        return ("Senior Practice Lead", "Personal Adviser", "Social Worker (ASYE)")
    if cohort is Cohort.FAMILY_FIRST:
        return ("Senior Practice Lead", "Family First Practitioner", "Social Worker (ASYE)")
    return ("Senior Practice Lead", "Social Worker", "Social Worker (ASYE)")


# --- organisation -----------------------------------------------------------------------


async def ensure_service(
    session: AsyncSession, clock: Clock, name: str, is_multi_agency: bool
) -> tuple[Service, bool]:
    existing = await session.scalar(select(Service).where(func.lower(Service.name) == name.lower()))
    if existing is not None:
        return existing, False
    service = await people_service.create_service(
        session=session, actor=SYSTEM, clock=clock, name=name, is_multi_agency=is_multi_agency
    )
    return service, True


async def ensure_team(
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


async def ensure_person(
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
