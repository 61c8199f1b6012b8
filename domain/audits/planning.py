"""Planning one audit: who may plan it (policy), on which child or person, with which
auditor; load -> decide (`check_plan`) -> write."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy
from domain.audits.common import (
    clean_text,
    owe,
    record_change,
)
from domain.audits.kinds import (
    KINDS_ABOUT_A_CHILD,
    AuditKind,
    AuditStatus,
)
from domain.audits.models import (
    Audit,
    ProgrammeMonth,
)
from domain.audits.reference import current_template, themes_by_ids
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.clock import Clock, local_today
from domain.core.errors import InvalidInput, NotFound
from domain.core.roles import Actor, Role
from domain.deadlines.models import ObligationKind
from domain.history import service as history
from domain.people.models import Person, RoleGrant, Team
from domain.people.service import actor_for_person

# --- planning one audit ----------------------------------------------------------------------


@dataclass
class AuditPlan:
    kind: AuditKind
    auditor_id: uuid.UUID
    due_date: date
    child_id: uuid.UUID | None = None
    subject_practitioner_id: uuid.UUID | None = None
    supervisor_id: uuid.UUID | None = None
    supervision_forum: str | None = None
    external_reviewer: str | None = None
    theme_ids: list[uuid.UUID] = field(default_factory=list)
    programme_month_id: uuid.UUID | None = None
    sample_id: uuid.UUID | None = None
    benchmark_round_id: uuid.UUID | None = None
    trigger_key: str | None = None


async def auditor_actor(session: AsyncSession, auditor_id: uuid.UUID, field: str) -> Actor:
    person = await session.get(Person, auditor_id)
    if person is None or not person.is_active:
        raise NotFound("active person", field=field)
    return await actor_for_person(session, person)


async def manages(session: AsyncSession, auditor_id: uuid.UUID, child: Child) -> bool:
    """Whether the auditor holds the case, or manages it (the practitioner's line manager or a
    team manager of the child's team): DOMAIN.md keeps such cases away from them."""
    if child.allocated_practitioner_id == auditor_id:
        return True
    if child.allocated_practitioner_id is not None:
        manager = await session.scalar(
            select(Person.line_manager_id).where(Person.id == child.allocated_practitioner_id)
        )
        if manager == auditor_id:
            return True
    return bool(
        await session.scalar(
            select(RoleGrant.id).where(
                RoleGrant.person_id == auditor_id,
                RoleGrant.team_id == child.team_id,
                RoleGrant.role.in_([Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER]),
            )
        )
    )


async def plannable_child(
    session: AsyncSession,
    actor: Actor,
    kind: AuditKind,
    child_id: uuid.UUID,
    field: str = "childId",
) -> Child:
    """The child an audit of `kind` is planned on: NOT_FOUND unless the actor may see the
    child (as for an id that does not exist), NOT_ALLOWED outside their planning reach. One
    statement for both."""
    in_reach = policy.planning_reach(actor, kind).children().label("in_reach")
    row = (
        await session.execute(
            select(Child, in_reach).where(
                Child.id == child_id, children_policy.visible_children(actor)
            )
        )
    ).first()
    if row is None:
        raise NotFound("child", field=field)
    policy.check_child_in_reach(row.in_reach, kind, field)
    child: Child = row[0]
    return child


CASE_AUDITS_KEPT_FROM_MANAGERS = (AuditKind.CASE_FILE, AuditKind.THEMATIC, AuditKind.BENCHMARKING)


def check_plan(plan: AuditPlan, auditor_audits_kind: bool, today: date) -> None:
    """What a plan needs whatever it is about: an auditor who carries out its kind, a due date
    not passed, a child for the kinds about a child's case."""
    if not auditor_audits_kind:
        raise InvalidInput(
            f"That person does not hold a role that carries out {plan.kind.value} audits.",
            field="auditorId",
        )
    if plan.due_date < today:
        raise InvalidInput("The due date has passed.", field="dueDate")
    if plan.kind in KINDS_ABOUT_A_CHILD and plan.child_id is None:
        raise InvalidInput("This kind of audit is about a child's case.", field="childId")


def check_auditor_for_case(plan: AuditPlan, child: Child, auditor_manages: bool) -> None:
    """A peer audit is never of the auditor's own case; a case-file, thematic or benchmarking
    audit never of a case the auditor holds or manages (`auditor_manages`, see `manages`)."""
    if plan.kind is AuditKind.PEER and child.allocated_practitioner_id == plan.auditor_id:
        raise InvalidInput("A peer audit is never of the auditor's own case.", field="auditorId")
    if plan.kind in CASE_AUDITS_KEPT_FROM_MANAGERS and auditor_manages:
        raise InvalidInput("An auditor never audits a case they hold or manage.", field="auditorId")


def check_supervision(plan: AuditPlan, subject: uuid.UUID | None) -> None:
    """A supervision audit is of a relationship (supervisee and supervisor) or of a forum."""
    if (
        plan.kind is AuditKind.SUPERVISION
        and (subject is None or plan.supervisor_id is None)
        and not (plan.supervision_forum or "").strip()
    ):
        raise InvalidInput(
            "A supervision audit is of a supervision relationship (supervisee and "
            "supervisor) or of a forum.",
            field="supervisorId",
        )


def check_kind_details(plan: AuditPlan) -> None:
    if plan.kind is AuditKind.THEMATIC and not plan.theme_ids:
        raise InvalidInput("A thematic audit has at least one theme.", field="themeIds")
    if plan.kind is AuditKind.EXTERNAL and not (plan.external_reviewer or "").strip():
        raise InvalidInput(
            "Name the external reviewer (LGA, regional ADCS…).", field="externalReviewer"
        )


@dataclass(frozen=True)
class _Subject:
    """What the audit is of: the child (if any), the practitioner, and the team for reach."""

    child: Child | None
    practitioner_id: uuid.UUID | None
    team_id: uuid.UUID | None


async def _subject(
    session: AsyncSession, actor: Actor, plan: AuditPlan, vetted_child: Child | None
) -> _Subject:
    """Load and check the child's case or the person's work the audit is of."""
    child: Child | None = None
    team_id: uuid.UUID | None = None
    subject = plan.subject_practitioner_id
    if plan.child_id is not None:
        if vetted_child is not None and vetted_child.id == plan.child_id:
            child = vetted_child
        else:
            child = await plannable_child(session, actor, plan.kind, plan.child_id)
        team_id = child.team_id
        subject = subject or child.allocated_practitioner_id
        auditor_manages = plan.kind in CASE_AUDITS_KEPT_FROM_MANAGERS and await manages(
            session, plan.auditor_id, child
        )
        check_auditor_for_case(plan, child, auditor_manages)
    if plan.kind is AuditKind.SUPERVISION:
        check_supervision(plan, subject)
        for person_id, name in (
            (subject, "subjectPractitionerId"),
            (plan.supervisor_id, "supervisorId"),
        ):
            if person_id is not None and await session.get(Person, person_id) is None:
                raise NotFound("person", field=name)
    check_kind_details(plan)
    if child is None and subject is not None:
        # An audit of a person's work (supervision) is planned within the same reach as one of
        # a child's case: the team the person works in.
        row = (
            await session.execute(
                select(Person.team_id, Team.service_id)
                .outerjoin(Team, Team.id == Person.team_id)
                .where(Person.id == subject)
            )
        ).first()
        if row is None:
            raise NotFound("person", field="subjectPractitionerId")
        team_id = row.team_id
        policy.check_person_in_reach(actor, plan.kind, team_id, row.service_id)
    return _Subject(child, subject, team_id)


async def plan_audit(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    plan: AuditPlan,
    vetted_child: Child | None = None,
) -> Audit:
    """Plan one audit. `vetted_child` is for the domain's own callers that loaded the child
    through the same sight and reach filters already (a sample, a benchmarking round), so that
    it is not read again for each audit."""
    policy.check_can_plan_kind(actor, plan.kind, plan.auditor_id)
    auditor = await auditor_actor(session, plan.auditor_id, "auditorId")
    check_plan(plan, policy.can_audit_kind(auditor, plan.kind), local_today(clock))
    subject = await _subject(session, actor, plan, vetted_child)
    themes = await themes_by_ids(session, plan.theme_ids, "themeIds")
    if plan.programme_month_id is not None and (
        await session.get(ProgrammeMonth, plan.programme_month_id) is None
    ):
        raise NotFound("month of the programme", field="programmeMonthId")
    template = await current_template(session, plan.kind)
    now = clock.now()
    audit = Audit(
        kind=plan.kind,
        status=AuditStatus.PLANNED,
        template_id=template.id,
        auditor_id=plan.auditor_id,
        child_id=plan.child_id,
        subject_practitioner_id=subject.practitioner_id,
        team_id=subject.team_id,
        programme_month_id=plan.programme_month_id,
        sample_id=plan.sample_id,
        benchmark_round_id=plan.benchmark_round_id,
        trigger_key=plan.trigger_key,
        due_date=plan.due_date,
        supervisor_id=plan.supervisor_id,
        supervision_forum=clean_text(plan.supervision_forum, "supervisionForum"),
        external_reviewer=clean_text(plan.external_reviewer, "externalReviewer"),
        answers={},
        voices=[],
        created_at=now,
        updated_at=now,
    )
    audit.themes = themes
    audit.section_grades = []
    session.add(audit)
    await session.flush()
    recorded = {
        "kind": [None, plan.kind.value],
        "auditor_id": [None, str(plan.auditor_id)],
        "child_id": [None, history.plain(plan.child_id)],
        "due_date": [None, plan.due_date.isoformat()],
    }
    await record_change(session, actor, clock, audit, "audit.planned", recorded)
    await owe(session, clock, ObligationKind.AUDIT_DUE, audit, audit.auditor_id, audit.due_date)
    return audit
