"""The children inputs: which children to list."""

from __future__ import annotations

import strawberry

from api.graphql.children.enums import Cohort
from api.graphql.core.ids import decode_optional_id
from domain.children import service as children


@strawberry.input(description="Which children to list (always within what you may see).")
class ChildrenFilter:
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Only this team.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the teams of this service."
    )
    allocated_practitioner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only cases allocated to this person."
    )
    cohort: Cohort | None = strawberry.field(default=None, description="Only this cohort.")
    case_reference: str | None = strawberry.field(
        default=None, description="Exactly this case reference."
    )

    def to_domain(self) -> children.ChildrenFilter:
        return children.ChildrenFilter(
            team_id=decode_optional_id(self.team_id, "Team", "teamId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            allocated_practitioner_id=decode_optional_id(
                self.allocated_practitioner_id, "Person", "allocatedPractitionerId"
            ),
            cohort=self.cohort,
            case_reference=self.case_reference,
        )
