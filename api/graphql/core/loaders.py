"""The per-request loader registry.

A loader is declared once, at module level in its concept's `loaders.py`, as a `Loader`: a
batch function and how to key it. Each request gets its own `Loaders` (in the context), which
makes each declared loader's `DataLoader` on first use, so batches and caches never outlive a
request. Read one with `PERSON.load(info, person_id)`, or `info.context.loaders.get(PERSON)`.

Each batch opens its own short session, because sibling fields resolve concurrently and an
AsyncSession must not be shared between tasks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from api.graphql.core.ids import uuids_of
from domain.core.db import SessionFactory
from domain.core.roles import Actor

K = TypeVar("K")
V = TypeVar("V")
I = TypeVar("I", bound=Hashable)  # noqa: E741 - an id


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose loads are shared safely. Every field that loads the same key awaits
    one future; when graphql-core cancels some of those fields (a refused non-null field nulls
    its parent and cancels its siblings), awaiting the future directly would cancel it for
    every other field too, and the request would fail with CancelledError. Each caller awaits
    a shield of it instead."""

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


class _HasLoaders(Protocol):
    @property
    def loaders(self) -> Loaders: ...


class _HasContext(Protocol):
    @property
    def context(self) -> _HasLoaders: ...


class _SessionContext(Protocol):
    @property
    def actor(self) -> Actor | None: ...

    @property
    def session_factory(self) -> SessionFactory: ...


class _HasSession(Protocol):
    @property
    def context(self) -> _SessionContext: ...


class Loader(Generic[K, V]):
    """A loader's declaration: `batch(loaders, keys)` gives one value per key, in order.
    `cache_key` keys objects (an ORM row) by something hashable (its id)."""

    def __init__(
        self,
        batch: Callable[[Loaders, list[K]], Awaitable[list[V]]],
        *,
        cache_key: Callable[[K], Hashable] | None = None,
    ) -> None:
        self.batch = batch
        self.cache_key = cache_key

    def load(self, info: _HasContext, key: K) -> Awaitable[V]:
        return info.context.loaders.get(self).load(key)

    def load_many(self, info: _HasContext, keys: Iterable[K]) -> Awaitable[list[V]]:
        return info.context.loaders.get(self).load_many(keys)


class Loaders:
    """The loaders of one request, made on first use from their declarations."""

    def __init__(self, session_factory: SessionFactory, actor: Actor | None) -> None:
        self.session_factory = session_factory
        self.actor = actor
        self._made: dict[Loader[Any, Any], SharedLoader[Any, Any]] = {}

    def get(self, loader: Loader[K, V]) -> SharedLoader[K, V]:
        made = self._made.get(loader)
        if made is None:

            async def batch(keys: list[K]) -> list[V]:
                return await loader.batch(self, keys)

            made = SharedLoader[K, V](batch, cache_key_fn=loader.cache_key)
            self._made[loader] = made
        return made


# --- the usual shapes of batch ---------------------------------------------------------------

Visible = Callable[[AsyncSession, Actor, list[I]], Awaitable[Mapping[I, V]]]
Fetch = Callable[[AsyncSession, list[I]], Awaitable[Mapping[I, V]]]


def visible_by_id(fetch: Visible[I, V]) -> Loader[I, V | None]:
    """Objects by id, as far as the signed-in person may see them (`fetch` filters): None for
    an id not found or not visible, and for every id when no one is signed in."""

    async def batch(loaders: Loaders, ids: list[I]) -> list[V | None]:
        if loaders.actor is None:
            return [None] * len(ids)
        async with loaders.session_factory() as session:
            found = await fetch(session, loaders.actor, ids)
        return [found.get(i) for i in ids]

    return Loader(batch)


def visible_lists(fetch: Visible[I, list[V]]) -> Loader[I, list[V]]:
    """The lists hanging off objects, as far as the signed-in person may see them; empty
    lists when no one is signed in. `fetch` answers every id it is given."""

    async def batch(loaders: Loaders, ids: list[I]) -> list[list[V]]:
        if loaders.actor is None:
            return [[] for _ in ids]
        async with loaders.session_factory() as session:
            found = await fetch(session, loaders.actor, ids)
        return [found[i] for i in ids]

    return Loader(batch)


def lists_of(fetch: Fetch[I, V]) -> Loader[I, V]:
    """What hangs off objects the caller already sees (their parts): no access check here.
    `fetch` answers every id it is given (an empty list for none)."""

    async def batch(loaders: Loaders, ids: list[I]) -> list[V]:
        async with loaders.session_factory() as session:
            found = await fetch(session, ids)
        return [found[i] for i in ids]

    return Loader(batch)


async def visible_nodes(
    info: _HasSession, node_ids: Iterable[str], fetch: Visible[uuid.UUID, V]
) -> list[V | None]:
    """For a type's `resolve_nodes`: the objects of those node ids that the signed-in person
    may see (`fetch` filters), in order; None for the others, and for all without a person."""
    ids = uuids_of(node_ids)
    actor = info.context.actor
    if actor is None:
        return [None] * len(ids)
    async with info.context.session_factory() as session:
        found = await fetch(session, actor, ids)
    return [found.get(i) for i in ids]


N = TypeVar("N")


async def load_node(
    info: _HasContext, loader: Loader[K, V | None], key: K | None, convert: Callable[[V], N]
) -> N | None:
    """The GraphQL object for `key` through `loader` (made by `convert`); None when there is
    no key, or nothing the caller may see."""
    if key is None:
        return None
    found = await loader.load(info, key)
    return convert(found) if found is not None else None
