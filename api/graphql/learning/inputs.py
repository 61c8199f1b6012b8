"""What the Task and Finish Group list and mutations are given."""

from __future__ import annotations

from datetime import date

import strawberry

from api.graphql.core.ids import decode_optional_id
from domain.learning import service as domain


@strawberry.input(description="Which Task and Finish Groups to list (always within what you see).")
class TaskAndFinishGroupFilter:
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this service's groups."
    )
    open_only: bool = strawberry.field(default=False, description="Only groups not yet closed.")

    def to_domain(self) -> domain.GroupFilter:
        return domain.GroupFilter(
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            open_only=self.open_only,
        )


@strawberry.input(description="A new Task and Finish Group.")
class CreateTaskAndFinishGroupInput:
    name: str = strawberry.field(description="The group's name.")
    purpose: str = strawberry.field(description="What it is set up to look into.")
    chair_id: strawberry.ID = strawberry.field(description="Who chairs it.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="The service it belongs to; leave out for the whole authority."
    )
    started_on: date | None = strawberry.field(
        default=None, description="The day it starts (today when left out)."
    )


@strawberry.input(description="A Task and Finish Group has finished.")
class CloseTaskAndFinishGroupInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    ended_on: date | None = strawberry.field(
        default=None, description="The day it ended (today when left out; not in the future)."
    )


@strawberry.input(description="A learning point from a Task and Finish Group.")
class RecordGroupLearningInput:
    group_id: strawberry.ID = strawberry.field(description="The group (open).")
    text: str = strawberry.field(description="The learning.")
    theme_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Themes to tag it with."
    )
    is_strength: bool = strawberry.field(
        default=False, description="True for a strength, false for an area to develop."
    )
