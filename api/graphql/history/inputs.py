"""The history inputs: which changes to list."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from api.graphql.core.ids import decode_optional_id, parse_global_id
from domain.core.errors import InvalidInput
from domain.history import service as history


@strawberry.input(description="Which history to list.")
class HistoryFilter:
    object_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes to this object (any type's global id)."
    )
    actor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes made by this person."
    )
    action: str | None = strawberry.field(
        default=None, description="Only this action, e.g. `person.updated`."
    )
    since: datetime | None = strawberry.field(default=None, description="From this moment.")
    until: datetime | None = strawberry.field(default=None, description="Before this moment.")

    def to_domain(self) -> history.HistoryFilter:
        object_type, object_id = None, None
        if self.object_id is not None:
            parsed = parse_global_id(self.object_id)
            if parsed is None or not isinstance(parsed[1], uuid.UUID):
                raise InvalidInput(
                    "That is not the id of an object with a history.", field="objectId"
                )
            object_type, object_id = parsed[0], parsed[1]
        return history.HistoryFilter(
            object_id=object_id,
            object_type=object_type,
            actor_id=decode_optional_id(self.actor_id, "Person", "actorId"),
            action=self.action,
            since=self.since,
            until=self.until,
        )
