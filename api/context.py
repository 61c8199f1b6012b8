"""Shim: the context and loaders moved to api/graphql/core/ (see SHIMS-gql.md)."""

from api.graphql.core.context import Context as Context
from api.graphql.core.legacy_loaders import LegacyLoaders
from api.graphql.core.loaders import SharedLoader as SharedLoader

Loaders = LegacyLoaders
