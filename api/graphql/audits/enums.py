"""The audit enums: the domain's, as GraphQL enums (values described for the front-end)."""

from __future__ import annotations

from api.graphql.core.enums import expose
from domain.audits.kinds import (
    Agreement,
    AuditKind,
    AuditStatus,
    Grade,
    ModerationOutcome,
    ThemeKind,
)
from domain.audits.service import AuditSort
from domain.audits.templates import QuestionType
from domain.learning.points import LearningSource

__all__ = [
    "Agreement",
    "AuditKind",
    "AuditSort",
    "AuditStatus",
    "Grade",
    "LearningSource",
    "ModerationOutcome",
    "QuestionType",
    "ThemeKind",
]

expose(
    AuditKind,
    description="The kinds of audit; they share one lifecycle and grading scale.",
    values={
        "CASE_FILE": "Monthly collaborative case file audit, done alongside the practitioner.",
        "THEMATIC": "On a theme, a cohort or an aspect of practice.",
        "BENCHMARKING": "Several auditors audit the same case independently, then agree a grade.",
        "SUPERVISION": "Quarterly: the quality of supervision, oversight, case discussions, "
        "panels.",
        "PEER": "A practitioner audits a colleague's case, for reflection.",
        "DIP_SAMPLE": "Short: is the plan appropriate and progressing (nine-month CP plans too)?",
        "DESK_TOP": "By the QA Lead; closes the Inadequate process.",
        "MULTI_AGENCY": "Run by the Safeguarding Children Partnership with partner agencies.",
        "EXTERNAL": "By commissioned reviewers (LGA, regional ADCS).",
    },
)


expose(
    AuditStatus,
    description="Where an audit is in its lifecycle.",
    values={
        "PLANNED": "Allocated, not started.",
        "IN_PROGRESS": "The auditor is recording it.",
        "SUBMITTED": "Finished by the auditor; can still be reopened.",
        "COMPLETED": "Done; changes only by amendment, with a reason.",
        "CANCELLED": "Will not be done; reason kept.",
    },
)


expose(
    Grade,
    description="The four-point grading scale, best first.",
    values={
        "OUTSTANDING": "Outstanding.",
        "GOOD": "Good.",
        "REQUIRES_IMPROVEMENT": "Requires improvement to be good.",
        "INADEQUATE": "Inadequate: starts the Inadequate process.",
    },
)


expose(
    Agreement,
    description="The practitioner's view of the audit of their work.",
    values={
        "AGREE": "Agrees with the audit.",
        "PARTLY_AGREE": "Agrees in part.",
        "DISAGREE": "Disagrees with the audit.",
    },
)


expose(
    ModerationOutcome,
    description="What the QA Lead's moderation decided.",
    values={
        "CONFIRMED": "The grades stand.",
        "REGRADED": "At least one grade changed; the auditor's are kept beside.",
    },
)


expose(
    ThemeKind,
    description="What a theme names, for thematic audits and learning.",
    values={
        "THEME": "A theme such as child exploitation or neglect.",
        "COHORT": "A cohort such as children on a child protection plan.",
        "ASPECT_OF_PRACTICE": "An aspect of practice such as re-referrals or Section 47 enquiries.",
    },
)


expose(
    QuestionType,
    description="How a template question is answered.",
    values={
        "GRADE": "One of the four grades.",
        "YES_NO_NA": "`YES`, `NO` or `NOT_APPLICABLE`.",
        "SCALE_0_10": "A Signs of Safety scaling answer: a whole number 0 to 10.",
        "FREE_TEXT": "Free text.",
    },
)


expose(
    AuditSort,
    description="How to order a list of audits.",
    values={
        "DUE_DATE": "Soonest due first.",
        "RECENTLY_COMPLETED": "Completed audits only, newest completed first.",
        "RECENTLY_CREATED": "Newest planned first.",
    },
)


expose(
    LearningSource,
    description="Where a learning point comes from.",
    values={
        "AUDIT": "An audit of any kind.",
        "TASK_AND_FINISH_GROUP": "A Task and Finish Group.",
    },
)
