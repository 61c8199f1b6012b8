"""The demo year's benchmarking rounds: four auditors audit one case independently, then
meet, and the QA Lead records the grade they agree."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from demo.audits.lives import Script, audit_life
from demo.audits.texts import LABELS
from demo.audits.timeline import Life, add_working_days, in_hours
from demo.audits.year import GRADES_BY_RANK, Month, Year, half_of
from domain.audits import benchmarking
from domain.audits import service as audit_service
from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.audits.models import Audit
from domain.children.models import Child


async def plan_benchmark(year: Year, m: Month, child: Child, auditors: list[str]) -> None:
    round_, audits = await benchmarking.create_benchmark_round(
        session=year.session,
        actor=await year.actor("qa-lead"),
        clock=year.clock,
        name=f"{half_of(m.month)} {m.month.year} benchmarking",
        child_id=child.id,
        auditor_ids=[year.person(k) for k in auditors],
        due_date=m.due,
    )
    for i, audit in enumerate(audits):
        await year.timeline.spawn(
            audit_life(
                year,
                audit,
                Script(
                    key=f"benchmark:{m.month}:{i}",
                    due=m.due,
                    grade=benchmark_grade(year, m.month, i),
                    window=(m.month, m.due - timedelta(days=12)),
                    stop=AuditStatus.SUBMITTED,
                    may_stall=False,
                    actions=(0, 0),
                    learning=(0, 0),
                ),
            )
        )
    await year.timeline.spawn(benchmark_meeting(year, round_.id, audits, m.month, m.due))


async def benchmark_case(year: Year, month: date) -> tuple[Child, list[str]]:
    """A child protection or looked after case, and four auditors who neither hold nor
    manage it (never the QA Lead, who runs the round)."""
    rng = year.rng("benchmark", month)
    team = "Child Protection Team 1" if month.month % 2 else "Children in Care Team"
    child = rng.choice(year.children_of_team(team, month - relativedelta(years=3)))
    candidates = list(year.pool)
    rng.shuffle(candidates)
    chosen: list[str] = []
    for key in candidates:
        if not await audit_service.manages(year.session, year.person(key), child):
            chosen.append(key)
        if len(chosen) == 4:
            break
    return child, chosen


def benchmark_grade(year: Year, month: date, i: int) -> Grade:
    """Independent judgements that mostly agree: one or two auditors a grade apart."""
    rng = year.rng("benchmark-grade", month)
    base = rng.choice((Grade.GOOD, Grade.REQUIRES_IMPROVEMENT))
    steps = rng.choice(((0, 0, 1, 0), (0, -1, 0, 0), (1, 0, 0, -1), (0, 0, 0, 1)))
    return GRADES_BY_RANK[min(3, max(1, base.rank + steps[i % 4]))]


async def benchmark_meeting(
    year: Year, round_id: uuid.UUID, audits: list[Audit], month: date, due: date
) -> Life:
    """Once every auditor has submitted, each completes their audit and the QA Lead
    records the grade the group agrees."""
    rng = year.rng("benchmark-meeting", month)
    ids = [(a.id, a.auditor_id) for a in audits]
    yield in_hours(rng, add_working_days(due - timedelta(days=5), 1))
    statuses = set(
        await year.session.scalars(select(Audit.status).where(Audit.id.in_([i for i, _ in ids])))
    )
    if statuses != {AuditStatus.SUBMITTED}:
        return
    for audit_id, auditor_id in ids:
        await audit_service.complete_audit(
            session=year.session,
            actor=await year.actor(auditor_id),
            clock=year.clock,
            audit_id=audit_id,
        )
    grades = [benchmark_grade(year, month, i) for i in range(len(ids))]
    counts = Counter(grades)
    agreed = min(counts, key=lambda g: (-counts[g], g.rank))
    spread = ", ".join(
        f"{n} {LABELS[g].lower()}" for g, n in sorted(counts.items(), key=lambda x: x[0].rank)
    )
    sections = {s.key: agreed for s in year.sections[AuditKind.BENCHMARKING] if s.graded}
    sections["management_oversight"] = GRADES_BY_RANK[min(3, agreed.rank + 1)]
    qa = await year.actor("qa-lead")
    await benchmarking.record_agreed_grade(
        session=year.session,
        actor=qa,
        clock=year.clock,
        round_id=round_id,
        overall_grade=agreed,
        section_grades=sections,
        rationale=(
            f"Agreed {LABELS[agreed].lower()} at the benchmarking meeting (auditors' "
            f"grades: {spread}). The group agreed the child's progress is real and "
            "well evidenced, and that the gaps in recorded management oversight are the "
            "main difference between the judgements: oversight recording will be a focus "
            "for every team."
        ),
    )
    await audit_service.add_learning_point(
        session=year.session,
        actor=qa,
        clock=year.clock,
        audit_id=ids[0][0],
        text=(
            "Benchmarking: auditors agreed on the child's experience but differed on "
            "management oversight, which some credit from supervision notes and others "
            "only from the child's file. Guidance for auditors to follow."
        ),
        theme_ids=[],
        is_strength=False,
    )
