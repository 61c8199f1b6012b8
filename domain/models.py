"""Every model, imported once so that Alembic and the tests see the whole metadata."""

from domain.audits.models import (
    Audit,
    AuditAction,
    AuditorExpectation,
    AuditSectionGrade,
    AuditTemplate,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    ProgrammeMonth,
    Sample,
    Theme,
)
from domain.children.models import Child
from domain.core.db import Base
from domain.deadlines.models import ClosureDay, Obligation
from domain.escalation.models import InadequateEscalation, OtherCaseReview, SupervisionReview
from domain.events.models import DomainEvent
from domain.feedback.models import ComplaintStage, FeedbackRecord
from domain.history.models import HistoryEntry
from domain.learning.models import TaskAndFinishGroup
from domain.notifications.models import Notification, OutboxMessage
from domain.people.models import Person, RoleGrant, Service, Team
from domain.surveys.models import (
    Survey,
    SurveyCampaign,
    SurveyInvitation,
    SurveyOptOut,
    SurveyResponse,
    SurveyVersion,
)
from domain.system.models import WorkerHeartbeat

__all__ = [
    "Audit",
    "AuditAction",
    "AuditSectionGrade",
    "AuditTemplate",
    "AuditorExpectation",
    "Base",
    "BenchmarkRound",
    "Child",
    "ClosureDay",
    "ComplaintStage",
    "DomainEvent",
    "FeedbackRecord",
    "HistoryEntry",
    "InadequateEscalation",
    "LearningPoint",
    "Moderation",
    "Notification",
    "Obligation",
    "OtherCaseReview",
    "OutboxMessage",
    "Person",
    "ProgrammeMonth",
    "RoleGrant",
    "Sample",
    "Service",
    "SupervisionReview",
    "Survey",
    "SurveyCampaign",
    "SurveyInvitation",
    "SurveyOptOut",
    "SurveyResponse",
    "SurveyVersion",
    "TaskAndFinishGroup",
    "Team",
    "Theme",
    "WorkerHeartbeat",
]
