"""The steps of the Inadequate process as mutations. Who may do what, and in which order, is
the domain's decision (`domain/escalation/policy.py` and `flows.py`); these resolvers translate."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import decode_id
from api.graphql.core.mutations import Payload, payload
from api.graphql.escalation.inputs import (
    CompleteOtherCasesReviewInput,
    RecordChildSafetyAssuranceInput,
    RecordOtherCaseOutcomeInput,
    RecordSupervisionReviewInput,
    SendExceptionReportInput,
)
from api.graphql.escalation.types import InadequateEscalation
from domain.core.roles import Actor
from domain.escalation import models
from domain.escalation import service as domain


@payload(
    "escalation",
    InadequateEscalation,
    description="The Inadequate process as it now is, or why nothing changed.",
    field_description="The process after the change; null if refused.",
    errors_description="Why nothing changed; empty on success.",
)
class InadequateEscalationPayload(Payload[models.InadequateEscalation]):
    pass


@strawberry.type(description="The steps of the Inadequate process, each by the person who owns it.")
class EscalationMutation:
    @strawberry.mutation(
        description="Record that the child is not at risk from the inadequate practice, or the "
        "actions taken (the Head of Service the audit was brought to)."
    )
    async def record_child_safety_assurance(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordChildSafetyAssuranceInput, strawberry.argument(description="The assurance.")
        ],
    ) -> InadequateEscalationPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> models.InadequateEscalation:
            return await domain.record_assurance(
                session=s,
                actor=a,
                clock=ctx.clock,
                escalation_id=decode_id(
                    input.escalation_id, "InadequateEscalation", "escalationId"
                ),
                outcome=input.outcome,
                detail=input.detail,
            )

        return await InadequateEscalationPayload.run(info, use_case)

    @strawberry.mutation(
        description="Record the outcome of reviewing one of the practitioner's other cases (the "
        "Head of Service or the Team Manager)."
    )
    async def record_other_case_outcome(
        self,
        info: Info[Context, None],
        input: Annotated[RecordOtherCaseOutcomeInput, strawberry.argument(description="The case.")],
    ) -> InadequateEscalationPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> models.InadequateEscalation:
            escalation_id = _escalation_id(input.escalation_id)
            await domain.record_other_case(
                session=s,
                actor=a,
                clock=ctx.clock,
                escalation_id=escalation_id,
                child_id=decode_id(input.child_id, "Child", "childId"),
                outcome=input.outcome,
                note=input.note,
            )
            return await domain.get_escalation(session=s, actor=a, escalation_id=escalation_id)

        return await InadequateEscalationPayload.run(info, use_case)

    @strawberry.mutation(
        description="Complete the review of the other cases, once each has an outcome (the Head "
        "of Service or the Team Manager)."
    )
    async def complete_other_cases_review(
        self,
        info: Info[Context, None],
        input: Annotated[
            CompleteOtherCasesReviewInput, strawberry.argument(description="The summary.")
        ],
    ) -> InadequateEscalationPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> models.InadequateEscalation:
            return await domain.complete_other_cases_review(
                session=s,
                actor=a,
                clock=ctx.clock,
                escalation_id=decode_id(
                    input.escalation_id, "InadequateEscalation", "escalationId"
                ),
                summary=input.summary,
            )

        return await InadequateEscalationPayload.run(info, use_case)

    @strawberry.mutation(
        description="Send the one-page exception report to the AED (the Head of Service). Its "
        "facts are frozen as sent; the reviews in supervision then fall due."
    )
    async def send_exception_report(
        self,
        info: Info[Context, None],
        input: Annotated[SendExceptionReportInput, strawberry.argument(description="Which.")],
    ) -> InadequateEscalationPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> models.InadequateEscalation:
            return await domain.send_exception_report(
                session=s,
                actor=a,
                clock=ctx.clock,
                escalation_id=decode_id(
                    input.escalation_id, "InadequateEscalation", "escalationId"
                ),
            )

        return await InadequateEscalationPayload.run(info, use_case)

    @strawberry.mutation(
        description="Record a monthly review of the case in supervision, in order, each in its own "
        "month after the exception report (the practitioner's supervisor). Before its month "
        "opens: `NOT_OPEN_YET`, saying the day; a second in one month, or a review recorded "
        "twice: `ALREADY_DONE`; a late one is accepted. The third plans the QA Lead's desk-top "
        "audit and tells the QA Lead."
    )
    async def record_supervision_review(
        self,
        info: Info[Context, None],
        input: Annotated[RecordSupervisionReviewInput, strawberry.argument(description="Review.")],
    ) -> InadequateEscalationPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> models.InadequateEscalation:
            escalation_id = _escalation_id(input.escalation_id)
            await domain.record_supervision_review(
                session=s,
                actor=a,
                clock=ctx.clock,
                escalation_id=escalation_id,
                number=input.number,
                held_on=input.held_on,
                notes=input.notes,
                policy_settings=ctx.settings.policy,
            )
            return await domain.get_escalation(session=s, actor=a, escalation_id=escalation_id)

        return await InadequateEscalationPayload.run(info, use_case)


def _escalation_id(value: strawberry.ID) -> uuid.UUID:
    return decode_id(value, "InadequateEscalation", "escalationId")
