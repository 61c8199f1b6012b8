"""The statutory complaints procedure, a step a use case (the steps and their order are the table
in `flows.py`); each stage's deadline is an obligation.

- `extend_stage`: stage 1 to `complaint_stage1_extended_working_days`, stage 2 to
  `complaint_stage2_extended_working_days`, counted from the stage's start; once, with a
  reason; the obligation moves.
- `respond`: the stage's response with its finding; the obligation is DONE.
- `escalate`: the complainant asks for the next stage: stage 2 (investigation, due
  `complaint_stage2_working_days` after the request) or stage 3 (a review panel, held within
  `complaint_stage3_panel_working_days` of the request).
- `close`: the complainant accepts the response (or does not escalate).
- `record_panel`: the stage 3 panel was held, with its finding; the procedure ends.
- `withdraw`: the complainant withdraws; whatever was owed is CANCELLED.
Every change writes its history in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock, local_today
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import ObligationState
from domain.feedback import policy
from domain.feedback.flows import ComplaintEvent, next_status
from domain.feedback.models import (
    ComplaintFinding,
    ComplaintStage,
    FeedbackRecord,
)
from domain.feedback.records import (
    STAGE_OBLIGATION,
    STAGE_OF_STATUS,
    clean_text,
    open_stage,
    responder_for,
    working_days,
    write_history,
)


async def _load_complaint(
    session: AsyncSession, actor: Actor, feedback_id: uuid.UUID
) -> FeedbackRecord:
    record = await session.scalar(
        select(FeedbackRecord)
        .where(FeedbackRecord.id == feedback_id, policy.visible_feedback(actor))
        .with_for_update()
    )
    if record is None:
        raise NotFound("compliment or complaint", field="feedbackId")
    policy.check_can_act_on(actor, record)
    if record.status is None:
        raise Conflict("A compliment has no complaint stages.", field="feedbackId")
    return record


async def _stage_row(session: AsyncSession, record: FeedbackRecord, stage: int) -> ComplaintStage:
    row = await session.scalar(
        select(ComplaintStage)
        .where(ComplaintStage.feedback_id == record.id, ComplaintStage.stage == stage)
        .with_for_update()
    )
    assert row is not None  # every stage reached has its row
    return row


def _current_stage(record: FeedbackRecord) -> int:
    assert record.status is not None
    stage = STAGE_OF_STATUS.get(record.status)
    if stage is None:
        raise Conflict("No stage is waiting for a response.", field="status")
    return stage


async def extend_stage(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    reason: str,
    policy_settings: PolicySettings,
) -> FeedbackRecord:
    """Extend the current stage's response (stage 1 to 20 working days, stage 2 to 65, from
    the stage's start): once, with a reason. Stage 3's panel is not extended."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    status = next_status(record.status, ComplaintEvent.EXTEND)
    stage = _current_stage(record)
    text = clean_text(reason, "reason", required=True)
    row = await _stage_row(session, record, stage)
    if row.extended_at is not None:
        raise Conflict(f"Stage {stage} has already been extended once.", field="reason")
    working = await deadlines.calendar(session)
    before = row.due_on
    row.due_on = working.working_days_after(
        row.started_on, working_days(policy_settings, stage, extended=True)
    )
    row.extended_at, row.extension_reason = clock.now(), text
    record.status = status
    await obligations.move_obligation(
        session=session,
        key=obligations.obligation_key(STAGE_OBLIGATION[stage], record.id),
        due_at=end_of_day(row.due_on),
    )
    await write_history(
        session,
        actor,
        clock,
        record,
        "feedback.stage_extended",
        {
            "stage": stage,
            f"stage_{stage}_due": [before.isoformat(), row.due_on.isoformat()],
            "reason": text,
        },
    )
    return record


async def _discharge(
    session: AsyncSession, clock: Clock, actor: Actor, record: FeedbackRecord, stage: int
) -> None:
    await obligations.close_obligation(
        session=session,
        clock=clock,
        key=obligations.obligation_key(STAGE_OBLIGATION[stage], record.id),
        state=ObligationState.DONE,
        by=actor.person_id,
    )


