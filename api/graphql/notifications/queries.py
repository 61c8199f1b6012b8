"""What the front-end reads about your notifications."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.pagination import After, First, connection, read
from api.graphql.notifications.types import Notification, NotificationConnection
from domain.notifications import service as domain


@strawberry.type(description="What the front-end reads about your notifications.")
class NotificationQuery:
    @strawberry.field(
        description="Your notifications, newest first.", permission_classes=[IsAuthenticated]
    )
    async def my_notifications(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        unread_only: Annotated[
            bool, strawberry.argument(description="Only those not yet marked read.")
        ] = False,
    ) -> NotificationConnection:
        return await connection(
            info,
            NotificationConnection,
            Notification.from_model,
            lambda s, a: domain.list_my_notifications(
                session=s, actor=a, unread_only=unread_only, first=first, after=after
            ),
            lambda s, a: domain.count_my_notifications(session=s, actor=a, unread_only=unread_only),
        )

    @strawberry.field(
        description="How many of your notifications are unread.",
        permission_classes=[IsAuthenticated],
    )
    async def unread_notification_count(self, info: Info[Context, None]) -> int:
        return await read(info, lambda s, a: domain.unread_count(session=s, actor=a))
