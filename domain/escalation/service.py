"""The Inadequate process (DOMAIN.md): started when an audit is completed as Inadequate, moved
by the people who own each step, its deadlines kept as obligations.

1. `start`: the QA Lead owes the moderation, 3 working days after the audit was completed,
   and is told at once. (Called in the same transaction as the completion or the amendment
   to Inadequate; `catch_up` starts any that an older release recorded only as an
   `audit.completed_inadequate` event.)
2. `on_moderated` (from `moderateAudit`): a confirmation tells the responsible Head of Service
   at once and opens their steps; a regrade away from Inadequate ends the process with the
   moderation's reason kept, cancels whatever was still owed, withdraws the exception report
   and tells the Head of Service and the QA Lead. `on_amended_away` (from `amendAudit`) does
   the same for an amendment away from Inadequate before moderation.
3. `record_assurance`: the HoS, due `hos_assurance_working_days` after being told.
4. `record_other_case` and `complete_other_cases_review`: the HoS or the TM, each of the
   practitioner's other open cases (prefilled when the HoS is told) with an outcome; due 10
   working days after the audit was completed.
5. `send_exception_report`: the HoS sends the one-page report (facts frozen) to the AED; due
   `exception_report_working_days` after the audit was completed. The three monthly reviews in
   supervision are then owed by the practitioner's supervisor, one in each of the three
   months after the report (`review_month`).
6. `record_supervision_review` (three, in order, each in its own month, none before its month
   opens); the third plans the QA Lead's desk-top audit (`desktop_audit_working_days` after
   it) and tells the QA Lead; its completion (`on_audit_completed`) closes the process.

Every message the process sends names the case (by its reference, and only to a reader who
may see the child; nothing more about the child), the step, and when it is due.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.audits.models import Audit, Moderation
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.clock import Clock, local_today
from domain.core.db import rows_by
from domain.core.errors import AlreadyDone, Conflict, InvalidInput, NotFound, NotOpenYet
from domain.core.pagination import Page, count, paginate
from domain.core.settings import PolicySettings
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import WorkingCalendar, end_of_day, local_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.escalation import policy
from domain.escalation.flows import WAITING_FOR, EscalationEvent, check_turn, next_stage
from domain.escalation.models import (
    OPEN_STAGES,
    AssuranceOutcome,
    EscalationStage,
    InadequateEscalation,
    OtherCaseOutcome,
    OtherCaseReview,
    RegradedBy,
    SupervisionReview,
)
from domain.escalation.timeline import SUPERVISION_REVIEWS as SUPERVISION_REVIEWS
from domain.escalation.timeline import ReviewMonth, month_of, review_month
from domain.escalation.timeline import Step as Step
from domain.escalation.timeline import StepKind as StepKind
from domain.escalation.timeline import StepStatus as StepStatus
from domain.escalation.timeline import months_after as months_after
from domain.escalation.timeline import steps as steps
from domain.events import service as events
from domain.events.models import DomainEvent
from domain.history import service as history
from domain.history.models import HistoryEntry
from domain.notifications.messages import tell
from domain.notifications.models import NotificationKind
from domain.people import service as people
from domain.people.models import Person, RoleGrant, Team
from domain.people.roles import SYSTEM, Actor, Role

SUBJECT = "InadequateEscalation"
MODERATION_WORKING_DAYS = 3  # DOMAIN.md: the framework's own number, not a policy setting
OTHER_CASES_REVIEW_WORKING_DAYS = 10  # likewise
MAX_TEXT = 10_000

K = ObligationKind


# --- helpers ---------------------------------------------------------------------------------


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput("Write a few words; this cannot be empty.", field=field)
        return None
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"At most {MAX_TEXT} characters.", field=field)
    return cleaned


_ORDINAL = {1: "first", 2: "second", 3: "third"}


async def _record(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation: InadequateEscalation,
    action: str,
    changes: dict[str, Any],
) -> None:
    escalation.updated_at = clock.now()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action=action,
        object_type=SUBJECT,
        object_id=escalation.id,
        changes=changes,
    )


async def _qa_lead(session: AsyncSession, auditor_id: uuid.UUID | None) -> Person | None:
    """Who owes the QA Lead's steps: a QA Lead who is not the auditor (nobody moderates their
    own audit); failing one, the AED, so that the step is owed by someone."""
    return await people.active_holder(
        session, Role.QA_LEAD, exclude=[auditor_id]
    ) or await people.active_holder(
        session, Role.ASSISTANT_EXECUTIVE_DIRECTOR, exclude=[auditor_id]
    )


async def _line_manager(session: AsyncSession, person_id: uuid.UUID | None) -> uuid.UUID | None:
    if person_id is None:
        return None
    return await session.scalar(select(Person.line_manager_id).where(Person.id == person_id))


async def _supervisor(session: AsyncSession, escalation: InadequateEscalation) -> uuid.UUID | None:
    """The practitioner's supervisor: their line manager, or else a Team Manager of the
    team, or else the Head of Service."""
    manager = await _line_manager(session, escalation.practitioner_id)
    if manager is not None:
        return manager
    team_manager = (
        await people.active_holder(session, Role.TEAM_MANAGER, team_id=escalation.team_id)
        if escalation.team_id is not None
        else None
    )
    return team_manager.id if team_manager is not None else escalation.head_of_service_id


async def _owe(
    session: AsyncSession,
    clock: Clock,
    escalation: InadequateEscalation,
    kind: ObligationKind,
    owner_id: uuid.UUID | None,
    due_day: date,
    *parts: object,
) -> None:
    if owner_id is None:
        return
    await obligations.open_obligation(
        session=session,
        clock=clock,
        kind=kind,
        subject_type=SUBJECT,
        subject_id=escalation.id,
        owner_id=owner_id,
        due_at=end_of_day(due_day),
        key=obligations.obligation_key(kind, escalation.id, *parts),
    )


async def _discharge(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    escalation: InadequateEscalation,
    kind: ObligationKind,
    *parts: object,
) -> None:
    await obligations.close_obligation(
        session=session,
        clock=clock,
        key=obligations.obligation_key(kind, escalation.id, *parts),
        state=ObligationState.DONE,
        by=actor.person_id,
    )


async def _load_for_change(
    session: AsyncSession, actor: Actor, escalation_id: uuid.UUID
) -> InadequateEscalation:
    escalation = await session.scalar(
        select(InadequateEscalation)
        .where(InadequateEscalation.id == escalation_id, policy.visible_escalations(actor))
        .with_for_update()
    )
    if escalation is None:
        raise NotFound("Inadequate process", field="escalationId")
    return escalation


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


GRADE_NAMES = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement to be good",
    Grade.INADEQUATE: "Inadequate",
}


async def _tell_about(
    session: AsyncSession,
    clock: Clock,
    escalation: InadequateEscalation,
    person: Person | uuid.UUID | None,
    *,
    kind: NotificationKind,
    key: str,
    title: str,
    body: str,
) -> bool:
    """Tell one person about this process, at once (in-app and by email). `{case}` in the
    title and body becomes the case as this reader may see it named: its reference, and never
    anything more about the child."""
    if isinstance(person, uuid.UUID):
        person = await session.get(Person, person)
    if person is None:
        return False
    case = await _case_named_for(session, person, escalation.child_id)
    return await tell(
        session=session,
        clock=clock,
        person=person,
        kind=kind,
        title=title.replace("{case}", case),
        body=body.replace("{case}", case),
        subject_type=SUBJECT,
        subject_id=escalation.id,
        key=key,
    )


# --- starting and moderation -----------------------------------------------------------------


async def start(
    *, session: AsyncSession, clock: Clock, audit: Audit, how: str = "completed"
) -> InadequateEscalation | None:
    """Start the process for an audit completed (or amended, or moderated: `how`) as
    Inadequate (once per audit: a second call returns the process already started). The QA
    Lead owes the moderation 3 working days after the audit was completed, and is told at
    once (unless their own moderation made it Inadequate)."""
    if audit.status is not AuditStatus.COMPLETED:
        return None
    existing = await session.scalar(
        select(InadequateEscalation)
        .where(InadequateEscalation.audit_id == audit.id)
        .with_for_update()
    )
    if existing is not None:
        if existing.stage is EscalationStage.REGRADED and existing.hos_told_at is None:
            await _reopen(session, clock, existing, how)
        return existing
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
    qa_lead = await _qa_lead(session, audit.auditor_id)
    now = clock.now()
    completed_at = audit.completed_at or now
    escalation_id = await session.scalar(
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
    if escalation_id is None:  # another transaction started it first
        return await session.scalar(
            select(InadequateEscalation).where(InadequateEscalation.audit_id == audit.id)
        )
    escalation = await session.get_one(InadequateEscalation, escalation_id)
    working = await deadlines.calendar(session)
    due = working.working_days_after(local_day(completed_at), MODERATION_WORKING_DAYS)
    await _owe(session, clock, escalation, K.MODERATION_DUE, escalation.qa_lead_id, due)
    await _record(
        session,
        SYSTEM,
        clock,
        escalation,
        "escalation.started",
        {
            "audit_id": [None, str(audit.id)],
            "stage": [None, EscalationStage.MODERATION.value],
            "qa_lead_id": [None, history.plain(escalation.qa_lead_id)],
            "moderation_due": [None, due.isoformat()],
        },
    )
    if how != "moderated":
        await _tell_about(
            session,
            clock,
            escalation,
            escalation.qa_lead_id,
            kind=NotificationKind.INADEQUATE_TO_MODERATE,
            key=f"escalation:{escalation.id}:qa-lead-told",
            title=f"Inadequate audit to moderate: {{case}}, due {due:%d %B %Y}",
            body=(
                f"The audit of {{case}} was {how} as Inadequate on "
                f"{_long(local_day(completed_at))}. Next step: your moderation, due by the end "
                f"of {_long(due)} (3 working days)."
            ),
        )
    return escalation


async def _reopen(
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
        await _owe(session, clock, escalation, K.MODERATION_DUE, escalation.qa_lead_id, due)
    await _record(
        session,
        SYSTEM,
        clock,
        escalation,
        "escalation.reopened",
        {
            "stage": [before["stage"], EscalationStage.MODERATION.value],
            "regraded_grade": [before["regraded_grade"], None],
            "ended_reason": [before["ended_reason"], None],
            "moderation_due": [None, due.isoformat()],
        },
    )
    if how != "moderated":
        await _tell_about(
            session,
            clock,
            escalation,
            escalation.qa_lead_id,
            kind=NotificationKind.INADEQUATE_TO_MODERATE,
            key=f"escalation:{escalation.id}:qa-lead-told:{now.isoformat()}",
            title=f"Inadequate audit to moderate again: {{case}}, due {due:%d %B %Y}",
            body=(
                f"The audit of {{case}} was {how} as Inadequate again on "
                f"{_long(local_day(now))}, so its Inadequate process starts over. Next step: "
                f"your moderation, due by the end of {_long(due)} (3 working days)."
            ),
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


async def on_moderated(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    audit: Audit,
    moderation: Moderation,
    policy_settings: PolicySettings,
) -> InadequateEscalation | None:
    """React to a moderation of an audit whose process is open: a confirmation of Inadequate
    at the moderation step moves it on and tells the Head of Service at once; a regrade away
    from Inadequate ends it, whatever step it had reached, with the reason kept."""
    escalation = await session.scalar(
        select(InadequateEscalation)
        .where(InadequateEscalation.audit_id == audit.id)
        .with_for_update()
    )
    if escalation is None or escalation.stage not in OPEN_STAGES:
        return escalation
    if moderation.moderated_overall_grade is not Grade.INADEQUATE:
        if escalation.stage is EscalationStage.MODERATION:
            escalation.moderation_id = moderation.id
            escalation.moderated_at = moderation.moderated_at
            await _discharge(session, clock, actor, escalation, K.MODERATION_DUE)
        await _end_by_regrade(
            session,
            clock,
            actor,
            escalation,
            grade=moderation.moderated_overall_grade,
            by=RegradedBy.MODERATION,
            reason=moderation.reason,
        )
    elif escalation.stage is EscalationStage.MODERATION:
        await _confirm(session, clock, actor, escalation, moderation, policy_settings)
    return escalation


async def on_amended_away(
    *, session: AsyncSession, clock: Clock, actor: Actor, audit: Audit, grade: Grade, reason: str
) -> InadequateEscalation | None:
    """An audit amended away from Inadequate before its moderation: the process ends as a
    regrade ends it (the moderation is no longer owed). Once moderation has confirmed the
    grade, the QA Lead's judgement stands and an amendment does not end the process."""
    escalation = await session.scalar(
        select(InadequateEscalation)
        .where(InadequateEscalation.audit_id == audit.id)
        .with_for_update()
    )
    if escalation is None or escalation.stage is not EscalationStage.MODERATION:
        return escalation
    await _end_by_regrade(
        session, clock, actor, escalation, grade=grade, by=RegradedBy.AMENDMENT, reason=reason
    )
    return escalation


