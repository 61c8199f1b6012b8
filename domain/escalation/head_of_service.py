"""The Head of Service's and the Team Manager's steps (3 to 5): the assurance, the review of
the practitioner's other cases, the exception report."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.errors import Conflict, NotFound
from domain.core.roles import Actor
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import local_day
from domain.escalation import policy
from domain.escalation.common import (
    K,
    aeds,
    clean_text,
    discharge,
    line_manager,
    load_for_change,
    long_day,
    owe,
    record_change,
    supervisor_of,
    tell_about,
)
from domain.escalation.flows import EscalationEvent, check_turn, next_stage
from domain.escalation.models import (
    AssuranceOutcome,
    EscalationStage,
    InadequateEscalation,
    OtherCaseOutcome,
    OtherCaseReview,
)
from domain.escalation.report_facts import gather
from domain.escalation.report_html import render_html
from domain.escalation.timeline import SUPERVISION_REVIEWS as SUPERVISION_REVIEWS
from domain.escalation.timeline import Step as Step
from domain.escalation.timeline import StepKind as StepKind
from domain.escalation.timeline import StepStatus as StepStatus
from domain.escalation.timeline import months_after as months_after
from domain.escalation.timeline import review_month
from domain.escalation.timeline import steps as steps
from domain.history import service as history
from domain.notifications.models import NotificationKind

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
    escalation = await load_for_change(session, actor, escalation_id)
    if escalation.head_of_service_id is None:  # before moderation there is no HoS to be
        check_turn(escalation.stage, EscalationEvent.ASSURE)
    policy.check_is_head_of_service(actor, escalation, "assures that the child is not at risk")
    stage = next_stage(escalation.stage, EscalationEvent.ASSURE)
    text = clean_text(detail, "detail", required=True)
    escalation.stage = stage
    escalation.assurance_outcome = outcome
    escalation.assurance_detail = text
    escalation.assured_at = clock.now()
    escalation.assured_by_id = actor.person_id
    await discharge(session, clock, actor, escalation, K.ASSURANCE_DUE)
    recorded = {
        "stage": [EscalationStage.ASSURANCE.value, escalation.stage.value],
        "assurance_outcome": [None, outcome.value],
        "assurance_detail": [None, text],
    }
    await record_change(session, actor, clock, escalation, "escalation.assured", recorded)
    return escalation


async def check_reviewer(
    session: AsyncSession, actor: Actor, escalation: InadequateEscalation
) -> None:
    manager = await line_manager(session, escalation.practitioner_id)
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
    escalation = await load_for_change(session, actor, escalation_id)
    await check_reviewer(session, actor, escalation)
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
    text = clean_text(note, "note", required=outcome is not OtherCaseOutcome.NO_CONCERNS)
    before = item.outcome
    item.outcome, item.note = outcome, text
    item.reviewed_at, item.reviewed_by_id = clock.now(), actor.person_id
    recorded = {
        "case_reference": item.case_reference,
        "outcome": [history.plain(before), outcome.value],
        "note": text,
    }
    await record_change(
        session, actor, clock, escalation, "escalation.other_case_reviewed", recorded
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
    escalation = await load_for_change(session, actor, escalation_id)
    await check_reviewer(session, actor, escalation)
    text = clean_text(summary, "summary", required=True)
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
    await discharge(session, clock, actor, escalation, K.OTHER_CASES_REVIEW_DUE)
    recorded = {
        "stage": [EscalationStage.OTHER_CASES_REVIEW.value, stage.value],
        "review_summary": [None, text],
    }
    await record_change(
        session, actor, clock, escalation, "escalation.other_cases_reviewed", recorded
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
    escalation = await load_for_change(session, actor, escalation_id)
    if escalation.head_of_service_id is None:  # before moderation there is no HoS to be
        check_turn(escalation.stage, EscalationEvent.SEND_REPORT)
    policy.check_is_head_of_service(actor, escalation, "sends the exception report")
    stage = next_stage(escalation.stage, EscalationEvent.SEND_REPORT)
    now = clock.now()
    escalation.report_sent_at = now
    escalation.report_sent_by_id = actor.person_id
    facts = await gather(session=session, escalation=escalation, clock=clock)
    escalation.report_html = render_html(facts, draft=False)
    escalation.stage = stage
    await discharge(session, clock, actor, escalation, K.EXCEPTION_REPORT_DUE)
    working = await deadlines.calendar(session)
    supervisor = await supervisor_of(session, escalation)
    sent_on = local_day(now)
    months = [review_month(working, sent_on, n) for n in range(1, SUPERVISION_REVIEWS + 1)]
    for month in months:
        await owe(
            session,
            clock,
            escalation,
            K.SUPERVISION_REVIEW_DUE,
            supervisor,
            month.due_on,
            month.number,
        )
    for aed in await aeds(session):
        await tell_about(
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
                f"by the end of {long_day(months[0].due_on)}."
            ),
        )
    recorded = {"stage": [EscalationStage.EXCEPTION_REPORT.value, stage.value]}
    await record_change(session, actor, clock, escalation, "escalation.report_sent", recorded)
    return escalation
