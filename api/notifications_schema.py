"""A person's in-app notifications: queries and a mutation, merged into the schema's Query
and Mutation. Only the recipient reads or marks a notification (domain/notifications/policy.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.audits import After, First
from api.types.common import (
    CountedConnection,
    IsAuthenticated,
    UserError,
    connection,
    decode_id,
    global_id,
    mutate,
    node_ids,
    read,
)
from api.types.organisation import Person
from domain.notifications import links, models
from domain.notifications import policy as notification_policy
from domain.notifications import service as domain
from domain.people.roles import Actor


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


@strawberry.input(description="Which of your notifications to mark read: `ids` or `all`.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="These notifications (at most 100), all of them yours."
    )
    all: bool | None = strawberry.field(
        default=None, description="True to mark every unread notification of yours read."
    )


@strawberry.type(description="The notifications marked read, or why nothing changed.")
class MarkNotificationsReadPayload:
    notifications: list[Notification] = strawberry.field(
        description="The notifications named (with `all`: those just marked), as they now are."
    )
    unread_count: int | None = strawberry.field(
        description="How many unread notifications you have now; null when nothing changed."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.type(description="Your choice of digest hour, or why nothing changed.")
class SetDigestHourPayload:
    person: Person | None = strawberry.field(
        description="You, with `digestHour` as it now is, when it succeeded."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


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
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> tuple[list[Any], int]:
            ids = [decode_id(i, "Notification", "ids") for i in input.ids or []]
            marked = await domain.mark_read(
                session=s, actor=a, clock=ctx.clock, ids=ids, all=bool(input.all)
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
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await domain.set_digest_hour(session=s, actor=a, clock=ctx.clock, hour=hour)

        result, errors = await mutate(info, use_case)
        return SetDigestHourPayload(
            person=Person.from_model(result) if result else None, errors=errors
        )
