"""The surveys' enums: the domain's, as GraphQL enums (names kept from the schema).

`SurveyCohort` is not here: the schema offers a subset of the domain's cohorts (no OTHER or
STAFF), so it stays its own enum in `campaign_types.py`."""

from __future__ import annotations

from api.graphql.core.enums import expose
from domain.surveys.definitions import AnswerProblemKind as SurveyAnswerErrorCode
from domain.surveys.definitions import Audience as SurveyAudience
from domain.surveys.definitions import QuestionType as SurveyQuestionType
from domain.surveys.models import CampaignKind as SurveyCampaignKind
from domain.surveys.models import CampaignState as SurveyCampaignState
from domain.surveys.models import Channel as InvitationChannel
from domain.surveys.models import InvitationStatus
from domain.surveys.responses.results import Breakdown as ResultBreakdown

__all__ = [
    "InvitationChannel",
    "InvitationStatus",
    "ResultBreakdown",
    "SurveyAnswerErrorCode",
    "SurveyAudience",
    "SurveyCampaignKind",
    "SurveyCampaignState",
    "SurveyQuestionType",
]

expose(
    SurveyAudience,
    name="SurveyAudience",
    description="Who a survey version is written for.",
    values={
        "CHILD_UNDER_8": "Children under 8: faces, pictures and 'draw or tell' only, very short"
        " wording.",
        "CHILD_8_TO_12": "Children aged 8 to 12.",
        "CHILD_13_AND_OVER": "Young people aged 13 and over.",
        "PARENT_CARER": "Parents and carers.",
        "CARE_LEAVER": "Care leavers.",
        "STAFF": "Members of staff.",
    },
)


expose(
    SurveyQuestionType,
    name="SurveyQuestionType",
    description="How a question is answered.",
    values={
        "EMOJI_SCALE": "Five faces, each with a label; the answer is 1 (worst) to 5.",
        "SCALE_0_10": "A whole number from 0 to 10, with what each end means.",
        "SINGLE_CHOICE": "One option; the answer is the option's key.",
        "MULTIPLE_CHOICE": "Any number of options; the answer is a list of keys.",
        "FREE_TEXT": "Text (for young children: what they drew or told), up to a length.",
    },
)


expose(
    SurveyAnswerErrorCode,
    name="SurveyAnswerErrorCode",
    description="Why an answer is not acceptable.",
    values={
        "NOT_AN_OBJECT": "The answers are not an object of question keys to answers.",
        "UNKNOWN_QUESTION": "The version has no question with that key.",
        "REQUIRED": "A required question is unanswered.",
        "WRONG_TYPE": "The answer is not of the question's kind.",
        "OUT_OF_RANGE": "A face outside 1 to 5, or a scale outside 0 to 10.",
        "UNKNOWN_OPTION": "An option key the question does not have.",
        "DUPLICATE_OPTION": "The same option chosen twice.",
        "TOO_LONG": "Text over the question's length.",
    },
)


expose(
    SurveyCampaignKind,
    name="SurveyCampaignKind",
    description="What a campaign asks, and of whom.",
    values={
        "ANNUAL_SURVEY": "The annual survey of a sample of children and families: what "
        "difference has our help made?",
        "AUDIT_FEEDBACK": "Feedback from the child and family in a collaborative audit, asked "
        "for from the audit (`requestAuditFeedback`).",
        "STAFF_SURVEY": "A staff survey, such as the Annual Health Check, by team.",
    },
)


expose(
    SurveyCampaignState,
    name="SurveyCampaignState",
    description="Where a campaign is in its life.",
    values={
        "DRAFT": "Being prepared: invitations are added; nothing is sent.",
        "SCHEDULED": "Launched; it opens, and invitations go out, at `opensAt`.",
        "OPEN": "Invitations go out and are reminded; links can be answered.",
        "CLOSED": "Closed for good: links no longer work and contact details are erased.",
    },
)


expose(
    InvitationChannel,
    name="InvitationChannel",
    description="How an invitation reaches someone.",
    values={
        "EMAIL": "By email, with the link.",
        "SMS": "By text message, with the link.",
        "PRINT": "A printed code and QR code that a practitioner hands over; nothing is sent.",
    },
)


expose(
    InvitationStatus,
    description="Where an invitation is.",
    values={
        "QUEUED": "Waiting to be sent.",
        "SENT": "Sent, not answered yet.",
        "FAILED": "Could not be sent after every retry (see `lastError`).",
        "HANDED_OVER": "A printed code, handed over, not answered yet.",
        "ANSWERED": "Answered.",
        "OPTED_OUT": "They asked not to be surveyed; nothing more is sent.",
        "EXPIRED": "The campaign closed unanswered.",
    },
)


expose(
    ResultBreakdown,
    name="ResultBreakdown",
    description="How a campaign's results are broken down into groups.",
    values={
        "TEAM": "By the team each respondent was counted under when invited.",
        "SERVICE": "By the service each respondent was counted under when invited.",
        "COHORT": "By cohort (care leaver, looked after, child protection, child in need, "
        "Family First, other, staff).",
        "AUDIENCE": "By audience (the version of the survey answered).",
    },
)
