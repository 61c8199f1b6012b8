"""What every request passes through, outermost first: `RequestMiddleware` (a request id, the
bearer token turned into an Actor, any unhandled error answered as JSON), then the body guard
of /graphql (`api/http/graphql_body.py`)."""

from __future__ import annotations

import logging
import re
import uuid

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.errors import graphql_error, unauthorised
from api.http.graphql_body import GraphQLBodyGuard
from api.http.services import Services
from domain.core.errors import Unauthenticated
from domain.history.service import current_request_id
from domain.identity.tokens import authenticate

log = logging.getLogger("qaf.api")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Far more than any identity provider's token; a longer one is refused before it is decoded.
MAX_TOKEN_CHARACTERS = 16_384


def stack(services: Services) -> list[Middleware]:
    return [
        Middleware(RequestMiddleware, services=services),
        Middleware(GraphQLBodyGuard, settings=services.settings),
    ]


class RequestMiddleware:
    """Gives each request an id and turns its bearer token (if any) into an Actor.

    A request without a token goes on as anonymous (health checks, GraphiQL's page and files, and
    later the survey respondents' API); a token that is present but not acceptable is 401.
    """

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["actor"] = None
        token_var = current_request_id.set(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                kept = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                message["headers"] = [*kept, (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self._authenticated(scope, receive, send_with_id, headers, request_id)
        except Exception:
            # Whatever escaped is a fault of ours: logged whole, answered as JSON with the
            # request id (Starlette's own error page would carry neither).
            log.exception("unhandled error (request %s)", request_id)
            if started:
                raise
            await graphql_error(
                f"Internal error. Quote request id {request_id} when reporting it.",
                "INTERNAL",
                status=500,
                request_id=request_id,
            )(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token_var)

    async def _authenticated(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], request_id: str
    ) -> None:
        state = scope["state"]
        authorization = headers.get("authorization", "").strip()
        if authorization:
            scheme, _, token = authorization.partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                await unauthorised("Use a Bearer token.")(scope, receive, send)
                return
            if len(token) > MAX_TOKEN_CHARACTERS:
                await unauthorised("The token is too long.")(scope, receive, send)
                return
            try:
                async with self.services.session_factory() as session:
                    state["actor"] = await authenticate(
                        session=session,
                        verifier=self.services.verifier,
                        token=token,
                        clock=self.services.clock,
                    )
            except Unauthenticated as exc:
                await unauthorised(exc.message)(scope, receive, send)
                return
            except Exception:
                # The database (or the identity provider) did not answer: a fault of ours,
                # reported as such, never as a bad token.
                log.exception("authentication failed (request %s)", request_id)
                await graphql_error(
                    "The service is unavailable; try again shortly.",
                    "UNAVAILABLE",
                    status=503,
                    request_id=request_id,
                    headers={"Retry-After": "5"},
                )(scope, receive, send)
                return
        await self.app(scope, receive, send)
