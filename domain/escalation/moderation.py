"""The process after moderation (step 2): a confirmation tells the Head of Service and
opens their steps; a regrade (or an amendment before moderation) away from Inadequate ends it."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import facts
from domain.audits.kinds import Grade
from domain.audits.models import Moderation
from domain.children.models import Child
from domain.core.clock import Clock
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import local_day
from domain.deadlines.models import Obligation, ObligationState
from domain.escalation.common import (
    GRADE_NAMES,
    OTHER_CASES_REVIEW_WORKING_DAYS,
    K,
    aeds,
    discharge,
    locked_process,
    long_day,
    owe,
    owed_for,
    record_change,
    tell_about,
)
from domain.escalation.flows import WAITING_FOR, EscalationEvent, next_stage
from domain.escalation.models import (
    OPEN_STAGES,
    EscalationStage,
    InadequateEscalation,
    OtherCaseReview,
    RegradedBy,
)
from domain.escalation.timeline import SUPERVISION_REVIEWS as SUPERVISION_REVIEWS
from domain.escalation.timeline import Step as Step
from domain.escalation.timeline import StepKind as StepKind
from domain.escalation.timeline import StepStatus as StepStatus
from domain.escalation.timeline import months_after as months_after
from domain.escalation.timeline import steps as steps
from domain.history import service as history
from domain.notifications.models import NotificationKind
from domain.people import service as people


async def on_moderated(
    session: AsyncSession, clock: Clock, fact: facts.AuditModerated
) -> InadequateEscalation | None:
    """React to a moderation of an audit whose process is open: a confirmation of Inadequate
    at the moderation step moves it on and tells the Head of Service at once; a regrade away
    from Inadequate ends it, whatever step it had reached, with the reason kept."""
    actor, audit, moderation = fact.actor, fact.audit, fact.moderation
    escalation = await locked_process(session, InadequateEscalation.audit_id, audit.id)
    if escalation is None or escalation.stage not in OPEN_STAGES:
        return escalation
    if moderation.moderated_overall_grade is not Grade.INADEQUATE:
        if escalation.stage is EscalationStage.MODERATION:
            escalation.moderation_id = moderation.id
            escalation.moderated_at = moderation.moderated_at
            await discharge(session, clock, actor, escalation, K.MODERATION_DUE)
        await end_by_regrade(
            session,
            clock,
            actor,
            escalation,
            grade=moderation.moderated_overall_grade,
            by=RegradedBy.MODERATION,
            reason=moderation.reason,
        )
    elif escalation.stage is EscalationStage.MODERATION:
        await confirm(session, clock, actor, escalation, moderation, fact.policy_settings)
    return escalation


async def on_amended_away(
    session: AsyncSession, clock: Clock, fact: facts.AuditAmended
) -> InadequateEscalation | None:
    """An audit amended away from Inadequate before its moderation: the process ends as a
    regrade ends it (the moderation is no longer owed). Once moderation has confirmed the
    grade, the QA Lead's judgement stands and an amendment does not end the process."""
    if fact.before is not Grade.INADEQUATE or fact.after in (None, Grade.INADEQUATE):
        return None
    assert fact.after is not None
    escalation = await locked_process(session, InadequateEscalation.audit_id, fact.audit.id)
    if escalation is None or escalation.stage is not EscalationStage.MODERATION:
        return escalation
    await end_by_regrade(
        session,
        clock,
        fact.actor,
        escalation,
        grade=fact.after,
        by=RegradedBy.AMENDMENT,
        reason=fact.reason,
    )
    return escalation


async def end_by_regrade(
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
            owed_for(escalation.id),
            Obligation.state == ObligationState.OPEN,
        )
        .values(state=ObligationState.CANCELLED, closed_at=now, closed_by_id=actor.person_id)
    )
    recorded = {
        "stage": [before.value, escalation.stage.value],
        "moderated_overall_grade": [None, grade.value],
        "regraded_by": [None, by.value],
        "reason": reason,
    }
    await record_change(session, actor, clock, escalation, "escalation.regraded", recorded)
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
        told += [aed.id for aed in await aeds(session)]
    for person_id in dict.fromkeys(told):
        if person_id is None or person_id == actor.person_id:
            continue
        await tell_about(
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
                f"{long_day(local_day(now))}, so its Inadequate process has ended (the next step "
                f"was {WAITING_FOR[before]}). Nothing further is due. {report}"
            ),
        )


async def confirm(
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
    await discharge(session, clock, actor, escalation, K.MODERATION_DUE)
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
    await owe(session, clock, escalation, K.ASSURANCE_DUE, owner, assurance_due)
    await owe(session, clock, escalation, K.OTHER_CASES_REVIEW_DUE, owner, review_due)
    await owe(session, clock, escalation, K.EXCEPTION_REPORT_DUE, owner, report_due)
    prefilled = await prefill_other_cases(session, escalation)
    await tell_about(
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
            f"{long_day(assurance_due)}; then see that the practitioner's other {prefilled} open "
            f"case(s) are reviewed by the end of {long_day(review_due)}; the exception report to "
            f"the AED is due by the end of {long_day(report_due)}."
        ),
    )
    recorded = {
        "stage": [EscalationStage.MODERATION.value, escalation.stage.value],
        "head_of_service_id": [None, history.plain(escalation.head_of_service_id)],
        "assurance_due": [None, assurance_due.isoformat()],
        "other_cases_review_due": [None, review_due.isoformat()],
        "exception_report_due": [None, report_due.isoformat()],
        "other_cases": [None, prefilled],
    }
    await record_change(session, actor, clock, escalation, "escalation.confirmed", recorded)


async def prefill_other_cases(session: AsyncSession, escalation: InadequateEscalation) -> int:
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