async def _end_by_regrade(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    escalation: InadequateEscalation,
    *,
    grade: Grade,
    by: RegradedBy,
    reason: str,
) -> None:
    """End the process: nothing more is owed, the exception report (sent or not) is
    withdrawn, and the Head of Service and the QA Lead are told (unless they did it), and the
    AEDs too if the report had been sent to them."""
    before = escalation.stage
    now = clock.now()
    escalation.stage = next_stage(escalation.stage, EscalationEvent.REGRADE)
    escalation.ended_at = now
    escalation.ended_reason = reason
    escalation.regraded_grade = grade
    escalation.regraded_by = by
    await session.execute(
        update(Obligation)
        .where(
            Obligation.subject_type == SUBJECT,
            Obligation.subject_id == escalation.id,
            Obligation.state == ObligationState.OPEN,
        )
        .values(state=ObligationState.CANCELLED, closed_at=now, closed_by_id=actor.person_id)
    )
    await _record(
        session,
        actor,
        clock,
        escalation,
        "escalation.regraded",
        {
            "stage": [before.value, escalation.stage.value],
            "moderated_overall_grade": [None, grade.value],
            "regraded_by": [None, by.value],
            "reason": reason,
        },
    )
    hos_id = escalation.head_of_service_id
    if hos_id is None:
        hos = await people.responsible_head_of_service(session, escalation.service_id)
        hos_id = hos.id if hos is not None else None
    how = "by the QA Lead's moderation" if by is RegradedBy.MODERATION else "by an amendment"
    report = (
        "The exception report that was sent to the AED is withdrawn."
        if escalation.report_sent_at is not None
        else "No exception report will be sent."
    )
    told = [hos_id, escalation.qa_lead_id]
    if escalation.report_sent_at is not None:  # the AEDs read the report now withdrawn
        told += [aed.id for aed in await _aeds(session)]
    for person_id in dict.fromkeys(told):
        if person_id is None or person_id == actor.person_id:
            continue
        await _tell_about(
            session,
            clock,
            escalation,
            person_id,
            kind=NotificationKind.INADEQUATE_PROCESS_ENDED,
            # A process reopened and regraded again is news again.
            key=f"escalation:{escalation.id}:regraded:{now.isoformat()}:{person_id}",
            title=f"Inadequate process ended: {{case}} regraded {GRADE_NAMES[grade]}",
            body=(
                f"The audit of {{case}} was regraded to {GRADE_NAMES[grade]} {how} on "
                f"{_long(local_day(now))}, so its Inadequate process has ended (the next step "
                f"was {WAITING_FOR[before]}). Nothing further is due. {report}"
            ),
        )


