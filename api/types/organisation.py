"""Shim: moved to api/graphql/people/types.py (see SHIMS-gql.md)."""

from api.graphql.people.types import Person as Person
from api.graphql.people.types import Service as Service
from api.graphql.people.types import Team as Team
