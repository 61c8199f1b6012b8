"""The per-request context: who is asking, the clock, short-lived sessions and fresh loaders.

Nothing here names a concept: a concept's loaders are declared in its own `loaders.py` and got
through `loaders.get(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from api.graphql.core.loaders import Loaders
from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.errors import Unauthenticated
from domain.core.roles import Actor
from domain.core.settings import Settings


@dataclass
class Context:
    request: Request
    response: Response | None
    actor: Actor | None
    request_id: str
    settings: Settings
    clock: Clock
    session_factory: SessionFactory
    # This request's loaders: `loaders.get(LOADER)` for a `Loader` a concept declares.
    loaders: Loaders

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise Unauthenticated()
        return self.actor
