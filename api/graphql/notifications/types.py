"""A person's in-app notifications as they see them. Only the recipient reads a notification
(`domain/notifications/policy.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.common import (
    CountedConnection,
    global_id,
    node_ids,
)
from domain.notifications import links, models
from domain.notifications import policy as notification_policy


@strawberry.enum(description="Why you are told.")
class NotificationKind(Enum):
    REMINDER_BEFORE = strawberry.enum_value(
        "REMINDER_BEFORE",
        description="Something you must do is due in a few working days (a policy setting).",
    )
    REMINDER_DUE_TODAY = strawberry.enum_value(
        "REMINDER_DUE_TODAY", description="Something you must do is due by the end of today."
    )
    OVERDUE = strawberry.enum_value(
        "OVERDUE",
        description="Something is overdue: yours, or, as a line manager (directly or further "
        "up the line), that of someone you manage.",
    )
    INADEQUATE_CONFIRMED = strawberry.enum_value(
        "INADEQUATE_CONFIRMED",
        description="As Head of Service: the QA Lead confirmed an audit in your service as "
        "Inadequate; the subject is the `InadequateEscalation`.",
    )
    EXCEPTION_REPORT = strawberry.enum_value(
        "EXCEPTION_REPORT",
        description="As AED: an exception report on an Inadequate audit was sent to you; the "
        "subject is the `InadequateEscalation`.",
    )
    INADEQUATE_TO_MODERATE = strawberry.enum_value(
        "INADEQUATE_TO_MODERATE",
        description="As QA Lead: an audit was completed (or amended) as Inadequate and is yours "
        "to moderate; the subject is the `InadequateEscalation`.",
    )
    INADEQUATE_PROCESS_ENDED = strawberry.enum_value(
        "INADEQUATE_PROCESS_ENDED",
        description="As Head of Service or QA Lead (or AED, if its report had reached you): an "
        "Inadequate process ended because the audit was regraded (its exception report is "
        "withdrawn); the subject is the `InadequateEscalation`.",
    )
    DESK_TOP_AUDIT_PLANNED = strawberry.enum_value(
        "DESK_TOP_AUDIT_PLANNED",
        description="As QA Lead: the third review in supervision is done and your desk-top "
        "audit, which closes the Inadequate process, is planned; the subject is the "
        "`InadequateEscalation`.",
    )


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
        ids = _ids(node_ids)
        actor = info.context.actor
        if actor is None or not ids:
            return [None] * len(ids)
        async with info.context.session_factory() as session:
            rows = await session.scalars(
                select(models.Notification).where(
                    models.Notification.id.in_(ids), notification_policy.own_notifications(actor)
                )
            )
            found = {m.id: m for m in rows}
        return [cls.from_model(found[i]) if i in found else None for i in ids]


def _ids(values: Iterable[str]) -> list[uuid.UUID]:
    return node_ids(list(values))


@strawberry.type(description="A page of your notifications, newest first.")
class NotificationConnection(CountedConnection[Notification]):
    pass
