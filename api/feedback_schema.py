"""Shim: moved to api/graphql/ (issue 13); see SHIMS-gql2.md."""

from api.graphql.feedback.mutations import FeedbackMutation as FeedbackMutation
from api.graphql.feedback.queries import FeedbackQuery as FeedbackQuery
from api.graphql.feedback.types import FeedbackRecord as FeedbackRecord
