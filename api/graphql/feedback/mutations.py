"""Recording compliments and complaints, and each step of the complaints procedure. Who may do
what, and in which order, is the domain's decision (`domain/feedback/policy.py` and `flows.py`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.context import Context
from api.graphql.feedback.inputs import (
    CloseComplaintInput,
    EscalateComplaintInput,
    ExtendComplaintStageInput,
    RecordComplaintInput,
    RecordComplaintPanelInput,
    RecordComplimentInput,
    RespondToComplaintInput,
    WithdrawComplaintInput,
)
from api.graphql.feedback.types import FeedbackRecord
from api.types.common import (
    UserError,
    decode_id,
    decode_optional_id,
    mutate,
)
from domain.feedback import models
from domain.feedback import service as domain
from domain.people.roles import Actor


@strawberry.type(description="The compliment or complaint as it now is, or why nothing changed.")
class FeedbackRecordPayload:
    record: FeedbackRecord | None = strawberry.field(
        description="The record after the change; null if refused."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


def _feedback_id(value: strawberry.ID) -> uuid.UUID:
    return decode_id(value, "FeedbackRecord", "feedbackId")


def _details(input: RecordComplimentInput) -> domain.FeedbackDetails:
    return domain.FeedbackDetails(
        received_on=input.received_on,
        source=models.FeedbackSource(input.source.name),
        category=models.FeedbackCategory(input.category.name),
        summary=input.summary,
        service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
        team_id=decode_optional_id(input.team_id, "Team", "teamId"),
        child_id=decode_optional_id(input.child_id, "Child", "childId"),
        theme_ids=[decode_id(t, "Theme", "themeIds") for t in input.theme_ids or ()],
        outcome=input.outcome,
        learning=input.learning,
    )


async def _run(info: Info[Context, None], use_case: Any) -> FeedbackRecordPayload:
    result, errors = await mutate(info, use_case)
    return FeedbackRecordPayload(
        record=FeedbackRecord.from_model(result) if result is not None else None, errors=errors
    )


@strawberry.type(
    description="Recording in the register, and the steps of the complaints procedure."
)
class FeedbackMutation:
    @strawberry.mutation(description="Record a compliment in the register.")
    async def record_compliment(
        self,
        info: Info[Context, None],
        input: Annotated[RecordComplimentInput, strawberry.argument(description="The compliment.")],
    ) -> FeedbackRecordPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.record_compliment(
                session=s, actor=a, clock=ctx.clock, details=_details(input)
            )

        return await _run(info, use_case)

    @strawberry.mutation(
        description="Record a complaint: it starts at stage 1, its response owed by the "
        "responder within the policy's working days of its receipt."
    )
    async def record_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[RecordComplaintInput, strawberry.argument(description="The complaint.")],
    ) -> FeedbackRecordPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.record_complaint(
                session=s,
                actor=a,
                clock=ctx.clock,
                details=_details(input),
                responder_id=decode_optional_id(input.responder_id, "Person", "responderId"),
                policy_settings=ctx.settings.policy,
            )

        return await _run(info, use_case)

    @strawberry.mutation(
        description="Extend the current stage's response, once, with a reason (stage 1 to 20 "
        "working days, stage 2 to 65, by default)."
    )
    async def extend_complaint_stage(
        self,
        info: Info[Context, None],
        input: Annotated[ExtendComplaintStageInput, strawberry.argument(description="Which.")],
    ) -> FeedbackRecordPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.extend_stage(
                session=s,
                actor=a,
                clock=ctx.clock,
                feedback_id=_feedback_id(input.feedback_id),
                reason=input.reason,
                policy_settings=ctx.settings.policy,
            )

        return await _run(info, use_case)

    @strawberry.mutation(description="Record the response of the current stage (1 or 2).")
    async def respond_to_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[RespondToComplaintInput, strawberry.argument(description="Response.")],
    ) -> FeedbackRecordPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.respond(
                session=s,
                actor=a,
                clock=ctx.clock,
                feedback_id=_feedback_id(input.feedback_id),
                finding=models.ComplaintFinding(input.finding.name),
                response=input.response,
                learning=input.learning,
            )

        return await _run(info, use_case)

    @strawberry.mutation(
        description="The complainant asks for the next stage after a response: stage 2's "
        "investigation, or stage 3's review panel."
    )
    async def escalate_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[EscalateComplaintInput, strawberry.argument(description="Request.")],
    ) -> FeedbackRecordPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.escalate(
                session=s,
                actor=a,
                clock=ctx.clock,
                feedback_id=_feedback_id(input.feedback_id),
                requested_on=input.requested_on,
                responder_id=decode_optional_id(input.responder_id, "Person", "responderId"),
                policy_settings=ctx.settings.policy,
            )

        return await _run(info, use_case)

    @strawberry.mutation(description="Close a complaint after a response the complainant accepts.")
    async def close_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[CloseComplaintInput, strawberry.argument(description="Which.")],
    ) -> FeedbackRecordPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.close(
                session=s,
                actor=a,
                clock=ctx.clock,
                feedback_id=_feedback_id(input.feedback_id),
                learning=input.learning,
            )

        return await _run(info, use_case)

    @strawberry.mutation(description="The complainant withdraws: what was owed is cancelled.")
    async def withdraw_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[WithdrawComplaintInput, strawberry.argument(description="Which.")],
    ) -> FeedbackRecordPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.withdraw(
                session=s,
                actor=a,
                clock=ctx.clock,
                feedback_id=_feedback_id(input.feedback_id),
                reason=input.reason,
            )

        return await _run(info, use_case)

    @strawberry.mutation(
        description="Record the stage 3 review panel: its finding and recommendations close "
        "the complaint."
    )
    async def record_complaint_panel(
        self,
        info: Info[Context, None],
        input: Annotated[RecordComplaintPanelInput, strawberry.argument(description="Panel.")],
    ) -> FeedbackRecordPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.record_panel(
                session=s,
                actor=a,
                clock=ctx.clock,
                feedback_id=_feedback_id(input.feedback_id),
                held_on=input.held_on,
                finding=models.ComplaintFinding(input.finding.name),
                recommendations=input.recommendations,
                learning=input.learning,
            )

        return await _run(info, use_case)
