"""Setting up a Task and Finish Group, recording its learning and closing it. Who may do what is
the domain's decision (`domain/learning/policy.py`); these resolvers translate."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.context import Context
from api.graphql.learning.inputs import (
    CloseTaskAndFinishGroupInput,
    CreateTaskAndFinishGroupInput,
    RecordGroupLearningInput,
)
from api.graphql.learning.types import TaskAndFinishGroup
from api.types.audits import LearningPoint
from api.types.common import (
    UserError,
    decode_id,
    decode_optional_id,
    mutate,
)
from domain.learning import service as domain
from domain.people.roles import Actor


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
