"""The child (case) record as the front-end sees it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.children.enums import Cohort
from api.graphql.core.context import Context
from api.graphql.core.loaders import visible_nodes
from api.graphql.core.pagination import CountedConnection, connection, is_loaded
from api.graphql.people.loaders import TEAM
from api.graphql.people.types import Person, Team, load_person
from domain.audits import service as audits
from domain.children import models
from domain.children import service as children
from domain.core.clock import local_today

if TYPE_CHECKING:
    from api.graphql.audits.types import AuditConnection


@strawberry.type(
    description="A child's case: pseudonymous by design (names and addresses stay in the case "
    "management system)."
)
class Child(relay.Node):
    id: relay.NodeID[str]
    case_reference: str = strawberry.field(description="The case management system's reference.")
    date_of_birth: date = strawberry.field(description="Date of birth.")
    cohorts: list[Cohort] = strawberry.field(description="The cohorts the child belongs to.")
    child_protection_plan_start_date: date | None = strawberry.field(
        description="When the current child protection plan started, if there is one."
    )
    updated_at: datetime = strawberry.field(description="When the record last changed here.")
    team_id: strawberry.Private[uuid.UUID]
    allocated_practitioner_id: strawberry.Private[uuid.UUID | None]
    preloaded_team: strawberry.Private[Team | None] = None
    preloaded_practitioner: strawberry.Private[Person | None] = None

    @classmethod
    def from_model(cls, m: models.Child) -> Child:
        return cls(
            id=str(m.id),
            case_reference=m.case_reference,
            date_of_birth=m.date_of_birth,
            cohorts=[Cohort(c.value) for c in children.cohorts_of(m)],
            child_protection_plan_start_date=m.child_protection_plan_start,
            updated_at=m.updated_at,
            team_id=m.team_id,
            allocated_practitioner_id=m.allocated_practitioner_id,
            preloaded_team=Team.from_model(m.team) if is_loaded(m, "team") else None,
            preloaded_practitioner=Person.from_model(m.allocated_practitioner)
            if is_loaded(m, "allocated_practitioner") and m.allocated_practitioner
            else None,
        )

    @strawberry.field(description="Age in whole years today (Europe/London).")
    def age_in_years(self, info: Info[Context, None]) -> int:
        return children.age_in_years(self.date_of_birth, local_today(info.context.clock))

    # The list loads the team, its service and the practitioner in its one statement, so
    # these are plain fields there; a child loaded on its own falls back to batched loads.
    @strawberry.field(description="The team that holds the case.")
    def team(self, info: Info[Context, None]) -> Team:
        if self.preloaded_team is not None:
            return self.preloaded_team
        return cast(Team, self._load_team(info))

    async def _load_team(self, info: Info[Context, None]) -> Team:
        m = await TEAM.load(info, self.team_id)
        assert m is not None  # a child's team is a foreign key
        return Team.from_model(m)

    @strawberry.field(description="The allocated practitioner, if the case is allocated.")
    def allocated_practitioner(self, info: Info[Context, None]) -> Person | None:
        if self.allocated_practitioner_id is None or self.preloaded_practitioner is not None:
            return self.preloaded_practitioner
        return cast(Person, self._load_practitioner(info))

    async def _load_practitioner(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.allocated_practitioner_id)

    @strawberry.field(
        description="The child's audit history that you may see: completed audits, newest first."
    )
    async def audits(
        self,
        info: Info[Context, None],
        first: Annotated[
            int | None,
            strawberry.argument(
                description="How many items to return: 0 to 100, 20 when left out."
            ),
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The `endCursor` of the previous page, to read the next."
            ),
        ] = None,
    ) -> Annotated[AuditConnection, strawberry.lazy("api.graphql.audits.types")]:
        from api.graphql.audits.types import Audit, AuditConnection

        history = audits.AuditFilter(child_id=uuid.UUID(self.id))
        order = audits.AuditSort.RECENTLY_COMPLETED
        return await connection(
            info,
            AuditConnection,
            Audit.from_model,
            lambda s, a: audits.list_audits(
                session=s, actor=a, filters=history, sort=order, first=first, after=after
            ),
            lambda s, a: audits.count_audits(session=s, actor=a, filters=history, sort=order),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await visible_nodes(
            info, node_ids, lambda s, a, ids: children.get_children(session=s, actor=a, ids=ids)
        )
        return [cls.from_model(m) if m is not None else None for m in found]


@strawberry.type(description="A page of children.")
class ChildConnection(CountedConnection[Child]):
    pass
