"""One demo audit's life, from planned to done, and the lives of its actions: each an async
generator that yields the moment it next acts (see demo.audits.timeline)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from demo.audits.record import random_grade, record
from demo.audits.texts import (
    CANCEL_REASONS,
    COHORT_THEMES,
    LABELS,
    LEARNING,
    MANAGER_ACTIONS,
    MODERATION_REASONS,
    PRACTITIONER_ACTIONS,
    REFLECTIONS,
    REGRADES,
    SERVICE_ACTIONS,
)
from demo.audits.timeline import (
    Life,
    add_working_days,
    at_time,
    between,
    in_hours,
    later,
    local_day,
    working,
)
from demo.audits.year import Year
from domain.audits import service as audit_service
from domain.audits.kinds import Agreement, AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.audits.models import Audit
from domain.audits.programme import first_of_month
from domain.audits.service import AuditPlan
from domain.children.models import Child
from domain.core.clock import local_today
from domain.core.roles import Actor


@dataclass(frozen=True)
class Script:
    """How one audit's life goes: what the story fixes, the rest left to its dice."""

    key: str  # what its random generator is seeded by
    due: date
    grade: Grade | None = None
    window: tuple[date, date] | None = None  # when it may be started
    collaborative: bool = False
    may_cancel: bool = False
    may_stall: bool = True
    stop: AuditStatus | None = None
    moderate: float = 0.0
    regrade_inadequate: bool = False
    findings: str | None = None
    answers: dict[str, Any] | None = None
    actions: tuple[int, int] = (1, 2)
    learning: tuple[int, int] = (1, 1)
    extra_themes: Sequence[str] = ()
    owners: Sequence[str] = ()


@dataclass(frozen=True)
class _Facts:
    """What a life needs of its audit, read once when it is planned."""

    id: uuid.UUID
    kind: AuditKind
    auditor_id: uuid.UUID
    child_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    supervisor_id: uuid.UUID | None

    @classmethod
    def of(cls, audit: Audit) -> _Facts:
        return cls(
            audit.id,
            audit.kind,
            audit.auditor_id,
            audit.child_id,
            audit.subject_practitioner_id,
            audit.supervisor_id,
        )


@dataclass(frozen=True)
class _InHand:
    """An audit its auditor has started, and what its life was given."""

    year: Year
    rng: random.Random
    audit: _Facts
    auditor: Actor
    grade: Grade
    child: Child | None
    script: Script


async def audit_life(year: Year, planned: Audit, script: Script) -> Life:
    """One audit from planned to done: started, recorded, talked through with the
    practitioner, submitted, completed, followed up and perhaps moderated; or cancelled,
    or left where `stop` (or, for recent audits, the dice) leaves it."""
    rng = year.rng(script.key)
    audit = _Facts.of(planned)
    audit_id, auditor_id = audit.id, audit.auditor_id
    child = year.child_by_id.get(audit.child_id) if audit.child_id else None
    grade = script.grade or random_grade(rng)
    roll = rng.random()
    may_cancel, may_stall = script.may_cancel, script.may_stall
    if grade is Grade.INADEQUATE:
        may_cancel = may_stall = False
    # Audits left undone are recent: older ones were chased and finished long ago.
    may_stall = may_stall and script.due >= local_day(year.timeline.until) - timedelta(days=100)
    first, last = script.window or (first_of_month(script.due), script.due - timedelta(days=6))
    start = in_hours(rng, between(rng, max(first, local_today(year.clock)), last))

    if may_cancel and roll < 0.04:
        yield min(start, later(rng, year.clock.now(), 3, 8))
        await audit_service.cancel_audit(
            session=year.session,
            actor=await year.actor("qa-lead"),
            clock=year.clock,
            audit_id=audit_id,
            reason=rng.choice(CANCEL_REASONS),
        )
        return
    if script.stop is AuditStatus.PLANNED or (may_stall and roll > 0.98):
        return  # never started: overdue once its due date passes
    yield start
    auditor = await year.actor(auditor_id)
    await audit_service.start_audit(
        session=year.session, actor=auditor, clock=year.clock, audit_id=audit_id
    )

    yield later(rng, year.clock.now(), 1, 4)
    in_hand = _InHand(year, rng, audit, auditor, grade, child, script)
    await _save(in_hand)
    practitioner = audit.subject_id or (child.allocated_practitioner_id if child else None)
    if script.collaborative and practitioner is not None:
        yield later(rng, year.clock.now(), 1, 3)
        await _reflect(year, rng, audit_id, practitioner, grade)
    if script.stop is AuditStatus.IN_PROGRESS or (may_stall and roll > 0.95):
        return  # still being written up

    yield later(rng, year.clock.now(), 0, 2)
    await audit_service.submit_audit(
        session=year.session, actor=auditor, clock=year.clock, audit_id=audit_id
    )
    if script.stop is AuditStatus.SUBMITTED:
        return
    yield later(rng, year.clock.now(), 0, 3)
    await audit_service.complete_audit(
        session=year.session, actor=auditor, clock=year.clock, audit_id=audit_id
    )
    completed = year.clock.now()
    await follow_up(in_hand)
    async with aclosing(_moderation(year, rng, audit, grade, child, script, completed)) as rest:
        async for moment in rest:
            yield moment


