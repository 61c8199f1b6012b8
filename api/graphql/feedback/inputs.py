"""What the register's list and mutations are given: which records, a compliment or complaint
received, and each step of the complaints procedure."""

from __future__ import annotations

from datetime import date

import strawberry

from api.graphql.core.ids import decode_optional_id
from api.graphql.feedback.enums import (
    ComplaintFinding,
    ComplaintStatus,
    FeedbackCategory,
    FeedbackKind,
    FeedbackSource,
)
from domain.feedback import service as domain


@strawberry.input(
    description="Which compliments and complaints to list (always within what you see)."
)
class FeedbackRecordFilter:
    kind: FeedbackKind | None = strawberry.field(
        default=None, description="Only compliments, or only complaints."
    )
    statuses: list[ComplaintStatus] | None = strawberry.field(
        default=None, description="Only complaints at these statuses."
    )
    open_only: bool = strawberry.field(
        default=False, description="Only complaints still open (not closed or withdrawn)."
    )
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Only this team's.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this service's (its teams' included)."
    )
    category: FeedbackCategory | None = strawberry.field(
        default=None, description="Only this category."
    )
    received_from: date | None = strawberry.field(
        default=None, description="Only those received on or after this day."
    )
    received_to: date | None = strawberry.field(
        default=None, description="Only those received on or before this day."
    )

    def to_domain(self) -> domain.FeedbackFilter:
        return domain.FeedbackFilter(
            kind=self.kind,
            statuses=tuple(self.statuses or ()),
            open_only=self.open_only,
            team_id=decode_optional_id(self.team_id, "Team", "teamId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            category=self.category,
            received_from=self.received_from,
            received_to=self.received_to,
        )


@strawberry.input(description="A compliment received.")
class RecordComplimentInput:
    received_on: date = strawberry.field(description="The day it was received.")
    source: FeedbackSource = strawberry.field(description="Who it came from, by kind.")
    category: FeedbackCategory = strawberry.field(description="What it is about.")
    summary: str = strawberry.field(
        description="What was said, without names: the register holds the least it needs."
    )
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="The service it is about (or give a team)."
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="The team it is about (its service is then the service)."
    )
    child_id: strawberry.ID | None = strawberry.field(
        default=None, description="The child whose case it concerns, where that matters."
    )
    theme_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Themes to tag it with."
    )
    outcome: str | None = strawberry.field(default=None, description="What came of it.")
    learning: str | None = strawberry.field(default=None, description="What was learnt.")


@strawberry.input(description="A complaint received: it starts at stage 1.")
class RecordComplaintInput(RecordComplimentInput):
    responder_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Who responds; by default the Head of Service of the service concerned.",
    )


@strawberry.input(description="Extend the current stage's response (stages 1 and 2, once each).")
class ExtendComplaintStageInput:
    feedback_id: strawberry.ID = strawberry.field(description="The complaint.")
    reason: str = strawberry.field(description="Why more time is needed.")


@strawberry.input(description="The response of the current stage (1 or 2).")
class RespondToComplaintInput:
    feedback_id: strawberry.ID = strawberry.field(description="The complaint.")
    finding: ComplaintFinding = strawberry.field(description="Upheld, partly, or not.")
    response: str = strawberry.field(description="A summary of the response, without names.")
    learning: str | None = strawberry.field(default=None, description="What was learnt.")


@strawberry.input(description="The complainant asks for the next stage (2 or 3).")
class EscalateComplaintInput:
    feedback_id: strawberry.ID = strawberry.field(description="The complaint.")
    requested_on: date | None = strawberry.field(
        default=None, description="The day they asked (today when left out)."
    )
    responder_id: strawberry.ID | None = strawberry.field(
        default=None, description="A new responder for this stage (the same one if left out)."
    )


@strawberry.input(description="The complainant accepts the response (or does not escalate).")
class CloseComplaintInput:
    feedback_id: strawberry.ID = strawberry.field(description="The complaint.")
    learning: str | None = strawberry.field(default=None, description="What was learnt.")


@strawberry.input(description="The complainant withdraws the complaint.")
class WithdrawComplaintInput:
    feedback_id: strawberry.ID = strawberry.field(description="The complaint.")
    reason: str = strawberry.field(description="Why, as they said it (without names).")


@strawberry.input(description="The stage 3 review panel was held.")
class RecordComplaintPanelInput:
    feedback_id: strawberry.ID = strawberry.field(description="The complaint.")
    held_on: date = strawberry.field(description="The day the panel was held.")
    finding: ComplaintFinding = strawberry.field(description="The panel's finding.")
    recommendations: str = strawberry.field(description="The panel's recommendations.")
    learning: str | None = strawberry.field(default=None, description="What was learnt.")
