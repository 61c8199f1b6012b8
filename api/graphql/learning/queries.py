"""Task and Finish Groups as the front-end reads them. Group learning is also listed with every
other learning point by `learningPoints` (the audits' queries)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.context import Context
from api.graphql.learning.inputs import TaskAndFinishGroupFilter
from api.graphql.learning.types import TaskAndFinishGroup, TaskAndFinishGroupConnection
from api.types.audits import After, First
from api.types.common import (
    IsAuthenticated,
    connection,
)
from domain.learning import service as domain
from domain.people.roles import Actor


@strawberry.type(description="Task and Finish Groups as the front-end reads them.")
class LearningQuery:
    @strawberry.field(
        description="Task and Finish Groups you may see, the most recently started first.",
        permission_classes=[IsAuthenticated],
    )
    async def task_and_finish_groups(
        self,
        info: Info[Context, None],
        filter: Annotated[
            TaskAndFinishGroupFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> TaskAndFinishGroupConnection:
        flt = filter or TaskAndFinishGroupFilter()

        async def lister(s: AsyncSession, a: Actor) -> Any:
            return await domain.list_groups(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            )

        async def counter(s: AsyncSession, a: Actor) -> int:
            return await domain.count_groups(session=s, actor=a, filters=flt.to_domain())

        return await connection(
            info, TaskAndFinishGroupConnection, TaskAndFinishGroup.from_model, lister, counter
        )
