"""The audit programme: each month's expectations, sampling cases and allocating them to
auditors, benchmarking rounds, and the nine-month child protection dip samples."""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy
from domain.audits.kinds import PLANNERS, AuditKind, AuditStatus, Grade
from domain.audits.models import (
    Audit,
    AuditorExpectation,
    AuditTemplate,
    BenchmarkRound,
    ProgrammeMonth,
    Sample,
)
from domain.audits.reference import themes_by_ids
from domain.audits.service import (
    AuditPlan,
    auditor_actor,
    manages,
    plan_audit,
    plannable_child,
)
from domain.audits.templates import parse_sections
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.children.service import Cohort, cohort_condition
from domain.core.clock import Clock, local_today
from domain.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.core.settings import PolicySettings
from domain.history import service as history
from domain.people.models import Person, RoleGrant, Service, Team
from domain.people.roles import SYSTEM, Actor, Role, ScopeType

NINE_MONTHS = relativedelta(months=9)
MAX_SAMPLE = 500
# Seeds are stored as a BIGINT.
MAX_SEED = 2**63
# How far past nine months a plan is still sampled: enough to catch up after any outage,
# without sampling every old plan when children are first imported.
LOOK_BACK = relativedelta(months=3)
NINE_MONTH_LOCK = 0x51AF_0002


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    end: date = first_of_month(month) + relativedelta(months=1) - timedelta(days=1)
    return end


async def programme_month(
    session: AsyncSession, clock: Clock, month: date, *, create: bool
) -> ProgrammeMonth | None:
    month = first_of_month(month)
    found = await session.scalar(select(ProgrammeMonth).where(ProgrammeMonth.month == month))
    if found is None and create:
        now = clock.now()
        found = ProgrammeMonth(month=month, created_at=now, updated_at=now)
        session.add(found)
        await session.flush()
    return found


@dataclass(frozen=True)
class Expectation:
    auditor_id: uuid.UUID
    expected_audits: int


async def set_programme_month(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    month: date,
    notes: str | None,
    expectations: Sequence[Expectation],
) -> ProgrammeMonth:
    """Set a month's notes and each auditor's expected number of audits (replacing those
    given; auditors left out keep theirs)."""
    policy.check_can_plan(actor)
    pm = await programme_month(session, clock, month, create=True)
    assert pm is not None
    changes: dict[str, Any] = {}
    if notes is not None and (notes.strip() or None) != pm.notes:
        changes["notes"] = [pm.notes, notes.strip() or None]
        pm.notes = notes.strip() or None
    existing = {
        e.auditor_id: e
        for e in await session.scalars(
            select(AuditorExpectation).where(AuditorExpectation.programme_month_id == pm.id)
        )
    }
    for i, item in enumerate(expectations):
        if item.expected_audits < 0 or item.expected_audits > 100:
            raise InvalidInput(
                "Between 0 and 100 audits.", field=f"expectations[{i}].expectedAudits"
            )
        auditor = await auditor_actor(session, item.auditor_id, f"expectations[{i}].auditorId")
        if not any(policy.can_audit_kind(auditor, k) for k in AuditKind):
            raise InvalidInput(
                "That person is not an auditor.", field=f"expectations[{i}].auditorId"
            )
        row = existing.get(item.auditor_id)
        if row is None:
            session.add(
                AuditorExpectation(
                    programme_month_id=pm.id,
                    auditor_id=item.auditor_id,
                    expected_audits=item.expected_audits,
                )
            )
            changes[f"expected:{item.auditor_id}"] = [None, item.expected_audits]
        elif row.expected_audits != item.expected_audits:
            changes[f"expected:{item.auditor_id}"] = [row.expected_audits, item.expected_audits]
            row.expected_audits = item.expected_audits
    pm.updated_at = clock.now()
    await session.flush()
    if changes:
        await history.record(
            session=session,
            actor=actor,
            clock=clock,
            action="programme.set",
            object_type="ProgrammeMonth",
            object_id=pm.id,
            changes=changes,
        )
    return pm


