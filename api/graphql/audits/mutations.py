"""Changes to audits: each resolver maps its input, names one domain use case and answers
with its payload (api/graphql/core/mutations.py runs it as one unit of work)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.audits.inputs import (
    AddAuditActionInput,
    AddLearningPointInput,
    AddReflectionsInput,
    AmendAuditInput,
    AuditIdInput,
    CancelAuditInput,
    CompleteAuditActionInput,
    CreateBenchmarkRoundInput,
    CreateThemeInput,
    DrawSampleInput,
    ModerateAuditInput,
    PlanAuditInput,
    PublishAuditTemplateInput,
    RecordAgreedGradeInput,
    SaveAuditInput,
    SetProgrammeMonthInput,
    SetThemeActiveInput,
    grade_of,
    record_of,
    section_grades_of,
    seed_of,
)
from api.graphql.audits.payloads import (
    AuditActionPayload,
    AuditPayload,
    AuditTemplatePayload,
    BenchmarkRoundPayload,
    DrawSamplePayload,
    LearningPointPayload,
    ModerationPayload,
    ProgrammeMonthPayload,
    ThemePayload,
)
from api.graphql.core.context import Context
from api.graphql.core.ids import decode_id, decode_ids, decode_optional_id
from api.graphql.core.mutations import mutate
from domain.audits import benchmarking, models, programme, reference, sampling
from domain.audits import service as audits
from domain.core.roles import Actor

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
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Audit:
            plan = audits.AuditPlan(
                kind=input.kind,
                auditor_id=decode_id(input.auditor_id, "Person", "auditorId"),
                due_date=input.due_date,
                child_id=decode_optional_id(input.child_id, "Child", "childId"),
                subject_practitioner_id=decode_optional_id(
                    input.subject_practitioner_id, "Person", "subjectPractitionerId"
                ),
                supervisor_id=decode_optional_id(input.supervisor_id, "Person", "supervisorId"),
                supervision_forum=input.supervision_forum,
                external_reviewer=input.external_reviewer,
                theme_ids=decode_ids(input.theme_ids, "Theme", "themeIds"),
                programme_month_id=decode_optional_id(
                    input.programme_month_id, "ProgrammeMonth", "programmeMonthId"
                ),
            )
            return await audits.plan_audit(session=s, actor=a, clock=clock, plan=plan)

        return await AuditPayload.run(info, use_case)

    @strawberry.mutation(
        description="Start an audit (its auditor); it keeps the template version in force now."
    )
    async def start_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AuditIdInput, strawberry.argument(description="The audit.")],
    ) -> AuditPayload:
        return await _audit_step(info, input, audits.start_audit)

    @strawberry.mutation(
        description="Save work in progress (its auditor): answers are checked by type and "
        "range, not yet for completeness."
    )
    async def save_audit(
        self,
        info: Info[Context, None],
        input: Annotated[SaveAuditInput, strawberry.argument(description="What to record.")],
    ) -> AuditPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Audit:
            return await audits.save_audit(
                session=s,
                actor=a,
                clock=clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                record=record_of(input),
            )

        return await AuditPayload.run(info, use_case)

    @strawberry.mutation(
        description="Submit a finished audit (its auditor); every required part must be there."
    )
    async def submit_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AuditIdInput, strawberry.argument(description="The audit.")],
    ) -> AuditPayload:
        return await _audit_step(info, input, audits.submit_audit)

    @strawberry.mutation(description="Take a submitted audit back to change it (its auditor).")
    async def reopen_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AuditIdInput, strawberry.argument(description="The audit.")],
    ) -> AuditPayload:
        return await _audit_step(info, input, audits.reopen_audit)

    @strawberry.mutation(
        description="Add the practitioner's reflections (the practitioner whose work it is)."
    )
    async def add_reflections(
        self,
        info: Info[Context, None],
        input: Annotated[AddReflectionsInput, strawberry.argument(description="The reflections.")],
    ) -> AuditPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Audit:
            return await audits.add_reflections(
                session=s,
                actor=a,
                clock=clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                reflections=input.reflections,
                agreement=input.agreement if input.agreement else None,
            )

        return await AuditPayload.run(info, use_case)

    @strawberry.mutation(
        description="Complete a submitted audit (its auditor); an Inadequate one starts the "
        "Inadequate process."
    )
    async def complete_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AuditIdInput, strawberry.argument(description="The audit.")],
    ) -> AuditPayload:
        return await _audit_step(info, input, audits.complete_audit)

    @strawberry.mutation(description="Cancel an audit, with a reason (a planner or its auditor).")
    async def cancel_audit(
        self,
        info: Info[Context, None],
        input: Annotated[CancelAuditInput, strawberry.argument(description="The audit and why.")],
    ) -> AuditPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Audit:
            return await audits.cancel_audit(
                session=s,
                actor=a,
                clock=clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                reason=input.reason,
            )

        return await AuditPayload.run(info, use_case)

    @strawberry.mutation(
        description="Change a completed audit, with a reason kept in history (its auditor or "
        "the QA Lead)."
    )
    async def amend_audit(
        self,
        info: Info[Context, None],
        input: Annotated[AmendAuditInput, strawberry.argument(description="What to change.")],
    ) -> AuditPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Audit:
            return await audits.amend_audit(
                session=s,
                actor=a,
                clock=clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                record=record_of(input),
                reason=input.reason,
            )

        return await AuditPayload.run(info, use_case)

    @strawberry.mutation(
        description="Confirm or regrade a completed audit (the QA Lead, never their own)."
    )
    async def moderate_audit(
        self,
        info: Info[Context, None],
        input: Annotated[ModerateAuditInput, strawberry.argument(description="The moderation.")],
    ) -> ModerationPayload:
        ctx = info.context
        clock = ctx.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Moderation:
            return await audits.moderate_audit(
                session=s,
                actor=a,
                clock=clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                outcome=input.outcome,
                reason=input.reason,
                overall_grade=grade_of(input.overall_grade),
                section_grades=section_grades_of(input.section_grades),
                policy_settings=ctx.settings.policy,
            )

        return await ModerationPayload.run(info, use_case)

    @strawberry.mutation(
        description="Add an action arising from an audit (its auditor, a planner or the QA Lead)."
    )
    async def add_audit_action(
        self,
        info: Info[Context, None],
        input: Annotated[AddAuditActionInput, strawberry.argument(description="The action.")],
    ) -> AuditActionPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.AuditAction:
            return await audits.add_action(
                session=s,
                actor=a,
                clock=clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                description=input.description,
                owner_id=decode_id(input.owner_id, "Person", "ownerId"),
                due_date=input.due_date,
            )

        return await AuditActionPayload.run(info, use_case)

    @strawberry.mutation(
        description="Mark an action done (its owner, the audit's auditor or the QA Lead)."
    )
    async def complete_audit_action(
        self,
        info: Info[Context, None],
        input: Annotated[CompleteAuditActionInput, strawberry.argument(description="The action.")],
    ) -> AuditActionPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.AuditAction:
            return await audits.complete_action(
                session=s,
                actor=a,
                clock=clock,
                action_id=decode_id(input.action_id, "AuditAction", "actionId"),
                note=input.note,
            )

        return await AuditActionPayload.run(info, use_case)

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
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.LearningPoint:
            return await audits.add_learning_point(
                session=s,
                actor=a,
                clock=clock,
                audit_id=decode_id(input.audit_id, "Audit", "auditId"),
                text=input.text,
                theme_ids=decode_ids(input.theme_ids, "Theme", "themeIds"),
                is_strength=input.is_strength,
            )

        return await LearningPointPayload.run(info, use_case)

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
        clock = info.context.clock
        return await AuditTemplatePayload.run(
            info,
            lambda s, a: reference.publish_template(
                session=s,
                actor=a,
                clock=clock,
                kind=input.kind,
                name=input.name,
                sections=input.sections,
                change_note=input.change_note,
            ),
        )

    @strawberry.mutation(description="Add a theme, cohort or aspect of practice (the QA Lead).")
    async def create_theme(
        self,
        info: Info[Context, None],
        input: Annotated[CreateThemeInput, strawberry.argument(description="The theme.")],
    ) -> ThemePayload:
        clock = info.context.clock
        return await ThemePayload.run(
            info,
            lambda s, a: reference.create_theme(
                session=s,
                actor=a,
                clock=clock,
                kind=input.kind,
                name=input.name,
            ),
        )

    @strawberry.mutation(description="Retire a theme or bring it back (the QA Lead).")
    async def set_theme_active(
        self,
        info: Info[Context, None],
        input: Annotated[SetThemeActiveInput, strawberry.argument(description="The change.")],
    ) -> ThemePayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Theme:
            return await reference.set_theme_active(
                session=s,
                actor=a,
                clock=clock,
                theme_id=decode_id(input.id, "Theme", "id"),
                active=input.active,
            )

        return await ThemePayload.run(info, use_case)

    @strawberry.mutation(
        description="Set a month of the programme: notes and each auditor's expected audits "
        "(planners)."
    )
    async def set_programme_month(
        self,
        info: Info[Context, None],
        input: Annotated[SetProgrammeMonthInput, strawberry.argument(description="The month.")],
    ) -> ProgrammeMonthPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.ProgrammeMonth:
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
                clock=clock,
                month=input.month,
                notes=input.notes,
                expectations=expectations,
            )

        return await ProgrammeMonthPayload.run(info, use_case)

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
        clock = ctx.clock

        async def use_case(s: AsyncSession, a: Actor) -> sampling.SampleResult:
            request = sampling.SampleRequest(
                month=input.month,
                kind=input.kind,
                auditor_ids=decode_ids(input.auditor_ids, "Person", "auditorIds"),
                due_date=input.due_date,
                count=input.count,
                percentage=input.percentage,
                seed=seed_of(input.seed),
                team_id=decode_optional_id(input.team_id, "Team", "teamId"),
                service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
                cohort=input.cohort if input.cohort else None,
                theme_ids=decode_ids(input.theme_ids, "Theme", "themeIds"),
                include_recently_audited=input.include_recently_audited,
                dry_run=input.dry_run,
            )
            return await programme.draw_sample(
                session=s,
                actor=a,
                clock=clock,
                policy_settings=ctx.settings.policy,
                request=request,
            )

        return DrawSamplePayload.of(*await mutate(info, use_case))

    @strawberry.mutation(
        description="Start a benchmarking round: one audit of the case for each auditor (planners)."
    )
    async def create_benchmark_round(
        self,
        info: Info[Context, None],
        input: Annotated[CreateBenchmarkRoundInput, strawberry.argument(description="The round.")],
    ) -> BenchmarkRoundPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.BenchmarkRound:
            round_, _ = await benchmarking.create_benchmark_round(
                session=s,
                actor=a,
                clock=clock,
                name=input.name,
                child_id=decode_id(input.child_id, "Child", "childId"),
                auditor_ids=decode_ids(input.auditor_ids, "Person", "auditorIds"),
                due_date=input.due_date,
            )
            return round_

        return await BenchmarkRoundPayload.run(info, use_case)

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
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.BenchmarkRound:
            return await benchmarking.record_agreed_grade(
                session=s,
                actor=a,
                clock=clock,
                round_id=decode_id(input.round_id, "BenchmarkRound", "roundId"),
                overall_grade=input.overall_grade,
                section_grades=section_grades_of(input.section_grades),
                rationale=input.rationale,
            )

        return await BenchmarkRoundPayload.run(info, use_case)


AuditStep = Callable[..., Awaitable[models.Audit]]


async def _audit_step(
    info: Info[Context, None], input: AuditIdInput, step: AuditStep
) -> AuditPayload:
    """A step in an audit's lifecycle that needs nothing but the audit."""
    clock = info.context.clock

    async def use_case(s: AsyncSession, a: Actor) -> models.Audit:
        audit_id = decode_id(input.audit_id, "Audit", "auditId")
        return await step(session=s, actor=a, clock=clock, audit_id=audit_id)

    return await AuditPayload.run(info, use_case)
