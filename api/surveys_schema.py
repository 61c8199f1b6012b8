"""Shim: moved to api/graphql/ (issue 13); see SHIMS-gql2.md."""

from api.graphql.surveys.enums import SurveyAnswerErrorCode as SurveyAnswerErrorCode
from api.graphql.surveys.enums import SurveyAudience as SurveyAudience
from api.graphql.surveys.enums import SurveyQuestionType as SurveyQuestionType
from api.graphql.surveys.mutations import SurveyMutation as SurveyMutation
from api.graphql.surveys.queries import SurveyQuery as SurveyQuery
from api.graphql.surveys.types import Survey as Survey
from api.graphql.surveys.types import SurveyVersion as SurveyVersion