@dataclass(frozen=True)
class AuditorProgress:
    auditor_id: uuid.UUID
    expected: int
    allocated: int
    completed: int
    overdue: int


async def auditor_progress(
    *, session: AsyncSession, actor: Actor, clock: Clock, month: date, auditor_id: uuid.UUID | None
) -> list[AuditorProgress]:
    """Each auditor's expectation for the month against what they were allocated and did.

    Planners see everyone; anyone else sees only their own line."""
    if not (actor.is_system or actor.has_role(*PLANNERS)):
        auditor_id = actor.person_id
    pm = await programme_month(session, clock, month, create=False)
    expected: dict[uuid.UUID, int] = {}
    if pm is not None:
        for e in await session.scalars(
            select(AuditorExpectation).where(AuditorExpectation.programme_month_id == pm.id)
        ):
            expected[e.auditor_id] = e.expected_audits
    start, end = first_of_month(month), month_end(month)
    today = local_today(clock)
    rows = await session.execute(
        select(
            Audit.auditor_id,
            func.count(),
            func.count().filter(Audit.status == AuditStatus.COMPLETED),
            func.count().filter(
                Audit.status.in_(
                    [AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED]
                ),
                Audit.due_date < today,
            ),
        )
        .where(_in_month(pm, start, end), Audit.status != AuditStatus.CANCELLED)
        .group_by(Audit.auditor_id)
    )
    done: dict[uuid.UUID, tuple[int, int, int]] = {r[0]: (r[1], r[2], r[3]) for r in rows}
    ids = sorted(set(expected) | set(done), key=str)
    if auditor_id is not None:
        ids = [i for i in ids if i == auditor_id] or [auditor_id]
    return [
        AuditorProgress(
            auditor_id=i,
            expected=expected.get(i, 0),
            allocated=done.get(i, (0, 0, 0))[0],
            completed=done.get(i, (0, 0, 0))[1],
            overdue=done.get(i, (0, 0, 0))[2],
        )
        for i in ids
    ]


def _in_month(pm: ProgrammeMonth | None, start: date, end: date) -> ColumnElement[bool]:
    """An audit counts towards the month of the programme it was planned in; one planned
    outside the programme counts towards the month it is due."""
    unplanned = Audit.programme_month_id.is_(None) & Audit.due_date.between(start, end)
    return (Audit.programme_month_id == pm.id) | unplanned if pm is not None else unplanned


# --- sampling and allocation -----------------------------------------------------------------


@dataclass
class SampleRequest:
    month: date
    kind: AuditKind
    auditor_ids: list[uuid.UUID]
    due_date: date
    count: int | None = None
    percentage: int | None = None
    seed: int | None = None
    team_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    cohort: Cohort | None = None
    theme_ids: list[uuid.UUID] = field(default_factory=list)
    include_recently_audited: bool = False
    dry_run: bool = False


@dataclass
class SampleResult:
    sample: Sample
    children: list[Child]
    allocation: dict[uuid.UUID, uuid.UUID]  # child id -> auditor id
    audits: list[Audit]


