"""The facts of the exception report, gathered from what the process recorded (see
`domain.escalation.report`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.kinds import Grade, ModerationOutcome
from domain.audits.models import Audit, AuditSectionGrade, AuditTemplate, Moderation
from domain.children.models import Child
from domain.children.policy import visible_children
from domain.core.clock import Clock
from domain.core.roles import Actor
from domain.deadlines.calendar import local_day
from domain.escalation.models import (
    EscalationStage,
    InadequateEscalation,
    OtherCaseOutcome,
    OtherCaseReview,
)
from domain.escalation.queries import obligations_of, supervision_reviews_of
from domain.escalation.timeline import Step, StepStatus, steps
from domain.people.models import Person, Service, Team

OUTCOME_WORDS = {
    OtherCaseOutcome.NO_CONCERNS: "No concerns",
    OtherCaseOutcome.CONCERNS_ADDRESSED: "Concerns found and addressed",
    OtherCaseOutcome.INADEQUATE: "Inadequate: to be audited",
}
NOT_REVIEWED = "Not yet reviewed"
# The order outcomes are counted in on page 1: the ones that need something first.
OUTCOME_ORDER = (
    OUTCOME_WORDS[OtherCaseOutcome.INADEQUATE],
    NOT_REVIEWED,
    OUTCOME_WORDS[OtherCaseOutcome.CONCERNS_ADDRESSED],
    OUTCOME_WORDS[OtherCaseOutcome.NO_CONCERNS],
)

GRADE_WORDS = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate",
}


class StepOutcome:
    """Whether a step's deadline was met, in the words the report uses."""

    MET = "Met"
    MET_LATE = "Met late"
    OPEN = "Open"
    OVERDUE = "Overdue"
    NOT_YET = "Not yet open"
    NOT_NEEDED = "Not needed"


@dataclass(frozen=True)
class OtherCase:
    case_reference: str
    outcome: str
    note: str


@dataclass(frozen=True)
class SectionGrade:
    title: str
    grade: str  # the auditor's
    moderated: str = ""  # the QA Lead's, where moderation regraded or looked at it


@dataclass(frozen=True)
class StepLine:
    """One step of the process with its deadline and whether it was met."""

    step: str
    owner: str
    due_on: date | None
    done_on: date | None
    outcome: str  # a StepOutcome


@dataclass(frozen=True)
class ReportFacts:
    escalation_id: uuid.UUID
    case_reference: str
    child_age: str
    team: str
    service: str
    practitioner: str
    auditor: str
    audit_completed_on: date
    audit_rationale: str
    moderated_by: str
    moderated_on: date | None
    moderation_reason: str
    head_of_service: str
    told_on: date | None
    assurance: str
    assurance_detail: str
    assured_on: date | None
    review_summary: str
    reviewed_by: str
    reviewed_on: date | None
    other_cases: list[OtherCase] = field(default_factory=list)
    sent_on: date | None = None
    sent_by: str = ""
    overall_grade: str = ""
    moderated_overall_grade: str = ""
    section_grades: list[SectionGrade] = field(default_factory=list)
    steps: list[StepLine] = field(default_factory=list)
    stage: EscalationStage | None = None
    # A process ended by a regrade: the grade moderation gave and the day it ended.
    regraded_to: str = ""
    regraded_on: date | None = None
    ended_reason: str = ""
    # When the facts were read: the PDF's creation date, and "as at" for each deadline.
    generated_at: datetime = datetime(2000, 1, 1, tzinfo=UTC)

    @property
    def withdrawn(self) -> bool:
        return self.stage is EscalationStage.REGRADED


def _day(moment: datetime | None) -> date | None:
    return local_day(moment) if moment is not None else None


def _age(born: date, on: date) -> str:
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return f"{years} year{'s' if years != 1 else ''}"


_STEP_WORDS = {
    "MODERATION": "Moderated by the QA Lead",
    "TELL_HEAD_OF_SERVICE": "Head of Service told",
    "ASSURANCE": "Head of Service's assurance",
    "OTHER_CASES_REVIEW": "Review of the other cases",
    "EXCEPTION_REPORT": "Exception report to the AED",
    "SUPERVISION_REVIEW": "Review in supervision",
    "DESK_TOP_AUDIT": "Desk-top audit by the QA Lead",
}


