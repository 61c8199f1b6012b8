"""What the audits tests share: a small authority with every role, running a use case in its
own unit of work as one API request does, and filling an audit completely from its template."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.audits.models import Audit, AuditTemplate, Moderation
from domain.audits.templates import QuestionType
from domain.children.models import Child
from domain.core.clock import local_today
from domain.core.roles import SYSTEM, Actor, Role, ScopeType
from domain.events.models import DomainEvent
from domain.history.models import HistoryEntry
from domain.people.models import Person, Service, Team
from domain.people.service import actor_for_person
from tests.conftest import World

T = TypeVar("T")

INADEQUATE_EVENT = "audit.completed_inadequate"


async def uow(world: World, use_case: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
    """One use case in its own transaction, committed when it returns."""
    async with world.session_factory() as s, s.begin():
        return await use_case(session=s, **kwargs)


async def act(
    world: World, use_case: Callable[..., Awaitable[T]], actor: Actor, **kwargs: Any
) -> T:
    """One use case acting as `actor` at the world's clock, in its own transaction."""
    return await uow(world, use_case, actor=actor, clock=world.clock, **kwargs)


@dataclass
class Authority:
    """Children's Social Care (teams A and B) and Family First (team C), and who works there.

    Ann and Bob hold cases in team A (Ann's line manager is the Group Manager, Bob's the
    manager of team A); Cat holds cases in team B; Dan in team C."""

    world: World
    csc: Service
    ff: Service
    team_a: Team
    team_b: Team
    team_c: Team
    dcs: Person
    aed: Person
    psw: Person
    qa_lead: Person
    hos_csc: Person
    hos_ff: Person
    gm: Person
    tm_a: Person
    tm_b: Person
    ann: Person
    bob: Person
    cat: Person
    dan: Person
    iro: Person
    qau: Person
    admin: Person
    partner: Person
    ann_children: list[Child]
    bob_children: list[Child]
    cat_children: list[Child]
    dan_children: list[Child]
    actors: dict[uuid.UUID, Actor]

    def actor(self, person: Person) -> Actor:
        return self.actors[person.id]

    def person(self, name: str) -> Person:
        person = getattr(self, name)
        assert isinstance(person, Person)
        return person


async def build_authority(world: World) -> Authority:
    A, S, TM = ScopeType.AUTHORITY, ScopeType.SERVICE, ScopeType.TEAM
    csc = await world.service("Children's Social Care")
    ff = await world.service("Family First")
    team_a = await world.team(csc, "Assessment Team A")
    team_b = await world.team(csc, "Bridge Team B")
    team_c = await world.team(ff, "Community Team C")
    dcs = await world.person("Dee Director", (Role.DIRECTOR_OF_CHILDRENS_SERVICES, A, None))
    aed = await world.person("Ash Aed", (Role.ASSISTANT_EXECUTIVE_DIRECTOR, A, None))
    psw = await world.person("Pat Psw", (Role.PRINCIPAL_SOCIAL_WORKER, A, None))
    qa_lead = await world.person("Quinn Qa", (Role.QA_LEAD, A, None))
    hos_csc = await world.person("Hal Hos", (Role.HEAD_OF_SERVICE, S, csc))
    hos_ff = await world.person("Fay Hos", (Role.HEAD_OF_SERVICE, S, ff))
    gm = await world.person("Gil Group", (Role.GROUP_MANAGER, S, csc))
    tm_a = await world.person("Tam Manager", (Role.TEAM_MANAGER, TM, team_a), team=team_a)
    tm_b = await world.person("Tob Manager", (Role.TEAM_MANAGER, TM, team_b), team=team_b)
    ann = await world.person(
        "Ann Worker", (Role.PRACTITIONER, TM, team_a), team=team_a, line_manager=gm
    )
    bob = await world.person(
        "Bob Worker", (Role.PRACTITIONER, TM, team_a), team=team_a, line_manager=tm_a
    )
    cat = await world.person(
        "Cat Worker", (Role.PRACTITIONER, TM, team_b), team=team_b, line_manager=tm_b
    )
    dan = await world.person("Dan Worker", (Role.PRACTITIONER, TM, team_c), team=team_c)
    iro = await world.person("Ira Iro", (Role.INDEPENDENT_REVIEWING_OFFICER, S, ff))
    qau = await world.person("Sam Qau", (Role.SAFEGUARDING_QAU_MANAGER, A, None))
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, A, None))
    partner = await world.person(
        "Pol Partner", (Role.PARTNER_AGENCY_MEMBER, A, None), partner_agency="Police"
    )
    people = [dcs, aed, psw, qa_lead, hos_csc, hos_ff, gm, tm_a, tm_b, ann, bob, cat, dan]
    people += [iro, qau, admin, partner]
    authority = Authority(
        world=world,
        csc=csc,
        ff=ff,
        team_a=team_a,
        team_b=team_b,
        team_c=team_c,
        dcs=dcs,
        aed=aed,
        psw=psw,
        qa_lead=qa_lead,
        hos_csc=hos_csc,
        hos_ff=hos_ff,
        gm=gm,
        tm_a=tm_a,
        tm_b=tm_b,
        ann=ann,
        bob=bob,
        cat=cat,
        dan=dan,
        iro=iro,
        qau=qau,
        admin=admin,
        partner=partner,
        ann_children=await world.children(team_a, 3, practitioner=ann, prefix="ANN"),
        bob_children=await world.children(team_a, 3, practitioner=bob, prefix="BOB"),
        cat_children=await world.children(team_b, 3, practitioner=cat, prefix="CAT"),
        dan_children=await world.children(team_c, 3, practitioner=dan, prefix="DAN"),
        actors={},
    )
    await refresh_actors(authority, people)
    return authority


