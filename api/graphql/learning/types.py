"""Task and Finish Groups as the front-end sees them; their learning is `LearningPoint`, the
same type as an audit's."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.audits.types import LearningPoint
from api.graphql.core.context import Context
from api.graphql.core.ids import node_ids as node_ids_of
from api.graphql.core.pagination import CountedConnection
from api.graphql.learning.loaders import LEARNING_OF_GROUP, TASK_AND_FINISH_GROUP
from api.graphql.people.loaders import PERSON, SERVICE
from api.graphql.people.types import Person, Service
from domain.learning import models


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
        m = await SERVICE.load(info, self.model.service_id)
        return Service.from_model(m) if m else None

    @strawberry.field(description="Who chairs it.")
    async def chair(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.model.chair_id)

    @strawberry.field(description="Who set it up.")
    async def created_by(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.model.created_by_id)

    @strawberry.field(description="What it learned, oldest first.")
    async def learning_points(self, info: Info[Context, None]) -> list[LearningPoint]:
        found = await LEARNING_OF_GROUP.load(info, self.model.id)
        return [LearningPoint.from_model(p) for p in found]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await TASK_AND_FINISH_GROUP.load_many(info, node_ids_of(node_ids))
        return [cls.from_model(m) if m else None for m in found]


@strawberry.type(description="A page of Task and Finish Groups, the most recently started first.")
class TaskAndFinishGroupConnection(CountedConnection[TaskAndFinishGroup]):
    pass


async def _person(info: Info[Context, None], person_id: uuid.UUID | None) -> Person | None:
    m = await PERSON.load(info, person_id) if person_id else None
    return Person.from_model(m) if m else None
