"""When each step of the Inadequate process is due, and the whole timeline as the front-end
shows it. Pure functions: the months after the exception report that the three reviews in
supervision belong to (`review_month`, `month_of`), and `steps`, which reads a process and its
obligations into the framework's list of steps, each done, due, overdue, not yet open or no
longer needed."""

from __future__ import annotations

import calendar as month_calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.deadlines import obligations
from domain.deadlines.calendar import WorkingCalendar, local_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.escalation.models import EscalationStage, InadequateEscalation, SupervisionReview

K = ObligationKind
SUPERVISION_REVIEWS = 3


def months_after(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day if it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ReviewMonth:
    """The month after the exception report that a review in supervision belongs to."""

    number: int
    opens_on: date  # the first day it may be held
    due_on: date  # the last day it is on time (a later one is allowed, and late)


def review_month(calendar: WorkingCalendar, report_sent_on: date, number: int) -> ReviewMonth:
    """Review k belongs to the k-th month after the exception report was sent: it is due k
    months after the report's day (that day or the next working day), and its month opens
    the day after the previous review's month ends (the first opens with the report)."""
    due = calendar.working_days_after(months_after(report_sent_on, number), 0)
    if number == 1:
        opens = report_sent_on
    else:
        previous = calendar.working_days_after(months_after(report_sent_on, number - 1), 0)
        opens = previous + timedelta(days=1)
    return ReviewMonth(number, opens, due)


def month_of(calendar: WorkingCalendar, report_sent_on: date, day: date) -> int:
    """Which month after the exception report `day` falls in (1 for the first)."""
    number = 1
    while day > review_month(calendar, report_sent_on, number).due_on:
        number += 1
    return number


class StepKind(StrEnum):
    MODERATION = "MODERATION"
    TELL_HEAD_OF_SERVICE = "TELL_HEAD_OF_SERVICE"
    ASSURANCE = "ASSURANCE"
    OTHER_CASES_REVIEW = "OTHER_CASES_REVIEW"
    EXCEPTION_REPORT = "EXCEPTION_REPORT"
    SUPERVISION_REVIEW = "SUPERVISION_REVIEW"
    DESK_TOP_AUDIT = "DESK_TOP_AUDIT"


class StepStatus(StrEnum):
    DONE = "DONE"
    DUE = "DUE"  # open and not yet late
    OVERDUE = "OVERDUE"
    NOT_YET = "NOT_YET"  # an earlier step comes first
    NOT_NEEDED = "NOT_NEEDED"  # the process ended before it (a regrade)


@dataclass(frozen=True)
class Step:
    kind: StepKind
    number: int | None
    owner_id: uuid.UUID | None
    due_at: datetime | None
    done_at: datetime | None
    done_by_id: uuid.UUID | None
    status: StepStatus
    # Done after its due moment (a review in supervision: held after its month's due day).
    late: bool = False
    # A review in supervision: the first day of its month, before which it is not open.
    opens_on: date | None = None


_STEP_OBLIGATION = {
    StepKind.MODERATION: K.MODERATION_DUE,
    StepKind.ASSURANCE: K.ASSURANCE_DUE,
    StepKind.OTHER_CASES_REVIEW: K.OTHER_CASES_REVIEW_DUE,
    StepKind.EXCEPTION_REPORT: K.EXCEPTION_REPORT_DUE,
    StepKind.SUPERVISION_REVIEW: K.SUPERVISION_REVIEW_DUE,
    StepKind.DESK_TOP_AUDIT: K.AUDIT_DUE,
}


@dataclass(frozen=True)
class _Known:
    """What a timeline is drawn from."""

    escalation: InadequateEscalation
    by_key: dict[str, Obligation]
    held: dict[int, date]  # each supervision review's day
    now: datetime

    @property
    def ended(self) -> bool:
        return self.escalation.stage is EscalationStage.REGRADED

    def key(self, kind: StepKind, number: int | None) -> str:
        ob_kind = _STEP_OBLIGATION[kind]
        escalation = self.escalation
        if kind is StepKind.DESK_TOP_AUDIT:
            return (
                obligations.obligation_key(ob_kind, escalation.desk_top_audit_id)
                if escalation.desk_top_audit_id
                else ""
            )
        parts: tuple[object, ...] = (number,) if number is not None else ()
        return obligations.obligation_key(ob_kind, escalation.id, *parts)

    def review_opens(self, number: int) -> date | None:
        if number == 1:
            sent = self.escalation.report_sent_at
            return local_day(sent) if sent is not None else None
        before = self.by_key.get(
            obligations.obligation_key(K.SUPERVISION_REVIEW_DUE, self.escalation.id, number - 1)
        )
        return local_day(before.due_at) + timedelta(days=1) if before is not None else None


def _step(known: _Known, kind: StepKind, number: int | None = None) -> Step:
    ob = known.by_key.get(known.key(kind, number))
    if ob is None:
        return _unowed_step(known, kind, number)
    opens_on = (
        known.review_opens(number)
        if kind is StepKind.SUPERVISION_REVIEW and number is not None
        else None
    )
    if ob.state is ObligationState.DONE:
        status = StepStatus.DONE
    elif ob.state is ObligationState.CANCELLED:
        status = StepStatus.NOT_NEEDED
    elif opens_on is not None and local_day(known.now) < opens_on:
        status = StepStatus.NOT_YET
    else:
        status = StepStatus.OVERDUE if obligations.is_overdue(ob, known.now) else StepStatus.DUE
    late = False
    if status is StepStatus.DONE and ob.closed_at is not None:
        late = ob.closed_at > ob.due_at
        if number is not None and number in known.held:
            late = known.held[number] > local_day(ob.due_at)
    done = status is StepStatus.DONE
    return Step(
        kind,
        number,
        ob.owner_id,
        ob.due_at,
        ob.closed_at if done else None,
        ob.closed_by_id if done else None,
        status,
        late,
        opens_on,
    )


def _unowed_step(known: _Known, kind: StepKind, number: int | None) -> Step:
    """A step nobody owes (yet, or any more): only a moderation can be done without one."""
    status = StepStatus.NOT_NEEDED if known.ended else StepStatus.NOT_YET
    moderated_at = known.escalation.moderated_at
    if kind is StepKind.MODERATION and moderated_at is not None:
        status = StepStatus.DONE
    return Step(
        kind,
        number,
        None,
        None,
        moderated_at if status is StepStatus.DONE else None,
        None,
        status,
    )


def _told_step(known: _Known) -> Step:
    """Telling the Head of Service is done at once on confirmation: never owed."""
    escalation = known.escalation
    if escalation.hos_told_at is not None:
        return Step(
            StepKind.TELL_HEAD_OF_SERVICE,
            None,
            escalation.head_of_service_id,
            escalation.moderated_at,
            escalation.hos_told_at,
            None,
            StepStatus.DONE,
        )
    return Step(
        StepKind.TELL_HEAD_OF_SERVICE,
        None,
        None,
        None,
        None,
        None,
        StepStatus.NOT_NEEDED if known.ended else StepStatus.NOT_YET,
    )


def steps(
    escalation: InadequateEscalation,
    owed: Sequence[Obligation],
    now: datetime,
    reviews: Sequence[SupervisionReview] = (),
) -> list[Step]:
    """The whole timeline of a process, in the framework's order: for each step, who owes
    it, when it is due, whether it is done (when, by whom; late or not), due, overdue, not yet
    open (an earlier step first, or a review whose month has not opened), or no longer
    needed."""
    known = _Known(
        escalation, {o.key: o for o in owed}, {r.number: r.held_on for r in reviews}, now
    )
    return [
        _step(known, StepKind.MODERATION),
        _told_step(known),
        _step(known, StepKind.ASSURANCE),
        _step(known, StepKind.OTHER_CASES_REVIEW),
        _step(known, StepKind.EXCEPTION_REPORT),
        *(
            _step(known, StepKind.SUPERVISION_REVIEW, number)
            for number in range(1, SUPERVISION_REVIEWS + 1)
        ),
        _step(known, StepKind.DESK_TOP_AUDIT),
    ]