async def refresh_actors(authority: Authority, people: list[Person]) -> None:
    async with authority.world.session_factory() as s:
        for person in people:
            authority.actors[person.id] = await actor_for_person(s, person)


async def actor_of(world: World, person: Person) -> Actor:
    async with world.session_factory() as s:
        return await actor_for_person(s, person)


async def cp_child(world: World, team: Team, reference: str, plan_start: date) -> Child:
    """A child on a child protection plan that started on `plan_start`."""
    now = world.clock.now()
    child = Child(
        case_reference=reference,
        team_id=team.id,
        date_of_birth=date(2018, 5, 1),
        child_protection_plan_start=plan_start,
        created_at=now,
        updated_at=now,
    )
    async with world.session_factory() as s, s.begin():
        s.add(child)
    return child


def due(world: World, days: int = 14) -> date:
    return local_today(world.clock) + timedelta(days=days)


async def plan(
    world: World,
    kind: AuditKind,
    auditor: Person,
    child: Child | None = None,
    *,
    planner: Actor = SYSTEM,
    due_date: date | None = None,
    **extra: Any,
) -> Audit:
    return await act(
        world,
        audits.plan_audit,
        planner,
        plan=audits.AuditPlan(
            kind=kind,
            auditor_id=auditor.id,
            due_date=due_date or due(world),
            child_id=child.id if child else None,
            **extra,
        ),
    )


async def moderate_as_qa_lead(
    auth: Authority, audit_id: uuid.UUID, **moderation: Any
) -> Moderation:
    """The QA Lead moderates an audit (`outcome`, `reason`, grades, ...) in its own transaction,
    at the world's clock."""
    return await act(
        auth.world, audits.moderate_audit, auth.actor(auth.qa_lead), audit_id=audit_id, **moderation
    )


async def load(world: World, audit_id: uuid.UUID) -> Audit:
    """The audit as stored now, with its section grades and template."""
    async with world.session_factory() as s:
        audit = await s.scalar(
            select(Audit)
            .where(Audit.id == audit_id)
            .options(selectinload(Audit.section_grades), selectinload(Audit.template))
        )
        assert audit is not None
        return audit


async def template_of(world: World, audit_id: uuid.UUID) -> AuditTemplate:
    return (await load(world, audit_id)).template