async def draw_sample(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    policy_settings: PolicySettings,
    request: SampleRequest,
) -> SampleResult:
    """Draw cases by filter and size with a recorded seed, then allocate them to auditors,
    balancing load and never giving an auditor a case they hold or manage.

    With `dry_run` nothing is written: the caller sees the draw and the allocation first."""
    policy.check_can_plan(actor)
    if request.kind not in (
        AuditKind.CASE_FILE,
        AuditKind.THEMATIC,
        AuditKind.DIP_SAMPLE,
        AuditKind.PEER,
    ):
        raise InvalidInput(
            "Samples are drawn for case file, thematic, peer and dip sample audits.", field="kind"
        )
    if (request.count is None) == (request.percentage is None):
        raise InvalidInput("Give either a count or a percentage.", field="count")
    if request.count is not None and not 1 <= request.count <= MAX_SAMPLE:
        raise InvalidInput(f"A count from 1 to {MAX_SAMPLE}.", field="count")
    if request.percentage is not None and not 1 <= request.percentage <= 100:
        raise InvalidInput("A percentage from 1 to 100.", field="percentage")
    if not request.auditor_ids:
        raise InvalidInput("Name the auditors to allocate to.", field="auditorIds")
    if request.seed is not None and not 0 <= request.seed < MAX_SEED:
        raise InvalidInput(f"A seed is a whole number from 0 to {MAX_SEED - 1}.", field="seed")
    if request.kind is AuditKind.THEMATIC and not request.theme_ids:
        raise InvalidInput("A thematic sample has at least one theme.", field="themeIds")
    if request.due_date < local_today(clock):
        raise InvalidInput("The due date has passed.", field="dueDate")
    auditors: list[Actor] = []
    for i, auditor_id in enumerate(dict.fromkeys(request.auditor_ids)):
        auditor = await auditor_actor(session, auditor_id, f"auditorIds[{i}]")
        if not policy.can_audit_kind(auditor, request.kind):
            raise InvalidInput(
                f"That person does not carry out {request.kind.value} audits.",
                field=f"auditorIds[{i}]",
            )
        auditors.append(auditor)

    reach = policy.planning_reach(actor, request.kind)
    if request.team_id is not None:
        team = await session.get(Team, request.team_id)
        if team is None:
            raise NotFound("team", field="teamId")
        if not reach.covers_team(team.id, team.service_id):
            raise NotAllowed("That team is outside your planning reach.", field="teamId")
    if request.service_id is not None:
        if await session.get(Service, request.service_id) is None:
            raise NotFound("service", field="serviceId")
        if not reach.covers_service(request.service_id):
            raise NotAllowed("That service is outside your planning reach.", field="serviceId")
    await themes_by_ids(session, list(request.theme_ids), "themeIds")
    # Only cases inside the planner's reach (and sight) are candidates.
    stmt = select(Child).where(reach.children(), children_policy.visible_children(actor))
    if request.team_id is not None:
        stmt = stmt.where(Child.team_id == request.team_id)
    if request.service_id is not None:
        stmt = stmt.where(
            Child.team_id.in_(select(Team.id).where(Team.service_id == request.service_id))
        )
    if request.cohort is not None:
        stmt = stmt.where(cohort_condition(request.cohort))
    if not request.include_recently_audited and policy_settings.audit_exclusion_months:
        since = clock.now() - relativedelta(months=policy_settings.audit_exclusion_months)
        # Audited recently: completed within the period, or planned and not yet done.
        recent = select(Audit.child_id).where(
            Audit.child_id.is_not(None),
            Audit.status != AuditStatus.CANCELLED,
            (Audit.status != AuditStatus.COMPLETED)
            | (func.coalesce(Audit.completed_at, Audit.created_at) >= since),
        )
        stmt = stmt.where(Child.id.not_in(recent))
    # A stable order, so that the same seed over the same cases draws the same sample.
    candidates = list(await session.scalars(stmt.order_by(Child.case_reference, Child.id)))
    if request.count is not None:
        size = request.count
    else:
        # Rounded up, so that a small percentage of a small caseload still draws a case.
        size = math.ceil(len(candidates) * (request.percentage or 0) / 100)
    size = min(size, len(candidates))
    seed = request.seed if request.seed is not None else secrets.randbelow(2**53)
    drawn = random.Random(seed).sample(candidates, size)  # noqa: S311 - a reproducible draw, not a secret

    pm = await programme_month(session, clock, request.month, create=not request.dry_run)
    load = await _current_load(
        session, [a.person_id for a in auditors if a.person_id], pm, request.month
    )
    allocation: dict[uuid.UUID, uuid.UUID] = {}
    order = {a.person_id: i for i, a in enumerate(auditors)}
    for child in drawn:
        eligible = []
        for auditor in auditors:
            assert auditor.person_id is not None
            if child.allocated_practitioner_id == auditor.person_id:
                continue
            # Team managers dip-sample their own team's cases: that is what a dip sample is.
            if request.kind is not AuditKind.DIP_SAMPLE and await manages(
                session, auditor.person_id, child
            ):
                continue
            eligible.append(auditor.person_id)
        if not eligible:
            raise Conflict(
                f"Every auditor named holds or manages case {child.case_reference}: add another.",
                field="auditorIds",
            )
        # Ties go to the auditor named first, so that a seed reproduces the allocation too.
        chosen = min(eligible, key=lambda a: (load[a], order[a]))
        load[chosen] += 1
        allocation[child.id] = chosen

    sample = Sample(
        programme_month_id=pm.id if pm else uuid.uuid4(),
        kind=request.kind,
        criteria={
            "team_id": history.plain(request.team_id),
            "service_id": history.plain(request.service_id),
            "cohort": request.cohort.value if request.cohort else None,
            "theme_ids": [str(t) for t in request.theme_ids],
            "auditor_ids": [str(a) for a in request.auditor_ids],
            "due_date": request.due_date.isoformat(),
        },
        requested_count=request.count,
        requested_percentage=request.percentage,
        seed=seed,
        include_recently_audited=request.include_recently_audited,
        candidates=len(candidates),
        drawn_child_ids=[str(c.id) for c in drawn],
        created_by_id=actor.person_id,
        created_at=clock.now(),
    )
    audits: list[Audit] = []
    if request.dry_run:
        return SampleResult(sample=sample, children=drawn, allocation=allocation, audits=audits)
    session.add(sample)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="sample.drawn",
        object_type="Sample",
        object_id=sample.id,
        changes={
            "seed": [None, seed],
            "drawn": [None, len(drawn)],
            "candidates": [None, len(candidates)],
        },
    )
    for child in drawn:
        audits.append(
            await plan_audit(
                session=session,
                actor=actor,
                clock=clock,
                plan=AuditPlan(
                    kind=request.kind,
                    auditor_id=allocation[child.id],
                    due_date=request.due_date,
                    child_id=child.id,
                    theme_ids=list(request.theme_ids),
                    programme_month_id=pm.id if pm else None,
                    sample_id=sample.id,
                ),
                # Drawn through the reach and sight filters above.
                vetted_child=child,
            )
        )
    return SampleResult(sample=sample, children=drawn, allocation=allocation, audits=audits)


