"""The Inadequate process as a state machine (DOMAIN.md, "The process for an Inadequate
audit"). Each stage names the step that is next; a step recorded out of turn is refused, so no
step can be skipped. A regrade at moderation (or any later regrade away from Inadequate, or an
amendment of the audit away from Inadequate before moderation) ends the process wherever it
stands.

A refused step says which way it is wrong: a step whose turn has passed was done already
(`AlreadyDone`: "a second assurance"), a step whose turn has not come is not open yet
(`NotOpenYet`: "first comes …")."""

from __future__ import annotations

from enum import StrEnum

from domain.core.errors import AlreadyDone, Conflict, NotOpenYet
from domain.escalation.models import OPEN_STAGES, EscalationStage


class EscalationEvent(StrEnum):
    CONFIRM = "CONFIRM"  # the QA Lead's moderation keeps the audit Inadequate
    REGRADE = "REGRADE"  # a moderation (or an amendment) grades it away from Inadequate
    ASSURE = "ASSURE"  # the HoS records that the child is not at risk, or what was done
    COMPLETE_REVIEW = "COMPLETE_REVIEW"  # the review of the practitioner's other cases is done
    SEND_REPORT = "SEND_REPORT"  # the exception report goes to the AED
    REVIEW_IN_SUPERVISION = "REVIEW_IN_SUPERVISION"  # the first or second monthly review
    THIRD_REVIEW = "THIRD_REVIEW"  # the third: the desk-top audit is planned
    COMPLETE_DESK_TOP = "COMPLETE_DESK_TOP"  # the desk-top audit is complete


S, E = EscalationStage, EscalationEvent
TRANSITIONS: dict[tuple[EscalationStage, EscalationEvent], EscalationStage] = {
    (S.MODERATION, E.CONFIRM): S.ASSURANCE,
    (S.ASSURANCE, E.ASSURE): S.OTHER_CASES_REVIEW,
    (S.OTHER_CASES_REVIEW, E.COMPLETE_REVIEW): S.EXCEPTION_REPORT,
    (S.EXCEPTION_REPORT, E.SEND_REPORT): S.SUPERVISION_REVIEWS,
    (S.SUPERVISION_REVIEWS, E.REVIEW_IN_SUPERVISION): S.SUPERVISION_REVIEWS,
    (S.SUPERVISION_REVIEWS, E.THIRD_REVIEW): S.DESK_TOP_AUDIT,
    (S.DESK_TOP_AUDIT, E.COMPLETE_DESK_TOP): S.CLOSED,
    **{(stage, E.REGRADE): S.REGRADED for stage in OPEN_STAGES},
}

# The stages in the framework's order; a process only moves forward along them.
ORDER: tuple[EscalationStage, ...] = (
    S.MODERATION,
    S.ASSURANCE,
    S.OTHER_CASES_REVIEW,
    S.EXCEPTION_REPORT,
    S.SUPERVISION_REVIEWS,
    S.DESK_TOP_AUDIT,
    S.CLOSED,
)

# The stage at which each step is the one that is next.
STEP_STAGE: dict[EscalationEvent, EscalationStage] = {
    E.CONFIRM: S.MODERATION,
    E.ASSURE: S.ASSURANCE,
    E.COMPLETE_REVIEW: S.OTHER_CASES_REVIEW,
    E.SEND_REPORT: S.EXCEPTION_REPORT,
    E.REVIEW_IN_SUPERVISION: S.SUPERVISION_REVIEWS,
    E.THIRD_REVIEW: S.SUPERVISION_REVIEWS,
    E.COMPLETE_DESK_TOP: S.DESK_TOP_AUDIT,
}

# What must happen first, said to the person who tried a step out of turn.
WAITING_FOR = {
    S.MODERATION: "the QA Lead's moderation of the audit",
    S.ASSURANCE: "the Head of Service's assurance that the child is not at risk",
    S.OTHER_CASES_REVIEW: "the review of the practitioner's other cases",
    S.EXCEPTION_REPORT: "the exception report to the AED",
    S.SUPERVISION_REVIEWS: "the three monthly reviews in supervision",
    S.DESK_TOP_AUDIT: "the QA Lead's desk-top audit",
}

# What was done already, said to the person who tried it again.
_DONE = {
    E.CONFIRM: "the audit has already been moderated",
    E.ASSURE: "the Head of Service's assurance that the child is not at risk is already recorded",
    E.COMPLETE_REVIEW: "the review of the practitioner's other cases is already complete",
    E.SEND_REPORT: "the exception report has already been sent to the AED",
    E.REVIEW_IN_SUPERVISION: "the three monthly reviews in supervision are already recorded",
    E.THIRD_REVIEW: "the three monthly reviews in supervision are already recorded",
    E.COMPLETE_DESK_TOP: "the desk-top audit is already complete",
}


def passed(current: EscalationStage, stage: EscalationStage) -> bool:
    """Whether a process at `current` has gone past `stage` (a regraded one went past none)."""
    if current not in ORDER or stage not in ORDER:
        return False
    return ORDER.index(current) > ORDER.index(stage)


def check_turn(current: EscalationStage, event: EscalationEvent) -> None:
    """Refuse `event` unless it is the step that is next: already done if its turn has
    passed, not open yet if it has not come, or the process is over."""
    if (current, event) in TRANSITIONS:
        return
    if current is S.REGRADED:
        raise Conflict("This Inadequate process ended when the audit was regraded.", field="stage")
    step_stage = STEP_STAGE.get(event)
    if step_stage is not None and passed(current, step_stage):
        closed = " (the process is closed)" if current is S.CLOSED else ""
        message = _DONE[event]
        raise AlreadyDone(f"Already done: {message}{closed}.", field="stage")
    if current is S.CLOSED:
        raise Conflict("This Inadequate process is closed.", field="stage")
    raise NotOpenYet(
        f"This step is not open yet: first comes {WAITING_FOR[current]}.", field="stage"
    )


def next_stage(current: EscalationStage, event: EscalationEvent) -> EscalationStage:
    check_turn(current, event)
    return TRANSITIONS[(current, event)]
