"""Audit queries and mutations, merged into the schema's Query and Mutation.

Each resolver maps its input, calls one domain use case and maps the result; ids are decoded
inside the use case, so that a bad id comes back as a typed INVALID error for its field.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.audits.statistics import AuditDashboard, RegradeRates
from api.graphql.audits.types import (
    Agreement,
    Audit,
    AuditAction,
    AuditActionConnection,
    AuditConnection,
    AuditKind,
    AuditSort,
    AuditStatus,
    AuditTemplate,
    BenchmarkRound,
    Grade,
    LearningPoint,
    LearningPointConnection,
    LearningSource,
    Moderation,
    ModerationOutcome,
    ProgrammeMonth,
    Sample,
    SampleAllocation,
    Theme,
    ThemeKind,
)
from api.graphql.children.enums import Cohort
from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated, UserError
from api.graphql.core.ids import decode_id, decode_optional_id
from api.graphql.core.mutations import mutate
from api.graphql.core.pagination import After, First, connection, read
from domain.audits import kinds, programme, reference, statistics
from domain.audits import service as audits
from domain.children.service import Cohort as DomainCohort
from domain.core.errors import InvalidInput
from domain.people.roles import Actor


def _ids(values: list[strawberry.ID], expected: str, field: str) -> list[uuid.UUID]:
    return [decode_id(v, expected, f"{field}[{i}]") for i, v in enumerate(values)]


def _grade(value: Grade | None) -> kinds.Grade | None:
    return None if value is None else kinds.Grade(value.name)


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
            kinds=tuple(kinds.AuditKind(k.name) for k in self.kinds or ()),
            statuses=tuple(kinds.AuditStatus(s.name) for s in self.statuses or ()),
            grades=tuple(kinds.Grade(g.name) for g in self.grades or ()),
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

    def to_domain(self) -> audits.LearningFilter:
        return audits.LearningFilter(
            theme_id=decode_optional_id(self.theme_id, "Theme", "themeId"),
            team_id=decode_optional_id(self.team_id, "Team", "teamId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            since=self.since,
            strengths_only=self.strengths_only,
            sources=(audits.LearningSource(self.source.name),) if self.source else (),
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


# --- queries -----------------------------------------------------------------------------------


@strawberry.type(description="What the front-end reads about audits.")
class AuditQuery:
    @strawberry.field(
        description="Audits you may see (by your roles and their scopes).",
        permission_classes=[IsAuthenticated],
    )
    async def audits(
        self,
        info: Info[Context, None],
        filter: Annotated[
            AuditFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        sort: Annotated[AuditSort, strawberry.argument(description="The order.")] = (
            AuditSort.DUE_DATE
        ),
        first: First = None,
        after: After = None,
    ) -> AuditConnection:
        flt = filter or AuditFilter()
        order = audits.AuditSort(sort.name)
        return await connection(
            info,
            AuditConnection,
            Audit.from_model,
            lambda s, a: audits.list_audits(
                session=s,
                actor=a,
                filters=flt.to_domain(),
                sort=order,
                first=first,
                after=after,
            ),
            lambda s, a: audits.count_audits(
                session=s, actor=a, filters=flt.to_domain(), sort=order
            ),
        )

    @strawberry.field(
        description="Your open audits (planned, in progress or submitted), soonest due first.",
        permission_classes=[IsAuthenticated],
    )
    async def my_audits_to_do(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> AuditConnection:
        return await connection(
            info,
            AuditConnection,
            Audit.from_model,
            lambda s, a: audits.list_audits(
                session=s,
                actor=a,
                filters=audits.my_audits_to_do(a),
                sort=audits.AuditSort.DUE_DATE,
                first=first,
                after=after,
            ),
            lambda s, a: audits.count_audits(session=s, actor=a, filters=audits.my_audits_to_do(a)),
        )

    @strawberry.field(
        description="Completed audits of your work or of the cases allocated to you, newest "
        "completed first.",
        permission_classes=[IsAuthenticated],
    )
    async def audits_of_my_cases(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> AuditConnection:
        mine = audits.AuditFilter(of_my_cases=True)
        order = audits.AuditSort.RECENTLY_COMPLETED
        return await connection(
            info,
            AuditConnection,
            Audit.from_model,
            lambda s, a: audits.list_audits(
                session=s, actor=a, filters=mine, sort=order, first=first, after=after
            ),
            lambda s, a: audits.count_audits(session=s, actor=a, filters=mine, sort=order),
        )

    @strawberry.field(
        description="Audit templates, by kind and newest version first.",
        permission_classes=[IsAuthenticated],
    )
    async def audit_templates(
        self,
        info: Info[Context, None],
        kind: Annotated[
            AuditKind | None, strawberry.argument(description="Only this kind's templates.")
        ] = None,
        latest_only: Annotated[
            bool, strawberry.argument(description="Only the version in force for each kind.")
        ] = True,
    ) -> list[AuditTemplate]:
        found = await read(
            info,
            lambda s, a: reference.list_templates(
                session=s,
                actor=a,
                kind=kinds.AuditKind(kind.name) if kind else None,
                latest_only=latest_only,
            ),
        )
        return [AuditTemplate.from_model(t) for t in found]

    @strawberry.field(
        description="Themes, cohorts and aspects of practice, by kind and name.",
        permission_classes=[IsAuthenticated],
    )
    async def themes(
        self,
        info: Info[Context, None],
        kind: Annotated[ThemeKind | None, strawberry.argument(description="Only this kind.")] = (
            None
        ),
        include_inactive: Annotated[
            bool, strawberry.argument(description="Include retired themes.")
        ] = False,
    ) -> list[Theme]:
        found = await read(
            info,
            lambda s, a: reference.list_themes(
                session=s,
                actor=a,
                kind=kinds.ThemeKind(kind.name) if kind else None,
                include_inactive=include_inactive,
            ),
        )
        return [Theme.from_model(t) for t in found]

    @strawberry.field(
        description="Learning points from the audits and the Task and Finish Groups you may "
        "see, newest first.",
        permission_classes=[IsAuthenticated],
    )
    async def learning_points(
        self,
        info: Info[Context, None],
        filter: Annotated[
            LearningFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> LearningPointConnection:
        flt = filter or LearningFilter()
        return await connection(
            info,
            LearningPointConnection,
            LearningPoint.from_model,
            lambda s, a: audits.list_learning(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            ),
            lambda s, a: audits.count_learning(session=s, actor=a, filters=flt.to_domain()),
        )

    @strawberry.field(
        description="Actions you own or from audits you may see, soonest due first.",
        permission_classes=[IsAuthenticated],
    )
    async def audit_actions(
        self,
        info: Info[Context, None],
        filter: Annotated[
            ActionFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> AuditActionConnection:
        flt = filter or ActionFilter()
        return await connection(
            info,
            AuditActionConnection,
            AuditAction.from_model,
            lambda s, a: audits.list_actions(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            ),
            lambda s, a: audits.count_actions(session=s, actor=a, filters=flt.to_domain()),
        )

    @strawberry.field(
        description="Counts for a team or service dashboard, over the audits you may see.",
        permission_classes=[IsAuthenticated],
    )
    async def audit_dashboard(
        self,
        info: Info[Context, None],
        team_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this team's audits.")
        ] = None,
        service_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this service's audits.")
        ] = None,
        since: Annotated[
            date | None, strawberry.argument(description="Due on or after this day.")
        ] = None,
        until: Annotated[
            date | None, strawberry.argument(description="Due before this day.")
        ] = None,
    ) -> AuditDashboard:
        found = await read(
            info,
            lambda s, a: statistics.audit_dashboard(
                session=s,
                actor=a,
                team_id=decode_optional_id(team_id, "Team", "teamId"),
                service_id=decode_optional_id(service_id, "Service", "serviceId"),
                since=since,
                until=until,
            ),
        )
        return AuditDashboard.from_domain(found)

    @strawberry.field(
        description="How often moderation regraded audits, by auditor and by section (the QA "
        "Lead, planners and senior leaders).",
        permission_classes=[IsAuthenticated],
    )
    async def regrade_rates(
        self,
        info: Info[Context, None],
        since: Annotated[
            date | None, strawberry.argument(description="Moderated on or after this day.")
        ] = None,
        until: Annotated[
            date | None, strawberry.argument(description="Moderated before this day.")
        ] = None,
    ) -> RegradeRates:
        found = await read(
            info,
            lambda s, a: statistics.regrade_rates(session=s, actor=a, since=since, until=until),
        )
        return RegradeRates.from_domain(found)

    @strawberry.field(
        description="A month of the audit programme; null until the month is set or sampled.",
        permission_classes=[IsAuthenticated],
    )
    async def programme_month(
        self,
        info: Info[Context, None],
        month: Annotated[date, strawberry.argument(description="Any day of the month.")],
    ) -> ProgrammeMonth | None:
        clock = info.context.clock
        found = await read(
            info,
            lambda s, a: programme.find_programme_month(
                session=s, actor=a, clock=clock, month=month
            ),
        )
        return ProgrammeMonth.from_model(found) if found else None


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


# --- payloads ----------------------------------------------------------------------------------


@strawberry.type(description="The audit, or why nothing changed.")
class AuditPayload:
    audit: Audit | None = strawberry.field(description="The audit, when it succeeded.")
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The moderation, or why nothing changed.")
class ModerationPayload:
    moderation: Moderation | None = strawberry.field(
        description="The moderation, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The action, or why nothing changed.")
class AuditActionPayload:
    action: AuditAction | None = strawberry.field(description="The action, when it succeeded.")
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The learning point, or why nothing changed.")
class LearningPointPayload:
    learning_point: LearningPoint | None = strawberry.field(
        description="The learning point, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The template version, or why nothing changed.")
class AuditTemplatePayload:
    template: AuditTemplate | None = strawberry.field(
        description="The new version, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The theme, or why nothing changed.")
class ThemePayload:
    theme: Theme | None = strawberry.field(description="The theme, when it succeeded.")
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The month of the programme, or why nothing changed.")
class ProgrammeMonthPayload:
    programme_month: ProgrammeMonth | None = strawberry.field(
        description="The month, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The sample and the audits planned from it, or why nothing changed.")
class DrawSamplePayload:
    sample: Sample | None = strawberry.field(description="The draw, when it succeeded.")
    audits: list[Audit] = strawberry.field(
        description="The audits planned, one per case drawn (none on a dry run)."
    )
    allocations: list[SampleAllocation] = strawberry.field(
        description="Who audits each case drawn (on a dry run, who would)."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="The benchmarking round, or why nothing changed.")
class BenchmarkRoundPayload:
    benchmark_round: BenchmarkRound | None = strawberry.field(
        description="The round, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


def _audit_payload(result: Any, errors: list[UserError]) -> AuditPayload:
    return AuditPayload(audit=Audit.from_model(result) if result else None, errors=errors)


def _record(
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
                grade=kinds.Grade(g.grade.name),
                rationale=g.rationale,
            )
            for g in input.section_grades
        ],
        overall_grade=_grade(input.overall_grade),
        overall_rationale=input.overall_rationale,
        conversation_date=input.conversation_date,
        voices=None
        if input.voices is None
        else [audits.Voice(who=v.who, said=v.said) for v in input.voices],
        findings=input.findings,
    )


def _section_grades(items: list[SectionGradeOnlyInput] | None) -> dict[str, kinds.Grade]:
    return {g.section_key: kinds.Grade(g.grade.name) for g in items or []}


def _seed(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        seed = int(value.strip())
    except ValueError as exc:
        raise InvalidInput("A seed is a whole number.", field="seed") from exc
    if seed < 0:
        raise InvalidInput("A seed is a whole number.", field="seed")
    return seed


# --- mutations ---------------------------------------------------------------------------------


@strawberry.type(description="Changes to audits. Each is one unit of work with its history.")
class AuditMutation:
    @strawberry.mutation(
        description="Plan an audit (planners; a team manager plans dip samples; a practitioner "
        "plans a peer audit they will do), of a child within the planner's reach: the authority "
        "for the AED and the QA Lead, their service for a Head of Service, their team for a team "
        "manager or a practitioner. A child the caller cannot see is NOT_FOUND; one seen but "
        "outside that reach is NOT_ALLOWED."
    )
    async def plan_audit(
        self,
        info: Info[Context, None],
        input: Annotated[PlanAuditInput, strawberry.argument(description="The audit to plan.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            plan = audits.AuditPlan(
                kind=kinds.AuditKind(input.kind.name),
                auditor_id=decode_id(input.auditor_id, "Person", "auditorId"),
                due_date=input.due_date,
                child_id=decode_optional_id(input.child_id, "Child", "childId"),
                subject_practitioner_id=decode_optional_id(
                    input.subject_practitioner_id, "Person", "subjectPractitionerId"
                ),
                supervisor_id=decode_optional_id(input.supervisor_id, "Person", "supervisorId"),
                supervision_forum=input.supervision_forum,
                external_reviewer=input.external_reviewer,
                theme_ids=_ids(input.theme_ids, "Theme", "themeIds"),
                programme_month_id=decode_optional_id(
                    input.programme_month_id, "ProgrammeMonth", "programmeMonthId"
                ),
            )
            return await audits.plan_audit(session=s, actor=a, clock=ctx.clock, plan=plan)

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Start an audit (its auditor); it keeps the template version in force now."
    )
    async def start_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AuditIdInput, strawberry.argument(description="The audit.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.start_audit(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
            )

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Save work in progress (its auditor): answers are checked by type and "
        "range, not yet for completeness."
    )
    async def save_audit(
        self,
        info: Info[Context, None],
        input: Annotated[SaveAuditInput, strawberry.argument(description="What to record.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.save_audit(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                record=_record(input),
            )

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Submit a finished audit (its auditor); every required part must be there."
    )
    async def submit_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AuditIdInput, strawberry.argument(description="The audit.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.submit_audit(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
            )

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(description="Take a submitted audit back to change it (its auditor).")
    async def reopen_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AuditIdInput, strawberry.argument(description="The audit.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.reopen_audit(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
            )

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Add the practitioner's reflections (the practitioner whose work it is)."
    )
    async def add_reflections(
        self,
        info: Info[Context, None],
        input: Annotated[AddReflectionsInput, strawberry.argument(description="The reflections.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.add_reflections(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                reflections=input.reflections,
                agreement=kinds.Agreement(input.agreement.name) if input.agreement else None,
            )

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Complete a submitted audit (its auditor); an Inadequate one starts the "
        "Inadequate process."
    )
    async def complete_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AuditIdInput, strawberry.argument(description="The audit.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.complete_audit(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
            )

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(description="Cancel an audit, with a reason (a planner or its auditor).")
    async def cancel_audit(
        self,
        info: Info[Context, None],
        input: Annotated[CancelAuditInput, strawberry.argument(description="The audit and why.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.cancel_audit(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                reason=input.reason,
            )

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Change a completed audit, with a reason kept in history (its auditor or "
        "the QA Lead)."
    )
    async def amend_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AmendAuditInput, strawberry.argument(description="What to change.")],
    ) -> AuditPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.amend_audit(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                record=_record(input),
                reason=input.reason,
            )

        return _audit_payload(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Confirm or regrade a completed audit (the QA Lead, never their own)."
    )
    async def moderate_audit(
        self,
        info: Info[Context, None],
        input: Annotated[ModerateAuditInput, strawberry.argument(description="The moderation.")],
    ) -> ModerationPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.moderate_audit(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                outcome=kinds.ModerationOutcome(input.outcome.name),
                reason=input.reason,
                overall_grade=_grade(input.overall_grade),
                section_grades=_section_grades(input.section_grades),
                policy_settings=ctx.settings.policy,
            )

        result, errors = await mutate(info, use_case)
        return ModerationPayload(
            moderation=Moderation.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Add an action arising from an audit (its auditor, a planner or the QA Lead)."
    )
    async def add_audit_action(
        self,
        info: Info[Context, None],
        input: Annotated[AddAuditActionInput, strawberry.argument(description="The action.")],
    ) -> AuditActionPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.add_action(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                description=input.description,
                owner_id=decode_id(input.owner_id, "Person", "ownerId"),
                due_date=input.due_date,
            )

        result, errors = await mutate(info, use_case)
        return AuditActionPayload(
            action=AuditAction.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Mark an action done (its owner, the audit's auditor or the QA Lead)."
    )
    async def complete_audit_action(
        self,
        info: Info[Context, None],
        input: Annotated[CompleteAuditActionInput, strawberry.argument(description="The action.")],
    ) -> AuditActionPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.complete_action(
                session=s,
                actor=a,
                clock=ctx.clock,
                action_id=decode_id(input.action_id, "AuditAction", "actionId"),
                note=input.note,
            )

        result, errors = await mutate(info, use_case)
        return AuditActionPayload(
            action=AuditAction.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Record a learning point from an audit (its auditor, a planner or the QA Lead)."
    )
    async def add_learning_point(
        self,
        info: Info[Context, None],
        input: Annotated[
            AddLearningPointInput, strawberry.argument(description="The learning point.")
        ],
    ) -> LearningPointPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await audits.add_learning_point(
                session=s,
                actor=a,
                clock=ctx.clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                text=input.text,
                theme_ids=_ids(input.theme_ids, "Theme", "themeIds"),
                is_strength=input.is_strength,
            )

        result, errors = await mutate(info, use_case)
        return LearningPointPayload(
            learning_point=LearningPoint.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Publish a new version of a kind's template (the QA Lead); audits already "
        "started keep theirs."
    )
    async def publish_audit_template(
        self,
        info: Info[Context, None],
        input: Annotated[
            PublishAuditTemplateInput, strawberry.argument(description="The new version.")
        ],
    ) -> AuditTemplatePayload:
        ctx = info.context
        result, errors = await mutate(
            info,
            lambda s, a: reference.publish_template(
                session=s,
                actor=a,
                clock=ctx.clock,
                kind=kinds.AuditKind(input.kind.name),
                name=input.name,
                sections=input.sections,
                change_note=input.change_note,
            ),
        )
        return AuditTemplatePayload(
            template=AuditTemplate.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(description="Add a theme, cohort or aspect of practice (the QA Lead).")
    async def create_theme(
        self,
        info: Info[Context, None],
        input: Annotated[CreateThemeInput, strawberry.argument(description="The theme.")],
    ) -> ThemePayload:
        ctx = info.context
        result, errors = await mutate(
            info,
            lambda s, a: reference.create_theme(
                session=s,
                actor=a,
                clock=ctx.clock,
                kind=kinds.ThemeKind(input.kind.name),
                name=input.name,
            ),
        )
        return ThemePayload(theme=Theme.from_model(result) if result else None, errors=errors)

    @strawberry.mutation(description="Retire a theme or bring it back (the QA Lead).")
    async def set_theme_active(
        self,
        info: Info[Context, None],
        input: Annotated[SetThemeActiveInput, strawberry.argument(description="The change.")],
    ) -> ThemePayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await reference.set_theme_active(
                session=s,
                actor=a,
                clock=ctx.clock,
                theme_id=decode_id(input.id, "Theme", "id"),
                active=input.active,
            )

        result, errors = await mutate(info, use_case)
        return ThemePayload(theme=Theme.from_model(result) if result else None, errors=errors)

    @strawberry.mutation(
        description="Set a month of the programme: notes and each auditor's expected audits "
        "(planners)."
    )
    async def set_programme_month(
        self,
        info: Info[Context, None],
        input: Annotated[SetProgrammeMonthInput, strawberry.argument(description="The month.")],
    ) -> ProgrammeMonthPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            expectations = [
                programme.Expectation(
                    auditor_id=decode_id(e.auditor_id, "Person", f"expectations[{i}].auditorId"),
                    expected_audits=e.expected_audits,
                )
                for i, e in enumerate(input.expectations)
            ]
            return await programme.set_programme_month(
                session=s,
                actor=a,
                clock=ctx.clock,
                month=input.month,
                notes=input.notes,
                expectations=expectations,
            )

        result, errors = await mutate(info, use_case)
        return ProgrammeMonthPayload(
            programme_month=ProgrammeMonth.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Draw a sample of cases with a recorded seed and allocate them to auditors, "
        "balancing load and never giving an auditor a case they hold or manage (planners)."
    )
    async def draw_sample(
        self,
        info: Info[Context, None],
        input: Annotated[DrawSampleInput, strawberry.argument(description="The draw.")],
    ) -> DrawSamplePayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            request = programme.SampleRequest(
                month=input.month,
                kind=kinds.AuditKind(input.kind.name),
                auditor_ids=_ids(input.auditor_ids, "Person", "auditorIds"),
                due_date=input.due_date,
                count=input.count,
                percentage=input.percentage,
                seed=_seed(input.seed),
                team_id=decode_optional_id(input.team_id, "Team", "teamId"),
                service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
                cohort=DomainCohort(input.cohort.name) if input.cohort else None,
                theme_ids=_ids(input.theme_ids, "Theme", "themeIds"),
                include_recently_audited=input.include_recently_audited,
                dry_run=input.dry_run,
            )
            return await programme.draw_sample(
                session=s,
                actor=a,
                clock=ctx.clock,
                policy_settings=ctx.settings.policy,
                request=request,
            )

        result, errors = await mutate(info, use_case)
        if result is None:
            return DrawSamplePayload(sample=None, audits=[], allocations=[], errors=errors)
        return DrawSamplePayload(
            sample=Sample.from_model(result.sample, result.audits),
            audits=[Audit.from_model(m) for m in result.audits],
            allocations=[
                SampleAllocation(child_id=c.id, auditor_id=result.allocation[c.id])
                for c in result.children
            ],
            errors=errors,
        )

    @strawberry.mutation(
        description="Start a benchmarking round: one audit of the case for each auditor (planners)."
    )
    async def create_benchmark_round(
        self,
        info: Info[Context, None],
        input: Annotated[CreateBenchmarkRoundInput, strawberry.argument(description="The round.")],
    ) -> BenchmarkRoundPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            round_, _ = await programme.create_benchmark_round(
                session=s,
                actor=a,
                clock=ctx.clock,
                name=input.name,
                child_id=decode_id(input.child_id, "Child", "childId"),
                auditor_ids=_ids(input.auditor_ids, "Person", "auditorIds"),
                due_date=input.due_date,
            )
            return round_

        result, errors = await mutate(info, use_case)
        return BenchmarkRoundPayload(
            benchmark_round=BenchmarkRound.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Record the grade a round's auditors agreed, once every one has submitted "
        "(planners)."
    )
    async def record_agreed_grade(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordAgreedGradeInput, strawberry.argument(description="The agreed grade.")
        ],
    ) -> BenchmarkRoundPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await programme.record_agreed_grade(
                session=s,
                actor=a,
                clock=ctx.clock,
                round_id=decode_id(input.round_id, "BenchmarkRound", "roundId"),
                overall_grade=kinds.Grade(input.overall_grade.name),
                section_grades=_section_grades(input.section_grades),
                rationale=input.rationale,
            )

        result, errors = await mutate(info, use_case)
        return BenchmarkRoundPayload(
            benchmark_round=BenchmarkRound.from_model(result) if result else None, errors=errors
        )