def _grade(grade: Grade | str | None) -> str:
    if grade is None or grade == "":
        return ""
    try:
        return GRADE_WORDS[Grade(grade)]
    except ValueError:
        return str(grade)


@dataclass(frozen=True)
class _Read:
    """What the report is made from, as read (`_read`)."""

    audit: Audit
    child: Child | None
    team: Team | None
    service: Service | None
    moderation: Moderation | None
    template: AuditTemplate | None
    graded: list[AuditSectionGrade]
    timeline: list[Step]
    names: dict[uuid.UUID, str]
    other_cases: list[OtherCaseReview]


async def _read(
    session: AsyncSession, escalation: InadequateEscalation, now: datetime, reader: Actor | None
) -> _Read:
    audit = await session.get_one(Audit, escalation.audit_id)
    child = None
    if escalation.child_id is not None:
        child_rule = [visible_children(reader)] if reader is not None else []
        child = await session.scalar(
            select(Child).where(Child.id == escalation.child_id, *child_rule)
        )
    team = await session.get(Team, escalation.team_id) if escalation.team_id else None
    service = await session.get(Service, escalation.service_id) if escalation.service_id else None
    moderation = (
        await session.get(Moderation, escalation.moderation_id)
        if escalation.moderation_id
        else None
    )
    template = await session.get(AuditTemplate, audit.template_id)
    graded = list(
        await session.scalars(
            select(AuditSectionGrade)
            .where(AuditSectionGrade.audit_id == audit.id)
            .order_by(AuditSectionGrade.section_key)
        )
    )
    owed = (await obligations_of(session, [escalation]))[escalation.id]
    reviews = (await supervision_reviews_of(session, [escalation.id]))[escalation.id]
    timeline = steps(escalation, owed, now, reviews)
    people_ids = {
        escalation.practitioner_id,
        audit.auditor_id,
        escalation.head_of_service_id,
        escalation.reviewed_by_id,
        escalation.report_sent_by_id,
        moderation.moderator_id if moderation else None,
        *(s.owner_id for s in timeline),
    } - {None}
    names = {
        p.id: p.display_name
        for p in await session.scalars(select(Person).where(Person.id.in_(people_ids)))
    }
    seen = (
        [OtherCaseReview.child_id.in_(select(Child.id).where(visible_children(reader)))]
        if reader is not None
        else []
    )
    items = await session.scalars(
        select(OtherCaseReview)
        .where(OtherCaseReview.escalation_id == escalation.id, *seen)
        .order_by(OtherCaseReview.case_reference)
    )
    return _Read(
        audit, child, team, service, moderation, template, graded, timeline, names, list(items)
    )


async def gather(
    *,
    session: AsyncSession,
    escalation: InadequateEscalation,
    clock: Clock,
    reader: Actor | None = None,
) -> ReportFacts:
    """The facts of the report, read in a fixed number of statements. For a `reader`, only
    the cases whose child they may see are named (domain/children/policy.py); without one,
    the whole report as it is sent to the AED."""
    now = clock.now()
    return facts_of(escalation, await _read(session, escalation, now, reader), now)


def _section_grades(
    template: AuditTemplate | None, graded: Sequence[AuditSectionGrade]
) -> list[SectionGrade]:
    """Section titles in the template's order; a section the template no longer names keeps
    its key."""
    sections = (template.sections if template else None) or []
    order = {s.get("key"): i for i, s in enumerate(sections)}
    titles = {s.get("key"): str(s.get("title") or "") for s in sections}
    return [
        SectionGrade(
            title=titles.get(g.section_key) or g.section_key,
            grade=_grade(g.grade),
            moderated=_grade(g.moderated_grade),
        )
        for g in sorted(graded, key=lambda g: (order.get(g.section_key, len(order)), g.section_key))
    ]


def _regraded_to(escalation: InadequateEscalation, read: _Read) -> str:
    """A regrade: the grade moderation gave (or, for an amendment before moderation, the
    audit's own grade now)."""
    if escalation.stage is not EscalationStage.REGRADED:
        return ""
    # The grade kept on the process where it is (`regraded_grade`, issue 12's process
    # work); else the regrading moderation's, or the audit's own after an amendment.
    moderation, audit = read.moderation, read.audit
    kept = getattr(escalation, "regraded_grade", None)
    return _grade(
        kept
        or (
            moderation.moderated_overall_grade
            if moderation and moderation.outcome is ModerationOutcome.REGRADED
            else audit.moderated_overall_grade or audit.overall_grade
        )
    )


