"""Monthly means monthly (DOMAIN.md: "The inadequate case is reviewed monthly in supervision for
3 months, then the QA Lead completes a desk-top audit"); and a step done twice says it was
already done, not that it is "not open yet".

Bob's case is audited Inadequate on Thursday 24 December 2026 and confirmed; the Head of
Service sends the exception report on Monday 11 January 2027. So the first review belongs to
the month to Thursday 11 February, the second to the month from Friday 12 February to Thursday
11 March, the third to the month from Friday 12 March to Monday 12 April (11 April is a
Sunday)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from domain.core.errors import AlreadyDone, Conflict, NotOpenYet
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import ObligationState
from domain.escalation import service as escalation
from domain.escalation.flows import (
    ORDER,
    STEP_STAGE,
    TRANSITIONS,
    EscalationEvent,
    check_turn,
    passed,
)
from domain.escalation.models import (
    AssuranceOutcome,
    EscalationStage,
    InadequateEscalation,
    OtherCaseOutcome,
    SupervisionReview,
)
from tests.domain.audits.helpers import Authority, act, load
from tests.domain.escalation.helpers import (
    assure,
    confirmed,
    owed_by_kind,
    process_of,
    review_all,
    send_report,
    supervise,
)

REPORT_SENT_AT = datetime(2027, 1, 11, 14, tzinfo=UTC)
S = escalation.StepStatus


async def reported(auth: Authority) -> InadequateEscalation:
    process = await confirmed(auth)
    auth.world.clock.set(datetime(2026, 12, 30, 9, tzinfo=UTC))
    await assure(auth, process.id)
    await review_all(auth, process.id)
    auth.world.clock.set(REPORT_SENT_AT)
    await send_report(auth, process.id)
    return await process_of(auth.world, process.audit_id)


async def steps_at(
    auth: Authority, audit_id: uuid.UUID, moment: datetime
) -> dict[int, escalation.Step]:
    """The three reviews' steps on the timeline, as seen at `moment`."""
    process = await process_of(auth.world, audit_id)
    async with auth.world.session_factory() as s:
        owed = await escalation.obligations_of(s, [process])
        reviews = await escalation.supervision_reviews_of(s, [process.id])
    return {
        step.number: step
        for step in escalation.steps(process, owed[process.id], moment, reviews[process.id])
        if step.kind is escalation.StepKind.SUPERVISION_REVIEW and step.number is not None
    }


async def record(auth: Authority, process_id: uuid.UUID, number: int, held_on: date) -> None:
    """Record a review at 16:00 on `held_on`, with the clock at that moment."""
    await supervise(auth, process_id, number, held_on)


async def record_at(
    auth: Authority, process_id: uuid.UUID, number: int, held_on: date, today: date
) -> None:
    """Record a review held on `held_on`, with the clock on `today`."""
    at = datetime(today.year, today.month, today.day, 17, tzinfo=UTC)
    await supervise(auth, process_id, number, held_on, recorded_at=at, notes=f"Review {number}.")


async def _reviews(auth: Authority, process_id: uuid.UUID) -> list[SupervisionReview]:
    async with auth.world.session_factory() as s:
        return list((await escalation.supervision_reviews_of(s, [process_id]))[process_id])


# --- each review in its own month --------------------------------------------------------------


async def test_the_reviews_are_due_monthly_from_the_exception_report(auth: Authority) -> None:
    process = await reported(auth)
    owed = await owed_by_kind(auth.world, process.id)
    assert [owed[f"supervision-review-due:{n}"].due_at for n in (1, 2, 3)] == [
        end_of_day(date(2027, 2, 11)),
        end_of_day(date(2027, 3, 11)),
        end_of_day(date(2027, 4, 12)),
    ]
    steps = await steps_at(auth, process.audit_id, datetime(2027, 1, 20, 9, tzinfo=UTC))
    assert [(steps[n].status, steps[n].opens_on) for n in (1, 2, 3)] == [
        (S.DUE, date(2027, 1, 11)),
        (S.NOT_YET, date(2027, 2, 12)),
        (S.NOT_YET, date(2027, 3, 12)),
    ]