async def _confirm(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    escalation: InadequateEscalation,
    moderation: Moderation,
    policy_settings: PolicySettings,
) -> None:
    now = clock.now()
    escalation.stage = next_stage(escalation.stage, EscalationEvent.CONFIRM)
    escalation.moderation_id = moderation.id
    escalation.moderated_at = moderation.moderated_at
    await _discharge(session, clock, actor, escalation, K.MODERATION_DUE)
    hos = await people.responsible_head_of_service(session, escalation.service_id)
    escalation.head_of_service_id = hos.id if hos is not None else None
    escalation.hos_told_at = now
    working = await deadlines.calendar(session)
    today = local_day(now)
    completed_on = local_day(escalation.audit_completed_at)
    assurance_due = working.working_days_after(today, policy_settings.hos_assurance_working_days)
    review_due = working.working_days_after(completed_on, OTHER_CASES_REVIEW_WORKING_DAYS)
    report_due = working.working_days_after(
        completed_on, policy_settings.exception_report_working_days
    )
    owner = escalation.head_of_service_id
    await _owe(session, clock, escalation, K.ASSURANCE_DUE, owner, assurance_due)
    await _owe(session, clock, escalation, K.OTHER_CASES_REVIEW_DUE, owner, review_due)
    await _owe(session, clock, escalation, K.EXCEPTION_REPORT_DUE, owner, report_due)
    prefilled = await _prefill_other_cases(session, escalation)
    await _tell_about(
        session,
        clock,
        escalation,
        hos,
        kind=NotificationKind.INADEQUATE_CONFIRMED,
        key=f"escalation:{escalation.id}:hos-told",
        title=f"Inadequate audit confirmed: {{case}}, assurance due {assurance_due:%d %B %Y}",
        body=(
            "The QA Lead has confirmed that practice on {case} is Inadequate. Next step: "
            "assure yourself that the child is not at risk, by the end of "
            f"{_long(assurance_due)}; then see that the practitioner's other {prefilled} open "
            f"case(s) are reviewed by the end of {_long(review_due)}; the exception report to "
            f"the AED is due by the end of {_long(report_due)}."
        ),
    )
    await _record(
        session,
        actor,
        clock,
        escalation,
        "escalation.confirmed",
        {
            "stage": [EscalationStage.MODERATION.value, escalation.stage.value],
            "head_of_service_id": [None, history.plain(escalation.head_of_service_id)],
            "assurance_due": [None, assurance_due.isoformat()],
            "other_cases_review_due": [None, review_due.isoformat()],
            "exception_report_due": [None, report_due.isoformat()],
            "other_cases": [None, prefilled],
        },
    )


