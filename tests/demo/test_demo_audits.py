"""The demo authority's year of audits: every kind, the whole lifecycle from the programme
to the learning, done by the people whose job it is, nothing dated after now, and seeded
once however often the demo is run. One test, because seeding the year takes a while."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from demo import seed_demo_authority
from domain.audits.kinds import AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.audits.models import (
    Audit,
    AuditAction,
    AuditorExpectation,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    ProgrammeMonth,
    Sample,
    learning_point_themes,
)
from domain.core.clock import SettableClock, local_today
from domain.core.db import SessionFactory
from domain.events.models import DomainEvent
from domain.events.service import AUDIT_COMPLETED_INADEQUATE
from domain.history.models import HistoryEntry
from tests.conftest import NOW


async def _count(session_factory: SessionFactory, model: Any, *where: Any) -> int:
    async with session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_the_demo_has_a_year_of_audits_of_every_kind_seeded_once(
    session_factory: SessionFactory, clock: SettableClock
) -> None:
    messages: list[str] = []
    async with session_factory() as s, s.begin():
        summary = await seed_demo_authority(session=s, clock=clock, progress=messages.append)
    year = summary.audits
    assert year is not None and not year.already_seeded
    assert clock.now() == NOW, "the caller's clock is never moved"
    assert any(m.startswith("Audits:") for m in messages)

    # Every kind, and every state an audit can be in.
    assert set(year.by_kind) == {k.value for k in AuditKind}
    assert year.by_kind["CASE_FILE"] >= 100
    assert {s.value for s in AuditStatus} <= set(year.by_status)
    assert {g.value for g in Grade} == set(year.by_grade)
    assert year.by_grade["GOOD"] + year.by_grade["REQUIRES_IMPROVEMENT"] > year.audits / 2

    today = local_today(clock)
    async with session_factory() as s:
        audits = list(await s.scalars(select(Audit)))
        completed = [a for a in audits if a.status is AuditStatus.COMPLETED]
        assert all(a.overall_grade and a.overall_rationale for a in completed)
        case_files = [a for a in completed if a.kind is AuditKind.CASE_FILE]
        assert all(a.conversation_date and a.answers.get("working_well") for a in case_files)
        assert sum(bool(a.voices) for a in case_files) == len(case_files)
        assert sum(a.practitioner_reflections is not None for a in case_files) > len(case_files) / 2
        assert all(a.cancel_reason for a in audits if a.status is AuditStatus.CANCELLED)
        # Some of this month's work is still open, and something is overdue.
        open_ = [a for a in audits if a.status is not AuditStatus.COMPLETED]
        assert any(a.due_date < today for a in open_ if a.status is not AuditStatus.CANCELLED)
        assert any(a.due_date > today for a in open_)
        latest = max(
            max(a.created_at, a.completed_at or a.created_at, a.updated_at) for a in audits
        )
        assert latest <= NOW
        assert min(a.created_at for a in audits) < NOW.replace(year=NOW.year - 1)
        supervision = [a for a in audits if a.kind is AuditKind.SUPERVISION]
        assert any(a.supervisor_id for a in supervision)
        assert any(a.supervision_forum for a in supervision)
        assert all(
            a.findings for a in completed if a.kind in (AuditKind.EXTERNAL, AuditKind.MULTI_AGENCY)
        )

        # Benchmarking: every auditor completed, then the agreed grade.
        rounds = list(await s.scalars(select(BenchmarkRound)))
        assert len(rounds) == 2
        for round_ in rounds:
            assert round_.agreed_overall_grade is not None and round_.agreed_rationale
            members = [a for a in audits if a.benchmark_round_id == round_.id]
            assert len(members) >= 3
            assert {a.status for a in members} == {AuditStatus.COMPLETED}
            assert round_.agreed_at is not None
            assert all(a.completed_at and a.completed_at <= round_.agreed_at for a in members)

        outcomes = set(await s.scalars(select(Moderation.outcome)))
        assert outcomes == set(ModerationOutcome)

        # The auditor is the one who started and completed their audit.
        starts = dict(
            (
                await s.execute(
                    select(HistoryEntry.object_id, HistoryEntry.actor_id).where(
                        HistoryEntry.action == "audit.start"
                    )
                )
            ).all()
        )
        assert starts and all(starts[a.id] == a.auditor_id for a in completed)
        last_change = await s.scalar(select(func.max(HistoryEntry.occurred_at)))
        assert last_change is not None and last_change <= NOW

    assert year.moderations == await _count(session_factory, Moderation) > 0
    assert await _count(session_factory, ProgrammeMonth) == 13
    assert await _count(session_factory, AuditorExpectation) > 13 * 5
    assert await _count(session_factory, Sample, Sample.kind == AuditKind.THEMATIC) == 4
    assert await _count(session_factory, AuditAction, AuditAction.done_at.is_not(None)) > 0
    assert (
        await _count(
            session_factory,
            AuditAction,
            AuditAction.done_at.is_(None),
            AuditAction.due_date < today,
        )
        > 0
    )
    assert await _count(session_factory, LearningPoint, LearningPoint.is_strength) > 0
    assert await _count(session_factory, LearningPoint, ~LearningPoint.is_strength) > 0
    assert await _count(session_factory, learning_point_themes) > 0
    assert (
        await _count(session_factory, DomainEvent, DomainEvent.name == AUDIT_COMPLETED_INADEQUATE)
        == year.inadequate_events
        > 0
    )

    # A second run adds nothing.
    history = await _count(session_factory, HistoryEntry)
    async with session_factory() as s, s.begin():
        again = await seed_demo_authority(session=s, clock=clock)
    assert again.audits is not None and again.audits.already_seeded
    assert again.audits.by_kind == year.by_kind
    assert await _count(session_factory, HistoryEntry) == history
    assert await _count(session_factory, Audit) == year.audits
