"""Shim: moved to api/graphql/audits/types.py and core/pagination.py (see SHIMS-gql.md)."""

from api.graphql.audits.reference import Theme as Theme
from api.graphql.audits.types import LearningPoint as LearningPoint
from api.graphql.core.pagination import After as After
from api.graphql.core.pagination import First as First