async def _current_load(
    session: AsyncSession,
    auditor_ids: Sequence[uuid.UUID],
    pm: ProgrammeMonth | None,
    month: date,
) -> dict[uuid.UUID, int]:
    """Each auditor's audits in the month so far, counted as their progress is."""
    load = dict.fromkeys(auditor_ids, 0)
    rows = await session.execute(
        select(Audit.auditor_id, func.count())
        .where(
            Audit.auditor_id.in_(auditor_ids),
            Audit.status != AuditStatus.CANCELLED,
            _in_month(pm, first_of_month(month), month_end(month)),
        )
        .group_by(Audit.auditor_id)
    )
    for auditor_id, n in rows:
        load[auditor_id] = int(n)
    return load


# --- benchmarking rounds -------------------------------------------------------------------------


async def create_benchmark_round(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    name: str,
    child_id: uuid.UUID,
    auditor_ids: Sequence[uuid.UUID],
    due_date: date,
) -> tuple[BenchmarkRound, list[Audit]]:
    """Several auditors audit the same case independently (twice a year, DOMAIN.md)."""
    policy.check_can_plan(actor)
    clean = " ".join((name or "").split())
    if not clean:
        raise InvalidInput("Name the round (for example 'Spring 2027').", field="name")
    unique = list(dict.fromkeys(auditor_ids))
    if len(unique) < 2:
        raise InvalidInput("A benchmarking round has at least two auditors.", field="auditorIds")
    child = await plannable_child(session, actor, AuditKind.BENCHMARKING, child_id)
    round_ = BenchmarkRound(
        name=clean,
        child_id=child_id,
        due_date=due_date,
        agreed_section_grades={},
        created_by_id=actor.person_id,
        created_at=clock.now(),
    )
    session.add(round_)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="benchmark.created",
        object_type="BenchmarkRound",
        object_id=round_.id,
        changes={"name": [None, clean], "auditors": [None, [str(a) for a in unique]]},
    )
    audits = [
        await plan_audit(
            session=session,
            actor=actor,
            clock=clock,
            plan=AuditPlan(
                kind=AuditKind.BENCHMARKING,
                auditor_id=auditor_id,
                due_date=due_date,
                child_id=child_id,
                benchmark_round_id=round_.id,
            ),
            vetted_child=child,
        )
        for auditor_id in unique
    ]
    return round_, audits


