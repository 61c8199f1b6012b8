"""What the front-end reads about deadlines: obligations and working days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.pagination import After, First, Narrow, connection, read
from api.graphql.deadlines.inputs import ObligationFilter
from api.graphql.deadlines.types import (
    ClosureDay,
    Obligation,
    ObligationConnection,
)
from domain.core.roles import Actor
from domain.deadlines import obligations as domain
from domain.deadlines import service as deadlines


@strawberry.type(description="What the front-end reads about obligations.")
class ObligationQuery:
    @strawberry.field(
        description="Obligations you may see, soonest due first: your own and those of the "
        "people you line-manage (and theirs); every one for the QA Lead and roles held for the "
        "whole authority; none for administrators and partner-agency members.",
        permission_classes=[IsAuthenticated],
    )
    async def obligations(
        self,
        info: Info[Context, None],
        filter: Annotated[ObligationFilter | None, Narrow] = None,
        first: First = None,
        after: After = None,
    ) -> ObligationConnection:
        now = info.context.clock.now()
        flt = filter or ObligationFilter()
        return await connection(
            info,
            ObligationConnection,
            lambda m: Obligation.from_model(m, now),
            lambda s, a: domain.list_obligations(
                session=s, actor=a, filters=flt.to_domain(now), first=first, after=after
            ),
            lambda s, a: domain.count_obligations(session=s, actor=a, filters=flt.to_domain(now)),
        )

    @strawberry.field(
        description="What you must do, soonest due first: your open obligations, or all of "
        "yours with `includeClosed`.",
        permission_classes=[IsAuthenticated],
    )
    async def my_obligations(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        include_closed: Annotated[
            bool, strawberry.argument(description="Also those done or cancelled.")
        ] = False,
    ) -> ObligationConnection:
        now = info.context.clock.now()

        def mine(actor: Actor) -> domain.ObligationFilter:
            return domain.my_obligations(actor, include_closed=include_closed)

        return await connection(
            info,
            ObligationConnection,
            lambda m: Obligation.from_model(m, now),
            lambda s, a: domain.list_obligations(
                session=s, actor=a, filters=mine(a), first=first, after=after
            ),
            lambda s, a: domain.count_obligations(session=s, actor=a, filters=mine(a)),
        )


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
