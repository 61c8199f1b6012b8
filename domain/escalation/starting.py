"""Starting the Inadequate process (step 1), starting it over, and catching up events an
older release recorded without starting it."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import facts
from domain.audits.kinds import AuditStatus, Grade
from domain.audits.models import Audit
from domain.children.models import Child
from domain.core.clock import Clock
from domain.core.roles import SYSTEM
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import end_of_day, local_day
from domain.deadlines.models import Obligation, ObligationState
from domain.escalation.common import (
    MODERATION_WORKING_DAYS,
    K,
    locked_process,
    long_day,
    owe,
    qa_lead_for,
    record_change,
    tell_about,
)
from domain.escalation.models import (
    EscalationStage,
    InadequateEscalation,
)
from domain.escalation.timeline import SUPERVISION_REVIEWS as SUPERVISION_REVIEWS
from domain.escalation.timeline import Step as Step
from domain.escalation.timeline import StepKind as StepKind
from domain.escalation.timeline import StepStatus as StepStatus
from domain.escalation.timeline import months_after as months_after
from domain.escalation.timeline import steps as steps
from domain.events import service as events
from domain.events.models import DomainEvent
from domain.history import service as history
from domain.notifications.models import NotificationKind
from domain.people.models import Team

# --- starting and moderation -----------------------------------------------------------------


async def _insert(session: AsyncSession, clock: Clock, audit: Audit) -> uuid.UUID | None:
    """The process row for `audit`, with its case, team, service, practitioner and QA Lead;
    None when another transaction inserted it first."""
    child = await session.get(Child, audit.child_id) if audit.child_id is not None else None
    team_id = audit.team_id or (child.team_id if child is not None else None)
    service_id = (
        await session.scalar(select(Team.service_id).where(Team.id == team_id))
        if team_id is not None
        else None
    )
    practitioner_id = audit.subject_practitioner_id or (
        child.allocated_practitioner_id if child is not None else None
    )
    qa_lead = await qa_lead_for(session, audit.auditor_id)
    now = clock.now()
    completed_at = audit.completed_at or now
    return await session.scalar(
        insert(InadequateEscalation)
        .values(
            id=uuid.uuid4(),
            audit_id=audit.id,
            child_id=audit.child_id,
            team_id=team_id,
            service_id=service_id,
            practitioner_id=practitioner_id,
            stage=EscalationStage.MODERATION,
            audit_completed_at=completed_at,
            started_at=now,
            qa_lead_id=qa_lead.id if qa_lead is not None else None,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[InadequateEscalation.audit_id])
        .returning(InadequateEscalation.id)
    )


async def start(
    *, session: AsyncSession, clock: Clock, audit: Audit, how: str = "completed"
) -> InadequateEscalation | None:
    """Start the process for an audit completed (or amended, or moderated: `how`) as
    Inadequate (once per audit: a second call returns the process already started). The QA
    Lead owes the moderation 3 working days after the audit was completed, and is told at
    once (unless their own moderation made it Inadequate)."""
    if audit.status is not AuditStatus.COMPLETED:
        return None
    existing = await locked_process(session, InadequateEscalation.audit_id, audit.id)
    if existing is not None:
        if existing.stage is EscalationStage.REGRADED and existing.hos_told_at is None:
            await reopen(session, clock, existing, how)
        return existing
    escalation_id = await _insert(session, clock, audit)
    if escalation_id is None:  # another transaction started it first
        return await session.scalar(
            select(InadequateEscalation).where(InadequateEscalation.audit_id == audit.id)
        )
    escalation = await session.get_one(InadequateEscalation, escalation_id)
    working = await deadlines.calendar(session)
    completed_at = escalation.audit_completed_at
    due = working.working_days_after(local_day(completed_at), MODERATION_WORKING_DAYS)
    await owe(session, clock, escalation, K.MODERATION_DUE, escalation.qa_lead_id, due)
    started = {
        "audit_id": [None, str(audit.id)],
        "stage": [None, EscalationStage.MODERATION.value],
        "qa_lead_id": [None, history.plain(escalation.qa_lead_id)],
        "moderation_due": [None, due.isoformat()],
    }
    await record_change(session, SYSTEM, clock, escalation, "escalation.started", started)
    if how != "moderated":
        await _tell_to_moderate(
            session,
            clock,
            escalation,
            f"escalation:{escalation.id}:qa-lead-told",
            f"Inadequate audit to moderate: {{case}}, due {due:%d %B %Y}",
            f"The audit of {{case}} was {how} as Inadequate on "
            f"{long_day(local_day(completed_at))}. Next step: your moderation, due by the end "
            f"of {long_day(due)} (3 working days).",
        )
    return escalation


async def on_graded_inadequate(
    session: AsyncSession, clock: Clock, fact: facts.AuditGradedInadequate
) -> None:
    await start(session=session, clock=clock, audit=fact.audit, how=fact.how)


async def reopen(
    session: AsyncSession, clock: Clock, escalation: InadequateEscalation, how: str
) -> None:
    """An audit graded Inadequate again after its process ended at moderation (amended away
    and back, or regraded and moderated back): the same process starts over at moderation,
    owed 3 working days from now, and the QA Lead is told again. (A process that ended after
    the Head of Service was told is not reopened.)"""
    now = clock.now()
    before = {
        "stage": escalation.stage.value,
        "regraded_grade": history.plain(escalation.regraded_grade),
        "ended_reason": escalation.ended_reason,
    }
    escalation.stage = EscalationStage.MODERATION
    escalation.ended_at = escalation.ended_reason = None
    escalation.regraded_grade = escalation.regraded_by = None
    escalation.moderation_id = escalation.moderated_at = None
    working = await deadlines.calendar(session)
    due = working.working_days_after(local_day(now), MODERATION_WORKING_DAYS)
    reopened = await session.scalar(
        update(Obligation)
        .where(Obligation.key == obligations.obligation_key(K.MODERATION_DUE, escalation.id))
        .values(
            state=ObligationState.OPEN,
            due_at=end_of_day(due),
            closed_at=None,
            closed_by_id=None,
            next_reminder_at=now,
        )
        .returning(Obligation.id)
    )
    if reopened is None:
        await owe(session, clock, escalation, K.MODERATION_DUE, escalation.qa_lead_id, due)
    reopened_changes = {
        "stage": [before["stage"], EscalationStage.MODERATION.value],
        "regraded_grade": [before["regraded_grade"], None],
        "ended_reason": [before["ended_reason"], None],
        "moderation_due": [None, due.isoformat()],
    }
    await record_change(session, SYSTEM, clock, escalation, "escalation.reopened", reopened_changes)
    if how != "moderated":
        await _tell_to_moderate(
            session,
            clock,
            escalation,
            f"escalation:{escalation.id}:qa-lead-told:{now.isoformat()}",
            f"Inadequate audit to moderate again: {{case}}, due {due:%d %B %Y}",
            f"The audit of {{case}} was {how} as Inadequate again on "
            f"{long_day(local_day(now))}, so its Inadequate process starts over. Next step: "
            f"your moderation, due by the end of {long_day(due)} (3 working days).",
        )


async def _tell_to_moderate(
    session: AsyncSession,
    clock: Clock,
    escalation: InadequateEscalation,
    key: str,
    title: str,
    body: str,
) -> None:
    """Tell the QA Lead who owes the moderation, at once."""
    await tell_about(
        session,
        clock,
        escalation,
        escalation.qa_lead_id,
        kind=NotificationKind.INADEQUATE_TO_MODERATE,
        key=key,
        title=title,
        body=body,
    )


async def catch_up(*, session: AsyncSession, clock: Clock, limit: int = 100) -> int:
    """Start the process for every `audit.completed_inadequate` event not yet acted on (those
    recorded before this process existed, or by a change that did not start it), and mark
    the events processed. Idempotent and safe on several workers at once (SKIP LOCKED).
    Returns how many processes it started."""
    rows = list(
        await session.scalars(
            select(DomainEvent)
            .where(
                DomainEvent.name == events.AUDIT_COMPLETED_INADEQUATE,
                DomainEvent.processed_at.is_(None),
            )
            .order_by(DomainEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    started = 0
    for event in rows:
        audit = await session.get(Audit, event.object_id)
        already = await session.scalar(
            select(InadequateEscalation.id).where(InadequateEscalation.audit_id == event.object_id)
        )
        if (
            audit is not None
            and already is None
            and (audit.moderated_overall_grade or audit.overall_grade) is Grade.INADEQUATE
            and await start(session=session, clock=clock, audit=audit) is not None
        ):
            started += 1
        event.processed_at = clock.now()
    await session.flush()
    return started