async def _aeds(session: AsyncSession) -> list[Person]:
    """Every active AED: the exception report goes to each."""
    return list(
        await session.scalars(
            select(Person)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.role == Role.ASSISTANT_EXECUTIVE_DIRECTOR, Person.is_active.is_(True))
            .distinct()
        )
    )


async def _case_named_for(session: AsyncSession, person: Person, child_id: uuid.UUID | None) -> str:
    """How a message to `person` names the case: by its reference only if they may see the
    child (domain/children/policy.py); an email must not name a child its reader may not see."""
    if child_id is None:
        return "an audit without a case"
    reader = await people.actor_for_person(session, person)
    ref = await children_policy.case_reference_for(session, reader, child_id)
    return f"case {ref}" if ref else "a case you may not see in the service"


async def _prefill_other_cases(session: AsyncSession, escalation: InadequateEscalation) -> int:
    """The practitioner's other open cases, each to be given an outcome."""
    if escalation.practitioner_id is None:
        return 0
    stmt = select(Child.id, Child.case_reference).where(
        Child.allocated_practitioner_id == escalation.practitioner_id
    )
    if escalation.child_id is not None:
        stmt = stmt.where(Child.id != escalation.child_id)
    rows = (await session.execute(stmt.order_by(Child.case_reference))).all()
    if rows:
        await session.execute(
            insert(OtherCaseReview)
            .values(
                [
                    {
                        "id": uuid.uuid4(),
                        "escalation_id": escalation.id,
                        "child_id": child_id,
                        "case_reference": ref,
                    }
                    for child_id, ref in rows
                ]
            )
            .on_conflict_do_nothing(
                index_elements=[OtherCaseReview.escalation_id, OtherCaseReview.child_id]
            )
        )
    return len(rows)


# --- the Head of Service's and the Team Manager's steps ---------------------------------------


