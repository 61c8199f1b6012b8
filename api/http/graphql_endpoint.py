"""/graphql over HTTP: the schema (`api/schema.py`) served by Strawberry's ASGI view, with the
context of each request, the INVALID code on request errors, the time limit, and GraphiQL
(`api/http/graphiql.py`) unless it is off."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from graphql import GraphQLError
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from api.graphql.core.context import Context
from api.graphql.core.loaders import Loaders
from api.graphql.schema import build_schema
from api.http.graphiql import GraphiQLFiles
from api.http.services import Services
from domain.core.roles import Actor
from domain.core.settings import GraphiQLAccess
from domain.history.service import current_request_id

log = logging.getLogger("qaf.api")


def routes(services: Services) -> list[BaseRoute]:
    graphql = GraphQLView(services)
    graphiql = services.settings.graphiql is not GraphiQLAccess.OFF
    return [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        *(graphql.graphiql.routes() if graphiql else []),
    ]


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, services: Services) -> None:
        settings = services.settings
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.graphiql is GraphiQLAccess.OFF else "graphiql",
            allow_queries_via_get=False,
        )
        self.services = services
        self.graphiql = GraphiQLFiles()

    async def get_context(self, request: Any, response: Any) -> Context:
        actor: Actor | None = request.state.actor
        services = self.services
        return Context(
            request=request,
            response=response,
            actor=actor,
            request_id=request.state.request_id,
            settings=services.settings,
            clock=services.clock,
            session_factory=services.session_factory,
            loaders=Loaders(services.session_factory, actor),
        )

    async def process_result(self, request: Any, result: Any) -> Any:
        """Every error about the request itself (syntax, validation, variables: no path) that
        carries no code gets INVALID, so that a client can switch on the code alone."""
        body = await super().process_result(request, result)
        errors: list[dict[str, Any]] = cast(list[dict[str, Any]], body.get("errors") or [])
        for error in errors:
            extensions = error.setdefault("extensions", {})
            if "path" not in error and not extensions.get("code"):
                extensions["code"] = "INVALID"
        return body

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Every operation within REQUEST_TIME_LIMIT_SECONDS: past it the task is cancelled
        (PostgreSQL is told to cancel its statement, a transaction rolls back) and the client
        gets a TIMEOUT error, with HTTP 200 as for any GraphQL error (docs/limits.md)."""
        seconds = self.services.settings.request_time_limit_seconds
        try:
            async with asyncio.timeout(seconds):
                return await super().execute_single(*args, **kwargs)
        except TimeoutError:
            request_id = current_request_id.get()
            log.warning("request %s stopped at its time limit of %s s", request_id, seconds)
            error = GraphQLError(
                f"This request took longer than its limit of {seconds:g} seconds and was "
                f"stopped. Ask for less (a smaller `first`), or quote request id {request_id}.",
                extensions={"code": "TIMEOUT", "limitSeconds": seconds, "requestId": request_id},
            )
            return ExecutionResult(data=None, errors=[error])

    async def render_graphql_ide(self, request: Any) -> Response:
        """The same page for everyone: a browser's GET carries no token, so the page holds
        nothing and does nothing until a token is pasted into it (api/http/graphiql.py)."""
        return self.graphiql.page()
