"""A year of audits for the demo authority: every kind, from the programme to the learning.

Everything is written through the audits' own use cases, acting as the person who would do
each step: the AED sets the programme, the QA Lead draws the samples, runs benchmarking and
moderates, each auditor starts, records, submits and completes their own audits, the
practitioner adds their reflections and action owners mark their actions done. The system
acts only where it does in production (the nine-month dip sample sweep).

The domain refuses due dates in the past, so the seed replays the year: a copy of the clock
starts twelve months ago and moves forward through a timeline of steps. Whatever would happen
after now is left undone, which is how this month's audits come to be planned, in progress
or submitted, and last month's late ones overdue. Every choice comes from a random generator
seeded by what it is about, so each run tells the same story. It runs once: a database that
holds any audit is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.audits.programme import nine_month_sweep, planning, sweeps
from demo.audits.timeline import at_time, working
from demo.audits.year import Year
from domain.audits.models import (
    Audit,
    AuditAction,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    ProgrammeMonth,
    Sample,
)
from domain.audits.reference import ensure_defaults
from domain.core.clock import Clock, SettableClock
from domain.core.settings import PolicySettings
from domain.events import service as events
from domain.events.models import DomainEvent


@dataclass(frozen=True)
class AuditDemoSummary:
    already_seeded: bool
    programme_months: int
    samples: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_grade: dict[str, int]
    benchmark_rounds: int
    agreed_rounds: int
    moderations: int
    actions: int
    actions_done: int
    learning_points: int
    inadequate_events: int

    @property
    def audits(self) -> int:
        return sum(self.by_kind.values())


async def seed_demo_audits(
    *,
    session: AsyncSession,
    clock: Clock,
    progress: Callable[[str], None] | None = None,
    policy_settings: PolicySettings | None = None,
) -> AuditDemoSummary:
    """Give the demo authority a year of audits, in the caller's unit of work (commits
    nothing). Does nothing where any audit exists already."""
    await ensure_defaults(session=session, clock=clock)
    if await session.scalar(select(Audit.id).limit(1)) is not None:
        summary = await _summary(session, clock, already_seeded=True)
        if progress is not None:
            progress(f"Audits: {summary.audits} there already; none added.")
        return summary
    now = clock.now()
    year = Year(
        session,
        SettableClock(now - relativedelta(months=13)),
        now,
        policy_settings or PolicySettings(),
    )
    await year.load()
    if progress is not None:
        progress(
            f"Audits: replaying the programme from {year.months[0]:%B %Y} to today, "
            f"with next month's ({year.months[-1]:%B %Y}) planned."
        )
    year.clock.set(at_time(working(year.months[0] - relativedelta(days=12)), 9))
    await year.timeline.spawn(planning(year))
    await year.timeline.spawn(sweeps(year))
    await year.timeline.run()
    # Today's sweep, as the worker runs it at startup.
    await nine_month_sweep(year)
    await year.timeline.run()
    summary = await _summary(session, clock, already_seeded=False)
    if progress is not None:
        kinds = ", ".join(f"{n} {k.lower().replace('_', ' ')}" for k, n in summary.by_kind.items())
        statuses = ", ".join(
            f"{n} {s.lower().replace('_', ' ')}" for s, n in summary.by_status.items()
        )
        progress(
            f"Audits: {summary.audits} ({kinds}); {statuses}; {summary.benchmark_rounds} "
            f"benchmarking rounds, {summary.moderations} moderations, {summary.actions} "
            f"actions, {summary.learning_points} learning points."
        )
    return summary


async def _summary(
    session: AsyncSession, clock: Clock, *, already_seeded: bool
) -> AuditDemoSummary:
    async def grouped(column: Any) -> dict[str, int]:
        rows = await session.execute(
            select(column, func.count()).group_by(column).order_by(func.count().desc(), column)
        )
        return {str(getattr(k, "value", k)): int(n) for k, n in rows if k is not None}

    async def count(model: type[Any], *where: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return AuditDemoSummary(
        already_seeded=already_seeded,
        programme_months=await count(ProgrammeMonth),
        samples=await count(Sample),
        by_kind=await grouped(Audit.kind),
        by_status=await grouped(Audit.status),
        by_grade=await grouped(func.coalesce(Audit.moderated_overall_grade, Audit.overall_grade)),
        benchmark_rounds=await count(BenchmarkRound),
        agreed_rounds=await count(BenchmarkRound, BenchmarkRound.agreed_at.is_not(None)),
        moderations=await count(Moderation),
        actions=await count(AuditAction),
        actions_done=await count(AuditAction, AuditAction.done_at.is_not(None)),
        learning_points=await count(LearningPoint, LearningPoint.audit_id.is_not(None)),
        inadequate_events=await count(
            DomainEvent, DomainEvent.name == events.AUDIT_COMPLETED_INADEQUATE
        ),
    )
