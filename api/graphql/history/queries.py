"""The history queries: the record of changes."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.pagination import After, First, Narrow, filtered_connection
from api.graphql.history.inputs import HistoryFilter
from api.graphql.history.types import HistoryEntry, HistoryEntryConnection
from domain.history import service as history


@strawberry.type(description="The history queries.")
class HistoryQuery:
    @strawberry.field(
        description="The record of changes, newest first: for administrators (not child-linked "
        "records) and the QA Lead (everything).",
        permission_classes=[IsAuthenticated],
    )
    async def history(
        self,
        info: Info[Context, None],
        filter: Annotated[HistoryFilter | None, Narrow] = None,
        first: First = None,
        after: After = None,
    ) -> HistoryEntryConnection:
        flt = filter or HistoryFilter()
        return await filtered_connection(
            info,
            HistoryEntryConnection,
            HistoryEntry.from_model,
            flt.to_domain,
            history.list_history,
            history.count_history,
            first,
            after,
        )