async def test_a_review_is_refused_before_its_month_opens_and_says_when_it_opens(
    auth: Authority,
) -> None:
    process = await reported(auth)
    await record(auth, process.id, 1, date(2027, 1, 20))
    # The next day, or any day of the first month: the second review's month is not open.
    with pytest.raises(NotOpenYet) as early:
        await record(auth, process.id, 2, date(2027, 1, 21))
    assert early.value.field == "number"
    assert early.value.opens_on == date(2027, 2, 12)
    assert "opens on Friday 12 February 2027" in early.value.message
    # In the second month, a supervision held before it opened is not the second review.
    with pytest.raises(NotOpenYet) as before:
        await record_at(auth, process.id, 2, date(2027, 2, 10), today=date(2027, 2, 15))
    assert before.value.field == "heldOn"
    assert "opened on Friday 12 February 2027" in before.value.message
    await record(auth, process.id, 2, date(2027, 2, 15))
    with pytest.raises(NotOpenYet, match="opens on Friday 12 March 2027"):
        await record(auth, process.id, 3, date(2027, 3, 1))
    assert (await process_of(auth.world, process.audit_id)).stage is (
        EscalationStage.SUPERVISION_REVIEWS
    )
    await record(auth, process.id, 3, date(2027, 3, 15))
    assert (await process_of(auth.world, process.audit_id)).stage is EscalationStage.DESK_TOP_AUDIT


async def test_three_reviews_on_three_consecutive_days_are_refused(auth: Authority) -> None:
    process = await reported(auth)
    await record(auth, process.id, 1, date(2027, 1, 12))
    with pytest.raises(NotOpenYet):
        await record(auth, process.id, 2, date(2027, 1, 13))
    with pytest.raises(NotOpenYet):
        await record(auth, process.id, 2, date(2027, 1, 14))
    assert [r.number for r in await _reviews(auth, process.id)] == [1]


async def test_a_review_before_the_exception_report_was_sent_is_refused(auth: Authority) -> None:
    process = await reported(auth)
    with pytest.raises(NotOpenYet) as before:
        await record_at(auth, process.id, 1, date(2027, 1, 8), today=date(2027, 1, 12))
    assert before.value.field == "heldOn"
    assert before.value.opens_on == date(2027, 1, 11)


async def test_no_two_reviews_in_one_month_and_a_late_review_counts_late(
    auth: Authority,
) -> None:
    process = await reported(auth)
    steps = await steps_at(auth, process.audit_id, datetime(2027, 2, 12, 9, tzinfo=UTC))
    assert steps[1].status is S.OVERDUE
    # The first review, late: held in the second month. Accepted, and shown late.
    await record(auth, process.id, 1, date(2027, 2, 15))
    # A second review in that same month is the month's second: refused as already done.
    with pytest.raises(AlreadyDone) as twice:
        await record(auth, process.id, 2, date(2027, 2, 22))
    assert twice.value.field == "heldOn"
    assert "review 1 (held on Monday 15 February 2027) is this month's review" in (
        twice.value.message
    )
    await record(auth, process.id, 2, date(2027, 3, 15))
    steps = await steps_at(auth, process.audit_id, datetime(2027, 3, 15, 18, tzinfo=UTC))
    assert [(steps[n].status, steps[n].late) for n in (1, 2)] == [(S.DONE, True), (S.DONE, True)]
    assert steps[3].status is S.DUE


async def test_a_review_recorded_days_after_an_on_time_supervision_is_not_late(
    auth: Authority,
) -> None:
    process = await reported(auth)
    await record_at(auth, process.id, 1, date(2027, 2, 11), today=date(2027, 2, 15))
    steps = await steps_at(auth, process.audit_id, datetime(2027, 2, 15, 18, tzinfo=UTC))
    assert (steps[1].status, steps[1].late) == (S.DONE, False)