async def visible_round(
    session: AsyncSession, actor: Actor, round_id: uuid.UUID, field: str = "roundId"
) -> BenchmarkRound:
    """A round to change, locked: NOT_FOUND unless the actor sees one of its audits (as the
    round's list does), exactly as for an id that does not exist."""
    round_ = await session.scalar(
        select(BenchmarkRound)
        .where(
            BenchmarkRound.id == round_id,
            BenchmarkRound.id.in_(
                select(Audit.benchmark_round_id).where(policy.visible_audits(actor))
            ),
        )
        .with_for_update()
    )
    if round_ is None:
        raise NotFound("benchmarking round", field=field)
    return round_


async def record_agreed_grade(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    round_id: uuid.UUID,
    overall_grade: Grade,
    section_grades: dict[str, Grade],
    rationale: str,
) -> BenchmarkRound:
    """The grade the round's auditors agree, once every one of them has submitted."""
    policy.check_can_plan(actor)
    round_ = await visible_round(session, actor, round_id)
    await plannable_child(session, actor, AuditKind.BENCHMARKING, round_.child_id, "roundId")
    statuses = list(
        await session.scalars(
            select(Audit.status).where(
                Audit.benchmark_round_id == round_id, Audit.status != AuditStatus.CANCELLED
            )
        )
    )
    if any(s not in (AuditStatus.SUBMITTED, AuditStatus.COMPLETED) for s in statuses):
        raise Conflict(
            "Every auditor in the round submits before a grade is agreed.", field="roundId"
        )
    reason = " ".join((rationale or "").split())
    if not reason:
        raise InvalidInput("Say why this grade was agreed.", field="rationale")
    template_ids = set(
        await session.scalars(select(Audit.template_id).where(Audit.benchmark_round_id == round_id))
    )
    graded: set[str] = set()
    for template in await session.scalars(
        select(AuditTemplate).where(AuditTemplate.id.in_(template_ids))
    ):
        graded |= {s.key for s in parse_sections(template.sections) if s.graded}
    for key in section_grades:
        if key not in graded:
            raise InvalidInput(
                "The round's template grades no section with that key.",
                field=f"sectionGrades.{key}",
            )
    before = {
        "overall": round_.agreed_overall_grade,
        "sections": dict(round_.agreed_section_grades),
    }
    round_.agreed_overall_grade = overall_grade
    round_.agreed_section_grades = {k: v.value for k, v in section_grades.items()}
    round_.agreed_rationale, round_.agreed_at, round_.agreed_by_id = (
        reason,
        clock.now(),
        actor.person_id,
    )
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="benchmark.agreed",
        object_type="BenchmarkRound",
        object_id=round_.id,
        changes=history.diff(
            before, {"overall": overall_grade, "sections": round_.agreed_section_grades}
        ),
    )
    return round_