async def _save(h: _InHand) -> None:
    year, rng, audit, grade, child, script = h.year, h.rng, h.audit, h.grade, h.child, h.script
    await audit_service.save_audit(
        session=year.session,
        actor=h.auditor,
        clock=year.clock,
        audit_id=audit.id,
        record=record(
            rng,
            year.sections[audit.kind],
            audit.kind,
            grade,
            child,
            local_today(year.clock),
            collaborative=script.collaborative,
            findings=script.findings,
            answers=script.answers or {},
        ),
    )


async def _reflect(
    year: Year, rng: random.Random, audit_id: uuid.UUID, practitioner: uuid.UUID, grade: Grade
) -> None:
    """The practitioner's reflections: rarely a disagreement, never with a good grade."""
    agreement = rng.choices(list(Agreement), weights=(70, 24, 6))[0]
    if grade.rank <= 2 and agreement is Agreement.DISAGREE:
        agreement = Agreement.AGREE
    await audit_service.add_reflections(
        session=year.session,
        actor=await year.actor(practitioner),
        clock=year.clock,
        audit_id=audit_id,
        reflections=rng.choice(REFLECTIONS[agreement]),
        agreement=agreement,
    )


def decide_moderation(
    rng: random.Random, grade: Grade, *, regrade_inadequate: bool, moderate: float
) -> tuple[ModerationOutcome | None, Grade]:
    """Whether the QA Lead moderates a completed audit, and the grade it ends with: every
    Inadequate is moderated, others by chance `moderate`."""
    if grade is Grade.INADEQUATE:
        if regrade_inadequate:
            return ModerationOutcome.REGRADED, Grade.REQUIRES_IMPROVEMENT
        return ModerationOutcome.CONFIRMED, grade
    if rng.random() >= moderate:
        return None, grade
    outcome = rng.choices(list(ModerationOutcome), weights=(2, 1))[0]
    if outcome is not ModerationOutcome.REGRADED:
        return outcome, grade
    if grade in REGRADES:
        return outcome, REGRADES[grade]
    return outcome, rng.choice(
        (Grade.REQUIRES_IMPROVEMENT, Grade.REQUIRES_IMPROVEMENT, Grade.OUTSTANDING)
    )


def moderation_reason(
    rng: random.Random, outcome: ModerationOutcome, grade: Grade, new_grade: Grade
) -> str:
    if outcome is ModerationOutcome.CONFIRMED:
        return rng.choice(
            MODERATION_REASONS["confirm_inadequate" if grade is Grade.INADEQUATE else "confirm"]
        )
    which = (
        "regrade_inadequate"
        if grade is Grade.INADEQUATE
        else "regrade_down"
        if new_grade.rank > grade.rank
        else "regrade_up"
    )
    return rng.choice(MODERATION_REASONS[which]).format(
        new=LABELS[new_grade].lower(), old=LABELS[grade].lower()
    )


async def _moderation(
    year: Year,
    rng: random.Random,
    audit: _Facts,
    grade: Grade,
    child: Child | None,
    script: Script,
    completed: datetime,
) -> Life:
    """The QA Lead's moderation of a completed audit, and after a confirmed Inadequate, three
    monthly reviews in supervision and then her desk-top audit."""
    qa = await year.actor("qa-lead")
    if audit.auditor_id == qa.person_id:
        return
    outcome, new_grade = decide_moderation(
        rng, grade, regrade_inadequate=script.regrade_inadequate, moderate=script.moderate
    )
    if outcome is None:
        return
    yield later(rng, year.clock.now(), 1, 3)
    reason = moderation_reason(rng, outcome, grade, new_grade)
    regraded = outcome is ModerationOutcome.REGRADED
    graded = [s.key for s in year.sections[audit.kind] if s.graded]
    await audit_service.moderate_audit(
        session=year.session,
        actor=qa,
        clock=year.clock,
        audit_id=audit.id,
        outcome=outcome,
        reason=reason,
        overall_grade=new_grade if regraded else None,
        section_grades={graded[-1]: new_grade} if regraded else None,
    )
    if grade is Grade.INADEQUATE and not script.regrade_inadequate and child is not None:
        yield in_hours(rng, working(local_day(completed) + relativedelta(months=3)))
        await _plan_desk_top(year, rng, child, script.key)


