"""The mutation helper: a domain use case run as one unit of work, refusals as typed errors.

A resolver maps its input, names the use case and says which payload to answer with:

    @strawberry.mutation(description="...")
    async def cancel_audit(self, info: Info[Context, None], input: CancelInput) -> AuditPayload:
        return await AuditPayload.run(info, lambda s, a: audits.cancel_audit(session=s, ...))

Payloads of the usual shape (one object, or null, and the errors) are declared with
`@payload(...)` over a subclass of `Payload[Model]`; others build theirs from `mutate`'s outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Generic, NamedTuple, Optional, Self, TypeVar, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import UserError
from domain.core.errors import DomainError, Unauthenticated
from domain.core.roles import Actor

R = TypeVar("R")
M = TypeVar("M")
P = TypeVar("P", bound="Payload[Any]")

UseCase = Callable[[AsyncSession, Actor], Awaitable[R]]

EMPTY_ON_SUCCESS = "Empty when it succeeded."


class Outcome(NamedTuple, Generic[R]):
    """What a mutation's use case gave, or why it changed nothing (then `value` is None)."""

    value: R | None
    errors: list[UserError]


async def mutate(info: Info[Context, Any], use_case: UseCase[R]) -> Outcome[R]:
    """Run a mutation as one unit of work: the change and its history commit together,
    or nothing does. Expected refusals come back as typed errors."""
    ctx = info.context
    if ctx.actor is None:
        return Outcome(None, [UserError.from_domain(Unauthenticated())])
    try:
        async with ctx.session_factory() as session, session.begin():
            result = await use_case(session, ctx.actor)
    except DomainError as error:
        return Outcome(None, [UserError.from_domain(error)])
    return Outcome(result, [])


class Payload(Generic[M]):
    """A payload of the usual shape: the object changed (from a domain `M`), or null, and the
    errors. Subclasses are declared with `@payload`, which gives them their fields."""

    _field: ClassVar[str]
    _convert: ClassVar[Callable[[Any], Any]]

    @classmethod
    def of(cls, value: M | None, errors: list[UserError]) -> Self:
        node = cls._convert(value) if value is not None else None
        build = cast(Callable[..., Self], cls)
        return build(**{cls._field: node, "errors": errors})

    @classmethod
    async def run(cls, info: Info[Context, Any], use_case: UseCase[M]) -> Self:
        """`use_case` as one unit of work, answered with this payload."""
        return cls.of(*await mutate(info, use_case))


def payload(
    field: str,
    node: type[Any],
    *,
    description: str,
    field_description: str,
    errors_description: str = EMPTY_ON_SUCCESS,
    convert: Callable[[Any], Any] | None = None,
) -> Callable[[type[P]], type[P]]:
    """Declare a `Payload` subclass as the GraphQL type `{<field>: <node>, errors}`; the node
    is made from the domain object with `convert` (`node.from_model` when left out)."""

    def declare(cls: type[P]) -> type[P]:
        cls.__annotations__ = {field: Optional[node], "errors": list[UserError]}  # noqa: UP045
        setattr(cls, field, strawberry.field(description=field_description))
        cls.errors = strawberry.field(description=errors_description)  # type: ignore[attr-defined]
        cls._field = field
        cls._convert = staticmethod(convert or node.from_model)
        return strawberry.type(cls, description=description)

    return declare
