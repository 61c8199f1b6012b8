"""Shim: moved to api/graphql/ (issue 13); see SHIMS-gql2.md."""

from api.graphql.surveys.campaign_types import SurveyCampaign as SurveyCampaign
from api.graphql.surveys.campaign_types import SurveyInvitationFailure as SurveyInvitationFailure
from api.graphql.surveys.mutations import SurveyCampaignMutation as SurveyCampaignMutation
from api.graphql.surveys.queries import SurveyCampaignQuery as SurveyCampaignQuery
