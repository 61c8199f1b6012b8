"""The audit programme: each month's expectations, sampling cases and allocating them to
auditors, and the nine-month child protection dip samples (benchmarking rounds are in
`domain.audits.benchmarking`)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy, sampling
from domain.audits.kinds import PLANNERS, AuditKind, AuditStatus
from domain.audits.models import (
    Audit,
    AuditorExpectation,
    ProgrammeMonth,
    Sample,
)
from domain.audits.planning import (
    AuditPlan,
    auditor_actor,
    manages,
    plan_audit,
)
from domain.audits.reference import themes_by_ids
from domain.audits.sampling import SampleRequest, SampleResult
from domain.children.models import Child
from domain.core.clock import Clock, local_today
from domain.core.errors import InvalidInput, NotFound
from domain.core.roles import SYSTEM, Actor, Role, ScopeType
from domain.core.settings import PolicySettings
from domain.history import service as history
from domain.people.models import Person, RoleGrant, Service, Team

NINE_MONTHS = relativedelta(months=9)
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
        entry = history.Change("programme.set", "ProgrammeMonth", pm.id, changes)
        await history.record_change(session, actor, clock, entry)
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


# --- sampling and allocation (the decisions in `domain.audits.sampling`) -----------------------


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
    sampling.check_request(request, local_today(clock))
    auditors = await _sample_auditors(session, request)
    await _check_sample_filters(session, actor, request)
    since = sampling.recently_audited_since(
        request, clock.now(), policy_settings.audit_exclusion_months
    )
    candidates = list(await session.scalars(sampling.candidates_statement(actor, request, since)))
    size = sampling.sample_size(request.count, request.percentage, len(candidates))
    seed = request.seed if request.seed is not None else secrets.randbelow(2**53)
    drawn = sampling.draw(candidates, size, seed)
    pm = await programme_month(session, clock, request.month, create=not request.dry_run)
    load = await _current_load(session, auditors, pm, request.month)
    managed = await _managed(session, request.kind, drawn, auditors)
    allocation = sampling.allocate(drawn, auditors, load, managed)
    sample = Sample(
        programme_month_id=pm.id if pm else uuid.uuid4(),
        kind=request.kind,
        criteria=sampling.criteria(request),
        requested_count=request.count,
        requested_percentage=request.percentage,
        seed=seed,
        include_recently_audited=request.include_recently_audited,
        candidates=len(candidates),
        drawn_child_ids=[str(c.id) for c in drawn],
        created_by_id=actor.person_id,
        created_at=clock.now(),
    )
    result = SampleResult(sample=sample, children=drawn, allocation=allocation, audits=[])
    if not request.dry_run:
        await _write_sample(session, actor, clock, request, result, pm)
    return result


async def _sample_auditors(session: AsyncSession, request: SampleRequest) -> list[uuid.UUID]:
    """The auditors named (each once, in order), each active and carrying out the kind."""
    auditors: list[uuid.UUID] = []
    for i, auditor_id in enumerate(dict.fromkeys(request.auditor_ids)):
        auditor = await auditor_actor(session, auditor_id, f"auditorIds[{i}]")
        if not policy.can_audit_kind(auditor, request.kind):
            raise InvalidInput(
                f"That person does not carry out {request.kind.value} audits.",
                field=f"auditorIds[{i}]",
            )
        assert auditor.person_id is not None
        auditors.append(auditor.person_id)
    return auditors


async def _check_sample_filters(
    session: AsyncSession, actor: Actor, request: SampleRequest
) -> None:
    """The team, service and themes named exist, the first two inside the planner's reach."""
    reach = policy.planning_reach(actor, request.kind)
    if request.team_id is not None:
        team = await session.get(Team, request.team_id)
        if team is None:
            raise NotFound("team", field="teamId")
        policy.check_team_in_reach(reach, team.id, team.service_id)
    if request.service_id is not None:
        if await session.get(Service, request.service_id) is None:
            raise NotFound("service", field="serviceId")
        policy.check_service_in_reach(reach, request.service_id)
    await themes_by_ids(session, list(request.theme_ids), "themeIds")


async def _managed(
    session: AsyncSession, kind: AuditKind, drawn: Sequence[Child], auditors: Sequence[uuid.UUID]
) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """For each drawn case, the auditors named who manage it (`manages`). Team managers
    dip-sample their own team's cases: that is what a dip sample is."""
    if kind is AuditKind.DIP_SAMPLE:
        return {}
    return {
        child.id: frozenset(
            [
                a
                for a in auditors
                if a != child.allocated_practitioner_id and await manages(session, a, child)
            ]
        )
        for child in drawn
    }


async def _write_sample(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    request: SampleRequest,
    result: SampleResult,
    pm: ProgrammeMonth | None,
) -> None:
    """Record the sample and plan an audit of each case drawn, for its allocated auditor."""
    sample = result.sample
    await history.record_added(
        session,
        actor,
        clock,
        sample,
        "sample.drawn",
        {
            "seed": [None, sample.seed],
            "drawn": [None, len(result.children)],
            "candidates": [None, sample.candidates],
        },
    )
    for child in result.children:
        result.audits.append(
            await plan_audit(
                session=session,
                actor=actor,
                clock=clock,
                plan=AuditPlan(
                    kind=request.kind,
                    auditor_id=result.allocation[child.id],
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
