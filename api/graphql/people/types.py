"""Services, teams, people and their role grants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import uuids_of
from api.graphql.core.loaders import load_node, visible_nodes
from api.graphql.core.pagination import CountedConnection, is_loaded
from api.graphql.people.enums import Role, RoleScope
from api.graphql.people.loaders import GRANTS_OF_PERSON, PERSON, SERVICE, TEAM, TEAMS_OF_SERVICE
from domain.notifications import policy as notification_policy
from domain.people import models
from domain.people import service as people


@strawberry.type(
    description="A service of the authority, such as Children's Social Care or Family First."
)
class Service(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The service's name.")
    is_multi_agency: bool = strawberry.field(
        description="True for the Safeguarding Children Partnership, whose audits are multi-agency."
    )

    @classmethod
    def from_model(cls, m: models.Service) -> Service:
        return cls(id=str(m.id), name=m.name, is_multi_agency=m.is_multi_agency)

    @strawberry.field(
        description="The service's teams, by name (a service has tens, never thousands)."
    )
    async def teams(self, info: Info[Context, None]) -> list[Team]:
        teams = await TEAMS_OF_SERVICE.load(info, uuid.UUID(self.id))
        return [Team.from_model(t) for t in teams]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaded = await SERVICE.load_many(info, uuids_of(node_ids))
        return [cls.from_model(m) if m else None for m in loaded]


@strawberry.type(description="A team within a service; children and practitioners belong to teams.")
class Team(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The team's name.")
    service_id: strawberry.Private[uuid.UUID]
    preloaded_service: strawberry.Private[Service | None] = None

    @classmethod
    def from_model(cls, m: models.Team) -> Team:
        service = Service.from_model(m.service) if is_loaded(m, "service") else None
        return cls(id=str(m.id), name=m.name, service_id=m.service_id, preloaded_service=service)

    @strawberry.field(description="The service the team belongs to.")
    def service(self, info: Info[Context, None]) -> Service:
        # A plain (synchronous) field when the list loaded it; a batched load otherwise.
        if self.preloaded_service is not None:
            return self.preloaded_service
        return cast(Service, self._load_service(info))

    async def _load_service(self, info: Info[Context, None]) -> Service:
        m = await SERVICE.load(info, self.service_id)
        assert m is not None  # a team's service is a foreign key
        return Service.from_model(m)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaded = await TEAM.load_many(info, uuids_of(node_ids))
        return [cls.from_model(m) if m else None for m in loaded]


@strawberry.type(description="A role a person holds within a scope.")
class RoleGrant(relay.Node):
    id: relay.NodeID[str]
    role: Role = strawberry.field(description="The role.")
    scope: RoleScope = strawberry.field(description="Where the role is held.")
    granted_at: datetime = strawberry.field(description="When the role was granted.")
    service_id: strawberry.Private[uuid.UUID | None]
    team_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, m: models.RoleGrant) -> RoleGrant:
        return cls(
            id=str(m.id),
            role=Role(m.role.value),
            scope=RoleScope(m.scope.value),
            granted_at=m.granted_at,
            service_id=m.service_id,
            team_id=m.team_id,
        )

    @strawberry.field(description="The service, when the role is held for a service.")
    async def service(self, info: Info[Context, None]) -> Service | None:
        return await load_node(info, SERVICE, self.service_id, Service.from_model)

    @strawberry.field(description="The team, when the role is held for a team.")
    async def team(self, info: Info[Context, None]) -> Team | None:
        return await load_node(info, TEAM, self.team_id, Team.from_model)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await visible_nodes(
            info, node_ids, lambda s, a, ids: people.get_grants(session=s, actor=a, ids=ids)
        )
        return [cls.from_model(m) if m is not None else None for m in found]


@strawberry.type(
    description="A member of staff or of a partner agency. Children and families have no account."
)
class Person(relay.Node):
    id: relay.NodeID[str]
    display_name: str = strawberry.field(description="The name to show.")
    email: str = strawberry.field(description="Work email address.")
    job_title: str | None = strawberry.field(description="Job title, if recorded.")
    partner_agency: str | None = strawberry.field(
        description="The partner agency (police, health, education…) for partner members."
    )
    is_active: bool = strawberry.field(
        description="False once the person has left; they cannot sign in."
    )
    team_id: strawberry.Private[uuid.UUID | None]
    line_manager_id: strawberry.Private[uuid.UUID | None]
    chosen_digest_hour: strawberry.Private[int | None] = None

    @classmethod
    def from_model(cls, m: models.Person) -> Person:
        return cls(
            id=str(m.id),
            display_name=m.display_name,
            email=m.email,
            job_title=m.job_title,
            partner_agency=m.partner_agency,
            is_active=m.is_active,
            team_id=m.team_id,
            line_manager_id=m.line_manager_id,
            chosen_digest_hour=m.digest_hour,
        )

    @strawberry.field(
        description="Yours only (read it on `me`; null on anyone else): the hour, 0 to 23 in "
        "UK time (Europe/London), from which your reminders come by email as one daily digest; "
        "null when each reminder is emailed as it comes. Change it with `setDigestHour`."
    )
    def digest_hour(self, info: Info[Context, None]) -> int | None:
        if not notification_policy.can_read_preferences(info.context.actor, uuid.UUID(self.id)):
            return None
        return self.chosen_digest_hour

    @strawberry.field(description="The person's team, if they belong to one.")
    async def team(self, info: Info[Context, None]) -> Team | None:
        return await load_node(info, TEAM, self.team_id, Team.from_model)

    @strawberry.field(description="The person's line manager, to whom overdue work escalates.")
    async def line_manager(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.line_manager_id)

    @strawberry.field(description="The roles the person holds, oldest first.")
    async def roles(self, info: Info[Context, None]) -> list[RoleGrant]:
        grants = await GRANTS_OF_PERSON.load(info, uuid.UUID(self.id))
        return [RoleGrant.from_model(g) for g in grants]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaded = await PERSON.load_many(info, uuids_of(node_ids))
        return [cls.from_model(m) if m else None for m in loaded]


@strawberry.type(description="A page of services.")
class ServiceConnection(CountedConnection[Service]):
    pass


@strawberry.type(description="A page of teams.")
class TeamConnection(CountedConnection[Team]):
    pass


@strawberry.type(description="A page of people.")
class PersonConnection(CountedConnection[Person]):
    pass


async def load_person(info: Info[Context, None], person_id: uuid.UUID | None) -> Person | None:
    """The person with that id, through the request's loader; None for no id or if unseen."""
    return await load_node(info, PERSON, person_id, Person.from_model)
