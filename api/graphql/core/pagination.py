"""Relay pagination: counted connections, the `first`/`after` arguments, reads in a session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, Self, TypeVar

import strawberry
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import NotSignedIn, refusal
from domain.core.errors import DomainError
from domain.core.pagination import Page
from domain.core.roles import Actor

NodeT = TypeVar("NodeT", bound=relay.Node)
R = TypeVar("R")
M = TypeVar("M")
ConnectionT = TypeVar("ConnectionT", bound="CountedConnection[Any]")

First = Annotated[
    int | None,
    strawberry.argument(description="How many items to return: 0 to 100, 20 when left out."),
]
After = Annotated[
    str | None,
    strawberry.argument(description="The `endCursor` of the previous page, to read the next."),
]


@strawberry.type(description="A page of a list, Relay style, with the total size of the list.")
class CountedConnection(relay.Connection[NodeT], Generic[NodeT]):
    _count: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="How many items the whole list holds, across all pages.")
    async def total_count(self) -> int:
        return await self._count() if self._count is not None else len(self.edges)

    @classmethod
    def from_page(
        cls,
        page: Page[Any],
        convert: Callable[[Any], NodeT],
        count: Callable[[], Awaitable[int]] | None = None,
    ) -> Self:
        edges = [
            relay.Edge(node=convert(item), cursor=cursor)
            for item, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            _count=count,
        )


async def read(
    info: Info[Context, Any], use_case: Callable[[AsyncSession, Actor], Awaitable[R]]
) -> R:
    """Run a read use case in its own short session; domain refusals become GraphQL errors."""
    ctx = info.context
    actor = ctx.actor
    if actor is None:
        raise NotSignedIn()
    try:
        async with ctx.session_factory() as session:
            return await use_case(session, actor)
    except DomainError as error:
        raise refusal(error) from error


async def connection(
    info: Info[Context, Any],
    connection_type: type[ConnectionT],
    convert: Callable[[M], Any],
    lister: Callable[[AsyncSession, Actor], Awaitable[Page[M]]],
    counter: Callable[[AsyncSession, Actor], Awaitable[int]],
) -> ConnectionT:
    """A page of a domain list as a connection; `totalCount` is counted only when asked for."""
    page = await read(info, lister)

    async def total() -> int:
        return await read(info, counter)

    return connection_type.from_page(page, convert, total)


def is_loaded(model: object, attribute: str) -> bool:
    """Whether an ORM relationship was eager-loaded with its object (so no query is needed)."""
    return attribute not in sa_inspect(model).unloaded


# The `filter` argument of a list: `filter: Annotated[SomeFilter | None, Narrow] = None`.
Narrow = strawberry.argument(description="Narrow the list.")

F = TypeVar("F")


async def filtered_connection(
    info: Info[Context, Any],
    connection_type: type[ConnectionT],
    convert: Callable[[M], Any],
    filters: Callable[[], F],
    lister: Callable[..., Awaitable[Page[M]]],
    counter: Callable[..., Awaitable[int]],
    first: int | None,
    after: str | None,
) -> ConnectionT:
    """`connection` over a domain list that takes `filters` (made inside the read, so a bad id
    in them is a refusal like any other) and pages by `first` and `after`."""
    return await connection(
        info,
        connection_type,
        convert,
        lambda s, a: lister(session=s, actor=a, filters=filters(), first=first, after=after),
        lambda s, a: counter(session=s, actor=a, filters=filters()),
    )
