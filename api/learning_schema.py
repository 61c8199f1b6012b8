"""Shim: moved to api/graphql/ (issue 13); see SHIMS-gql2.md."""

from api.graphql.learning.mutations import LearningMutation as LearningMutation
from api.graphql.learning.queries import LearningQuery as LearningQuery
