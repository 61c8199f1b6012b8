"""The deadline inputs: which obligations to list, and the closure days to change."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.graphql.core.ids import decode_optional_id
from api.graphql.deadlines.types import (
    ObligationKind,
    ObligationState,
)
from domain.deadlines import obligations as domain


@strawberry.input(description="Which obligations to list (always within what you may see).")
class ObligationFilter:
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this person's obligations."
    )
    states: list[ObligationState] | None = strawberry.field(
        default=None, description="Only these states (all when left out)."
    )
    kinds: list[ObligationKind] | None = strawberry.field(
        default=None, description="Only these kinds (all when left out)."
    )
    due_before: datetime | None = strawberry.field(
        default=None, description="Only those due before this moment."
    )
    overdue_only: bool = strawberry.field(
        default=False,
        description="Only those still open after the moment they were due, by the service's clock.",
    )

    def to_domain(self, now: datetime) -> domain.ObligationFilter:
        return domain.ObligationFilter(
            owner_id=decode_optional_id(self.owner_id, "Person", "ownerId"),
            states=tuple(self.states or ()),
            kinds=tuple(self.kinds or ()),
            due_before=self.due_before,
            overdue_at=now if self.overdue_only else None,
        )


@strawberry.input(description="A closure day to add.")
class AddClosureDayInput:
    day: date = strawberry.field(
        description="A weekday that is not a bank holiday in England, on which the authority "
        "is closed."
    )
    name: str = strawberry.field(description="Why, as staff should see it.")


@strawberry.input(description="The closure day to remove.")
class RemoveClosureDayInput:
    id: strawberry.ID = strawberry.field(description="The closure day.")
