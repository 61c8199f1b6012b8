"""The Starlette application: /graphql (with GraphiQL), /healthz and /readyz, the exception
report and survey results downloads, and the survey respondents' surfaces: the JSON API
(/respond/v1/...), the phone page (/s/...) and the sheet of printed invitations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, cast

from graphql import GraphQLError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from api import log_redaction
from api.boundary import GraphQLBodyGuard
from api.context import Context, Loaders
from api.graphiql import GraphiQLFiles
from api.printed_invitations import PrintedInvitations
from api.rate_limit import RespondentRateLimiter
from api.respond_api import RespondentAPI
from api.respond_pages import PhonePages
from api.schema import build_schema
from api.survey_results_csv import comments_csv, results_csv
from api.types.common import id_in_path
from domain.core.clock import Clock, SystemClock
from domain.core.db import SessionFactory, create_engine, create_session_factory
from domain.core.errors import InvalidInput, NotAllowed, NotFound, Unauthenticated
from domain.core.settings import GraphiQLAccess, Settings, check_startable, get_settings
from domain.escalation import service as escalation
from domain.history.service import current_request_id
from domain.identity.tokens import TokenVerifier, authenticate
from domain.people.roles import Actor
from domain.surveys import results as survey_results
from domain.system.service import check_readiness

log = logging.getLogger("qaf.api")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Far more than any identity provider's token; a longer one is refused before it is decoded.
MAX_TOKEN_CHARACTERS = 16_384


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


def _unauthorised(message: str, request_id: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


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
            await JSONResponse(
                {
                    "errors": [
                        {
                            "message": f"Internal error. Quote request id {request_id} "
                            "when reporting it.",
                            "extensions": {"code": "INTERNAL", "requestId": request_id},
                        }
                    ]
                },
                status_code=500,
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
                await _unauthorised("Use a Bearer token.", request_id)(scope, receive, send)
                return
            if len(token) > MAX_TOKEN_CHARACTERS:
                await _unauthorised("The token is too long.", request_id)(scope, receive, send)
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
                await _unauthorised(exc.message, request_id)(scope, receive, send)
                return
            except Exception:
                # The database (or the identity provider) did not answer: a fault of ours,
                # reported as such, never as a bad token.
                log.exception("authentication failed (request %s)", request_id)
                await JSONResponse(
                    {
                        "errors": [
                            {
                                "message": "The service is unavailable; try again shortly.",
                                "extensions": {"code": "UNAVAILABLE", "requestId": request_id},
                            }
                        ]
                    },
                    status_code=503,
                    headers={"Retry-After": "5"},
                )(scope, receive, send)
                return
        await self.app(scope, receive, send)


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
        nothing and does nothing until a token is pasted into it (api/graphiql.py)."""
        return self.graphiql.page()


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    services: Services | None = None,
) -> Starlette:
    settings = settings or get_settings()
    check_startable(settings)
    log_redaction.install()
    services = services or Services(settings, clock=clock)
    graphql = GraphQLView(services)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        state = await check_readiness(
            session_factory=services.session_factory, redis=services.redis, clock=services.clock
        )
        body = {
            "status": "ready" if state.ready else "not ready",
            "database": state.database,
            "redis": state.redis,
            "worker": state.worker,
            "workers_alive": state.workers_alive,
            "last_worker_heartbeat": state.last_heartbeat.isoformat()
            if state.last_heartbeat
            else None,
        }
        return JSONResponse(body, status_code=200 if state.ready else 503)

    async def exception_report(request: Request) -> Response:
        """The exception report of an Inadequate process, for whoever may see the process;
        `.html` to read, `.pdf` to download. "Not found" for anyone else, as in GraphQL."""
        actor: Actor | None = request.state.actor
        request_id = request.state.request_id
        if actor is None:
            return _unauthorised("Sign in first.", request_id)
        fmt = request.path_params["format"]
        escalation_id = id_in_path(request.path_params["escalation_id"], "InadequateEscalation")
        if fmt not in ("html", "pdf") or escalation_id is None:
            return JSONResponse({"error": "not found", "requestId": request_id}, status_code=404)
        try:
            async with services.session_factory() as session:
                name, body = await escalation.exception_report(
                    session=session,
                    actor=actor,
                    clock=services.clock,
                    escalation_id=escalation_id,
                    pdf=fmt == "pdf",
                )
        except NotFound:
            return JSONResponse({"error": "not found", "requestId": request_id}, status_code=404)
        headers = {
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "Content-Disposition": f"{'attachment' if fmt == 'pdf' else 'inline'}; "
            f'filename="{name}"',
        }
        media = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
        return Response(body, media_type=media, headers=headers)

    async def survey_csv(request: Request) -> Response:
        """A campaign's results (`results.csv`, `?by=TEAM|SERVICE|COHORT|AUDIENCE`) or its
        free-text comments (`comments.csv`), with the GraphQL bearer token: the same figures,
        suppression and scope as `surveyResults` and `surveyComments`. 401 unsigned, 403 for
        a role that may not read them, 404 for a campaign that does not exist."""
        actor: Actor | None = request.state.actor
        request_id = request.state.request_id
        if actor is None:
            return _unauthorised("Sign in first.", request_id)
        what = request.path_params["what"]
        campaign_id = id_in_path(request.path_params["campaign_id"], "SurveyCampaign")
        if what not in ("results", "comments") or campaign_id is None:
            return JSONResponse({"error": "not found", "requestId": request_id}, status_code=404)
        policy_settings = services.settings.policy
        try:
            async with services.session_factory() as session:
                if what == "results":
                    by_param = request.query_params.get("by")
                    if by_param is not None and by_param not in {
                        b.value for b in survey_results.Breakdown
                    }:
                        raise InvalidInput(
                            "by is one of TEAM, SERVICE, COHORT or AUDIENCE.", field="by"
                        )
                    found = await survey_results.campaign_results(
                        session=session,
                        actor=actor,
                        policy_settings=policy_settings,
                        campaign_id=campaign_id,
                        by=survey_results.Breakdown(by_param) if by_param else None,
                    )
                    body = results_csv(found)
                else:
                    export = await survey_results.all_comments(
                        session=session,
                        actor=actor,
                        policy_settings=policy_settings,
                        campaign_id=campaign_id,
                    )
                    body = comments_csv(export)
        except NotFound:
            return JSONResponse({"error": "not found", "requestId": request_id}, status_code=404)
        except NotAllowed as error:
            return JSONResponse(
                {"error": error.message, "code": error.code.value, "requestId": request_id},
                status_code=403,
            )
        except InvalidInput as error:
            return JSONResponse(
                {"error": error.message, "field": error.field, "requestId": request_id},
                status_code=400,
            )
        headers = {
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="survey-{what}-{campaign_id}.csv"',
        }
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    limiter = RespondentRateLimiter(services.redis, settings)
    respondent_api = RespondentAPI(
        session_factory=services.session_factory,
        clock=services.clock,
        limiter=limiter,
        offline_grace=timedelta(days=settings.policy.survey_offline_grace_days),
    )
    phone_pages = PhonePages(
        session_factory=services.session_factory, clock=services.clock, limiter=limiter
    )
    printed = PrintedInvitations(
        session_factory=services.session_factory, clock=services.clock, settings=settings
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await services.close()

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *(graphql.graphiql.routes() if settings.graphiql is not GraphiQLAccess.OFF else []),
            Route(
                "/escalations/{escalation_id}/exception-report.{format}",
                exception_report,
                methods=["GET"],
            ),
            Route("/survey-campaigns/{campaign_id}/{what}.csv", survey_csv, methods=["GET"]),
            Route(
                "/survey-campaigns/{campaign_id}/printed-invitations.html",
                printed.page,
                methods=["GET"],
            ),
            *respondent_api.routes(),
            *phone_pages.routes(),
        ],
        middleware=[
            Middleware(RequestMiddleware, services=services),
            Middleware(GraphQLBodyGuard, settings=settings),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    return app
