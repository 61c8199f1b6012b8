"""The GraphQL API, one folder per concept (mirroring `domain/<concept>/`) around a small core.

`core/` holds what every concept shares: the context, the loader registry, global ids, typed
errors, pagination, the mutation helper and domain enums made GraphQL enums. `schema.py`
assembles the concepts' queries and mutations.
"""
