"""Deadlines as the front-end sees them: obligations and the authority's closure days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import global_id, uuids_of
from api.graphql.core.loaders import visible_nodes
from api.graphql.core.pagination import CountedConnection, is_loaded
from api.graphql.deadlines.enums import ObligationKind as ObligationKind
from api.graphql.deadlines.enums import ObligationState as ObligationState
from api.graphql.people.loaders import PERSON
from api.graphql.people.types import Person
from domain.deadlines import models
from domain.deadlines import obligations as domain
from domain.deadlines import service as deadlines


@strawberry.type(
    description="Something a person must do about an object by a moment: the service's "
    "record of every deadline. Opened when its trigger happens (an audit planned, an action "
    "added) and closed when the act is recorded. You see your own, those of the people you "
    "line-manage (and theirs), or, as the QA Lead or with a role for the whole authority, all."
)
class Obligation(relay.Node):
    id: relay.NodeID[str]
    kind: ObligationKind = strawberry.field(description="What is asked.")
    subject_type: str = strawberry.field(
        description="The type of object it is about, e.g. `Audit` or `AuditAction`."
    )
    subject_id: strawberry.ID = strawberry.field(
        description="The global id of the object it is about (read it with `node(id:)`)."
    )
    due_at: datetime = strawberry.field(
        description="The moment it is due: the end (23:59:59.999999 in London) of its due date."
    )
    state: ObligationState = strawberry.field(description="Open, done or cancelled.")
    created_at: datetime = strawberry.field(description="When it was opened.")
    closed_at: datetime | None = strawberry.field(
        description="When it was done or cancelled; null while open."
    )
    overdue: bool = strawberry.field(
        description="True when it is still open after the moment it was due, by the service's "
        "clock."
    )
    model: strawberry.Private[models.Obligation]

    @classmethod
    def from_model(cls, m: models.Obligation, now: datetime) -> Obligation:
        return cls(
            id=str(m.id),
            kind=ObligationKind(m.kind.value),
            subject_type=m.subject_type,
            subject_id=global_id(m.subject_type, m.subject_id),
            due_at=m.due_at,
            state=ObligationState(m.state.value),
            created_at=m.created_at,
            closed_at=m.closed_at,
            overdue=domain.is_overdue(m, now),
            model=m,
        )

    @strawberry.field(description="Who must act.")
    def owner(self, info: Info[Context, None]) -> Person:
        # A plain field when the list loaded the owner with the page; a batched load otherwise.
        if is_loaded(self.model, "owner"):
            return Person.from_model(self.model.owner)
        return cast(Person, self._load_owner(info))

    async def _load_owner(self, info: Info[Context, None]) -> Person:
        m = await PERSON.load(info, self.model.owner_id)
        assert m is not None  # whoever sees an obligation is staff, who see the directory
        return Person.from_model(m)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = uuids_of(node_ids)
        actor = info.context.actor
        if actor is None:
            return [None] * len(ids)
        now = info.context.clock.now()
        async with info.context.session_factory() as session:
            found = await domain.get_obligations(session=session, actor=actor, ids=ids)
        return [cls.from_model(found[i], now) if i in found else None for i in ids]


@strawberry.type(description="A page of obligations.")
class ObligationConnection(CountedConnection[Obligation]):
    pass


@strawberry.type(
    description="A weekday on which the authority is closed although it is not a bank holiday; "
    "like weekends and bank holidays in England, it is not a working day, so deadlines counted "
    "in working days skip it."
)
class ClosureDay(relay.Node):
    id: relay.NodeID[str]
    day: date = strawberry.field(description="The day the authority is closed.")
    name: str = strawberry.field(description="Why, as staff should see it, e.g. 'Staff day'.")

    @classmethod
    def from_model(cls, m: models.ClosureDay) -> ClosureDay:
        return cls(id=str(m.id), day=m.day, name=m.name)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await visible_nodes(
            info,
            node_ids,
            lambda s, a, ids: deadlines.get_closure_days(session=s, actor=a, ids=ids),
        )
        return [cls.from_model(m) if m is not None else None for m in found]
