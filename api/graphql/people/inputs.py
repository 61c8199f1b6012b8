"""The people inputs: filters for the directory and the administrators' changes."""

from __future__ import annotations

import strawberry

from api.graphql.core.ids import decode_optional_id
from api.graphql.people.enums import Role, RoleScope
from domain.people import service as people


@strawberry.input(description="Which people to list.")
class PeopleFilter:
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Only this team.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the teams of this service."
    )
    role: Role | None = strawberry.field(default=None, description="Only holders of this role.")
    search: str | None = strawberry.field(
        default=None, description="Part of a name or email address."
    )
    include_inactive: bool = strawberry.field(
        default=False, description="Include people who have left."
    )

    def to_domain(self) -> people.PeopleFilter:
        return people.PeopleFilter(
            team_id=decode_optional_id(self.team_id, "Team", "teamId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            role=self.role,
            search=self.search,
            include_inactive=self.include_inactive,
        )


@strawberry.input(description="A new service.")
class CreateServiceInput:
    name: str = strawberry.field(description="Its name, unique in the authority.")
    is_multi_agency: bool = strawberry.field(
        default=False, description="True for the Safeguarding Children Partnership."
    )


@strawberry.input(description="A new team.")
class CreateTeamInput:
    service_id: strawberry.ID = strawberry.field(description="The service it belongs to.")
    name: str = strawberry.field(description="Its name, unique within the service.")


@strawberry.input(description="Changes to a team; what is left out stays as it is.")
class UpdateTeamInput:
    id: strawberry.ID = strawberry.field(description="The team.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Move the team to this service."
    )


@strawberry.input(description="A new person.")
class CreatePersonInput:
    display_name: str = strawberry.field(description="The name to show.")
    email: str = strawberry.field(description="Work email, unique; used to match their sign-in.")
    subject: str | None = strawberry.field(
        default=None, description="The identity provider's subject (`sub`), if known."
    )
    job_title: str | None = strawberry.field(default=None, description="Job title.")
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Their team.")
    line_manager_id: strawberry.ID | None = strawberry.field(
        default=None, description="Their line manager."
    )
    partner_agency: str | None = strawberry.field(
        default=None, description="Their agency, for partner-agency members."
    )


@strawberry.input(
    description="Changes to a person; what is left out stays as it is, an explicit null clears it."
)
class UpdatePersonInput:
    id: strawberry.ID = strawberry.field(description="The person.")
    display_name: str | None = strawberry.field(default=strawberry.UNSET, description="Name.")
    email: str | None = strawberry.field(default=strawberry.UNSET, description="Work email.")
    subject: str | None = strawberry.field(
        default=strawberry.UNSET, description="The identity provider's subject."
    )
    job_title: str | None = strawberry.field(default=strawberry.UNSET, description="Job title.")
    team_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Their team."
    )
    line_manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Their line manager."
    )
    partner_agency: str | None = strawberry.field(
        default=strawberry.UNSET, description="Their agency."
    )
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False when they leave: they can no longer sign in."
    )


@strawberry.input(description="A role to grant, and where it is held.")
class GrantRoleInput:
    person_id: strawberry.ID = strawberry.field(description="Who receives the role.")
    role: Role = strawberry.field(description="The role.")
    scope: RoleScope = strawberry.field(description="Where it is held.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="The service, for a SERVICE scope."
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="The team, for a TEAM scope."
    )


@strawberry.input(description="A role grant to take away.")
class RevokeRoleInput:
    grant_id: strawberry.ID = strawberry.field(description="The role grant.")
