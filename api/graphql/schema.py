"""The GraphQL schema, assembled from the concepts' queries and mutations.

Adding a concept is one folder under api/graphql/ and one line in each list below. The lists
are in the order the schema shows the fields.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.schema.config import StrawberryConfig

from api.extensions import ExecutorWithoutSuggestions, build_extensions
from api.graphql.audits.mutations import AuditMutation
from api.graphql.audits.queries import AuditQuery
from api.graphql.children.mutations import ChildrenImportMutation
from api.graphql.children.queries import ChildrenQuery
from api.graphql.core.root import RootQuery
from api.graphql.deadlines.mutations import CalendarMutation
from api.graphql.deadlines.queries import CalendarQuery, ObligationQuery
from api.graphql.escalation.mutations import EscalationMutation
from api.graphql.escalation.queries import EscalationQuery
from api.graphql.feedback.mutations import FeedbackMutation
from api.graphql.feedback.queries import FeedbackQuery
from api.graphql.history.queries import HistoryQuery
from api.graphql.learning.mutations import LearningMutation
from api.graphql.learning.queries import LearningQuery
from api.graphql.notifications.mutations import NotificationMutation
from api.graphql.notifications.queries import NotificationQuery
from api.graphql.people.mutations import PeopleMutation
from api.graphql.people.queries import PeopleQuery
from api.graphql.surveys.mutations import SurveyCampaignMutation, SurveyMutation
from api.graphql.surveys.queries import SurveyCampaignQuery, SurveyQuery, SurveyResultsQuery
from domain.core.settings import Settings, get_settings

QUERIES: list[type[Any]] = [
    AuditQuery,
    CalendarQuery,
    ObligationQuery,
    NotificationQuery,
    EscalationQuery,
    FeedbackQuery,
    LearningQuery,
    SurveyQuery,
    SurveyCampaignQuery,
    SurveyResultsQuery,
    RootQuery,
    PeopleQuery,
    ChildrenQuery,
    HistoryQuery,
]

MUTATIONS: list[type[Any]] = [
    AuditMutation,
    CalendarMutation,
    ChildrenImportMutation,
    NotificationMutation,
    EscalationMutation,
    FeedbackMutation,
    LearningMutation,
    SurveyMutation,
    SurveyCampaignMutation,
    PeopleMutation,
]


def _merged(name: str, parts: list[type[Any]], description: str) -> type[Any]:
    """One GraphQL type with every part's fields, in the order of `parts`."""
    return strawberry.type(type(name, tuple(parts), {}), description=description)


Query = _merged("Query", QUERIES, "Everything the front-end reads.")
Mutation = _merged(
    "Mutation", MUTATIONS, "Changes. Each is one unit of work with its history, or nothing."
)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=build_extensions(settings),
        execution_context_class=ExecutorWithoutSuggestions if settings.hide_suggestions else None,
        config=StrawberryConfig(disable_field_suggestions=settings.hide_suggestions),
    )


schema = build_schema()