async def record_assurance(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation_id: uuid.UUID,
    outcome: AssuranceOutcome,
    detail: str,
) -> InadequateEscalation:
    """The Head of Service records that the child is not at risk from the inadequate
    practice, or the actions taken because they were."""
    escalation = await _load_for_change(session, actor, escalation_id)
    if escalation.head_of_service_id is None:  # before moderation there is no HoS to be
        check_turn(escalation.stage, EscalationEvent.ASSURE)
    policy.check_is_head_of_service(actor, escalation, "assures that the child is not at risk")
    stage = next_stage(escalation.stage, EscalationEvent.ASSURE)
    text = _text(detail, "detail", required=True)
    escalation.stage = stage
    escalation.assurance_outcome = outcome
    escalation.assurance_detail = text
    escalation.assured_at = clock.now()
    escalation.assured_by_id = actor.person_id
    await _discharge(session, clock, actor, escalation, K.ASSURANCE_DUE)
    await _record(
        session,
        actor,
        clock,
        escalation,
        "escalation.assured",
        {
            "stage": [EscalationStage.ASSURANCE.value, escalation.stage.value],
            "assurance_outcome": [None, outcome.value],
            "assurance_detail": [None, text],
        },
    )
    return escalation


async def _check_reviewer(
    session: AsyncSession, actor: Actor, escalation: InadequateEscalation
) -> None:
    manager = await _line_manager(session, escalation.practitioner_id)
    policy.check_can_review_other_cases(actor, escalation, manager)


async def record_other_case(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation_id: uuid.UUID,
    child_id: uuid.UUID,
    outcome: OtherCaseOutcome,
    note: str | None,
) -> OtherCaseReview:
    """The outcome of reviewing one of the practitioner's other cases. Worries need a note;
    an Inadequate one is then there to be audited in its own right."""
    escalation = await _load_for_change(session, actor, escalation_id)
    await _check_reviewer(session, actor, escalation)
    if escalation.stage not in (EscalationStage.ASSURANCE, EscalationStage.OTHER_CASES_REVIEW):
        # Before moderation it is not open yet; after the review it is already done.
        check_turn(escalation.stage, EscalationEvent.COMPLETE_REVIEW)
    item = await session.scalar(
        select(OtherCaseReview)
        .where(OtherCaseReview.escalation_id == escalation.id, OtherCaseReview.child_id == child_id)
        .with_for_update()
    )
    if item is None:
        raise NotFound("case in this review", field="childId")
    text = _text(note, "note", required=outcome is not OtherCaseOutcome.NO_CONCERNS)
    before = item.outcome
    item.outcome, item.note = outcome, text
    item.reviewed_at, item.reviewed_by_id = clock.now(), actor.person_id
    await _record(
        session,
        actor,
        clock,
        escalation,
        "escalation.other_case_reviewed",
        {
            "case_reference": item.case_reference,
            "outcome": [history.plain(before), outcome.value],
            "note": text,
        },
    )
    await session.flush()
    return item


async def complete_other_cases_review(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation_id: uuid.UUID,
    summary: str,
) -> InadequateEscalation:
    """The review is done once every other case has an outcome; its summary goes into the
    exception report."""
    escalation = await _load_for_change(session, actor, escalation_id)
    await _check_reviewer(session, actor, escalation)
    text = _text(summary, "summary", required=True)
    stage = next_stage(escalation.stage, EscalationEvent.COMPLETE_REVIEW)
    missing = await session.scalar(
        select(func.count())
        .select_from(OtherCaseReview)
        .where(OtherCaseReview.escalation_id == escalation.id, OtherCaseReview.outcome.is_(None))
    )
    if missing:
        raise Conflict(
            f"{missing} of the practitioner's other cases still need an outcome.",
            field="otherCases",
        )
    escalation.stage = stage
    escalation.review_summary = text
    escalation.reviewed_at = clock.now()
    escalation.reviewed_by_id = actor.person_id
    await _discharge(session, clock, actor, escalation, K.OTHER_CASES_REVIEW_DUE)
    await _record(
        session,
        actor,
        clock,
        escalation,
        "escalation.other_cases_reviewed",
        {
            "stage": [EscalationStage.OTHER_CASES_REVIEW.value, stage.value],
            "review_summary": [None, text],
        },
    )
    return escalation


async def send_exception_report(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation_id: uuid.UUID,
) -> InadequateEscalation:
    """The Head of Service sends the one-page exception report to the AED: its facts are
    frozen as sent, every AED is told, and the three monthly reviews in supervision are now
    owed by the practitioner's supervisor, one in each of the three months after today."""
    from domain.escalation import report

    escalation = await _load_for_change(session, actor, escalation_id)
    if escalation.head_of_service_id is None:  # before moderation there is no HoS to be
        check_turn(escalation.stage, EscalationEvent.SEND_REPORT)
    policy.check_is_head_of_service(actor, escalation, "sends the exception report")
    stage = next_stage(escalation.stage, EscalationEvent.SEND_REPORT)
    now = clock.now()
    escalation.report_sent_at = now
    escalation.report_sent_by_id = actor.person_id
    facts = await report.gather(session=session, escalation=escalation, clock=clock)
    escalation.report_html = report.render_html(facts, draft=False)
    escalation.stage = stage
    await _discharge(session, clock, actor, escalation, K.EXCEPTION_REPORT_DUE)
    working = await deadlines.calendar(session)
    supervisor = await _supervisor(session, escalation)
    sent_on = local_day(now)
    months = [review_month(working, sent_on, n) for n in range(1, SUPERVISION_REVIEWS + 1)]
    for month in months:
        await _owe(
            session,
            clock,
            escalation,
            K.SUPERVISION_REVIEW_DUE,
            supervisor,
            month.due_on,
            month.number,
        )
    for aed in await _aeds(session):
        await _tell_about(
            session,
            clock,
            escalation,
            aed,
            kind=NotificationKind.EXCEPTION_REPORT,
            key=f"escalation:{escalation.id}:report:{aed.id}",
            title="Exception report: Inadequate audit of {case}",
            body=(
                f"{facts.head_of_service} has sent the exception report on the Inadequate "
                "audit of {case}; read it in the service. Next step: the case is reviewed in "
                "the practitioner's supervision monthly, three times; the first review is due "
                f"by the end of {_long(months[0].due_on)}."
            ),
        )
    await _record(
        session,
        actor,
        clock,
        escalation,
        "escalation.report_sent",
        {"stage": [EscalationStage.EXCEPTION_REPORT.value, stage.value]},
    )
    return escalation


