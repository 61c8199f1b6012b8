"""History entries: the append-only record of every change."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import global_id
from api.graphql.core.pagination import CountedConnection
from api.graphql.people.types import Person, load_person
from domain.core.numbers import ascii_int
from domain.history import models
from domain.history import service as history


@strawberry.type(description="One change: who made it, what it was, to which object, and when.")
class HistoryEntry(relay.Node):
    id: relay.NodeID[str]
    occurred_at: datetime = strawberry.field(description="When the change was committed.")
    actor_label: str = strawberry.field(
        description="Who made the change as recorded then ('system' for the CLI and workers)."
    )
    action: str = strawberry.field(description="What happened, e.g. `person.created`.")
    object_type: str = strawberry.field(description="The GraphQL type of the changed object.")
    object_id: strawberry.ID = strawberry.field(description="The global id of the changed object.")
    changes: JSON = strawberry.field(description="Each changed field as [before, after].")
    request_id: str | None = strawberry.field(
        description="The id of the request or job that made the change, for tracing."
    )
    actor_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, m: models.HistoryEntry) -> HistoryEntry:
        return cls(
            id=str(m.id),
            occurred_at=m.occurred_at,
            actor_label=m.actor_label,
            action=m.action,
            object_type=m.object_type,
            object_id=global_id(m.object_type, m.object_id),
            changes=cast(JSON, m.changes),
            request_id=m.request_id,
            actor_id=m.actor_id,
        )

    @strawberry.field(description="The person who made the change, if a person did.")
    async def actor(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.actor_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        parsed = (ascii_int(i, max_digits=18) for i in node_ids)
        ids = [i for i in parsed if i is not None]
        actor = info.context.actor
        if actor is None:
            return [None] * len(ids)
        async with info.context.session_factory() as session:
            found = await history.get_entries(session=session, actor=actor, ids=ids)
        return [cls.from_model(found[i]) if i in found else None for i in ids]


@strawberry.type(description="A page of history, newest first.")
class HistoryEntryConnection(CountedConnection[HistoryEntry]):
    pass
