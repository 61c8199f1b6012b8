"""Setting up a Task and Finish Group, recording its learning and closing it. Who may do what is
the domain's decision (`domain/learning/policy.py`); these resolvers translate."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.audits.types import LearningPoint
from api.graphql.core.context import Context
from api.graphql.core.ids import decode_id, decode_ids, decode_optional_id
from api.graphql.core.mutations import Payload, payload
from api.graphql.learning.inputs import (
    CloseTaskAndFinishGroupInput,
    CreateTaskAndFinishGroupInput,
    RecordGroupLearningInput,
)
from api.graphql.learning.types import TaskAndFinishGroup
from domain.audits import models as audits
from domain.learning import models
from domain.learning import service as domain

NOTHING_CHANGED = "Why nothing changed; empty on success."


@payload(
    "group",
    TaskAndFinishGroup,
    description="The Task and Finish Group, or why nothing changed.",
    field_description="The group after the change; null if refused.",
    errors_description=NOTHING_CHANGED,
)
class TaskAndFinishGroupPayload(Payload[models.TaskAndFinishGroup]):
    pass


@payload(
    "learning_point",
    LearningPoint,
    description="The learning point recorded, or why nothing changed.",
    field_description="The learning point, when it succeeded.",
    errors_description=NOTHING_CHANGED,
)
class GroupLearningPayload(Payload[audits.LearningPoint]):
    pass


def _group_id(value: strawberry.ID) -> uuid.UUID:
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
        clock = info.context.clock
        return await TaskAndFinishGroupPayload.run(
            info,
            lambda s, a: domain.create_group(
                session=s,
                actor=a,
                clock=clock,
                details=domain.GroupDetails(
                    name=input.name,
                    purpose=input.purpose,
                    chair_id=decode_id(input.chair_id, "Person", "chairId"),
                    service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
                    started_on=input.started_on,
                ),
            ),
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
        clock = info.context.clock
        return await TaskAndFinishGroupPayload.run(
            info,
            lambda s, a: domain.close_group(
                session=s,
                actor=a,
                clock=clock,
                group_id=_group_id(input.group_id),
                ended_on=input.ended_on,
            ),
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
        clock = info.context.clock
        return await GroupLearningPayload.run(
            info,
            lambda s, a: domain.record_learning(
                session=s,
                actor=a,
                clock=clock,
                group_id=_group_id(input.group_id),
                text=input.text,
                theme_ids=decode_ids(input.theme_ids, "Theme", "themeIds"),
                is_strength=input.is_strength,
            ),
        )
