"""The one place that says, for every kind of object written to history, whether its history
is child-linked: about a child, or carrying a judgement on a child's case or its content
(a case reference, grades, Signs of Safety content, the child's voice, a sample of cases).

Child-linked history is read only by those whose roles see every child (the QA Lead);
an administrator reads the rest (`domain/history/policy.py`). `record` refuses an object type
that is not declared here, and tests/domain/history/test_history_registry.py fails when a model is
added to `domain.models` without being declared either here or in `NOT_WRITTEN_TO_HISTORY`,
so a new concept cannot leak into the administrator's history by being forgotten.

Keys are the object types history records, which are the models' class names (and the
GraphQL types' names).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# True: child-linked. False: organisation, configuration or wording only.
HISTORY_TYPES: Final = MappingProxyType(
    {
        # The child's own record.
        "Child": True,
        # Audits and what hangs off them: grades, answers, Signs of Safety content.
        "Audit": True,
        "AuditAction": True,
        # Learning points are written from audits (about a case) as well as from groups.
        "LearningPoint": True,
        # A round's agreed grade is a judgement on one child's case.
        "BenchmarkRound": True,
        # A sample is a draw of children's cases.
        "Sample": True,
        "InadequateEscalation": True,
        # Compliments and complaints are about a child's or family's experience.
        "FeedbackRecord": True,
        # Not child-linked: the organisation, the programme's numbers, wording and settings.
        "Service": False,
        "Team": False,
        "Person": False,
        "ClosureDay": False,
        "AuditTemplate": False,
        "Theme": False,
        "ProgrammeMonth": False,
        "TaskAndFinishGroup": False,
        "Survey": False,
        "SurveyVersion": False,
        # A campaign's history is its name, dates and counts (never who was invited); an
        # audit's feedback campaign names its audit by id only, which reads nothing.
        "SurveyCampaign": False,
    }
)

# Models whose rows are never the object of a history entry (their changes are recorded, if
# at all, as changes to the object they belong to: a role grant as a change to its Person, a
# moderation or section grade as a change to its Audit).
NOT_WRITTEN_TO_HISTORY: Final = frozenset(
    {
        "HistoryEntry",
        "RoleGrant",
        "AuditSectionGrade",
        "AuditorExpectation",
        "Moderation",
        "OtherCaseReview",
        "SupervisionReview",
        "ComplaintStage",
        "DomainEvent",
        "Obligation",
        "Notification",
        "OutboxMessage",
        "SurveyInvitation",
        "SurveyOptOut",
        "SurveyResponse",
        "WorkerHeartbeat",
    }
)

CHILD_LINKED: Final = frozenset(t for t, linked in HISTORY_TYPES.items() if linked)
NOT_CHILD_LINKED: Final = frozenset(t for t, linked in HISTORY_TYPES.items() if not linked)


class UndeclaredHistoryType(LookupError):
    """History was asked to record an object type nobody declared child-linked or not."""


def check_declared(object_type: str) -> None:
    if object_type not in HISTORY_TYPES:
        raise UndeclaredHistoryType(
            f"{object_type!r} is written to history but not declared in "
            "domain/history/registry.py (child-linked or not)."
        )
