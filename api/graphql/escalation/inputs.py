"""The Inadequate process's inputs: which processes to list, and what each step records."""

from __future__ import annotations

from datetime import date

import strawberry

from api.graphql.core.ids import decode_optional_id
from api.graphql.escalation.enums import (
    AssuranceOutcome,
    EscalationStage,
    OtherCaseOutcome,
)
from domain.escalation import service as domain


@strawberry.input(description="Which Inadequate processes to list (always within what you see).")
class InadequateEscalationFilter:
    open_only: bool = strawberry.field(
        default=False, description="Only those still open (not closed, not ended by a regrade)."
    )
    stages: list[EscalationStage] | None = strawberry.field(
        default=None, description="Only those at these stages."
    )
    child_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this child's."
    )
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only those of this service."
    )
    audit_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the process of this audit."
    )

    def to_domain(self) -> domain.EscalationFilter:
        return domain.EscalationFilter(
            open_only=self.open_only,
            stages=tuple(self.stages or ()),
            child_id=decode_optional_id(self.child_id, "Child", "childId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            audit_id=decode_optional_id(self.audit_id, "Audit", "auditId"),
        )


@strawberry.input(description="The Head of Service's assurance that the child is not at risk.")
class RecordChildSafetyAssuranceInput:
    escalation_id: strawberry.ID = strawberry.field(description="The Inadequate process.")
    outcome: AssuranceOutcome = strawberry.field(description="What you found.")
    detail: str = strawberry.field(
        description="How you assured yourself, or the actions taken to keep the child safe."
    )


@strawberry.input(description="The outcome of reviewing one of the practitioner's other cases.")
class RecordOtherCaseOutcomeInput:
    escalation_id: strawberry.ID = strawberry.field(description="The Inadequate process.")
    child_id: strawberry.ID = strawberry.field(description="The other case (from `otherCases`).")
    outcome: OtherCaseOutcome = strawberry.field(description="What the review found.")
    note: str | None = strawberry.field(
        default=None, description="What was found and done; required unless no concerns."
    )


@strawberry.input(description="The review of the other cases is complete.")
class CompleteOtherCasesReviewInput:
    escalation_id: strawberry.ID = strawberry.field(description="The Inadequate process.")
    summary: str = strawberry.field(description="The summary that goes into the exception report.")


@strawberry.input(description="Send the exception report to the AED.")
class SendExceptionReportInput:
    escalation_id: strawberry.ID = strawberry.field(description="The Inadequate process.")


@strawberry.input(description="A monthly review of the case in the practitioner's supervision.")
class RecordSupervisionReviewInput:
    escalation_id: strawberry.ID = strawberry.field(description="The Inadequate process.")
    number: int = strawberry.field(
        description="Which review: 1, 2 or 3, in order; review k belongs to the k-th month after "
        "the exception report was sent (see the step's `opensOn`)."
    )
    held_on: date = strawberry.field(
        description="The day of the supervision: not in the future, not before the review's "
        "month opens, and not in the same month as the review before."
    )
    notes: str = strawberry.field(description="What the review found.")
