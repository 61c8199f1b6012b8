"""The Inadequate process's enums: the domain's, as GraphQL enums."""

from __future__ import annotations

from api.graphql.core.enums import expose
from domain.escalation.models import AssuranceOutcome, EscalationStage, OtherCaseOutcome, RegradedBy
from domain.escalation.timeline import StepKind as EscalationStepKind
from domain.escalation.timeline import StepStatus as EscalationStepStatus

__all__ = [
    "AssuranceOutcome",
    "EscalationStage",
    "EscalationStepKind",
    "EscalationStepStatus",
    "OtherCaseOutcome",
    "RegradedBy",
]

expose(
    EscalationStage,
    description="Where an Inadequate process stands: the step that is next.",
    values={
        "MODERATION": "The QA Lead moderates the audit (3 working days).",
        "ASSURANCE": "Confirmed Inadequate; the Head of Service has been told and assures that "
        "the child is not at risk.",
        "OTHER_CASES_REVIEW": "The Head of Service or Team Manager reviews the practitioner's "
        "other cases.",
        "EXCEPTION_REPORT": "The Head of Service sends the exception report to the AED.",
        "SUPERVISION_REVIEWS": "The case is reviewed in the practitioner's supervision, "
        "monthly, three times.",
        "DESK_TOP_AUDIT": "The QA Lead's desk-top audit, which closes the process.",
        "CLOSED": "The desk-top audit is complete.",
        "REGRADED": "Moderation regraded the audit away from Inadequate (or it was amended "
        "away from Inadequate before moderation); the process ended there (`endedReason` keeps "
        "why, `regradedGrade` the grade) and its exception report is withdrawn.",
    },
)


expose(
    RegradedBy,
    description="How an audit was graded away from Inadequate, ending its process.",
    values={
        "MODERATION": "The QA Lead's moderation.",
        "AMENDMENT": "An amendment of the completed audit, before its moderation.",
    },
)


expose(
    AssuranceOutcome,
    description="What the Head of Service found.",
    values={
        "NOT_AT_RISK": "The child is not at risk from the inadequate practice.",
        "ACTIONS_TAKEN": "Actions were taken to keep the child safe (say which).",
    },
)


expose(
    OtherCaseOutcome,
    description="The outcome of reviewing one of the practitioner's other cases.",
    values={
        "NO_CONCERNS": "No concerns.",
        "CONCERNS_ADDRESSED": "Worries found and acted on (a note says how).",
        "INADEQUATE": "Practice on this case is inadequate too: plan an audit of it (`planAudit`).",
    },
)


expose(
    EscalationStepKind,
    name="EscalationStepKind",
    description="A step of the Inadequate process, in the framework's order.",
    values={
        "MODERATION": "The QA Lead's moderation.",
        "TELL_HEAD_OF_SERVICE": "The responsible Head of Service told, at once, by the service.",
        "ASSURANCE": "The Head of Service's assurance that the child is not at risk.",
        "OTHER_CASES_REVIEW": "The review of the practitioner's other cases.",
        "EXCEPTION_REPORT": "The one-page exception report to the AED.",
        "SUPERVISION_REVIEW": "A monthly review in supervision (`number` 1 to 3).",
        "DESK_TOP_AUDIT": "The QA Lead's desk-top audit.",
    },
)


expose(
    EscalationStepStatus,
    name="EscalationStepStatus",
    description="Where a step stands, by the service's clock.",
    values={
        "DONE": "Done (see `doneAt`, `doneBy`).",
        "DUE": "Open and not yet late.",
        "OVERDUE": "Open and past its due moment.",
        "NOT_YET": "Not open yet: an earlier step comes first, or (a review in supervision) "
        "its month has not opened (`opensOn`).",
        "NOT_NEEDED": "The process ended before this step (a regrade).",
    },
)
