"""The monthly reviews in supervision and the desk-top audit that closes the process
(step 6)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import facts
from domain.audits import service as audits
from domain.audits.kinds import AuditKind
from domain.audits.models import Audit
from domain.core.clock import Clock, local_today
from domain.core.errors import AlreadyDone, Conflict, InvalidInput, NotOpenYet
from domain.core.roles import SYSTEM, Actor, Role
from domain.core.settings import PolicySettings
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import WorkingCalendar, local_day
from domain.escalation import policy
from domain.escalation.common import (
    ORDINAL,
    K,
    clean_text,
    discharge,
    load_for_change,
    locked_process,
    long_day,
    record_change,
    supervisor_of,
    tell_about,
)
from domain.escalation.flows import EscalationEvent, next_stage
from domain.escalation.models import (
    OPEN_STAGES,
    EscalationStage,
    InadequateEscalation,
    SupervisionReview,
)
from domain.escalation.timeline import SUPERVISION_REVIEWS as SUPERVISION_REVIEWS
from domain.escalation.timeline import ReviewMonth, month_of, review_month
from domain.escalation.timeline import Step as Step
from domain.escalation.timeline import StepKind as StepKind
from domain.escalation.timeline import StepStatus as StepStatus
from domain.escalation.timeline import months_after as months_after
from domain.escalation.timeline import steps as steps
from domain.history import service as history
from domain.notifications.models import NotificationKind
from domain.people import service as people
from domain.people.models import Person

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
    escalation = await load_for_change(session, actor, escalation_id)
    supervisor = await supervisor_of(session, escalation)
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
    check_turn_of_review(number, previous)
    working = await deadlines.calendar(session)
    month, held_in = check_month(
        working,
        local_day(escalation.report_sent_at),
        number,
        held_on,
        local_today(clock),
        previous[-1] if previous else None,
    )
    text = clean_text(notes, "notes", required=True)
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
    await discharge(session, clock, actor, escalation, K.SUPERVISION_REVIEW_DUE, number)
    changes: dict[str, Any] = {
        "number": number,
        "held_on": held_on.isoformat(),
        "month": held_in,
        "due": month.due_on.isoformat(),
        "late": held_on > month.due_on,
    }
    if number == SUPERVISION_REVIEWS:
        desk_top = await plan_desk_top_audit(session, clock, escalation, held_on, policy_settings)
        changes["stage"] = [EscalationStage.SUPERVISION_REVIEWS.value, stage.value]
        changes["desk_top_audit_id"] = [None, str(desk_top.id)]
        changes["desk_top_due"] = [None, desk_top.due_date.isoformat()]
    await record_change(
        session, actor, clock, escalation, "escalation.supervision_reviewed", changes
    )
    await session.flush()
    return review


def check_turn_of_review(number: int, previous: Sequence[SupervisionReview]) -> None:
    """Reviews are recorded in order: review `number` comes after the `previous` ones, once."""
    expected = len(previous) + 1
    if number < expected:
        done = previous[number - 1]
        raise AlreadyDone(
            f"Already done: review {number} was recorded (held on {long_day(done.held_on)}).",
            field="number",
        )
    if number > expected:
        raise NotOpenYet(f"Review {expected} comes first.", field="number")


def check_month(
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
            f"Review {number} belongs to the {ORDINAL[number]} month after the exception "
            f"report; it opens on {long_day(month.opens_on)}.",
            field="number",
            opens_on=month.opens_on,
        )
    if held_on > today:
        raise InvalidInput("The supervision has not happened yet.", field="heldOn")
    if held_on < month.opens_on:
        raise NotOpenYet(
            f"Review {number} belongs to the {ORDINAL[number]} month after the exception "
            f"report, which opened on {long_day(month.opens_on)}: a supervision on "
            f"{long_day(held_on)} came before it.",
            field="heldOn",
            opens_on=month.opens_on,
        )
    held_in = month_of(working, sent_on, held_on)
    if last is not None:
        last_in = month_of(working, sent_on, last.held_on)
        if held_in == last_in:
            raise AlreadyDone(
                f"Already done: review {last.number} (held on {long_day(last.held_on)}) is this "
                "month's review; the next one belongs to a later month.",
                field="heldOn",
            )
        if held_in < last_in:
            raise InvalidInput(
                "Each review is at a later supervision than the one before.", field="heldOn"
            )
    return month, held_in


async def plan_desk_top_audit(
    session: AsyncSession,
    clock: Clock,
    escalation: InadequateEscalation,
    third_review_on: date,
    policy_settings: PolicySettings,
) -> Audit:
    """The QA Lead's desk-top audit, due `desktop_audit_working_days` after the third review
    (never in the past), and the QA Lead told at once."""
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
    await tell_about(
        session,
        clock,
        escalation,
        qa_lead_id,
        kind=NotificationKind.DESK_TOP_AUDIT_PLANNED,
        key=f"escalation:{escalation.id}:desk-top-planned",
        title=f"Desk-top audit to do: {{case}}, due {due:%d %B %Y}",
        body=(
            "The third monthly review in supervision of {case} was held on "
            f"{long_day(third_review_on)}. Next step: your desk-top audit, which closes the "
            f"Inadequate process, due by the end of {long_day(due)}."
        ),
    )
    return audit


async def on_audit_completed(
    session: AsyncSession, clock: Clock, fact: facts.AuditCompleted
) -> InadequateEscalation | None:
    """A completed desk-top audit closes the process it was planned for."""
    actor, audit = fact.actor, fact.audit
    if audit.kind is not AuditKind.DESK_TOP:
        return None
    escalation = await locked_process(session, InadequateEscalation.desk_top_audit_id, audit.id)
    if escalation is None:
        return None
    before = escalation.stage
    escalation.stage = next_stage(escalation.stage, EscalationEvent.COMPLETE_DESK_TOP)
    escalation.ended_at = clock.now()
    recorded = {
        "stage": [before.value, escalation.stage.value],
        "desk_top_grade": history.plain(audit.overall_grade),
    }
    await record_change(session, actor, clock, escalation, "escalation.closed", recorded)
    return escalation


async def check_can_cancel_audit(
    session: AsyncSession, clock: Clock, fact: facts.AuditToBeCancelled
) -> None:
    """The desk-top audit that closes an open process is not cancelled: the process would
    then have no way to close."""
    audit = fact.audit
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
