"""A person's in-app notifications as they see them. Only the recipient reads a notification
(`domain/notifications/policy.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import global_id
from api.graphql.core.ids import node_ids as node_ids_of
from api.graphql.core.pagination import CountedConnection
from api.graphql.notifications.enums import NotificationKind
from api.graphql.notifications.loaders import NOTIFICATION
from domain.notifications import links, models


@strawberry.type(
    description="Something the service tells you in the application (the same is also sent "
    "to you by email: as it comes, or in your daily digest if you chose an hour for one). "
    "Only you see your notifications."
)
class Notification(relay.Node):
    id: relay.NodeID[str]
    kind: NotificationKind = strawberry.field(description="Why you are told.")
    title: str = strawberry.field(description="A short heading.")
    body: str = strawberry.field(description="What you are told, in a sentence or two.")
    subject_type: str = strawberry.field(
        description="The type of object it is about, e.g. `Obligation`."
    )
    subject_id: strawberry.ID = strawberry.field(
        description="The global id of the object it is about (read it with `node(id:)`)."
    )
    created_at: datetime = strawberry.field(description="When you were told.")
    read_at: datetime | None = strawberry.field(
        description="When you marked it read; null while unread."
    )
    link_path: strawberry.Private[str]

    @strawberry.field(
        description="The address of what it is about in the front-end, to open from the "
        "notification: `FRONTEND_BASE_URL` followed by the page of the object (an audit, an "
        "Inadequate process, a complaint…; the paths are listed in docs/links.md), e.g. "
        "`https://qa.example.org/escalations/<global id>`. The same link ends the email."
    )
    def link(self, info: Info[Context, None]) -> str:
        return links.absolute(self.link_path, info.context.settings.frontend_base_url)

    @classmethod
    def from_model(cls, m: models.Notification) -> Notification:
        return cls(
            # Older notifications have no path of their own: their subject's page.
            link_path=m.link_path or links.path_for(m.subject_type, m.subject_id) or "/",
            id=str(m.id),
            kind=NotificationKind(m.kind),
            title=m.title,
            body=m.body,
            subject_type=m.subject_type,
            subject_id=global_id(m.subject_type, m.subject_id),
            created_at=m.created_at,
            read_at=m.read_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await NOTIFICATION.load_many(info, node_ids_of(node_ids))
        return [cls.from_model(m) if m else None for m in found]


@strawberry.type(description="A page of your notifications, newest first.")
class NotificationConnection(CountedConnection[Notification]):
    pass
