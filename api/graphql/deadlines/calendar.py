"""The authority's closure days, as the front-end reads them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import node_ids
from domain.deadlines import models
from domain.deadlines import service as deadlines


@strawberry.type(
    description="A weekday on which the authority is closed although it is not a bank holiday; "
    "like weekends and bank holidays in England, it is not a working day, so deadlines counted "
    "in working days skip it."
)
class ClosureDay(relay.Node):
    id: relay.NodeID[str]
    day: date = strawberry.field(description="The day the authority is closed.")
    name: str = strawberry.field(description="Why, as staff should see it, e.g. 'Staff day'.")

    @classmethod
    def from_model(cls, m: models.ClosureDay) -> ClosureDay:
        return cls(id=str(m.id), day=m.day, name=m.name)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = _ids(node_ids)
        actor = info.context.actor
        if actor is None:
            return [None] * len(ids)
        async with info.context.session_factory() as session:
            found = await deadlines.get_closure_days(session=session, actor=actor, ids=ids)
        return [cls.from_model(found[i]) if i in found else None for i in ids]


def _ids(values: Iterable[str]) -> list[uuid.UUID]:
    return node_ids(list(values))
