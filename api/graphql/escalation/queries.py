"""What the front-end reads about Inadequate processes."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.pagination import After, First, Narrow, connection
from api.graphql.escalation.inputs import InadequateEscalationFilter
from api.graphql.escalation.types import InadequateEscalation, InadequateEscalationConnection
from domain.core.pagination import Page
from domain.core.roles import Actor
from domain.escalation import models
from domain.escalation import service as domain


@strawberry.type(description="What the front-end reads about Inadequate processes.")
class EscalationQuery:
    @strawberry.field(
        description="Inadequate processes you may see, most recently started first.",
        permission_classes=[IsAuthenticated],
    )
    async def inadequate_escalations(
        self,
        info: Info[Context, None],
        filter: Annotated[InadequateEscalationFilter | None, Narrow] = None,
        first: First = None,
        after: After = None,
    ) -> InadequateEscalationConnection:
        flt = filter or InadequateEscalationFilter()

        async def lister(s: AsyncSession, a: Actor) -> Page[models.InadequateEscalation]:
            return await domain.list_escalations(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            )

        async def counter(s: AsyncSession, a: Actor) -> int:
            return await domain.count_escalations(session=s, actor=a, filters=flt.to_domain())

        return await connection(
            info, InadequateEscalationConnection, InadequateEscalation.from_model, lister, counter
        )
