"""Obligations: queries, merged into the schema's Query. Who sees which is the domain
policy's decision (`domain/deadlines/policy.py`); whether one is overdue is the domain's too,
by the request's clock."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.ids import decode_optional_id
from api.graphql.core.pagination import After, First, connection
from api.graphql.deadlines.obligations import (
    Obligation,
    ObligationConnection,
    ObligationKind,
    ObligationState,
)
from domain.deadlines import models
from domain.deadlines import obligations as domain
from domain.people.roles import Actor


@strawberry.input(description="Which obligations to list (always within what you may see).")
class ObligationFilter:
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this person's obligations."
    )
    states: list[ObligationState] | None = strawberry.field(
        default=None, description="Only these states (all when left out)."
    )
    kinds: list[ObligationKind] | None = strawberry.field(
        default=None, description="Only these kinds (all when left out)."
    )
    due_before: datetime | None = strawberry.field(
        default=None, description="Only those due before this moment."
    )
    overdue_only: bool = strawberry.field(
        default=False,
        description="Only those still open after the moment they were due, by the service's clock.",
    )

    def to_domain(self, now: datetime) -> domain.ObligationFilter:
        return domain.ObligationFilter(
            owner_id=decode_optional_id(self.owner_id, "Person", "ownerId"),
            states=tuple(models.ObligationState(s.name) for s in self.states or ()),
            kinds=tuple(models.ObligationKind(k.name) for k in self.kinds or ()),
            due_before=self.due_before,
            overdue_at=now if self.overdue_only else None,
        )


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
        filter: Annotated[
            ObligationFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
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
