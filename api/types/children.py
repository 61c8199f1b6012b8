"""Shim: moved to api/graphql/children/types.py (see SHIMS-gql.md)."""

from api.graphql.children.types import Child as Child
