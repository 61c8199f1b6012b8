"""Task and Finish Groups: the list, and the mutations that set one up, record its learning
and close it. Who may do what is the domain's decision (`domain/learning/policy.py`); these
resolvers translate. Group learning is also listed with every other learning point by
`learningPoints` (api/audits_schema.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.context import Context
from api.types.audits import After, First, LearningPoint
from api.types.common import (
    IsAuthenticated,
    UserError,
    connection,
    decode_id,
    decode_optional_id,
    mutate,
)
from api.types.learning import TaskAndFinishGroup, TaskAndFinishGroupConnection
from domain.learning import service as domain
from domain.people.roles import Actor


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


@strawberry.type(description="The Task and Finish Group, or why nothing changed.")
class TaskAndFinishGroupPayload:
    group: TaskAndFinishGroup | None = strawberry.field(
        description="The group after the change; null if refused."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="The learning point recorded, or why nothing changed.")
class GroupLearningPayload:
    learning_point: LearningPoint | None = strawberry.field(
        description="The learning point, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


def _group_id(value: strawberry.ID) -> Any:
    return decode_id(value, "TaskAndFinishGroup", "groupId")


@strawberry.type(description="Setting up, running and closing Task and Finish Groups.")
class LearningMutation:
    @strawberry.mutation(
        description="Set up a Task and Finish Group (the QA Lead, the PSW, the AED, the DCS, or "
        "a Head of Service for their service)."
    )
    async def create_task_and_finish_group(
        self,
        info: Info[Context, None],
        input: Annotated[
            CreateTaskAndFinishGroupInput, strawberry.argument(description="The group.")
        ],
    ) -> TaskAndFinishGroupPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.create_group(
                session=s,
                actor=a,
                clock=ctx.clock,
                details=domain.GroupDetails(
                    name=input.name,
                    purpose=input.purpose,
                    chair_id=decode_id(input.chair_id, "Person", "chairId"),
                    service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
                    started_on=input.started_on,
                ),
            )

        result, errors = await mutate(info, use_case)
        return TaskAndFinishGroupPayload(
            group=TaskAndFinishGroup.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Close a Task and Finish Group (its chair, or those who may set it up): it "
        "records no more learning."
    )
    async def close_task_and_finish_group(
        self,
        info: Info[Context, None],
        input: Annotated[CloseTaskAndFinishGroupInput, strawberry.argument(description="Which.")],
    ) -> TaskAndFinishGroupPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.close_group(
                session=s,
                actor=a,
                clock=ctx.clock,
                group_id=_group_id(input.group_id),
                ended_on=input.ended_on,
            )

        result, errors = await mutate(info, use_case)
        return TaskAndFinishGroupPayload(
            group=TaskAndFinishGroup.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation(
        description="Record a learning point from an open Task and Finish Group, tagged with "
        "themes (its chair, or those who may set it up)."
    )
    async def record_group_learning(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordGroupLearningInput, strawberry.argument(description="The learning point.")
        ],
    ) -> GroupLearningPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.record_learning(
                session=s,
                actor=a,
                clock=ctx.clock,
                group_id=_group_id(input.group_id),
                text=input.text,
                theme_ids=[
                    decode_id(t, "Theme", f"themeIds[{i}]") for i, t in enumerate(input.theme_ids)
                ],
                is_strength=input.is_strength,
            )

        result, errors = await mutate(info, use_case)
        return GroupLearningPayload(
            learning_point=LearningPoint.from_model(result) if result else None, errors=errors
        )
