"""The domain's enums, exposed as GraphQL enums as they are: no copies in the API.

`expose` makes a domain `Enum` class a GraphQL enum (the class itself, so resolvers return and
inputs receive domain members) and describes each value for the front-end. Names and values are
the domain's, so the schema reads exactly as the copies did.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=Enum)


def expose(
    enum: type[E], *, description: str, values: Mapping[str, str], name: str | None = None
) -> type[E]:
    """`enum` made a GraphQL enum named `name` (its own name when left out), each value
    described by `values` (member name to description; every member, no others)."""
    members = [m.name for m in enum]
    if set(values) != set(members):
        missing = sorted(set(members) - set(values))
        extra = sorted(set(values) - set(members))
        raise ValueError(f"{enum.__name__}: undescribed {missing}, unknown {extra}")
    strawberry.enum(enum, name=name, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[value.name]
    return enum
