"""Shim: moved to api/graphql/ (issue 13); see SHIMS-gql2.md."""

from api.graphql.notifications.enums import NotificationKind as NotificationKind
from api.graphql.notifications.mutations import NotificationMutation as NotificationMutation
from api.graphql.notifications.queries import NotificationQuery as NotificationQuery
from api.graphql.notifications.types import Notification as Notification
