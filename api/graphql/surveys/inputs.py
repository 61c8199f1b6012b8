"""What survey mutations and lists are given: a new version, which campaigns, a new campaign,
someone to invite, the annual survey's sample."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from api.graphql.core.ids import decode_id, decode_optional_id
from api.graphql.surveys.campaign_types import SurveyCohort
from api.graphql.surveys.enums import (
    InvitationChannel,
    SurveyAudience,
    SurveyCampaignKind,
    SurveyCampaignState,
)
from domain.surveys import campaigns, models
from domain.surveys.definitions import ENGLISH


@strawberry.input(description="A new version of a survey for one audience.")
class PublishSurveyVersionInput:
    survey_key: str = strawberry.field(
        description="The survey's key (lower_snake_case); a new key makes a new survey."
    )
    audience: SurveyAudience = strawberry.field(description="Who the version is for.")
    questions: JSON = strawberry.field(
        description="The questions, in order: `[{key, type, required, options: [{key, emoji}], "
        "maxLength}]`."
    )
    translations: JSON = strawberry.field(
        description="The wording by language code, English required and every language "
        "complete: `{en: {title, intro, questions: {<key>: {text, help, options: {<option>: "
        "label}, faces: [5 labels], low, high}}}}`."
    )
    name: str | None = strawberry.field(
        default=None, description="The survey's name: required for a new survey."
    )
    purpose: str | None = strawberry.field(
        default=None, description="Why the survey is run: required for a new survey."
    )
    change_note: str | None = strawberry.field(
        default=None, description="What changed from the last version."
    )


@strawberry.input(description="Which campaigns to list (newest first).")
class SurveyCampaignFilter:
    kind: SurveyCampaignKind | None = strawberry.field(default=None, description="Only this kind.")
    state: SurveyCampaignState | None = strawberry.field(
        default=None, description="Only campaigns in this state."
    )
    audit_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the feedback campaign of this audit."
    )

    def to_domain(self) -> campaigns.CampaignFilter:
        return campaigns.CampaignFilter(
            kind=self.kind,
            state=self.state,
            audit_id=decode_optional_id(self.audit_id, "Audit", "filter.auditId"),
        )


@strawberry.input(description="A new campaign (ANNUAL_SURVEY or STAFF_SURVEY).")
class CreateSurveyCampaignInput:
    name: str = strawberry.field(description="Its name, e.g. 'Annual survey 2027'.")
    kind: SurveyCampaignKind = strawberry.field(
        description="ANNUAL_SURVEY or STAFF_SURVEY (audit feedback: `requestAuditFeedback`)."
    )
    survey_key: str = strawberry.field(
        description="The survey it asks, e.g. `annual_children_and_families` or "
        "`staff_annual_health_check`."
    )
    opens_at: datetime = strawberry.field(description="When invitations start to go out.")
    closes_at: datetime = strawberry.field(
        description="When links stop working and contact details are erased (within a year)."
    )
    reminder_days: list[int] = strawberry.field(
        default_factory=list,
        description="Up to five reminders, each 1 to 90 days after the invitation was sent.",
    )


@strawberry.input(
    description="Someone to invite: a child by case reference (the child, or a parent or carer "
    "about them), or a member of staff. Contact details are kept only until the campaign "
    "closes and are never shown again."
)
class SurveyInviteeInput:
    channel: InvitationChannel = strawberry.field(description="How the invitation reaches them.")
    child_reference: str | None = strawberry.field(
        default=None, description="The child's case reference (children and families)."
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="A member of staff (staff surveys)."
    )
    audience: SurveyAudience | None = strawberry.field(
        default=None,
        description="Who answers; for a child, left out means the child by their age (or as a "
        "care leaver); PARENT_CARER for their parent or carer.",
    )
    contact: str | None = strawberry.field(
        default=None,
        description="An email address (EMAIL) or UK mobile number (SMS); none for PRINT.",
    )
    language: str = strawberry.field(
        default=ENGLISH, description="Their language, where the survey is worded in it."
    )

    def to_domain(self, index: int) -> campaigns.Invitee:
        return campaigns.Invitee(
            channel=self.channel,
            child_reference=self.child_reference,
            person_id=decode_optional_id(self.person_id, "Person", f"invitees.{index}.personId"),
            audience=self.audience,
            contact=self.contact,
            language=self.language,
        )


@strawberry.input(
    description="The annual survey's sample: children drawn at random from those matching "
    "every filter given, each invited with a printed code their practitioner hands over."
)
class SurveySampleInput:
    size: int = strawberry.field(description="How many children, 1 to 20,000.")
    cohorts: list[SurveyCohort] = strawberry.field(
        default_factory=list, description="Children in any of these cohorts; all if empty."
    )
    team_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Children of these teams; all if empty."
    )
    service_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Children of these services' teams; all if empty."
    )
    include_parent_carers: bool = strawberry.field(
        default=False, description="Invite a parent or carer of each child too."
    )

    def to_domain(self) -> campaigns.SampleRequest:
        return campaigns.SampleRequest(
            size=self.size,
            cohorts=[models.Cohort(c.name) for c in self.cohorts],
            team_ids=[
                decode_id(t, "Team", f"sample.teamIds.{n}") for n, t in enumerate(self.team_ids)
            ],
            service_ids=[
                decode_id(t, "Service", f"sample.serviceIds.{n}")
                for n, t in enumerate(self.service_ids)
            ],
            include_parent_carers=self.include_parent_carers,
        )
