"""The register's enums: the domain's, as GraphQL enums."""

from __future__ import annotations

from api.graphql.core.enums import expose
from domain.feedback.models import (
    ComplaintFinding,
    ComplaintStatus,
    FeedbackCategory,
    FeedbackKind,
    FeedbackSource,
)

__all__ = [
    "ComplaintFinding",
    "ComplaintStatus",
    "FeedbackCategory",
    "FeedbackKind",
    "FeedbackSource",
]

expose(
    FeedbackKind,
    description="A compliment or a complaint.",
    values={
        "COMPLIMENT": "Praise for the service.",
        "COMPLAINT": "A complaint, handled under the statutory children's procedure.",
    },
)


expose(
    FeedbackSource,
    description="Who the compliment or complaint came from.",
    values={
        "CHILD": "A child or young person.",
        "PARENT_CARER": "A parent or carer.",
        "CARE_LEAVER": "A care leaver.",
        "PROFESSIONAL": "A professional, of this or another agency.",
        "OTHER": "Anyone else.",
    },
)


expose(
    FeedbackCategory,
    description="What the compliment or complaint is about.",
    values={
        "COMMUNICATION": "Being kept informed, listened to, calls returned.",
        "QUALITY_OF_SERVICE": "The help or support given.",
        "STAFF_CONDUCT": "The attitude or behaviour of staff.",
        "DELAY": "Delay in an assessment, a service or a decision.",
        "DECISION": "A decision about the child or family.",
        "CONTACT_ARRANGEMENTS": "Family time for a child in care.",
        "PLACEMENT": "Where a child lives, and the support to carers.",
        "OTHER": "Anything else.",
    },
)


expose(
    ComplaintStatus,
    description="Where a complaint stands in the statutory procedure.",
    values={
        "STAGE_1": "Local resolution: the stage 1 response is owed.",
        "STAGE_1_RESPONDED": "Responded at stage 1: the complainant accepts it "
        "(`closeComplaint`) or asks for stage 2 (`escalateComplaint`).",
        "STAGE_2": "Investigation: the stage 2 response is owed.",
        "STAGE_2_RESPONDED": "Responded at stage 2: the complainant accepts it or asks for a "
        "review panel.",
        "STAGE_3": "A review panel was requested and is to be held.",
        "CLOSED": "The procedure has ended.",
        "WITHDRAWN": "The complainant withdrew the complaint.",
    },
)


expose(
    ComplaintFinding,
    description="A stage's response on a complaint, or the review panel's finding.",
    values={
        "UPHELD": "Upheld.",
        "PARTLY_UPHELD": "Partly upheld.",
        "NOT_UPHELD": "Not upheld.",
    },
)
