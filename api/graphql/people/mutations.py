"""The administrators' changes to services, teams, people and role grants."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import UserError
from api.graphql.core.ids import decode_id, decode_optional_id
from api.graphql.core.mutations import EMPTY_ON_SUCCESS, Payload, mutate, payload
from api.graphql.people.inputs import (
    CreatePersonInput,
    CreateServiceInput,
    CreateTeamInput,
    GrantRoleInput,
    RevokeRoleInput,
    UpdatePersonInput,
    UpdateTeamInput,
)
from api.graphql.people.types import Person, RoleGrant, Service, Team
from domain.core.errors import InvalidInput
from domain.core.roles import Actor
from domain.people import models
from domain.people import service as people

What = strawberry.argument(description="What to change.")


@payload(
    "service",
    Service,
    description="The service, or why nothing changed.",
    field_description="The service, when it succeeded.",
)
class ServicePayload(Payload[models.Service]):
    pass


@payload(
    "team",
    Team,
    description="The team, or why nothing changed.",
    field_description="The team, when it succeeded.",
)
class TeamPayload(Payload[models.Team]):
    pass


@payload(
    "person",
    Person,
    description="The person, or why nothing changed.",
    field_description="The person, when it succeeded.",
)
class PersonPayload(Payload[models.Person]):
    pass


@strawberry.type(description="The grant and its holder, or why nothing changed.")
class RoleGrantPayload:
    role_grant: RoleGrant | None = strawberry.field(
        description="The grant (after revoking, as it was)."
    )
    person: Person | None = strawberry.field(description="Its holder, as they are now.")
    errors: list[UserError] = strawberry.field(description=EMPTY_ON_SUCCESS)


GrantAndHolder = tuple[models.RoleGrant, models.Person | None]

# Fields of a person that may be changed but never cleared.
NOT_CLEARABLE = ("display_name", "email", "is_active")


@strawberry.type(description="The administrators' changes to the organisation.")
class PeopleMutation:
    @strawberry.mutation(description="Add a service (administrators).")
    async def create_service(
        self, info: Info[Context, None], input: Annotated[CreateServiceInput, What]
    ) -> ServicePayload:
        clock = info.context.clock
        return await ServicePayload.run(
            info,
            lambda s, a: people.create_service(
                session=s,
                actor=a,
                clock=clock,
                name=input.name,
                is_multi_agency=input.is_multi_agency,
            ),
        )

    @strawberry.mutation(description="Add a team to a service (administrators).")
    async def create_team(
        self, info: Info[Context, None], input: Annotated[CreateTeamInput, What]
    ) -> TeamPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Team:
            service_id = decode_id(input.service_id, "Service", "serviceId")
            return await people.create_team(
                session=s, actor=a, clock=clock, service_id=service_id, name=input.name
            )

        return await TeamPayload.run(info, use_case)

    @strawberry.mutation(
        description="Rename a team or move it to another service (administrators)."
    )
    async def update_team(
        self, info: Info[Context, None], input: Annotated[UpdateTeamInput, What]
    ) -> TeamPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Team:
            return await people.update_team(
                session=s,
                actor=a,
                clock=clock,
                team_id=decode_id(input.id, "Team", "id"),
                name=input.name,
                service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
            )

        return await TeamPayload.run(info, use_case)

    @strawberry.mutation(description="Add a person (administrators).")
    async def create_person(
        self, info: Info[Context, None], input: Annotated[CreatePersonInput, What]
    ) -> PersonPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Person:
            data = people.PersonFields(
                display_name=input.display_name,
                email=input.email,
                subject=input.subject,
                job_title=input.job_title,
                team_id=decode_optional_id(input.team_id, "Team", "teamId"),
                line_manager_id=decode_optional_id(
                    input.line_manager_id, "Person", "lineManagerId"
                ),
                partner_agency=input.partner_agency,
            )
            return await people.create_person(session=s, actor=a, clock=clock, data=data)

        return await PersonPayload.run(info, use_case)

    @strawberry.mutation(
        description="Change a person: name, email, team, line manager, or mark them as left "
        "(administrators)."
    )
    async def update_person(
        self, info: Info[Context, None], input: Annotated[UpdatePersonInput, What]
    ) -> PersonPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> models.Person:
            data = _person_changes(input)
            person_id = decode_id(input.id, "Person", "id")
            return await people.update_person(
                session=s, actor=a, clock=clock, person_id=person_id, data=data
            )

        return await PersonPayload.run(info, use_case)

    @strawberry.mutation(description="Grant a role in a scope (administrators).")
    async def grant_role(
        self, info: Info[Context, None], input: Annotated[GrantRoleInput, What]
    ) -> RoleGrantPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> GrantAndHolder:
            grant = await people.grant_role(
                session=s,
                actor=a,
                clock=clock,
                person_id=decode_id(input.person_id, "Person", "personId"),
                role=input.role,
                scope=input.scope,
                service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
                team_id=decode_optional_id(input.team_id, "Team", "teamId"),
            )
            return grant, await s.get(models.Person, grant.person_id)

        return _grant_payload(*await mutate(info, use_case))

    @strawberry.mutation(description="Take a role away (administrators).")
    async def revoke_role(
        self, info: Info[Context, None], input: Annotated[RevokeRoleInput, What]
    ) -> RoleGrantPayload:
        clock = info.context.clock

        async def use_case(s: AsyncSession, a: Actor) -> GrantAndHolder:
            grant_id = decode_id(input.grant_id, "RoleGrant", "grantId")
            grant = await people.revoke_role(session=s, actor=a, clock=clock, grant_id=grant_id)
            return grant, await s.get(models.Person, grant.person_id)

        return _grant_payload(*await mutate(info, use_case))


def _person_changes(input: UpdatePersonInput) -> people.PersonFields:
    """What the input changes: a field left out stays as it is, an explicit null clears it."""
    data = people.PersonFields()
    for name in ("display_name", "email", "subject", "job_title", "partner_agency", "is_active"):
        value = getattr(input, name)
        if _given(value):
            if value is None and name in NOT_CLEARABLE:
                raise InvalidInput("This cannot be cleared.", field=_camel(name))
            setattr(data, name, value)
    if _given(input.team_id):
        data.team_id = decode_optional_id(input.team_id, "Team", "teamId")
    if _given(input.line_manager_id):
        data.line_manager_id = decode_optional_id(input.line_manager_id, "Person", "lineManagerId")
    return data


def _grant_payload(result: GrantAndHolder | None, errors: list[UserError]) -> RoleGrantPayload:
    if result is None:
        return RoleGrantPayload(role_grant=None, person=None, errors=errors)
    grant, person = result
    return RoleGrantPayload(
        role_grant=RoleGrant.from_model(grant),
        person=Person.from_model(person) if person else None,
        errors=errors,
    )


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
