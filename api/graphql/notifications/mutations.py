"""Changes to your notifications: marking them read, and the hour of your daily digest. Only the
recipient marks a notification (`domain/notifications/policy.py`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import UserError
from api.graphql.core.ids import decode_id
from api.graphql.core.mutations import Payload, mutate, payload
from api.graphql.notifications.inputs import MarkNotificationsReadInput
from api.graphql.notifications.types import Notification
from api.graphql.people.types import Person
from domain.core.roles import Actor
from domain.notifications import models
from domain.notifications import service as domain
from domain.people import models as people


@strawberry.type(description="The notifications marked read, or why nothing changed.")
class MarkNotificationsReadPayload:
    notifications: list[Notification] = strawberry.field(
        description="The notifications named (with `all`: those just marked), as they now are."
    )
    unread_count: int | None = strawberry.field(
        description="How many unread notifications you have now; null when nothing changed."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@payload(
    "person",
    Person,
    description="Your choice of digest hour, or why nothing changed.",
    field_description="You, with `digestHour` as it now is, when it succeeded.",
)
class SetDigestHourPayload(Payload[people.Person]):
    pass


@strawberry.type(description="Changes to your notifications.")
class NotificationMutation:
    @strawberry.mutation(description="Mark some or all of your notifications read.")
    async def mark_notifications_read(
        self,
        info: Info[Context, None],
        input: Annotated[
            MarkNotificationsReadInput, strawberry.argument(description="What to change.")
        ],
    ) -> MarkNotificationsReadPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> tuple[list[models.Notification], int]:
            ids = [decode_id(i, "Notification", "ids") for i in input.ids or []]
            marked = await domain.mark_read(
                session=s, actor=a, clock=clock, ids=ids, all=bool(input.all)
            )
            return marked, await domain.unread_count(session=s, actor=a)

        result, errors = await mutate(info, use_case)
        if result is None:
            return MarkNotificationsReadPayload(notifications=[], unread_count=None, errors=errors)
        marked, unread = result
        return MarkNotificationsReadPayload(
            notifications=[Notification.from_model(m) for m in marked],
            unread_count=unread,
            errors=errors,
        )

    @strawberry.mutation(
        description="Choose the hour at which you get your daily digest of reminders by email, "
        "so they do not come one by one; null to get each reminder by email as it comes "
        "(the default). Reminders still appear in the application at once either way."
    )
    async def set_digest_hour(
        self,
        info: Info[Context, None],
        hour: Annotated[
            int | None,
            strawberry.argument(
                description="The hour, 0 to 23 in UK time (Europe/London): from then each day "
                "you get one email listing the reminders since your last; null for an email "
                "per reminder."
            ),
        ] = None,
    ) -> SetDigestHourPayload:
        clock = info.context.clock
        return await SetDigestHourPayload.run(
            info, lambda s, a: domain.set_digest_hour(session=s, actor=a, clock=clock, hour=hour)
        )
