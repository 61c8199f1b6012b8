"""The demo's year of audits: its people, cases, templates and themes as loaded once, and
what every step of the story asks of them (who someone is, a random generator seeded by what
it is about)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.audits.timeline import Timeline, local_day
from demo.children import CASE_REFERENCE_PREFIX
from demo.people import GM_ASSESSMENT, GM_CARE, GM_FAMILY_FIRST, plan_people
from domain.audits.kinds import AuditKind, Grade
from domain.audits.models import Theme
from domain.audits.programme import first_of_month
from domain.audits.reference import current_template
from domain.audits.templates import Section, parse_sections
from domain.children.models import Child
from domain.core.clock import SettableClock
from domain.core.roles import Actor, Role
from domain.core.settings import PolicySettings
from domain.people.models import Person
from domain.people.service import actor_for_person

# Fixed so that every run (and every developer's machine) tells the same story.
AUDITS_SEED = 20261127

GRADES_BY_RANK = {g.rank: g for g in Grade}


def half_of(month: date) -> str:
    return "Spring" if month.month <= 6 else "Autumn"


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Month:
    index: int  # 0 = eleven months ago, 11 = this month, 12 = next month
    month: date
    due: date
    programme_month_id: uuid.UUID


class Year:
    """The people, cases and rules of the demo year, and the lives of its audits."""

    def __init__(
        self,
        session: AsyncSession,
        clock: SettableClock,
        until: datetime,
        policy_settings: PolicySettings,
    ) -> None:
        self.session = session
        self.clock = clock
        self.policy_settings = policy_settings
        self.timeline = Timeline(clock, until)
        self.current = first_of_month(local_day(until))
        # Eleven months back, this month, and next month's programme.
        self.months = [self.current + relativedelta(months=i) for i in range(-11, 2)]
        self.actors: dict[uuid.UUID, Actor] = {}

    def rng(self, *about: object) -> random.Random:
        return random.Random(":".join(map(str, (AUDITS_SEED, *about))))  # noqa: S311 - demo data

    async def load(self) -> None:
        plans = plan_people()
        by_email = {p.email.lower(): p for p in plans}
        people = await self.session.scalars(
            select(Person).where(func.lower(Person.email).in_(list(by_email)))
        )
        self.people = {by_email[p.email.lower()].key: p for p in people}
        self.plans = {p.key: p for p in plans if p.key in self.people}
        self.key_of = {p.id: key for key, p in self.people.items()}
        self.children = list(
            await self.session.scalars(select(Child).order_by(Child.case_reference))
        )
        self.child_by_id = {c.id: c for c in self.children}
        self.demo_children = [
            c for c in self.children if c.case_reference.startswith(CASE_REFERENCE_PREFIX)
        ]
        self.themes = {t.name: t.id for t in await self.session.scalars(select(Theme))}
        self.sections: dict[AuditKind, list[Section]] = {}
        for kind in AuditKind:
            template = await current_template(self.session, kind)
            self.sections[kind] = parse_sections(template.sections)
        # The QA Lead moderates the monthly audits rather than doing them (and nobody moderates
        # their own), so the story does not hang on which audits a draw gives her.
        self.pool = [
            key
            for key in (
                "aed",
                "psw",
                "iro",
                *(k for k in self.plans if k.startswith("hos:")),
                *(k for k in self.plans if k.startswith("gm-")),
                *(k for k in self.plans if k.startswith(("tm:", "atm:"))),
            )
            if key in self.people
        ]
        self.practitioners = [
            key for key, plan in self.plans.items() if plan.role is Role.PRACTITIONER
        ]
        self.thematic_auditors = ["psw", "iro", GM_ASSESSMENT, GM_CARE, GM_FAMILY_FIRST]

    def theme_ids(self, *names: str) -> list[uuid.UUID]:
        """The default themes named, where the authority still has them."""
        return [self.themes[n] for n in names if n in self.themes]

    def person(self, key: str) -> uuid.UUID:
        return self.people[key].id

    async def actor(self, who: str | uuid.UUID) -> Actor:
        person_id = self.person(who) if isinstance(who, str) else who
        if person_id not in self.actors:
            person = await self.session.get(Person, person_id)
            assert person is not None
            self.actors[person_id] = await actor_for_person(self.session, person)
        return self.actors[person_id]

    def team_manager_of(self, child: Child) -> uuid.UUID | None:
        for plan in self.plans.values():
            if plan.role is Role.TEAM_MANAGER and self.people[plan.key].team_id == child.team_id:
                return self.person(plan.key)
        return None

    def children_of_team(self, team: str, born_before: date) -> list[Child]:
        team_id = self.people[f"tm:{team}"].team_id
        return [
            c for c in self.demo_children if c.team_id == team_id and c.date_of_birth < born_before
        ]
