"""Shim: moved to api/graphql/ (issue 13); see SHIMS-gql2.md."""

from api.graphql.surveys.queries import SurveyResultsQuery as SurveyResultsQuery