# --- supervision and the desk-top audit --------------------------------------------------------


async def record_supervision_review(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation_id: uuid.UUID,
    number: int,
    held_on: date,
    notes: str,
    policy_settings: PolicySettings,
) -> SupervisionReview:
    """One of the three monthly reviews of the case in supervision, in order, each in its
    own month after the exception report: not before that month opens, never two in one
    month; a late one is accepted (its step shows late). The third plans the QA Lead's
    desk-top audit."""
    escalation = await _load_for_change(session, actor, escalation_id)
    supervisor = await _supervisor(session, escalation)
    policy.check_can_review_in_supervision(actor, escalation, supervisor)
    if not 1 <= number <= SUPERVISION_REVIEWS:
        raise InvalidInput("The reviews are numbered 1, 2 and 3.", field="number")
    event = (
        EscalationEvent.THIRD_REVIEW
        if number == SUPERVISION_REVIEWS
        else EscalationEvent.REVIEW_IN_SUPERVISION
    )
    stage = next_stage(escalation.stage, event)
    assert escalation.report_sent_at is not None  # the stage says the report was sent
    previous = list(
        await session.scalars(
            select(SupervisionReview)
            .where(SupervisionReview.escalation_id == escalation.id)
            .order_by(SupervisionReview.number)
        )
    )
    expected = len(previous) + 1
    if number < expected:
        done = previous[number - 1]
        raise AlreadyDone(
            f"Already done: review {number} was recorded (held on {_long(done.held_on)}).",
            field="number",
        )
    if number > expected:
        raise NotOpenYet(f"Review {expected} comes first.", field="number")
    working = await deadlines.calendar(session)
    month, held_in = _check_month(
        working,
        local_day(escalation.report_sent_at),
        number,
        held_on,
        local_today(clock),
        previous[-1] if previous else None,
    )
    text = _text(notes, "notes", required=True)
    assert text is not None
    review = SupervisionReview(
        escalation_id=escalation.id,
        number=number,
        held_on=held_on,
        notes=text,
        recorded_at=clock.now(),
        recorded_by_id=actor.person_id,
    )
    session.add(review)
    escalation.stage = stage
    await _discharge(session, clock, actor, escalation, K.SUPERVISION_REVIEW_DUE, number)
    changes: dict[str, Any] = {
        "number": number,
        "held_on": held_on.isoformat(),
        "month": held_in,
        "due": month.due_on.isoformat(),
        "late": held_on > month.due_on,
    }
    if number == SUPERVISION_REVIEWS:
        desk_top = await _plan_desk_top_audit(session, clock, escalation, held_on, policy_settings)
        changes["stage"] = [EscalationStage.SUPERVISION_REVIEWS.value, stage.value]
        changes["desk_top_audit_id"] = [None, str(desk_top.id)]
        changes["desk_top_due"] = [None, desk_top.due_date.isoformat()]
    await _record(session, actor, clock, escalation, "escalation.supervision_reviewed", changes)
    await session.flush()
    return review


def _check_month(
    working: WorkingCalendar,
    sent_on: date,
    number: int,
    held_on: date,
    today: date,
    last: SupervisionReview | None,
) -> tuple[ReviewMonth, int]:
    """Refuse review `number` held on `held_on` unless its month after the exception report
    (sent on `sent_on`) has opened, it is not in the future, and it is not in the same month
    as the `last` review. Returns its month and the month it was held in (later when late)."""
    month = review_month(working, sent_on, number)
    if today < month.opens_on:
        raise NotOpenYet(
            f"Review {number} belongs to the {_ORDINAL[number]} month after the exception "
            f"report; it opens on {_long(month.opens_on)}.",
            field="number",
            opens_on=month.opens_on,
        )
    if held_on > today:
        raise InvalidInput("The supervision has not happened yet.", field="heldOn")
    if held_on < month.opens_on:
        raise NotOpenYet(
            f"Review {number} belongs to the {_ORDINAL[number]} month after the exception "
            f"report, which opened on {_long(month.opens_on)}: a supervision on "
            f"{_long(held_on)} came before it.",
            field="heldOn",
            opens_on=month.opens_on,
        )
    held_in = month_of(working, sent_on, held_on)
    if last is not None:
        last_in = month_of(working, sent_on, last.held_on)
        if held_in == last_in:
            raise AlreadyDone(
                f"Already done: review {last.number} (held on {_long(last.held_on)}) is this "
                "month's review; the next one belongs to a later month.",
                field="heldOn",
            )
        if held_in < last_in:
            raise InvalidInput(
                "Each review is at a later supervision than the one before.", field="heldOn"
            )
    return month, held_in