# --- nine-month child protection dip samples -----------------------------------------------------


async def create_nine_month_dip_samples(*, session: AsyncSession, clock: Clock) -> list[Audit]:
    """A child protection plan reaching nine months gets a dip sample for the Head of Service
    of the child's service and for a Safeguarding and QAU Manager (DOMAIN.md). Idempotent: a
    unique key per plan and auditor means a rerun (or a second worker) adds nothing."""
    # One sweep at a time: a second worker waits, then finds the work done.
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": NINE_MONTH_LOCK})
    today = local_today(clock)
    due_children = list(
        await session.scalars(
            select(Child).where(
                Child.child_protection_plan_start.is_not(None),
                Child.child_protection_plan_start <= today - NINE_MONTHS,
                # A plan long past nine months when first imported is not sampled retrospectively.
                Child.child_protection_plan_start > today - NINE_MONTHS - LOOK_BACK,
            )
        )
    )
    created: list[Audit] = []
    for child in due_children:
        assert child.child_protection_plan_start is not None
        key = f"cp-nine-months:{child.id}:{child.child_protection_plan_start.isoformat()}"
        service_id = await session.scalar(select(Team.service_id).where(Team.id == child.team_id))
        heads = await _holders(session, Role.HEAD_OF_SERVICE, service_id=service_id)
        qau = await _holders(session, Role.SAFEGUARDING_QAU_MANAGER, service_id=service_id)
        for auditor_id in [*heads[:1], *qau[:1]]:
            exists = await session.scalar(
                select(Audit.id).where(Audit.trigger_key == key, Audit.auditor_id == auditor_id)
            )
            if exists:
                continue
            created.append(
                await plan_audit(
                    session=session,
                    actor=SYSTEM,
                    clock=clock,
                    plan=AuditPlan(
                        kind=AuditKind.DIP_SAMPLE,
                        auditor_id=auditor_id,
                        due_date=today + timedelta(days=14),
                        child_id=child.id,
                        trigger_key=key,
                    ),
                )
            )
    return created


async def _holders(
    session: AsyncSession, role: Role, *, service_id: uuid.UUID | None
) -> list[uuid.UUID]:
    """Active holders of a role for the whole authority or for the given service."""
    stmt = (
        select(RoleGrant.person_id)
        .join(Person, Person.id == RoleGrant.person_id)
        .where(RoleGrant.role == role, Person.is_active.is_(True))
        .where(
            (RoleGrant.scope == ScopeType.AUTHORITY)
            | ((RoleGrant.scope == ScopeType.SERVICE) & (RoleGrant.service_id == service_id))
        )
        .order_by(RoleGrant.scope.desc(), Person.display_name)
    )
    return list(dict.fromkeys(await session.scalars(stmt)))


async def get_samples(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Sample]:
    """Samples are drawn and read by the planners."""
    if not ids or not (actor.is_system or actor.has_role(*PLANNERS)):
        return {}
    return {s.id: s for s in await session.scalars(select(Sample).where(Sample.id.in_(ids)))}


async def get_programme_months(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ProgrammeMonth]:
    """A month's programme (its notes) is for all staff; progress lines have their own rule."""
    if not ids or not _reads_programme(actor):
        return {}
    rows = await session.scalars(select(ProgrammeMonth).where(ProgrammeMonth.id.in_(ids)))
    return {m.id: m for m in rows}


def _reads_programme(actor: Actor) -> bool:
    return actor.is_system or (bool(actor.grants) and not actor.is_partner_only)


async def find_programme_month(
    *, session: AsyncSession, actor: Actor, clock: Clock, month: date
) -> ProgrammeMonth | None:
    """The month of the programme containing `month`, for staff; None before it is set."""
    if not _reads_programme(actor):
        return None
    return await programme_month(session, clock, month, create=False)