async def test_the_desk_top_audit_is_due_after_the_third_review_never_before_the_first(
    auth: Authority,
) -> None:
    process = await reported(auth)
    await record(auth, process.id, 1, date(2027, 1, 28))
    process = await process_of(auth.world, process.audit_id)
    assert process.desk_top_audit_id is None
    await record(auth, process.id, 2, date(2027, 2, 25))
    await record(auth, process.id, 3, date(2027, 3, 15))
    process = await process_of(auth.world, process.audit_id)
    assert process.desk_top_audit_id is not None
    desk_top = await load(auth.world, process.desk_top_audit_id)
    # 10 working days after Monday 15 March 2027, past Good Friday and Easter Monday.
    assert desk_top.due_date == date(2027, 3, 31)
    owed = await owed_by_kind(auth.world, process.id)
    assert all(owed[f"supervision-review-due:{n}"].state is ObligationState.DONE for n in (1, 2, 3))
    assert desk_top.due_date > date(2027, 3, 15) > date(2027, 1, 28)


# --- a repeated step says so ---------------------------------------------------------------------


async def test_a_repeated_step_answers_already_done_not_yet_open(auth: Authority) -> None:
    process = await confirmed(auth)
    await assure(auth, process.id)
    with pytest.raises(AlreadyDone, match="assurance that the child is not at risk is already"):
        await assure(auth, process.id)
    with pytest.raises(NotOpenYet, match="first comes the review of the practitioner's"):
        await send_report(auth, process.id)
    await review_all(auth, process.id)
    with pytest.raises(AlreadyDone, match="review of the practitioner's other cases is already"):
        await act(
            auth.world,
            escalation.complete_other_cases_review,
            auth.actor(auth.tm_a),
            escalation_id=process.id,
            summary="Again.",
        )
    with pytest.raises(AlreadyDone, match="already complete"):
        await act(
            auth.world,
            escalation.record_other_case,
            auth.actor(auth.tm_a),
            escalation_id=process.id,
            child_id=auth.bob_children[1].id,
            outcome=OtherCaseOutcome.CONCERNS_ADDRESSED,
            note="Changed my mind.",
        )
    auth.world.clock.set(REPORT_SENT_AT)
    await send_report(auth, process.id)
    with pytest.raises(AlreadyDone, match="exception report has already been sent"):
        await send_report(auth, process.id)
    await record(auth, process.id, 1, date(2027, 1, 28))
    with pytest.raises(AlreadyDone, match="review 1 was recorded"):
        await record(auth, process.id, 1, date(2027, 1, 29))
    with pytest.raises(AlreadyDone, match="assurance"):
        await act(
            auth.world,
            escalation.record_assurance,
            auth.actor(auth.hos_csc),
            escalation_id=process.id,
            outcome=AssuranceOutcome.ACTIONS_TAKEN,
            detail="Again.",
        )
    process = await process_of(auth.world, process.audit_id)
    assert process.assurance_outcome is AssuranceOutcome.NOT_AT_RISK
    assert process.stage is EscalationStage.SUPERVISION_REVIEWS


@pytest.mark.parametrize("stage", list(EscalationStage))
@pytest.mark.parametrize("event", [e for e in EscalationEvent if e is not EscalationEvent.REGRADE])
def test_the_state_machine_tells_a_step_done_from_a_step_not_reached(
    stage: EscalationStage, event: EscalationEvent
) -> None:
    if (stage, event) in TRANSITIONS:
        check_turn(stage, event)
        return
    with pytest.raises(Conflict) as refused:
        check_turn(stage, event)
    if stage is EscalationStage.REGRADED:
        assert type(refused.value) is Conflict
        assert "regraded" in refused.value.message
    elif ORDER.index(stage) > ORDER.index(STEP_STAGE[event]):
        assert isinstance(refused.value, AlreadyDone)
        assert refused.value.message.startswith("Already done: ")
        assert passed(stage, STEP_STAGE[event])
    else:
        assert isinstance(refused.value, NotOpenYet)
        assert refused.value.message.startswith("This step is not open yet: first comes ")
