"""The people queries: who is signed in, the services, teams and people directory."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.ids import decode_optional_id
from api.graphql.core.pagination import After, First, Narrow, connection, filtered_connection
from api.graphql.people.inputs import PeopleFilter
from api.graphql.people.loaders import PERSON
from api.graphql.people.types import (
    Person,
    PersonConnection,
    Service,
    ServiceConnection,
    Team,
    TeamConnection,
)
from domain.people import service as people


@strawberry.type(description="The people queries.")
class PeopleQuery:
    @strawberry.field(description="The signed-in person.", permission_classes=[IsAuthenticated])
    async def me(self, info: Info[Context, None]) -> Person:
        actor = info.context.require_actor()
        assert actor.person_id is not None
        m = await PERSON.load(info, actor.person_id)
        assert m is not None
        return Person.from_model(m)

    @strawberry.field(description="The authority's services.", permission_classes=[IsAuthenticated])
    async def services(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> ServiceConnection:
        return await connection(
            info,
            ServiceConnection,
            Service.from_model,
            lambda s, a: people.list_services(session=s, actor=a, first=first, after=after),
            lambda s, a: people.count_services(session=s, actor=a),
        )

    @strawberry.field(description="Teams, by name.", permission_classes=[IsAuthenticated])
    async def teams(
        self,
        info: Info[Context, None],
        service_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this service's teams.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> TeamConnection:
        def sid() -> uuid.UUID | None:
            return decode_optional_id(service_id, "Service", "serviceId")

        return await connection(
            info,
            TeamConnection,
            Team.from_model,
            lambda s, a: people.list_teams(
                session=s, actor=a, service_id=sid(), first=first, after=after
            ),
            lambda s, a: people.count_teams(session=s, actor=a, service_id=sid()),
        )

    @strawberry.field(
        description="People, by name: staff see the directory; a partner member sees themselves.",
        permission_classes=[IsAuthenticated],
    )
    async def people(
        self,
        info: Info[Context, None],
        filter: Annotated[PeopleFilter | None, Narrow] = None,
        first: First = None,
        after: After = None,
    ) -> PersonConnection:
        flt = filter or PeopleFilter()
        return await filtered_connection(
            info,
            PersonConnection,
            Person.from_model,
            flt.to_domain,
            people.list_people,
            people.count_people,
            first,
            after,
        )
