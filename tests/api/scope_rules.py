"""The one table of read rules the generated cross-scope test holds the schema to
(tests/api/test_scope_reads_generated.py): for every Node type, the domain policy that decides
who sees it (as an oracle: the ids the policy lets an actor see, read with the policy's own SQL
filter or per-object function); for every field that returns a Node, a list, a connection or a
child-linked scalar, the rule it obeys; for every top-level query field, how its answer is
compared with the policy.

A type or field the schema gains without a line here fails the test, listing what is missing,
so the next feature is covered without anyone remembering.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy as audits_policy
from domain.audits import programme
from domain.audits import service as audits
from domain.audits.models import (
    Audit,
    AuditAction,
    AuditTemplate,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    ProgrammeMonth,
    Sample,
    Theme,
)
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.roles import SYSTEM, Actor
from domain.deadlines import policy as deadlines_policy
from domain.deadlines.models import ClosureDay, Obligation
from domain.escalation import policy as escalation_policy
from domain.escalation.models import InadequateEscalation
from domain.feedback import policy as feedback_policy
from domain.feedback.models import FeedbackRecord
from domain.history import policy as history_policy
from domain.history.models import HistoryEntry
from domain.learning import points as learning_points
from domain.learning import policy as learning_policy
from domain.learning.models import TaskAndFinishGroup
from domain.notifications import policy as notifications_policy
from domain.notifications.models import Notification
from domain.people import policy as people_policy
from domain.people.models import Person, RoleGrant, Service, Team
from domain.surveys import campaigns as survey_campaigns
from domain.surveys import policy as surveys_policy
from domain.surveys.models import Survey, SurveyCampaign, SurveyInvitation, SurveyVersion

# An oracle: every id of its type that `actor` may see, as the policy says.
Oracle = Callable[[AsyncSession, Actor], Awaitable[set[str]]]


def _filtered(model: Any, rule: Callable[[Actor], Any]) -> Oracle:
    async def oracle(session: AsyncSession, actor: Actor) -> set[str]:
        return {str(i) for i in await session.scalars(select(model.id).where(rule(actor)))}

    return oracle


def _per_object(model: Any, get: Callable[..., Awaitable[dict[Any, Any]]]) -> Oracle:
    async def oracle(session: AsyncSession, actor: Actor) -> set[str]:
        ids = list(await session.scalars(select(model.id)))
        return {str(i) for i in await get(session=session, actor=actor, ids=ids)}

    return oracle


def _follow_ups(model: Any) -> Oracle:
    async def get(*, session: AsyncSession, actor: Actor, ids: list[uuid.UUID]) -> dict[Any, Any]:
        found: dict[Any, Any] = (
            await learning_points.get_learning_points(session=session, actor=actor, ids=ids)
            if model is LearningPoint
            else await audits.get_follow_ups(session=session, actor=actor, model=model, ids=ids)
        )
        return found

    return _per_object(model, get)


async def _grants(session: AsyncSession, actor: Actor) -> set[str]:
    stmt = (
        select(RoleGrant.id)
        .join(Person, Person.id == RoleGrant.person_id)
        .where(people_policy.visible_people(actor))
    )
    return {str(i) for i in await session.scalars(stmt)}


async def _history(session: AsyncSession, actor: Actor) -> set[str]:
    try:
        history_policy.check_can_read(actor)
    except Exception:
        return set()
    stmt = select(HistoryEntry.id).where(history_policy.visible(actor))
    return {str(i) for i in await session.scalars(stmt)}


async def _failures(session: AsyncSession, actor: Actor) -> set[str]:
    ids = list(await session.scalars(select(SurveyInvitation.id)))
    return {
        str(i) for i in await survey_campaigns.get_failures(session=session, actor=actor, ids=ids)
    }


async def _programme_months(
    *, session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> dict[Any, Any]:
    return await programme.get_programme_months(session=session, actor=actor, ids=ids)


async def _samples(*, session: AsyncSession, actor: Actor, ids: list[uuid.UUID]) -> dict[Any, Any]:
    return await programme.get_samples(session=session, actor=actor, ids=ids)


async def _rounds(*, session: AsyncSession, actor: Actor, ids: list[uuid.UUID]) -> dict[Any, Any]:
    return await audits.get_rounds(session=session, actor=actor, ids=ids)


async def _closure_days(session: AsyncSession, actor: Actor) -> set[str]:
    if not deadlines_policy.can_read(actor):
        return set()
    return {str(i) for i in await session.scalars(select(ClosureDay.id))}


# Every Node type: the policy that decides who sees it.
NODE_ORACLES: dict[str, Oracle] = {
    "Service": _filtered(Service, people_policy.visible_organisation),
    "Team": _filtered(Team, people_policy.visible_organisation),
    "Person": _filtered(Person, people_policy.visible_people),
    "RoleGrant": _grants,
    "Child": _filtered(Child, children_policy.visible_children),
    "Audit": _filtered(Audit, audits_policy.visible_audits),
    "AuditTemplate": _filtered(AuditTemplate, audits_policy.visible_reference),
    "Theme": _filtered(Theme, audits_policy.visible_reference),
    "AuditAction": _follow_ups(AuditAction),
    "LearningPoint": _follow_ups(LearningPoint),
    "Moderation": _follow_ups(Moderation),
    "BenchmarkRound": _per_object(BenchmarkRound, _rounds),
    "ProgrammeMonth": _per_object(ProgrammeMonth, _programme_months),
    "Sample": _per_object(Sample, _samples),
    "ClosureDay": _closure_days,
    "Obligation": _filtered(Obligation, deadlines_policy.visible_obligations),
    "Notification": _filtered(Notification, notifications_policy.own_notifications),
    "InadequateEscalation": _filtered(InadequateEscalation, escalation_policy.visible_escalations),
    "FeedbackRecord": _filtered(FeedbackRecord, feedback_policy.visible_feedback),
    "TaskAndFinishGroup": _filtered(TaskAndFinishGroup, learning_policy.visible_groups),
    "Survey": _filtered(Survey, surveys_policy.visible_surveys),
    "SurveyVersion": _filtered(SurveyVersion, surveys_policy.visible_surveys),
    "SurveyCampaign": _filtered(SurveyCampaign, surveys_policy.visible_campaigns),
    "SurveyInvitationFailure": _failures,
    "HistoryEntry": _history,
}

# Every id of every Node type that exists, for trying node(id:) on each.
ALL = SYSTEM

# Node types that carry case content about one child: whoever sees one must see its child
# (the child visibility rule applies to case content wherever it appears). The column names
# the child.
CASE_CONTENT_CHILD: dict[str, Any] = {
    "Audit": Audit.child_id,
    "InadequateEscalation": InadequateEscalation.child_id,
    "BenchmarkRound": BenchmarkRound.child_id,
    "FeedbackRecord": FeedbackRecord.child_id,
}

# --- fields ------------------------------------------------------------------------------------
# Rules for nested fields:
NODE = "node"  # each node returned obeys its own type's oracle (NODE_ORACLES)
HISTORY_OF_PARENT = "history-of-parent"  # entries about an object the caller sees, no other case
CHILD_LINKED = "child-linked"  # a value that identifies a child: only for a child one may see

# Scalar field names that identify a child or carry its case content, wherever they appear.
CHILD_LINKED_SCALARS = frozenset(
    {"caseReference", "dateOfBirth", "ageInYears", "childProtectionPlanStartDate", "cohorts"}
)

FIELD_RULES: dict[str, str] = {
    "AgreementFigure.auditor": NODE,
    "Audit.voices": "the audit's own content: read with the audit (Audit oracle)",
    "Audit.sectionGrades": "the audit's judgement: read with the audit, blind in open rounds",
    "Audit.child": NODE,
    "Audit.subjectPractitioner": NODE,
    "Audit.auditor": NODE,
    "Audit.supervisor": NODE,
    "Audit.team": NODE,
    "Audit.template": NODE,
    "Audit.themes": NODE,
    "Audit.previousAudit": NODE,
    "Audit.actions": NODE,
    "Audit.learningPoints": NODE,
    "Audit.moderations": NODE,
    "Audit.events": "the audit's domain events: read with the audit, blind in open rounds",
    "Audit.benchmarkRound": NODE,
    "AuditAction.owner": NODE,
    "AuditAction.audit": NODE,
    "AuditConnection.edges": NODE,
    "AuditActionConnection.edges": NODE,
    "AuditDashboard.byGrade": "counts through the audits policy",
    "AuditDashboard.byKind": "counts through the audits policy",
    "AuditDashboard.byStatus": "counts through the audits policy",
    "AuditDashboard.byMonth": "counts through the audits policy",
    "AuditTemplate.sections": "template wording: read with the template",
    "AuditorProgress.auditor": NODE,
    "AuditorRegradeRate.auditor": NODE,
    "BenchmarkAgreement.bySection": "figures for readers of quality statistics",
    "BenchmarkAgreement.byAuditor": "figures for readers of quality statistics",
    "BenchmarkRound.child": NODE,
    "BenchmarkRound.audits": NODE,
    "Child.cohorts": CHILD_LINKED,
    "Child.caseReference": CHILD_LINKED,
    "Child.dateOfBirth": CHILD_LINKED,
    "Child.ageInYears": CHILD_LINKED,
    "Child.childProtectionPlanStartDate": CHILD_LINKED,
    "Child.team": NODE,
    "Child.allocatedPractitioner": NODE,
    "Child.audits": NODE,
    "ChildConnection.edges": NODE,
    "ComplaintStage.owner": NODE,
    "EscalationStep.owner": NODE,
    "EscalationStep.doneBy": NODE,
    "FeedbackCounts.byMonth": "counts through the register's policy",
    "FeedbackCounts.byTeam": "counts through the register's policy",
    "FeedbackCounts.byCategory": "counts through the register's policy",
    "FeedbackCounts.byTheme": "counts through the register's policy",
    "FeedbackRecord.service": NODE,
    "FeedbackRecord.team": NODE,
    "FeedbackRecord.child": NODE,
    "FeedbackRecord.themes": NODE,
    "FeedbackRecord.responder": NODE,
    "FeedbackRecord.recordedBy": NODE,
    "FeedbackRecord.stages": "the record's own steps: read with the record",
    "FeedbackRecord.history": HISTORY_OF_PARENT,
    "FeedbackRecordConnection.edges": NODE,
    "HistoryEntry.actor": NODE,
    "HistoryEntryConnection.edges": NODE,
    "InadequateEscalation.audit": NODE,
    "InadequateEscalation.child": NODE,
    "InadequateEscalation.practitioner": NODE,
    "InadequateEscalation.headOfService": NODE,
    "InadequateEscalation.qaLead": NODE,
    "InadequateEscalation.moderation": NODE,
    "InadequateEscalation.otherCases": "only the other cases whose child you may see",
    "InadequateEscalation.supervisionReviews": "read with the process",
    "InadequateEscalation.deskTopAudit": NODE,
    "InadequateEscalation.steps": "read with the process",
    "InadequateEscalation.history": HISTORY_OF_PARENT,
    "InadequateEscalationConnection.edges": NODE,
    "LearningPoint.themes": NODE,
    "LearningPoint.audit": NODE,
    "LearningPoint.taskAndFinishGroup": NODE,
    "LearningPointConnection.edges": NODE,
    "Moderation.moderator": NODE,
    "Moderation.audit": NODE,
    "NotificationConnection.edges": NODE,
    "Obligation.owner": NODE,
    "ObligationConnection.edges": NODE,
    "OtherCaseReview.caseReference": CHILD_LINKED,
    "OtherCaseReview.child": NODE,
    "OtherCaseReview.reviewedBy": NODE,
    "Person.team": NODE,
    "Person.lineManager": NODE,
    "Person.roles": NODE,
    "PersonConnection.edges": NODE,
    "ProgrammeMonth.progress": "per auditor: planners all, others their own (programme)",
    "RegradeRates.byAuditor": "figures for readers of quality statistics",
    "RegradeRates.bySection": "figures for readers of quality statistics",
    "RoleGrant.service": NODE,
    "RoleGrant.team": NODE,
    "Sample.children": NODE,
    "Sample.audits": NODE,
    "Service.teams": NODE,
    "ServiceConnection.edges": NODE,
    "SupervisionReview.recordedBy": NODE,
    "Survey.versions": NODE,
    "Survey.currentVersions": NODE,
    "SurveyAnswerCheck.errors": "checks input only; reads nothing stored",
    "SurveyCampaign.survey": NODE,
    "SurveyCampaign.reminderDays": "the campaign's settings: read with the campaign",
    "SurveyCampaign.failedInvitations": NODE,
    "SurveyCampaignConnection.edges": NODE,
    "SurveyComment.team": NODE,
    "SurveyCommentConnection.edges": "comments: comment readers only, small groups withheld",
    "SurveyConnection.edges": NODE,
    "SurveyInvitationFailureConnection.edges": NODE,
    "SurveyQuestion.options": "survey wording",
    "SurveyQuestionResult.asked": "aggregate: results scope, small groups suppressed",
    "SurveyQuestionResult.groups": "aggregate: results scope, small groups suppressed",
    "SurveyQuestionWording.options": "survey wording",
    "SurveyQuestionWording.faces": "survey wording",
    "SurveyResultFigures.counts": "aggregate: results scope, small groups suppressed",
    "SurveyResultGroupConnection.edges": "aggregate: results scope, small groups suppressed",
    "SurveyResults.questions": "aggregate: results scope, small groups suppressed",
    "SurveyVersion.questions": "survey wording",
    "SurveyVersion.languages": "survey wording",
    "SurveyWording.questions": "survey wording",
    "TaskAndFinishGroup.service": NODE,
    "TaskAndFinishGroup.chair": NODE,
    "TaskAndFinishGroup.createdBy": NODE,
    "TaskAndFinishGroup.learningPoints": NODE,
    "TaskAndFinishGroupConnection.edges": NODE,
    "Team.service": NODE,
    "TeamConnection.edges": NODE,
    "TemplateSection.questions": "template wording",
}


# --- top-level fields --------------------------------------------------------------------------
@dataclass(frozen=True)
class Top:
    """How a top-level field is tried. `args` may name `{campaign}` (a campaign's id).
    `equals`: the Node type whose whole oracle set the answer must list (every list of "all
    you may see"); otherwise each node it returns must be in its type's oracle. `skip` says
    why a field is not tried."""

    args: str = ""
    equals: str | None = None
    skip: str | None = None


TOP: dict[str, Top] = {
    "audits": Top("(first: 100)"),
    "myAuditsToDo": Top("(first: 100)"),
    "auditsOfMyCases": Top("(first: 100)"),
    "auditTemplates": Top("(latestOnly: false)", equals="AuditTemplate"),
    "themes": Top("(includeInactive: true)", equals="Theme"),
    "learningPoints": Top("(first: 100)", equals="LearningPoint"),
    "auditActions": Top("(first: 100)"),
    "auditDashboard": Top(),
    "regradeRates": Top(),
    "programmeMonth": Top('(month: "2026-11-01")'),
    "closureDays": Top(equals="ClosureDay"),
    "workingDaysAfter": Top(skip="a calculation over the calendar; reads no object"),
    "obligations": Top("(first: 100)", equals="Obligation"),
    "myObligations": Top("(first: 100, includeClosed: true)"),
    "myNotifications": Top("(first: 100)", equals="Notification"),
    "unreadNotificationCount": Top(),
    "inadequateEscalations": Top("(first: 100)", equals="InadequateEscalation"),
    "feedbackRecords": Top("(first: 100)", equals="FeedbackRecord"),
    "feedbackTrends": Top('(from: "2026-01-01", to: "2026-12-31")'),
    "taskAndFinishGroups": Top("(first: 100)", equals="TaskAndFinishGroup"),
    "surveys": Top("(first: 100)", equals="Survey"),
    "survey": Top('(key: "annual_children_and_families")'),
    "validateSurveyAnswers": Top(skip="checks the caller's input; reads no stored answer"),
    "surveyCampaigns": Top("(first: 100)", equals="SurveyCampaign"),
    "surveyCampaign": Top('(id: "{campaign}")'),
    "surveyResults": Top('(campaignId: "{campaign}")'),
    "surveyComments": Top('(campaignId: "{campaign}", questionKey: "anything_else")'),
    "policySettings": Top(),
    "node": Top(skip="tried for every object of every type, as every role"),
    "me": Top(),
    "services": Top("(first: 100)", equals="Service"),
    "teams": Top("(first: 100)", equals="Team"),
    "people": Top("(first: 100, filter: {includeInactive: true})", equals="Person"),
    "children": Top("(first: 100)", equals="Child"),
    "history": Top("(first: 100)", equals="HistoryEntry"),
}

# Top-level fields a partner-agency member may read beyond nothing: themselves (`me`, and
# `people`, which lists only them), their own inbox, and settings that hold no object.
PARTNER_MAY_READ = frozenset({"me", "people", "policySettings", "unreadNotificationCount"})


# Downloads (what is not GraphQL): each tried as every person. Anything readable must name no
# child the reader may not see; a partner-agency member reads none. The type, where given, is
# the Node type whose policy decides whether the download is found at all.
DOWNLOADS: dict[str, str | None] = {
    "/escalations/{escalation}/exception-report.html": "InadequateEscalation",
    "/escalations/{escalation}/exception-report.pdf": "InadequateEscalation",
    "/survey-campaigns/{campaign}/results.csv": None,
    "/survey-campaigns/{campaign}/comments.csv": None,
    "/survey-campaigns/{campaign}/printed-invitations.html": None,
}
