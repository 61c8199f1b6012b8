"""The Inadequate process as a state machine (DOMAIN.md, "The process for an Inadequate
audit"). Each stage names the step that is next; a step recorded out of turn is refused, so no
step can be skipped. A regrade at moderation (or any later regrade away from Inadequate) ends
the process wherever it stands."""

from __future__ import annotations

from enum import StrEnum

from domain.core.errors import Conflict
from domain.escalation.models import OPEN_STAGES, EscalationStage


class EscalationEvent(StrEnum):
    CONFIRM = "CONFIRM"  # the QA Lead's moderation keeps the audit Inadequate
    REGRADE = "REGRADE"  # a moderation regrades it away from Inadequate
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

# What must happen first, said to the person who tried a step out of turn.
_WAITING_FOR = {
    S.MODERATION: "the QA Lead's moderation of the audit",
    S.ASSURANCE: "the Head of Service's assurance that the child is not at risk",
    S.OTHER_CASES_REVIEW: "the review of the practitioner's other cases",
    S.EXCEPTION_REPORT: "the exception report to the AED",
    S.SUPERVISION_REVIEWS: "the three monthly reviews in supervision",
    S.DESK_TOP_AUDIT: "the QA Lead's desk-top audit",
}


def next_stage(current: EscalationStage, event: EscalationEvent) -> EscalationStage:
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        if current is S.CLOSED:
            message = "This Inadequate process is closed."
        elif current is S.REGRADED:
            message = "This Inadequate process ended when the audit was regraded."
        else:
            message = f"This step is not open yet: first comes {_WAITING_FOR[current]}."
        raise Conflict(message, field="stage") from None
