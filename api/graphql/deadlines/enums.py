"""The deadline enums: the domain's obligation kinds and states, as GraphQL enums."""

from __future__ import annotations

from api.graphql.core.enums import expose
from domain.deadlines.models import ObligationKind, ObligationState

__all__ = ["ObligationKind", "ObligationState"]

expose(
    ObligationKind,
    description="What an obligation asks of its owner.",
    values={
        "AUDIT_DUE": "The auditor completes a planned audit (of any kind: monthly, "
        "supervision, benchmarking, dip sample…) by the end of its due date. The subject is "
        "the `Audit`.",
        "ACTION_DUE": "The owner of an action arising from an audit marks it done by the end "
        "of its due date. The subject is the `AuditAction`.",
        "MONTHLY_AUDITS_DUE": "An auditor completes the audits the programme expects of them "
        "in a month, by its last working day. The subject is the `ProgrammeMonth`.",
        "SUPERVISION_AUDITS_DUE": "A PSW, Head of Service or QA Lead completes a supervision "
        "audit each calendar quarter, by its last working day. The subject is the `Person`.",
        "MODERATION_DUE": "The QA Lead moderates an audit completed as Inadequate, 3 working "
        "days after its completion. The subject is the `InadequateEscalation`.",
        "ASSURANCE_DUE": "The Head of Service assures that the child is not at risk (policy: 1 "
        "working day after being told). The subject is the `InadequateEscalation`.",
        "OTHER_CASES_REVIEW_DUE": "The Head of Service or Team Manager reviews the "
        "practitioner's other cases, 10 working days after the audit. The subject is the "
        "`InadequateEscalation`.",
        "EXCEPTION_REPORT_DUE": "The Head of Service sends the exception report to the AED "
        "(policy: 10 working days after the audit). The subject is the `InadequateEscalation`.",
        "SUPERVISION_REVIEW_DUE": "The practitioner's supervisor reviews the inadequate case "
        "in supervision (monthly, three times). The subject is the `InadequateEscalation`.",
        "COMPLAINT_STAGE1_DUE": "The responder (the Head of Service of the service concerned, "
        "or a named responder) sends the stage 1 response to a complaint (policy: 10 working "
        "days after it was received, 20 when extended). The subject is the `FeedbackRecord`.",
        "COMPLAINT_STAGE2_DUE": "The responder sends the stage 2 investigation's response "
        "(policy: 25 working days after the complainant asked for stage 2, 65 when extended). "
        "The subject is the `FeedbackRecord`.",
        "COMPLAINT_STAGE3_PANEL_DUE": "The stage 3 review panel is held (policy: within 30 "
        "working days of the complainant's request). The subject is the `FeedbackRecord`.",
    },
)


expose(
    ObligationState,
    description="Where an obligation stands.",
    values={
        "OPEN": "Still to be done.",
        "DONE": "Done: the act was recorded.",
        "CANCELLED": "No longer needed (for example, the audit was cancelled).",
    },
)
