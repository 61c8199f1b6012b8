"""Working days and closure days: queries and mutations, merged into the schema's Query and
Mutation. The front-end shows due dates with `workingDaysAfter`, the rule every deadline in
the domain uses, so that both always agree."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated, UserError
from api.graphql.core.ids import decode_id
from api.graphql.core.mutations import mutate
from api.graphql.core.pagination import read
from api.graphql.deadlines.calendar import ClosureDay
from domain.deadlines import service as deadlines
from domain.people.roles import Actor


@strawberry.type(description="What the front-end reads about working days.")
class CalendarQuery:
    @strawberry.field(
        description="The authority's closure days, by day (staff).",
        permission_classes=[IsAuthenticated],
    )
    async def closure_days(
        self,
        info: Info[Context, None],
        since: Annotated[
            date | None, strawberry.argument(description="From this day (included).")
        ] = None,
        until: Annotated[
            date | None, strawberry.argument(description="To this day (included).")
        ] = None,
    ) -> list[ClosureDay]:
        found = await read(
            info,
            lambda s, a: deadlines.list_closure_days(session=s, actor=a, since=since, until=until),
        )
        return [ClosureDay.from_model(m) for m in found]

    @strawberry.field(
        description="When something is due a number of working days after a moment: the end "
        "(23:59:59.999999 in London) of that working day after the moment's day in London, "
        "which itself never counts; 0 days is the end of that day if it is a working day, "
        "else of the next. Working days are Monday to Friday, not bank holidays in England, "
        "not closure days. The same rule as every deadline the service keeps.",
        permission_classes=[IsAuthenticated],
    )
    async def working_days_after(
        self,
        info: Info[Context, None],
        moment: Annotated[
            datetime,
            strawberry.argument(description="The moment counted from, with its offset."),
        ],
        days: Annotated[int, strawberry.argument(description="How many working days: 0 to 1000.")],
    ) -> datetime:
        return await read(
            info,
            lambda s, a: deadlines.working_days_after(session=s, actor=a, moment=moment, days=days),
        )


@strawberry.input(description="A closure day to add.")
class AddClosureDayInput:
    day: date = strawberry.field(
        description="A weekday that is not a bank holiday in England, on which the authority "
        "is closed."
    )
    name: str = strawberry.field(description="Why, as staff should see it.")


@strawberry.input(description="The closure day to remove.")
class RemoveClosureDayInput:
    id: strawberry.ID = strawberry.field(description="The closure day.")


@strawberry.type(description="The closure day, or why nothing changed.")
class ClosureDayPayload:
    closure_day: ClosureDay | None = strawberry.field(
        description="The closure day (as it was, when removed), when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


def _payload(result: Any, errors: list[UserError]) -> ClosureDayPayload:
    return ClosureDayPayload(
        closure_day=ClosureDay.from_model(result) if result is not None else None, errors=errors
    )


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
        result, errors = await mutate(
            info,
            lambda s, a: deadlines.add_closure_day(
                session=s, actor=a, clock=ctx.clock, day=input.day, name=input.name
            ),
        )
        return _payload(result, errors)

    @strawberry.mutation(
        description="Remove a closure day: it is a working day again (administrators)."
    )
    async def remove_closure_day(
        self,
        info: Info[Context, None],
        input: Annotated[RemoveClosureDayInput, strawberry.argument(description="What to change.")],
    ) -> ClosureDayPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await deadlines.remove_closure_day(
                session=s,
                actor=a,
                clock=ctx.clock,
                closure_day_id=decode_id(input.id, "ClosureDay", "id"),
            )

        return _payload(*await mutate(info, use_case))
