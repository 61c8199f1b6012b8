"""Changes to the working calendar: closure days."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import decode_id
from api.graphql.core.mutations import Payload, payload
from api.graphql.deadlines.inputs import AddClosureDayInput, RemoveClosureDayInput
from api.graphql.deadlines.types import (
    ClosureDay,
)
from domain.core.roles import Actor
from domain.deadlines import models as deadline_models
from domain.deadlines import service as deadlines


@payload(
    "closure_day",
    ClosureDay,
    description="The closure day, or why nothing changed.",
    field_description="The closure day (as it was, when removed), when it succeeded.",
)
class ClosureDayPayload(Payload[deadline_models.ClosureDay]):
    pass


@strawberry.type(description="Changes to the working calendar.")
class CalendarMutation:
    @strawberry.mutation(
        description="Add a closure day, which is then not a working day (administrators)."
    )
    async def add_closure_day(
        self,
        info: Info[Context, None],
        input: Annotated[AddClosureDayInput, strawberry.argument(description="What to change.")],
    ) -> ClosureDayPayload:
        ctx = info.context
        return await ClosureDayPayload.run(
            info,
            lambda s, a: deadlines.add_closure_day(
                session=s, actor=a, clock=ctx.clock, day=input.day, name=input.name
            ),
        )

    @strawberry.mutation(
        description="Remove a closure day: it is a working day again (administrators)."
    )
    async def remove_closure_day(
        self,
        info: Info[Context, None],
        input: Annotated[RemoveClosureDayInput, strawberry.argument(description="What to change.")],
    ) -> ClosureDayPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> deadline_models.ClosureDay:
            return await deadlines.remove_closure_day(
                session=s,
                actor=a,
                clock=ctx.clock,
                closure_day_id=decode_id(input.id, "ClosureDay", "id"),
            )

        return await ClosureDayPayload.run(info, use_case)
