"""Shim: moved to api/graphql/history/types.py (see SHIMS-gql.md)."""

from api.graphql.history.types import HistoryEntry as HistoryEntry