async def _plan_desk_top_audit(
    session: AsyncSession,
    clock: Clock,
    escalation: InadequateEscalation,
    third_review_on: date,
    policy_settings: PolicySettings,
) -> Audit:
    """The QA Lead's desk-top audit, due `desktop_audit_working_days` after the third review
    (never in the past), and the QA Lead told at once."""
    from domain.audits import service as audits

    qa_lead_id = escalation.qa_lead_id
    if qa_lead_id is None or not await session.scalar(
        select(Person.is_active).where(Person.id == qa_lead_id)
    ):
        qa_lead = await people.active_holder(session, Role.QA_LEAD)
        if qa_lead is None:
            raise Conflict("There is no QA Lead to carry out the desk-top audit.", field="stage")
        qa_lead_id = escalation.qa_lead_id = qa_lead.id
    working = await deadlines.calendar(session)
    due = max(
        working.working_days_after(third_review_on, policy_settings.desktop_audit_working_days),
        local_today(clock),
    )
    audit = await audits.plan_audit(
        session=session,
        actor=SYSTEM,
        clock=clock,
        plan=audits.AuditPlan(
            kind=AuditKind.DESK_TOP,
            auditor_id=qa_lead_id,
            due_date=due,
            child_id=escalation.child_id,
            subject_practitioner_id=escalation.practitioner_id,
            trigger_key=f"escalation:{escalation.id}",
        ),
    )
    escalation.desk_top_audit_id = audit.id
    await _tell_about(
        session,
        clock,
        escalation,
        qa_lead_id,
        kind=NotificationKind.DESK_TOP_AUDIT_PLANNED,
        key=f"escalation:{escalation.id}:desk-top-planned",
        title=f"Desk-top audit to do: {{case}}, due {due:%d %B %Y}",
        body=(
            "The third monthly review in supervision of {case} was held on "
            f"{_long(third_review_on)}. Next step: your desk-top audit, which closes the "
            f"Inadequate process, due by the end of {_long(due)}."
        ),
    )
    return audit


async def on_audit_completed(
    *, session: AsyncSession, clock: Clock, actor: Actor, audit: Audit
) -> InadequateEscalation | None:
    """A completed desk-top audit closes the process it was planned for."""
    if audit.kind is not AuditKind.DESK_TOP:
        return None
    escalation = await session.scalar(
        select(InadequateEscalation)
        .where(InadequateEscalation.desk_top_audit_id == audit.id)
        .with_for_update()
    )
    if escalation is None:
        return None
    before = escalation.stage
    escalation.stage = next_stage(escalation.stage, EscalationEvent.COMPLETE_DESK_TOP)
    escalation.ended_at = clock.now()
    await _record(
        session,
        actor,
        clock,
        escalation,
        "escalation.closed",
        {
            "stage": [before.value, escalation.stage.value],
            "desk_top_grade": history.plain(audit.overall_grade),
        },
    )
    return escalation


async def check_can_cancel_audit(session: AsyncSession, audit: Audit) -> None:
    """The desk-top audit that closes an open process is not cancelled: the process would
    then have no way to close."""
    if audit.kind is not AuditKind.DESK_TOP:
        return
    open_process = await session.scalar(
        select(InadequateEscalation.id).where(
            InadequateEscalation.desk_top_audit_id == audit.id,
            InadequateEscalation.stage.in_(OPEN_STAGES),
        )
    )
    if open_process is not None:
        raise Conflict(
            "This desk-top audit closes an Inadequate process; it cannot be cancelled.",
            field="status",
        )


# --- reading ---------------------------------------------------------------------------------


async def exception_report(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation_id: uuid.UUID,
    pdf: bool,
) -> tuple[str, bytes]:
    """The exception report of a process the actor may see, as (file name, bytes): the HTML
    as it was sent, or a DRAFT generated from the facts recorded so far; or the PDF."""
    from domain.escalation import report

    escalation = await get_escalation(session=session, actor=actor, escalation_id=escalation_id)
    sent = escalation.report_sent_at is not None
    facts = await report.gather(session=session, escalation=escalation, clock=clock, reader=actor)
    named = await session.scalar(
        select(func.count())
        .select_from(OtherCaseReview)
        .where(OtherCaseReview.escalation_id == escalation.id)
    )
    # The report as sent names every case; a reader who may not see one of those children
    # reads it generated afresh from the facts, without the cases they may not see.
    withheld = len(facts.other_cases) != named or (
        escalation.child_id is not None
        and not await children_policy.sees_child(session, actor, escalation.child_id)
    )
    name = f"exception-report-{facts.case_reference if not withheld else escalation.id}"
    if pdf:
        # Drawing a long annex takes a while (seconds with hundreds of long notes): off the
        # event loop, so that other requests are not held up meanwhile.
        return f"{name}.pdf", await asyncio.to_thread(report.render_pdf, facts, draft=not sent)
    # A report withdrawn by a regrade after it was sent reads as withdrawn, not as it was sent.
    as_sent = sent and not withheld and not escalation.report_withdrawn
    html = escalation.report_html if as_sent and escalation.report_html else None
    return f"{name}.html", (html or report.render_html(facts, draft=not sent)).encode()


