"""Shim: the schema is assembled in api/graphql/schema.py (see SHIMS-gql.md)."""

from api.graphql.schema import build_schema as build_schema
from api.graphql.schema import schema as schema
