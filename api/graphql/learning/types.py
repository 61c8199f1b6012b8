"""Task and Finish Groups as the front-end sees them; their learning is `LearningPoint`, the
same type as an audit's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.audits import LearningPoint
from api.types.common import (
    CountedConnection,
    node_ids,
)
from api.types.organisation import Person, Service
from domain.learning import models
from domain.learning import service as learning


@strawberry.type(
    description="A Task and Finish Group: set up for a while, for a service or the whole "
    "authority, to look into something and report what it learned. Seen by the staff of its "
    "service (everyone on staff for an authority-wide group), its chair and whoever set it up; "
    "not by partner-agency members."
)
class TaskAndFinishGroup(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The group's name.")
    purpose: str = strawberry.field(description="What it was set up to look into.")
    started_on: date = strawberry.field(description="The day it started.")
    ended_on: date | None = strawberry.field(
        description="The day it ended; null while it is open. A closed group records no "
        "more learning."
    )
    is_open: bool = strawberry.field(description="True until the group is closed.")
    created_at: datetime = strawberry.field(description="When it was set up.")
    updated_at: datetime = strawberry.field(description="When it (or its learning) last changed.")
    model: strawberry.Private[models.TaskAndFinishGroup]

    @classmethod
    def from_model(cls, m: models.TaskAndFinishGroup) -> TaskAndFinishGroup:
        return cls(
            id=str(m.id),
            name=m.name,
            purpose=m.purpose,
            started_on=m.started_on,
            ended_on=m.ended_on,
            is_open=m.ended_on is None,
            created_at=m.created_at,
            updated_at=m.updated_at,
            model=m,
        )

    @strawberry.field(description="The service it belongs to; null for the whole authority.")
    async def service(self, info: Info[Context, None]) -> Service | None:
        if self.model.service_id is None:
            return None
        m = await info.context.loaders.service.load(self.model.service_id)
        return Service.from_model(m) if m else None

    @strawberry.field(description="Who chairs it.")
    async def chair(self, info: Info[Context, None]) -> Person | None:
        m = await info.context.loaders.person.load(self.model.chair_id)
        return Person.from_model(m) if m else None

    @strawberry.field(description="Who set it up.")
    async def created_by(self, info: Info[Context, None]) -> Person | None:
        if self.model.created_by_id is None:
            return None
        m = await info.context.loaders.person.load(self.model.created_by_id)
        return Person.from_model(m) if m else None

    @strawberry.field(description="What it learned, oldest first.")
    async def learning_points(self, info: Info[Context, None]) -> list[LearningPoint]:
        found = await info.context.loaders.learning_of_group.load(self.model.id)
        return [LearningPoint.from_model(p) for p in found]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = _uuids(node_ids)
        actor = info.context.actor
        if actor is None:
            return [None] * len(ids)
        async with info.context.session_factory() as session:
            found = await learning.get_groups(session=session, actor=actor, ids=ids)
        return [cls.from_model(found[i]) if i in found else None for i in ids]


def _uuids(values: Iterable[str]) -> list[Any]:
    return node_ids(list(values))


@strawberry.type(description="A page of Task and Finish Groups, the most recently started first.")
class TaskAndFinishGroupConnection(CountedConnection[TaskAndFinishGroup]):
    pass
