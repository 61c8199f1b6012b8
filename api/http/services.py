"""What one API process holds, and its lifespan: the resources are released when the
application shuts down."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from domain.core.clock import Clock, SystemClock
from domain.core.db import SessionFactory, create_engine, create_session_factory
from domain.core.settings import Settings
from domain.identity.tokens import TokenVerifier


class Services:
    """What one API process holds: engine, session factory, Redis, token verifier, clock.

    Nothing here is about any one request, so any number of API processes can run side by side.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        engine: AsyncEngine | None = None,
        redis: Redis | None = None,
        verifier: TokenVerifier | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.engine = engine or create_engine(settings)
        self.session_factory: SessionFactory = create_session_factory(self.engine)
        self.redis = redis or Redis.from_url(
            settings.redis_url, socket_connect_timeout=2, socket_timeout=2
        )
        self.verifier = verifier or TokenVerifier(settings)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()


def lifespan(services: Services) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Nothing to start (connections are made when first wanted); everything closed at the end."""

    @contextlib.asynccontextmanager
    async def running(app: Starlette) -> AsyncIterator[None]:
        yield
        await services.close()

    return running
