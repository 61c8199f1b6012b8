"""The pure decisions of the Inadequate process (no database): the order and the months of the
reviews in supervision, and its timeline of steps."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from domain.core.errors import AlreadyDone, InvalidInput, NotOpenYet
from domain.deadlines.calendar import WorkingCalendar
from domain.escalation.models import EscalationStage, InadequateEscalation, SupervisionReview
from domain.escalation.supervision import check_month, check_turn_of_review
from domain.escalation.timeline import StepKind, StepStatus, steps

WORKING = WorkingCalendar()
SENT_ON = date(2027, 1, 11)  # a Monday: review 1 is due Thursday 11 February, review 2 on 11 March


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """No database here: these decisions are pure (this replaces the suite's own fixture)."""


def _review(number: int, held_on: date) -> SupervisionReview:
    return SupervisionReview(number=number, held_on=held_on)


def test_reviews_are_recorded_in_order_and_once() -> None:
    check_turn_of_review(1, [])
    first = [_review(1, date(2027, 1, 20))]
    check_turn_of_review(2, first)
    with pytest.raises(AlreadyDone, match="review 1 was recorded"):
        check_turn_of_review(1, first)
    with pytest.raises(NotOpenYet, match="Review 2 comes first"):
        check_turn_of_review(3, first)


def test_a_review_in_its_month_and_a_late_one() -> None:
    month, held_in = check_month(WORKING, SENT_ON, 1, date(2027, 1, 20), date(2027, 1, 25), None)
    assert (month.number, month.opens_on, month.due_on, held_in) == (
        1,
        SENT_ON,
        date(2027, 2, 11),
        1,
    )
    # Held after its month ended: accepted, in the month it was held in.
    _, held_in = check_month(WORKING, SENT_ON, 1, date(2027, 2, 15), date(2027, 2, 16), None)
    assert held_in == 2


def test_a_review_is_refused_before_its_month_in_the_future_or_twice_in_a_month() -> None:
    with pytest.raises(NotOpenYet) as refused:
        check_month(WORKING, SENT_ON, 2, date(2027, 2, 1), date(2027, 2, 1), None)
    assert refused.value.field == "number"
    with pytest.raises(InvalidInput) as future:
        check_month(WORKING, SENT_ON, 1, date(2027, 1, 30), date(2027, 1, 25), None)
    assert future.value.field == "heldOn"
    with pytest.raises(NotOpenYet) as early:
        check_month(WORKING, SENT_ON, 2, date(2027, 2, 10), date(2027, 2, 20), None)
    assert early.value.field == "heldOn"
    late_first = _review(1, date(2027, 2, 12))  # in the second month
    with pytest.raises(AlreadyDone):
        check_month(WORKING, SENT_ON, 2, date(2027, 2, 20), date(2027, 2, 25), late_first)


def test_the_timeline_of_a_process_just_started() -> None:
    escalation = InadequateEscalation(id=uuid.uuid4(), stage=EscalationStage.MODERATION)
    timeline = steps(escalation, [], datetime(2027, 1, 11, 12, tzinfo=UTC))
    assert [s.kind for s in timeline] == [
        StepKind.MODERATION,
        StepKind.TELL_HEAD_OF_SERVICE,
        StepKind.ASSURANCE,
        StepKind.OTHER_CASES_REVIEW,
        StepKind.EXCEPTION_REPORT,
        StepKind.SUPERVISION_REVIEW,
        StepKind.SUPERVISION_REVIEW,
        StepKind.SUPERVISION_REVIEW,
        StepKind.DESK_TOP_AUDIT,
    ]
    assert [s.number for s in timeline if s.kind is StepKind.SUPERVISION_REVIEW] == [1, 2, 3]
    assert {s.status for s in timeline} == {StepStatus.NOT_YET}
    ended = InadequateEscalation(id=uuid.uuid4(), stage=EscalationStage.REGRADED)
    assert {s.status for s in steps(ended, [], datetime(2027, 1, 11, tzinfo=UTC))} == {
        StepStatus.NOT_NEEDED
    }