def full_record(
    template: AuditTemplate,
    *,
    today: date,
    grade: Grade = Grade.GOOD,
    section_grades: dict[str, Grade] | None = None,
) -> audits.AuditRecord:
    """Everything a finished audit of this template needs: an answer to each required
    question by its type, a grade with a rationale for each graded section, the overall grade
    with its rationale, and what the kind asks for besides (a conversation, findings)."""
    answers: dict[str, Any] = {}
    grades: list[audits.SectionGradeInput] = []
    for section in template.sections:
        for question in section["questions"]:
            if not question["required"]:
                continue
            answers[question["key"]] = {
                QuestionType.YES_NO_NA: "YES",
                QuestionType.SCALE_0_10: 7,
                QuestionType.FREE_TEXT: f"What we found about {question['key']}.",
                QuestionType.GRADE: grade.value,
            }[QuestionType(question["type"])]
        if section["graded"]:
            section_grade = (section_grades or {}).get(section["key"], grade)
            grades.append(
                audits.SectionGradeInput(
                    section_key=section["key"],
                    grade=section_grade,
                    rationale=f"Why {section['key']} is {section_grade.value}.",
                )
            )
    return audits.AuditRecord(
        answers=answers,
        section_grades=grades,
        overall_grade=grade,
        overall_rationale=f"Overall the work is {grade.value}.",
        conversation_date=today if template.kind is AuditKind.CASE_FILE else None,
        findings=(
            "What the reviewers found."
            if template.kind in (AuditKind.MULTI_AGENCY, AuditKind.EXTERNAL)
            else None
        ),
    )


async def fill(
    world: World,
    auditor: Actor,
    audit_id: uuid.UUID,
    *,
    grade: Grade = Grade.GOOD,
    section_grades: dict[str, Grade] | None = None,
) -> Audit:
    """Save a complete record into an audit in progress."""
    record = full_record(
        await template_of(world, audit_id),
        today=local_today(world.clock),
        grade=grade,
        section_grades=section_grades,
    )
    return await act(world, audits.save_audit, auditor, audit_id=audit_id, record=record)


async def advance(
    world: World,
    auditor: Actor,
    audit_id: uuid.UUID,
    to: AuditStatus,
    *,
    grade: Grade = Grade.GOOD,
    section_grades: dict[str, Grade] | None = None,
) -> Audit:
    """Take an audit on from where it is to `to` the ordinary way: started, filled in,
    submitted, completed (or cancelled)."""
    if to is AuditStatus.CANCELLED:
        await act(world, audits.cancel_audit, auditor, audit_id=audit_id, reason="Case closed.")
        return await load(world, audit_id)
    steps = [
        AuditStatus.PLANNED,
        AuditStatus.IN_PROGRESS,
        AuditStatus.SUBMITTED,
        AuditStatus.COMPLETED,
    ]
    now = steps.index((await load(world, audit_id)).status)
    for step in steps[now + 1 : steps.index(to) + 1]:
        if step is AuditStatus.IN_PROGRESS:
            await act(world, audits.start_audit, auditor, audit_id=audit_id)
        elif step is AuditStatus.SUBMITTED:
            await fill(world, auditor, audit_id, grade=grade, section_grades=section_grades)
            await act(world, audits.submit_audit, auditor, audit_id=audit_id)
        else:
            await act(world, audits.complete_audit, auditor, audit_id=audit_id)
    return await load(world, audit_id)


async def count_rows(world: World, model: type[Any]) -> int:
    async with world.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def events_of(world: World, audit_id: uuid.UUID) -> list[DomainEvent]:
    async with world.session_factory() as s:
        return list(
            await s.scalars(
                select(DomainEvent)
                .where(DomainEvent.object_id == audit_id)
                .order_by(DomainEvent.id)
            )
        )


async def inadequate_events(world: World, audit_id: uuid.UUID) -> list[DomainEvent]:
    return [e for e in await events_of(world, audit_id) if e.name == INADEQUATE_EVENT]


async def history_of(world: World, object_id: uuid.UUID, action: str) -> list[HistoryEntry]:
    async with world.session_factory() as s:
        return list(
            await s.scalars(
                select(HistoryEntry)
                .where(HistoryEntry.object_id == object_id, HistoryEntry.action == action)
                .order_by(HistoryEntry.id)
            )
        )