def _assurance(escalation: InadequateEscalation) -> str:
    if escalation.assurance_outcome and escalation.assurance_outcome.value == "NOT_AT_RISK":
        return "The child is not at risk from the inadequate practice."
    if escalation.assurance_outcome:
        return "Actions were taken to keep the child safe."
    return "Not yet recorded."


def facts_of(escalation: InadequateEscalation, read: _Read, now: datetime) -> ReportFacts:
    """The report's facts from what was read: no database."""
    audit, child, moderation = read.audit, read.child, read.moderation

    def name(person_id: uuid.UUID | None) -> str:
        return read.names.get(person_id, "") if person_id else ""

    regraded_to = _regraded_to(escalation, read)
    return ReportFacts(
        escalation_id=escalation.id,
        case_reference=(
            child.case_reference
            if child
            else "(a case you may not see)"
            if escalation.child_id
            else "(no case)"
        ),
        child_age=_age(child.date_of_birth, local_day(now)) if child else "",
        team=read.team.name if read.team else "",
        service=read.service.name if read.service else "",
        practitioner=name(escalation.practitioner_id),
        auditor=name(audit.auditor_id),
        audit_completed_on=local_day(escalation.audit_completed_at),
        audit_rationale=audit.overall_rationale or "",
        moderated_by=name(moderation.moderator_id) if moderation else "",
        moderated_on=_day(escalation.moderated_at),
        moderation_reason=moderation.reason if moderation else "",
        head_of_service=name(escalation.head_of_service_id),
        told_on=_day(escalation.hos_told_at),
        assurance=_assurance(escalation),
        assurance_detail=escalation.assurance_detail or "",
        assured_on=_day(escalation.assured_at),
        review_summary=escalation.review_summary or "Not yet completed.",
        reviewed_by=name(escalation.reviewed_by_id),
        reviewed_on=_day(escalation.reviewed_at),
        other_cases=[
            OtherCase(
                case_reference=i.case_reference,
                outcome=OUTCOME_WORDS[i.outcome] if i.outcome else NOT_REVIEWED,
                note=i.note or "",
            )
            for i in read.other_cases
        ],
        sent_on=_day(escalation.report_sent_at),
        sent_by=name(escalation.report_sent_by_id),
        overall_grade=_grade(audit.overall_grade),
        moderated_overall_grade=_grade(
            moderation.moderated_overall_grade if moderation else audit.moderated_overall_grade
        ),
        section_grades=_section_grades(read.template, read.graded),
        steps=[_step_line(s, name(s.owner_id)) for s in read.timeline],
        stage=escalation.stage,
        regraded_to=regraded_to,
        regraded_on=_day(escalation.ended_at) if regraded_to else None,
        ended_reason=escalation.ended_reason or "",
        generated_at=now,
    )


def _step_line(step: Step, owner: str) -> StepLine:
    """A step of `domain.escalation.timeline.steps` in the report's words: met (on or before
    its due moment), met late, open, overdue, not yet open, or not needed."""
    label = _STEP_WORDS.get(step.kind.value, step.kind.value.replace("_", " ").capitalize())
    if step.number is not None:
        label = f"{label} {step.number} of 3"
    if step.status is StepStatus.DONE:
        late = step.due_at is not None and step.done_at is not None and step.done_at > step.due_at
        outcome = StepOutcome.MET_LATE if late else StepOutcome.MET
    else:
        outcome = {
            StepStatus.DUE: StepOutcome.OPEN,
            StepStatus.OVERDUE: StepOutcome.OVERDUE,
            StepStatus.NOT_YET: StepOutcome.NOT_YET,
            StepStatus.NOT_NEEDED: StepOutcome.NOT_NEEDED,
        }[step.status]
    return StepLine(
        step=label,
        owner=owner,
        due_on=_day(step.due_at),
        done_on=_day(step.done_at),
        outcome=outcome,
    )
