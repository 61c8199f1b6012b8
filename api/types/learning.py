"""Shim: moved to api/graphql/ (issue 13); see SHIMS-gql2.md."""

from api.graphql.learning.types import TaskAndFinishGroup as TaskAndFinishGroup
from api.graphql.learning.types import TaskAndFinishGroupConnection as TaskAndFinishGroupConnection
