"""Recording compliments and complaints, and each step of the complaints procedure. Who may do
what, and in which order, is the domain's decision (`domain/feedback/policy.py` and `flows.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import decode_id, decode_optional_id
from api.graphql.core.mutations import Payload, payload
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
from domain.feedback import models
from domain.feedback import service as domain


@payload(
    "record",
    FeedbackRecord,
    description="The compliment or complaint as it now is, or why nothing changed.",
    field_description="The record after the change; null if refused.",
    errors_description="Why nothing changed; empty on success.",
)
class FeedbackRecordPayload(Payload[models.FeedbackRecord]):
    pass


def _details(input: RecordComplimentInput) -> domain.FeedbackDetails:
    return domain.FeedbackDetails(
        received_on=input.received_on,
        source=input.source,
        category=input.category,
        summary=input.summary,
        service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
        team_id=decode_optional_id(input.team_id, "Team", "teamId"),
        child_id=decode_optional_id(input.child_id, "Child", "childId"),
        theme_ids=[decode_id(t, "Theme", "themeIds") for t in input.theme_ids or ()],
        outcome=input.outcome,
        learning=input.learning,
    )


async def _step(
    info: Info[Context, None],
    step: Callable[..., Awaitable[models.FeedbackRecord]],
    feedback_id: strawberry.ID,
    **given: object,
) -> FeedbackRecordPayload:
    """One step of the procedure on a complaint: the domain call given the session, actor,
    clock and complaint's id (and `given`), answered with the record or typed errors."""
    clock = info.context.clock

    def complaint() -> uuid.UUID:
        return decode_id(feedback_id, "FeedbackRecord", "feedbackId")

    return await FeedbackRecordPayload.run(
        info,
        lambda s, a: step(session=s, actor=a, clock=clock, feedback_id=complaint(), **given),
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
        clock = info.context.clock
        return await FeedbackRecordPayload.run(
            info,
            lambda s, a: domain.record_compliment(
                session=s, actor=a, clock=clock, details=_details(input)
            ),
        )

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
        return await FeedbackRecordPayload.run(
            info,
            lambda s, a: domain.record_complaint(
                session=s,
                actor=a,
                clock=ctx.clock,
                details=_details(input),
                responder_id=decode_optional_id(input.responder_id, "Person", "responderId"),
                policy_settings=ctx.settings.policy,
            ),
        )

    @strawberry.mutation(
        description="Extend the current stage's response, once, with a reason (stage 1 to 20 "
        "working days, stage 2 to 65, by default)."
    )
    async def extend_complaint_stage(
        self,
        info: Info[Context, None],
        input: Annotated[ExtendComplaintStageInput, strawberry.argument(description="Which.")],
    ) -> FeedbackRecordPayload:
        return await _step(
            info,
            domain.extend_stage,
            input.feedback_id,
            reason=input.reason,
            policy_settings=info.context.settings.policy,
        )

    @strawberry.mutation(description="Record the response of the current stage (1 or 2).")
    async def respond_to_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[RespondToComplaintInput, strawberry.argument(description="Response.")],
    ) -> FeedbackRecordPayload:
        return await _step(
            info,
            domain.respond,
            input.feedback_id,
            finding=input.finding,
            response=input.response,
            learning=input.learning,
        )

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
        return await FeedbackRecordPayload.run(
            info,
            lambda s, a: domain.escalate(
                session=s,
                actor=a,
                clock=ctx.clock,
                feedback_id=decode_id(input.feedback_id, "FeedbackRecord", "feedbackId"),
                requested_on=input.requested_on,
                responder_id=decode_optional_id(input.responder_id, "Person", "responderId"),
                policy_settings=ctx.settings.policy,
            ),
        )

    @strawberry.mutation(description="Close a complaint after a response the complainant accepts.")
    async def close_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[CloseComplaintInput, strawberry.argument(description="Which.")],
    ) -> FeedbackRecordPayload:
        return await _step(info, domain.close, input.feedback_id, learning=input.learning)

    @strawberry.mutation(description="The complainant withdraws: what was owed is cancelled.")
    async def withdraw_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[WithdrawComplaintInput, strawberry.argument(description="Which.")],
    ) -> FeedbackRecordPayload:
        return await _step(info, domain.withdraw, input.feedback_id, reason=input.reason)

    @strawberry.mutation(
        description="Record the stage 3 review panel: its finding and recommendations close "
        "the complaint."
    )
    async def record_complaint_panel(
        self,
        info: Info[Context, None],
        input: Annotated[RecordComplaintPanelInput, strawberry.argument(description="Panel.")],
    ) -> FeedbackRecordPayload:
        return await _step(
            info,
            domain.record_panel,
            input.feedback_id,
            held_on=input.held_on,
            finding=input.finding,
            recommendations=input.recommendations,
            learning=input.learning,
        )
