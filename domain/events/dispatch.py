"""In-transaction dispatch of domain facts: one concept publishes a fact (a frozen dataclass of
its own), the concepts that react to it subscribe, and `publish` runs their subscribers at once,
in the publisher's session and transaction, in the order they were subscribed. A subscriber
that raises undoes the whole change, as a check in the use case itself would.

Who subscribes to what is declared in one place, `domain/reactions.py`, which the `domain`
package imports: the publishing concept never imports the reacting one, and no subscription
depends on which module happened to be imported first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock

F = TypeVar("F")
Subscriber = Callable[[AsyncSession, Clock, F], Awaitable[object]]

_subscribers: dict[type[Any], list[Subscriber[Any]]] = {}


def subscribe(fact: type[F], subscriber: Subscriber[F]) -> None:
    """Run `subscriber` on every `fact` published, after those subscribed before it (a second
    subscription of the same subscriber changes nothing)."""
    subscribers = _subscribers.setdefault(fact, [])
    if subscriber not in subscribers:
        subscribers.append(subscriber)


def subscribers_of(fact: type[Any]) -> list[Subscriber[Any]]:
    return list(_subscribers.get(fact, []))


async def publish(session: AsyncSession, clock: Clock, fact: object) -> int:
    """Run every subscriber of `fact`'s type, in order, in this transaction. Returns how many
    ran (none: nobody reacts to it)."""
    subscribers = subscribers_of(type(fact))
    for subscriber in subscribers:
        await subscriber(session, clock, fact)
    return len(subscribers)