@dataclass(frozen=True)
class EscalationFilter:
    open_only: bool = False
    stages: tuple[EscalationStage, ...] = ()
    child_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    audit_id: uuid.UUID | None = None


def _statement(actor: Actor, f: EscalationFilter) -> Select[Any]:
    stmt = select(InadequateEscalation).where(policy.visible_escalations(actor))
    if f.open_only:
        stmt = stmt.where(InadequateEscalation.stage.in_(OPEN_STAGES))
    if f.stages:
        stmt = stmt.where(InadequateEscalation.stage.in_(f.stages))
    if f.child_id is not None:
        stmt = stmt.where(InadequateEscalation.child_id == f.child_id)
    if f.service_id is not None:
        stmt = stmt.where(InadequateEscalation.service_id == f.service_id)
    if f.audit_id is not None:
        stmt = stmt.where(InadequateEscalation.audit_id == f.audit_id)
    return stmt


async def list_escalations(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: EscalationFilter,
    first: int | None,
    after: str | None,
) -> Page[InadequateEscalation]:
    """Processes the actor may see, most recently started first."""
    return await paginate(
        session,
        _statement(actor, filters),
        order_by=[InadequateEscalation.started_at, InadequateEscalation.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_escalations(
    *, session: AsyncSession, actor: Actor, filters: EscalationFilter
) -> int:
    return await count(session, _statement(actor, filters))


async def get_escalations(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InadequateEscalation]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(InadequateEscalation).where(
            InadequateEscalation.id.in_(ids), policy.visible_escalations(actor)
        )
    )
    return {e.id: e for e in rows}


async def get_escalation(
    *, session: AsyncSession, actor: Actor, escalation_id: uuid.UUID
) -> InadequateEscalation:
    found = await get_escalations(session=session, actor=actor, ids=[escalation_id])
    if escalation_id not in found:
        raise NotFound("Inadequate process", field="escalationId")
    return found[escalation_id]


async def escalations_of_audits(
    session: AsyncSession, audit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InadequateEscalation]:
    """The process of each audit that has one (for an audit the caller may already see)."""
    if not audit_ids:
        return {}
    rows = await session.scalars(
        select(InadequateEscalation).where(InadequateEscalation.audit_id.in_(audit_ids))
    )
    return {e.audit_id: e for e in rows}


async def other_cases_of(
    session: AsyncSession, actor: Actor, escalation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OtherCaseReview]]:
    """The practitioner's other cases under review, for processes the actor already sees:
    only those whose child the actor may see (a case reference is child-linked), in one
    statement."""
    out: dict[uuid.UUID, list[OtherCaseReview]] = {i: [] for i in escalation_ids}
    if escalation_ids:
        rows = await session.scalars(
            select(OtherCaseReview)
            .where(
                OtherCaseReview.escalation_id.in_(list(escalation_ids)),
                OtherCaseReview.child_id.in_(
                    select(Child.id).where(children_policy.visible_children(actor))
                ),
            )
            .order_by(OtherCaseReview.case_reference)
        )
        for row in rows:
            out[row.escalation_id].append(row)
    return out


async def supervision_reviews_of(
    session: AsyncSession, escalation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SupervisionReview]]:
    return await rows_by(
        session, SupervisionReview.escalation_id, escalation_ids, SupervisionReview.number
    )


async def history_of(
    session: AsyncSession, actor: Actor, escalation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[HistoryEntry]]:
    """Who did what when, oldest first (for processes the caller may already see), without
    the entries about another case (a review of one of the practitioner's other cases) whose
    child the caller may not see."""
    return await history.entries_of(
        session,
        SUBJECT,
        escalation_ids,
        children_policy.names_visible_case(actor, HistoryEntry.changes),
    )


async def obligations_of(
    session: AsyncSession, escalations: Sequence[InadequateEscalation]
) -> dict[uuid.UUID, list[Obligation]]:
    """Every obligation of each process: its own steps', and its desk-top audit's."""
    out: dict[uuid.UUID, list[Obligation]] = {e.id: [] for e in escalations}
    by_audit = {e.desk_top_audit_id: e.id for e in escalations if e.desk_top_audit_id}
    if not escalations:
        return out
    rows = await session.scalars(
        select(Obligation).where(
            (Obligation.subject_type == SUBJECT) & Obligation.subject_id.in_(list(out))
            | (Obligation.kind == K.AUDIT_DUE) & Obligation.subject_id.in_(list(by_audit))
        )
    )
    for row in rows:
        owner = by_audit.get(row.subject_id) if row.kind is K.AUDIT_DUE else row.subject_id
        if owner in out:
            out[owner].append(row)
    return out
