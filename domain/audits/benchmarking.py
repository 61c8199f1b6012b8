"""Benchmarking rounds: several auditors audit the same case blind, then the round agrees its
grade (agreement statistics are in `domain.audits.statistics`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy
from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.audits.models import (
    Audit,
    AuditTemplate,
    BenchmarkRound,
)
from domain.audits.planning import (
    AuditPlan,
    plan_audit,
    plannable_child,
)
from domain.audits.sampling import SampleRequest as SampleRequest
from domain.audits.sampling import SampleResult as SampleResult
from domain.audits.templates import parse_sections
from domain.core.clock import Clock
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.roles import Actor
from domain.history import service as history

NINE_MONTHS = relativedelta(months=9)
# How far past nine months a plan is still sampled: enough to catch up after any outage,
# without sampling every old plan when children are first imported.
LOOK_BACK = relativedelta(months=3)
NINE_MONTH_LOCK = 0x51AF_0002


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
    await history.record_added(
        session,
        actor,
        clock,
        round_,
        "benchmark.created",
        {"name": [None, clean], "auditors": [None, [str(a) for a in unique]]},
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
    entry = history.Change(
        "benchmark.agreed",
        "BenchmarkRound",
        round_.id,
        history.diff(before, {"overall": overall_grade, "sections": round_.agreed_section_grades}),
    )
    await history.record_change(session, actor, clock, entry)
    return round_
