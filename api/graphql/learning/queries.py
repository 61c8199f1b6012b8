"""Task and Finish Groups as the front-end reads them. Group learning is also listed with every
other learning point by `learningPoints` (the audits' queries)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.pagination import After, First, connection
from api.graphql.learning.inputs import TaskAndFinishGroupFilter
from api.graphql.learning.types import TaskAndFinishGroup, TaskAndFinishGroupConnection
from domain.learning import service as domain


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
        return await connection(
            info,
            TaskAndFinishGroupConnection,
            TaskAndFinishGroup.from_model,
            lambda s, a: domain.list_groups(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            ),
            lambda s, a: domain.count_groups(session=s, actor=a, filters=flt.to_domain()),
        )