async def plan_and_live(year: Year, planner: str, plan: AuditPlan, script: Script) -> None:
    """`planner` (a person's key) plans an audit, and its life begins."""
    audit = await audit_service.plan_audit(
        session=year.session, actor=await year.actor(planner), clock=year.clock, plan=plan
    )
    await year.timeline.spawn(audit_life(year, audit, script))


async def _plan_desk_top(year: Year, rng: random.Random, child: Child, key: str) -> None:
    today = local_today(year.clock)
    desk_due = add_working_days(today, 10)
    await plan_and_live(
        year,
        "qa-lead",
        AuditPlan(
            kind=AuditKind.DESK_TOP,
            auditor_id=year.person("qa-lead"),
            due_date=desk_due,
            child_id=child.id,
        ),
        Script(
            key=f"desk-top:{key}",
            due=desk_due,
            grade=rng.choice((Grade.REQUIRES_IMPROVEMENT, Grade.GOOD)),
            window=(today + timedelta(days=1), desk_due - timedelta(days=4)),
            may_stall=False,
        ),
    )


def _action_owner(
    year: Year,
    rng: random.Random,
    i: int,
    audit: _Facts,
    auditor: Actor,
    child: Child | None,
    owners: Sequence[str],
) -> tuple[uuid.UUID, str]:
    """Who owns an audit's `i`th action, and what it says."""
    if owners:
        owner = year.person(owners[i % len(owners)])
        return owner, SERVICE_ACTIONS[(i + rng.randrange(4)) % len(SERVICE_ACTIONS)]
    if audit.kind is AuditKind.SUPERVISION:
        owner_id = (audit.supervisor_id if i % 2 == 0 else audit.subject_id) or year.person("psw")
        return owner_id, rng.choice(MANAGER_ACTIONS if i % 2 == 0 else PRACTITIONER_ACTIONS[:2])
    manager = year.team_manager_of(child) if child else None
    practitioner = child.allocated_practitioner_id if child else None
    if i % 2 == 1 and manager is not None:
        return manager, rng.choice(MANAGER_ACTIONS)
    owner_id = practitioner or manager or auditor.person_id or year.person("qa-lead")
    return owner_id, rng.choice(PRACTITIONER_ACTIONS)


async def follow_up(h: _InHand) -> None:
    """The auditor's actions (with owners and due dates) and learning points."""
    year, rng, audit, auditor, grade, child = h.year, h.rng, h.audit, h.auditor, h.grade, h.child
    script = h.script
    today = local_today(year.clock)
    weak = grade.rank >= 3
    extra = 1 if weak and script.actions[1] and rng.random() < 0.6 else 0
    for i in range(rng.randint(*script.actions) + extra):
        owner, text = _action_owner(year, rng, i, audit, auditor, child, script.owners)
        due = today + timedelta(days=rng.randint(10, 35))
        action = await audit_service.add_action(
            session=year.session,
            actor=auditor,
            clock=year.clock,
            audit_id=audit.id,
            description=text,
            owner_id=owner,
            due_date=due,
        )
        await year.timeline.spawn(
            action_life(year, action.id, owner, due, random.Random(rng.getrandbits(64)))  # noqa: S311
        )

    cohort_themes = [
        name for attribute, name in COHORT_THEMES if child and getattr(child, attribute)
    ][:1]
    for _ in range(rng.randint(*script.learning)):
        strength = rng.random() < (0.6 if not weak else 0.3)
        text, is_strength, themes = rng.choice([p for p in LEARNING if p[1] is strength])
        names = list(dict.fromkeys([*themes, *cohort_themes, *script.extra_themes]))
        await audit_service.add_learning_point(
            session=year.session,
            actor=auditor,
            clock=year.clock,
            audit_id=audit.id,
            text=text,
            theme_ids=year.theme_ids(*names),
            is_strength=is_strength,
        )


async def action_life(
    year: Year, action_id: uuid.UUID, owner: uuid.UUID, due: date, rng: random.Random
) -> Life:
    """Most actions are done on time, some late, a few not at all (overdue)."""
    roll = rng.random()
    if roll < 0.75:
        moment = in_hours(rng, between(rng, local_today(year.clock), due - timedelta(days=1)))
    elif roll < 0.9:
        moment = later(rng, at_time(due, 17), 1, 8)
    else:
        return
    yield moment
    await audit_service.complete_action(
        session=year.session,
        actor=await year.actor(owner),
        clock=year.clock,
        action_id=action_id,
        note=rng.choice(
            (
                None,
                "Done and recorded on the child's file.",
                "Completed; discussed in supervision.",
                "Done. The family took part.",
            )
        ),
    )
