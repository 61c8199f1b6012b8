"""The children queries: the children you may see."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.children.inputs import ChildrenFilter
from api.graphql.children.types import Child, ChildConnection
from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.pagination import After, First, Narrow, filtered_connection
from domain.children import service as children


@strawberry.type(description="The children queries.")
class ChildrenQuery:
    @strawberry.field(
        description="Children you may see (by your roles and their scopes), by case reference.",
        permission_classes=[IsAuthenticated],
    )
    async def children(
        self,
        info: Info[Context, None],
        filter: Annotated[ChildrenFilter | None, Narrow] = None,
        first: First = None,
        after: After = None,
    ) -> ChildConnection:
        flt = filter or ChildrenFilter()
        return await filtered_connection(
            info,
            ChildConnection,
            Child.from_model,
            flt.to_domain,
            children.list_children,
            children.count_children,
            first,
            after,
        )
