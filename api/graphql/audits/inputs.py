"""The audit inputs: filters for the lists, and what each change takes.

Ids are decoded inside the use case (by `to_domain` and the helpers here), so that a bad id
comes back as a typed INVALID error for its field.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from api.graphql.audits.enums import (
    Agreement,
    AuditKind,
    AuditStatus,
    Grade,
    LearningSource,
    ModerationOutcome,
    ThemeKind,
)
from api.graphql.children.enums import Cohort
from api.graphql.core.ids import decode_optional_id
from domain.audits import kinds
from domain.audits import service as audits
from domain.core.errors import InvalidInput
from domain.learning import points as learning_points


def grade_of(value: Grade | None) -> kinds.Grade | None:
    return None if value is None else value


# --- filters -----------------------------------------------------------------------------------


@strawberry.input(description="Which audits to list (always within what you may see).")
class AuditFilter:
    kinds: list[AuditKind] | None = strawberry.field(default=None, description="Only these kinds.")
    statuses: list[AuditStatus] | None = strawberry.field(
        default=None, description="Only these statuses."
    )
    grades: list[Grade] | None = strawberry.field(
        default=None, description="Only these effective grades (moderated, else the auditor's)."
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only audits of this team's work."
    )
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only audits of the work of this service's teams."
    )
    auditor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this auditor's audits."
    )
    child_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only audits of this child's case."
    )
    subject_practitioner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only audits of this practitioner's work."
    )
    of_my_cases: bool = strawberry.field(
        default=False, description="Only audits of your own work or the cases allocated to you."
    )
    programme_month_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only audits planned in this month of the programme."
    )
    benchmark_round_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the audits of this benchmarking round."
    )
    due_before: date | None = strawberry.field(
        default=None, description="Only those due before this day."
    )
    completed_since: datetime | None = strawberry.field(
        default=None, description="Only those completed at or after this moment."
    )
    completed_before: datetime | None = strawberry.field(
        default=None, description="Only those completed before this moment."
    )

    def to_domain(self) -> audits.AuditFilter:
        return audits.AuditFilter(
            kinds=tuple(self.kinds or ()),
            statuses=tuple(self.statuses or ()),
            grades=tuple(self.grades or ()),
            team_id=decode_optional_id(self.team_id, "Team", "teamId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            auditor_id=decode_optional_id(self.auditor_id, "Person", "auditorId"),
            child_id=decode_optional_id(self.child_id, "Child", "childId"),
            subject_practitioner_id=decode_optional_id(
                self.subject_practitioner_id, "Person", "subjectPractitionerId"
            ),
            of_my_cases=self.of_my_cases,
            programme_month_id=decode_optional_id(
                self.programme_month_id, "ProgrammeMonth", "programmeMonthId"
            ),
            benchmark_round_id=decode_optional_id(
                self.benchmark_round_id, "BenchmarkRound", "benchmarkRoundId"
            ),
            due_before=self.due_before,
            completed_since=self.completed_since,
            completed_before=self.completed_before,
        )


@strawberry.input(
    description="Which learning points to list (from audits and Task and Finish Groups you may "
    "see)."
)
class LearningFilter:
    theme_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only those tagged with this theme."
    )
    source: LearningSource | None = strawberry.field(
        default=None, description="Only from audits, or only from Task and Finish Groups."
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only from audits of this team's work (a group belongs to a service, so "
        "this leaves group learning out).",
    )
    service_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only from audits of the work of this service's teams and from this "
        "service's Task and Finish Groups.",
    )
    task_and_finish_group_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only from this Task and Finish Group."
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only those recorded from this moment."
    )
    strengths_only: bool = strawberry.field(default=False, description="Only strengths.")

    def to_domain(self) -> learning_points.LearningFilter:
        return learning_points.LearningFilter(
            theme_id=decode_optional_id(self.theme_id, "Theme", "themeId"),
            team_id=decode_optional_id(self.team_id, "Team", "teamId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            since=self.since,
            strengths_only=self.strengths_only,
            sources=(self.source,) if self.source else (),
            task_and_finish_group_id=decode_optional_id(
                self.task_and_finish_group_id, "TaskAndFinishGroup", "taskAndFinishGroupId"
            ),
        )


@strawberry.input(description="Which actions to list (yours, and those of audits you may see).")
class ActionFilter:
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this person's actions."
    )
    open_only: bool = strawberry.field(default=True, description="Only those not yet done.")
    overdue_on: date | None = strawberry.field(
        default=None, description="Only those not done and due before this day."
    )

    def to_domain(self) -> audits.ActionFilter:
        return audits.ActionFilter(
            owner_id=decode_optional_id(self.owner_id, "Person", "ownerId"),
            open_only=self.open_only,
            overdue_on=self.overdue_on,
        )


# --- mutation inputs ---------------------------------------------------------------------------


@strawberry.input(description="An audit to plan.")
class PlanAuditInput:
    kind: AuditKind = strawberry.field(description="The kind of audit.")
    auditor_id: strawberry.ID = strawberry.field(description="Who will carry it out.")
    due_date: date = strawberry.field(description="When it is due (today or later).")
    child_id: strawberry.ID | None = strawberry.field(
        default=None, description="The child's case, for kinds about a case."
    )
    subject_practitioner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The practitioner whose work it is (the allocated one when left out).",
    )
    supervisor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Supervision audits: the supervisor."
    )
    supervision_forum: str | None = strawberry.field(
        default=None, description="Supervision audits of a forum: which."
    )
    external_reviewer: str | None = strawberry.field(
        default=None, description="External audits: who reviews (LGA, regional ADCS…)."
    )
    theme_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Thematic audits: at least one theme."
    )
    programme_month_id: strawberry.ID | None = strawberry.field(
        default=None, description="The month of the programme it belongs to, if any."
    )


@strawberry.input(description="The audit to change.")
class AuditIdInput:
    audit_id: strawberry.ID = strawberry.field(description="The audit.")


@strawberry.input(description="A section's grade with its rationale.")
class SectionGradeInput:
    section_key: str = strawberry.field(description="A graded section of the audit's template.")
    grade: Grade = strawberry.field(description="The grade.")
    rationale: str = strawberry.field(description="Why; required.")


@strawberry.input(description="A section's grade alone (moderation, agreed benchmarking grades).")
class SectionGradeOnlyInput:
    section_key: str = strawberry.field(description="A graded section's key.")
    grade: Grade = strawberry.field(description="The grade.")


@strawberry.input(description="What a child or family member said.")
class VoiceInput:
    who: str = strawberry.field(description="CHILD, PARENT, CARER, SIBLING, OTHER_FAMILY or OTHER.")
    said: str = strawberry.field(description="What they said, in their words.")


@strawberry.input(description="What the auditor records; what is left out stays as it is.")
class SaveAuditInput:
    audit_id: strawberry.ID = strawberry.field(description="The audit.")
    answers: JSON | None = strawberry.field(
        default=None,
        description="Answers by question key, merged into those saved; null clears one.",
    )
    section_grades: list[SectionGradeInput] | None = strawberry.field(
        default=None, description="Section grades to set."
    )
    overall_grade: Grade | None = strawberry.field(default=None, description="The overall grade.")
    overall_rationale: str | None = strawberry.field(
        default=None, description="Why that overall grade."
    )
    conversation_date: date | None = strawberry.field(
        default=None, description="When the conversation with the practitioner took place."
    )
    voices: list[VoiceInput] | None = strawberry.field(
        default=None, description="The child's and family's views (replacing those saved)."
    )
    findings: str | None = strawberry.field(
        default=None, description="Multi-agency and external audits: the findings."
    )


@strawberry.input(description="A change to a completed audit, with the reason for it.")
class AmendAuditInput(SaveAuditInput):
    reason: str = strawberry.field(description="Why the completed audit changes; kept in history.")


@strawberry.input(description="The practitioner's reflections on the audit of their work.")
class AddReflectionsInput:
    audit_id: strawberry.ID = strawberry.field(description="The audit.")
    reflections: str = strawberry.field(description="Their reflections, in their words.")
    agreement: Agreement | None = strawberry.field(
        default=None, description="Whether they agree with the audit."
    )


@strawberry.input(description="An audit to cancel, and why.")
class CancelAuditInput:
    audit_id: strawberry.ID = strawberry.field(description="The audit.")
    reason: str = strawberry.field(description="Why it will not be done.")


@strawberry.input(description="The QA Lead's moderation of a completed audit.")
class ModerateAuditInput:
    audit_id: strawberry.ID = strawberry.field(description="The audit.")
    outcome: ModerationOutcome = strawberry.field(description="Confirm or regrade.")
    reason: str = strawberry.field(description="Why.")
    overall_grade: Grade | None = strawberry.field(
        default=None, description="Regrading: the new overall grade."
    )
    section_grades: list[SectionGradeOnlyInput] | None = strawberry.field(
        default=None, description="Regrading: new section grades."
    )


@strawberry.input(description="An action arising from an audit.")
class AddAuditActionInput:
    audit_id: strawberry.ID = strawberry.field(description="The audit.")
    description: str = strawberry.field(description="What is to be done.")
    owner_id: strawberry.ID = strawberry.field(description="Who is to do it.")
    due_date: date = strawberry.field(description="When it is due (today or later).")


@strawberry.input(description="An action that is done.")
class CompleteAuditActionInput:
    action_id: strawberry.ID = strawberry.field(description="The action.")
    note: str | None = strawberry.field(default=None, description="What was done.")


@strawberry.input(description="A learning point from an audit.")
class AddLearningPointInput:
    audit_id: strawberry.ID = strawberry.field(description="The audit.")
    text: str = strawberry.field(description="The learning.")
    theme_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Themes to tag it with."
    )
    is_strength: bool = strawberry.field(
        default=False, description="True for a strength, false for an area to develop."
    )


@strawberry.input(description="A new version of a kind's template.")
class PublishAuditTemplateInput:
    kind: AuditKind = strawberry.field(description="The kind of audit.")
    name: str = strawberry.field(description="The template's name.")
    sections: JSON = strawberry.field(
        description="[{key, title, graded, questions: [{key, text, type, required, help}]}]; "
        "at least one graded section."
    )
    change_note: str | None = strawberry.field(
        default=None, description="What changed from the last version."
    )


@strawberry.input(description="A new theme, cohort or aspect of practice.")
class CreateThemeInput:
    kind: ThemeKind = strawberry.field(description="What it names.")
    name: str = strawberry.field(description="Its name, unique within its kind.")


@strawberry.input(description="Retire a theme or bring it back.")
class SetThemeActiveInput:
    id: strawberry.ID = strawberry.field(description="The theme.")
    active: bool = strawberry.field(description="False to retire it.")


@strawberry.input(description="How many audits the programme expects of an auditor in a month.")
class ExpectationInput:
    auditor_id: strawberry.ID = strawberry.field(description="The auditor.")
    expected_audits: int = strawberry.field(description="0 to 100.")


@strawberry.input(
    description="A month of the programme: notes, and expectations (auditors left out keep theirs)."
)
class SetProgrammeMonthInput:
    month: date = strawberry.field(description="Any day of the month.")
    notes: str | None = strawberry.field(
        default=None, description="The month's notes; an empty string clears them."
    )
    expectations: list[ExpectationInput] = strawberry.field(
        default_factory=list, description="Expectations to set."
    )


@strawberry.input(
    description="Draw cases by filter and size, then allocate them to auditors; give either a "
    "count or a percentage."
)
class DrawSampleInput:
    month: date = strawberry.field(description="The month of the programme (any day of it).")
    kind: AuditKind = strawberry.field(
        description="CASE_FILE, THEMATIC, PEER or DIP_SAMPLE audits."
    )
    auditor_ids: list[strawberry.ID] = strawberry.field(description="The auditors to allocate to.")
    due_date: date = strawberry.field(description="When the audits are due.")
    count: int | None = strawberry.field(default=None, description="How many cases: 1 to 500.")
    percentage: int | None = strawberry.field(
        default=None, description="Or what percentage of the matching cases: 1 to 100."
    )
    seed: str | None = strawberry.field(
        default=None,
        description="A sample's seed (decimal), to draw the same sample again; random if left out.",
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this team's cases."
    )
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the cases of this service's teams."
    )
    cohort: Cohort | None = strawberry.field(default=None, description="Only this cohort.")
    theme_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Thematic samples: the themes."
    )
    include_recently_audited: bool = strawberry.field(
        default=False, description="Also draw cases audited within the exclusion period."
    )
    dry_run: bool = strawberry.field(
        default=False, description="Show the draw and allocation, and keep nothing."
    )


@strawberry.input(description="A benchmarking round: several auditors, one case.")
class CreateBenchmarkRoundInput:
    name: str = strawberry.field(description="Its name, e.g. 'Spring 2027'.")
    child_id: strawberry.ID = strawberry.field(description="The case.")
    auditor_ids: list[strawberry.ID] = strawberry.field(description="At least two auditors.")
    due_date: date = strawberry.field(description="When their audits are due.")


@strawberry.input(description="The grade a round's auditors agreed, once every one has submitted.")
class RecordAgreedGradeInput:
    round_id: strawberry.ID = strawberry.field(description="The benchmarking round.")
    overall_grade: Grade = strawberry.field(description="The agreed overall grade.")
    section_grades: list[SectionGradeOnlyInput] = strawberry.field(
        default_factory=list, description="The agreed section grades."
    )
    rationale: str = strawberry.field(description="Why that grade was agreed.")


def record_of(
    input: SaveAuditInput,
) -> audits.AuditRecord:
    if input.answers is not None and not isinstance(input.answers, dict):
        raise InvalidInput("Answers are an object keyed by question.", field="answers")
    return audits.AuditRecord(
        answers=input.answers,
        section_grades=None
        if input.section_grades is None
        else [
            audits.SectionGradeInput(
                section_key=g.section_key,
                grade=g.grade,
                rationale=g.rationale,
            )
            for g in input.section_grades
        ],
        overall_grade=grade_of(input.overall_grade),
        overall_rationale=input.overall_rationale,
        conversation_date=input.conversation_date,
        voices=None
        if input.voices is None
        else [audits.Voice(who=v.who, said=v.said) for v in input.voices],
        findings=input.findings,
    )


def section_grades_of(items: list[SectionGradeOnlyInput] | None) -> dict[str, kinds.Grade]:
    return {g.section_key: g.grade for g in items or []}


def seed_of(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        seed = int(value.strip())
    except ValueError as exc:
        raise InvalidInput("A seed is a whole number.", field="seed") from exc
    if seed < 0:
        raise InvalidInput("A seed is a whole number.", field="seed")
    return seed
