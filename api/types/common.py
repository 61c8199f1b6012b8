"""Shared GraphQL pieces: typed errors, connections, permissions, id decoding, mutations."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import Any, Generic, TypeVar, cast

import strawberry
from graphql import GraphQLError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.permission import BasePermission
from strawberry.types import Info

from api.context import Context
from domain.core import errors as domain_errors
from domain.core.errors import DomainError, InvalidInput
from domain.core.pagination import Page
from domain.people.roles import Actor

NodeT = TypeVar("NodeT", bound=relay.Node)
R = TypeVar("R")
ConnectionT = TypeVar("ConnectionT", bound="CountedConnection[Any]")


@strawberry.enum(description="Why a mutation was refused; stable, for the front-end to switch on.")
class ErrorCode(Enum):
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="No such object, or you may not know that it exists."
    )
    NOT_ALLOWED = strawberry.enum_value("NOT_ALLOWED", description="Your roles do not allow this.")
    UNAUTHENTICATED = strawberry.enum_value("UNAUTHENTICATED", description="No one is signed in.")
    INVALID = strawberry.enum_value(
        "INVALID", description="A value is missing or not acceptable; `field` says which."
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT",
        description="The object's state, or an existing object, refuses the change.",
    )
    ALREADY_DONE = strawberry.enum_value(
        "ALREADY_DONE",
        description="This step was done already (a second assurance, a second send); nothing "
        "changed.",
    )
    NOT_OPEN_YET = strawberry.enum_value(
        "NOT_OPEN_YET",
        description="This step is not open yet: the message says what comes first, or the day "
        "it opens.",
    )


@strawberry.type(description="A reason a mutation changed nothing.")
class UserError:
    code: ErrorCode = strawberry.field(description="What kind of refusal this is.")
    field: str | None = strawberry.field(
        description="The input field at fault, in the input's own (camelCase) name, if any."
    )
    message: str = strawberry.field(description="A sentence to show the person.")

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(code=ErrorCode(error.code.value), field=error.field, message=error.message)


class NotSignedIn(GraphQLError):
    def __init__(self) -> None:
        super().__init__("Sign in first.", extensions={"code": "UNAUTHENTICATED"})


class IsAuthenticated(BasePermission):
    message = "Sign in first."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        return info.context.actor is not None


def refusal(error: DomainError) -> GraphQLError:
    """A query-level refusal: a GraphQL error with the domain's code in `extensions`."""
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


# Global ids whose node id is an integer (history rows); every other type's is a UUID.
INTEGER_ID_TYPES = frozenset({"HistoryEntry"})
MAX_GLOBAL_ID_LENGTH = 200


def parse_global_id(value: object) -> tuple[str, uuid.UUID | int] | None:
    """The one decoder of global ids: the type name and node id of an id exactly as this
    server writes it (`global_id`), or None for anything else. Strict on purpose: standard
    base64 with its padding (no urlsafe alphabet, no missing or extra `=`), ASCII only, and a
    canonical node id (a lowercase hyphenated UUID, or a decimal integer without leading
    zeros), checked by encoding the result again and comparing. So one object has one id,
    and Unicode digits (int() and uuid.UUID() accept an Arabic-Indic zero) never resolve."""
    if not isinstance(value, str) or len(value) > MAX_GLOBAL_ID_LENGTH or not value.isascii():
        return None
    try:
        raw = base64.b64decode(value, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
        return None
    type_name, colon, node = raw.partition(":")
    if not colon or not type_name.isidentifier():
        return None
    node_id: uuid.UUID | int
    try:
        node_id = int(node) if type_name in INTEGER_ID_TYPES else uuid.UUID(node)
    except ValueError:
        return None
    if global_id(type_name, node_id) != value:
        return None
    return type_name, node_id


def decode_id(value: strawberry.ID | str, expected: str, field: str) -> uuid.UUID:
    """The UUID inside a global id of the expected type, or an INVALID error for `field`."""
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != expected or not isinstance(parsed[1], uuid.UUID):
        raise InvalidInput(f"That is not the id of a {expected}.", field=field)
    return parsed[1]


def parse_uuid(value: str) -> uuid.UUID | None:
    """A UUID in its canonical form only (lowercase, hyphenated), or None."""
    try:
        parsed = uuid.UUID(value) if value.isascii() else None
    except ValueError:
        return None
    return parsed if parsed is not None and str(parsed) == value else None


def id_in_path(value: str, expected: str) -> uuid.UUID | None:
    """An id in a download's path: the global id GraphQL gives, or the plain UUID; None if
    neither (the route answers 404)."""
    try:
        return decode_id(value, expected, "id")
    except InvalidInput:
        return parse_uuid(value)


def decode_optional_id(
    value: strawberry.ID | str | None, expected: str, field: str
) -> uuid.UUID | None:
    return None if value is None else decode_id(value, expected, field)


def global_id(type_name: str, node_id: uuid.UUID | int) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(node_id))))


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
    ) -> Any:
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
    convert: Callable[[Any], Any],
    lister: Callable[[AsyncSession, Actor], Awaitable[Page[Any]]],
    counter: Callable[[AsyncSession, Actor], Awaitable[int]],
) -> ConnectionT:
    """A page of a domain list as a connection; `totalCount` is counted only when asked for."""
    page = await read(info, lister)

    async def total() -> int:
        return await read(info, counter)

    return cast(ConnectionT, connection_type.from_page(page, convert, total))


async def mutate(
    info: Info[Context, Any], use_case: Callable[[AsyncSession, Actor], Awaitable[R]]
) -> tuple[R | None, list[UserError]]:
    """Run a mutation as one unit of work: the change and its history commit together,
    or nothing does. Expected refusals come back as typed errors."""
    ctx = info.context
    if ctx.actor is None:
        return None, [UserError.from_domain(domain_errors.Unauthenticated())]
    try:
        async with ctx.session_factory() as session, session.begin():
            result = await use_case(session, ctx.actor)
    except DomainError as error:
        return None, [UserError.from_domain(error)]
    return result, []


def is_loaded(model: object, attribute: str) -> bool:
    """Whether an ORM relationship was eager-loaded with its object (so no query is needed)."""
    return attribute not in sa_inspect(model).unloaded


def node_ids(ids: Sequence[str]) -> list[uuid.UUID]:
    out = []
    for value in ids:
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            continue
    return out