async def respond(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    finding: ComplaintFinding,
    response: str,
    learning: str | None,
) -> FeedbackRecord:
    """The stage 1 response or the stage 2 adjudication is sent: its finding and a summary
    of it (the complaint's outcome so far), and any learning."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    status = next_status(record.status, ComplaintEvent.RESPOND)
    stage = _current_stage(record)
    text = clean_text(response, "response", required=True)
    lesson = clean_text(learning, "learning", required=False)
    row = await _stage_row(session, record, stage)
    row.finding, row.response = finding, text
    row.responded_on = local_today(clock)
    row.responded_at, row.responded_by_id = clock.now(), actor.person_id
    record.status, record.outcome = status, text
    if lesson is not None:
        record.learning = lesson
    await _discharge(session, clock, actor, record, stage)
    await write_history(
        session,
        actor,
        clock,
        record,
        "feedback.complaint_responded",
        {
            "stage": stage,
            "status": [before.value, status.value],
            "finding": [None, finding.value],
            "outcome": text,
            "learning": lesson,
        },
    )
    return record


async def escalate(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    requested_on: date | None,
    responder_id: uuid.UUID | None,
    policy_settings: PolicySettings,
) -> FeedbackRecord:
    """The complainant asks for the next stage (on `requested_on`, today when not given):
    stage 2's investigation, or stage 3's review panel. A new responder may be named."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    status = next_status(record.status, ComplaintEvent.ESCALATE)
    stage = STAGE_OF_STATUS[status]
    today = local_today(clock)
    day = requested_on or today
    if day > today:
        raise InvalidInput("The request cannot be in the future.", field="requestedOn")
    previous = await _stage_row(session, record, stage - 1)
    if previous.responded_on is not None and day < previous.responded_on:
        raise InvalidInput(
            f"The request comes after the stage {stage - 1} response.", field="requestedOn"
        )
    if responder_id is not None:
        record.responder_id = await responder_for(session, actor, record.service_id, responder_id)
    record.status = status
    row = await open_stage(session, clock, record, stage, day, policy_settings)
    await write_history(
        session,
        actor,
        clock,
        record,
        "feedback.complaint_escalated",
        {
            "status": [before.value, status.value],
            "requested_on": day.isoformat(),
            "responder_id": str(record.responder_id),
            f"stage_{stage}_due": [None, row.due_on.isoformat()],
        },
    )
    return record


async def close(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    learning: str | None,
) -> FeedbackRecord:
    """The complainant accepts the response, or does not ask for the next stage: the
    complaint closes with the response as its outcome."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    record.status = next_status(record.status, ComplaintEvent.CLOSE)
    lesson = clean_text(learning, "learning", required=False)
    if lesson is not None:
        record.learning = lesson
    record.closed_at = clock.now()
    await write_history(
        session,
        actor,
        clock,
        record,
        "feedback.complaint_closed",
        {"status": [before.value, record.status.value], "learning": lesson},
    )
    return record


async def record_panel(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    held_on: date,
    finding: ComplaintFinding,
    recommendations: str,
    learning: str | None,
) -> FeedbackRecord:
    """The stage 3 review panel was held: its finding and recommendations end the procedure."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    status = next_status(record.status, ComplaintEvent.HOLD_PANEL)
    row = await _stage_row(session, record, 3)
    if held_on > local_today(clock):
        raise InvalidInput("The panel has not been held yet.", field="heldOn")
    if held_on < row.started_on:
        raise InvalidInput("The panel is held after it was requested.", field="heldOn")
    text = clean_text(recommendations, "recommendations", required=True)
    lesson = clean_text(learning, "learning", required=False)
    row.finding, row.response, row.responded_on = finding, text, held_on
    row.responded_at, row.responded_by_id = clock.now(), actor.person_id
    record.status, record.outcome, record.closed_at = status, text, clock.now()
    if lesson is not None:
        record.learning = lesson
    await _discharge(session, clock, actor, record, 3)
    await write_history(
        session,
        actor,
        clock,
        record,
        "feedback.panel_held",
        {
            "status": [before.value, status.value],
            "held_on": held_on.isoformat(),
            "finding": [None, finding.value],
            "outcome": text,
            "learning": lesson,
        },
    )
    return record


async def withdraw(
    *, session: AsyncSession, actor: Actor, clock: Clock, feedback_id: uuid.UUID, reason: str
) -> FeedbackRecord:
    """The complainant withdraws the complaint: whatever stage was owed is cancelled."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    record.status = next_status(record.status, ComplaintEvent.WITHDRAW)
    text = clean_text(reason, "reason", required=True)
    record.withdrawn_reason, record.closed_at = text, clock.now()
    if (stage := STAGE_OF_STATUS.get(before)) is not None:
        await obligations.close_obligation(
            session=session,
            clock=clock,
            key=obligations.obligation_key(STAGE_OBLIGATION[stage], record.id),
            state=ObligationState.CANCELLED,
            by=actor.person_id,
        )
    await write_history(
        session,
        actor,
        clock,
        record,
        "feedback.complaint_withdrawn",
        {"status": [before.value, record.status.value], "reason": text},
    )
    return record
