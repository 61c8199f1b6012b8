"""The Inadequate process (DOMAIN.md): started when an audit is completed as Inadequate, moved
by the people who own each step, its deadlines kept as obligations.

1. `start`: the QA Lead owes the moderation, 3 working days after the audit was completed,
   and is told at once. (Called in the same transaction as the completion or the amendment
   to Inadequate; `catch_up` starts any that an older release recorded only as an
   `audit.completed_inadequate` event.)
2. `on_moderated` (from `moderateAudit`): a confirmation tells the responsible Head of Service
   at once and opens their steps; a regrade away from Inadequate ends the process with the
   moderation's reason kept, cancels whatever was still owed, withdraws the exception report
   and tells the Head of Service and the QA Lead. `on_amended_away` (from `amendAudit`) does
   the same for an amendment away from Inadequate before moderation.
3. `record_assurance`: the HoS, due `hos_assurance_working_days` after being told.
4. `record_other_case` and `complete_other_cases_review`: the HoS or the TM, each of the
   practitioner's other open cases (prefilled when the HoS is told) with an outcome; due 10
   working days after the audit was completed.
5. `send_exception_report`: the HoS sends the one-page report (facts frozen) to the AED; due
   `exception_report_working_days` after the audit was completed. The three monthly reviews in
   supervision are then owed by the practitioner's supervisor, one in each of the three
   months after the report (`review_month`).
6. `record_supervision_review` (three, in order, each in its own month, none before its month
   opens); the third plans the QA Lead's desk-top audit (`desktop_audit_working_days` after
   it) and tells the QA Lead; its completion (`on_audit_completed`) closes the process.

Every message the process sends names the case (by its reference, and only to a reader who
may see the child; nothing more about the child), the step, and when it is due.

The use cases live by step: `starting`, `moderation`, `head_of_service` (steps 3 to 5),
`supervision` (6), `queries`; what they share in `common`. This module gathers them for
callers."""

from __future__ import annotations

from domain.escalation.common import (
    GRADE_NAMES,
    MAX_TEXT,
    MODERATION_WORKING_DAYS,
    OTHER_CASES_REVIEW_WORKING_DAYS,
    SUBJECT,
    K,
)
from domain.escalation.head_of_service import (
    complete_other_cases_review,
    record_assurance,
    record_other_case,
    send_exception_report,
)
from domain.escalation.moderation import on_amended_away, on_moderated
from domain.escalation.queries import (
    EscalationFilter,
    count_escalations,
    escalations_of_audits,
    get_escalation,
    get_escalations,
    history_of,
    list_escalations,
    obligations_of,
    other_cases_of,
    supervision_reviews_of,
)
from domain.escalation.report import exception_report
from domain.escalation.starting import catch_up, start
from domain.escalation.supervision import (
    check_can_cancel_audit,
    on_audit_completed,
    record_supervision_review,
)
from domain.escalation.timeline import (
    SUPERVISION_REVIEWS,
    Step,
    StepKind,
    StepStatus,
    months_after,
    steps,
)

__all__ = [
    "GRADE_NAMES",
    "MAX_TEXT",
    "MODERATION_WORKING_DAYS",
    "OTHER_CASES_REVIEW_WORKING_DAYS",
    "SUBJECT",
    "SUPERVISION_REVIEWS",
    "EscalationFilter",
    "K",
    "Step",
    "StepKind",
    "StepStatus",
    "catch_up",
    "check_can_cancel_audit",
    "complete_other_cases_review",
    "count_escalations",
    "escalations_of_audits",
    "exception_report",
    "get_escalation",
    "get_escalations",
    "history_of",
    "list_escalations",
    "months_after",
    "obligations_of",
    "on_amended_away",
    "on_audit_completed",
    "on_moderated",
    "other_cases_of",
    "record_assurance",
    "record_other_case",
    "record_supervision_review",
    "send_exception_report",
    "start",
    "steps",
    "supervision_reviews_of",
]
