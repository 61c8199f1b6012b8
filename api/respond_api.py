"""The respondents' JSON API, for mobile survey clients. The one-time token travels in the
`Survey-Token` header (never in the URL, so it is not written to access logs):

    GET  /respond/v1/survey        the survey to show (`?lang=` or Accept-Language)
    POST /respond/v1/submissions   {"submissionId", "answers", "language"} -> the receipt
    POST /respond/v1/opt-out       no more surveys to this person

Each request is one unit of work. Errors are `{"code", "message", "requestId"}` (and
`problems` for INVALID), with the plain messages of `domain/surveys/respond.py`; nothing in any
answer says who a link was for.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.rate_limit import RespondentRateLimiter
from api.respond_common import (
    NO_STORE,
    STATUS,
    BodyTooLarge,
    client_address,
    has_bad_text,
    pick_language,
    read_body,
    survey_view,
    wanted_languages,
)
from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.errors import InvalidInput
from domain.surveys import respond
from domain.surveys.respond import AnswersInvalid, LinkRefused

log = logging.getLogger("qaf.api.respond")
TOKEN_HEADER = "survey-token"  # noqa: S105 (a header name)
Handler = Callable[[Request], Awaitable[Response]]


def error(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"code": code, "message": message, "requestId": request.state.request_id, **extra}
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


def ok(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=NO_STORE)


class RespondentAPI:
    def __init__(
        self, *, session_factory: SessionFactory, clock: Clock, limiter: RespondentRateLimiter
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.limiter = limiter

    def routes(self) -> list[Route]:
        return [
            Route("/respond/v1/survey", self._guarded(self.survey), methods=["GET"]),
            Route("/respond/v1/submissions", self._guarded(self.submit), methods=["POST"]),
            Route("/respond/v1/opt-out", self._guarded(self.opt_out), methods=["POST"]),
        ]

    def _guarded(self, handler: Handler) -> Handler:
        """Rate limit first; then the handler, with every refusal the domain can give mapped,
        the database's absence a 503, and anything else masked."""

        async def guarded(request: Request) -> Response:
            token = request.headers.get(TOKEN_HEADER)
            decision = await self.limiter.check(
                address=client_address(request), token_hash=respond.token_hash_of(token)
            )
            if not decision.allowed:
                return error(
                    request,
                    429,
                    "RATE_LIMITED",
                    "Too many tries. Please wait a little and try again.",
                    headers={"Retry-After": str(decision.retry_after)},
                )
            try:
                return await handler(request)
            except LinkRefused as refused:
                problem = refused.problem
                return error(request, STATUS[problem], problem.value, refused.message)
            except AnswersInvalid as invalid:
                return error(
                    request,
                    422,
                    "INVALID",
                    invalid.message,
                    problems=[
                        {"question": p.question_key, "code": p.kind.value, "message": p.message}
                        for p in invalid.problems
                    ],
                )
            except InvalidInput as invalid:
                return error(
                    request,
                    422,
                    "INVALID",
                    invalid.message,
                    problems=[
                        {"field": invalid.field, "code": "INVALID", "message": invalid.message}
                    ],
                )
            except BodyTooLarge:
                return error(request, 413, "TOO_LARGE", "That is more than a survey's answers.")
            except (OperationalError, InterfaceError, OSError, TimeoutError) as exc:
                log.warning("respondent request %s: %r", request.state.request_id, exc)
                return error(
                    request,
                    503,
                    "UNAVAILABLE",
                    "The service is busy or down for a moment. Please try again shortly.",
                    headers={"Retry-After": "5"},
                )
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    return error(request, 503, "UNAVAILABLE", "Please try again shortly.")
                raise

        return guarded

    async def survey(self, request: Request) -> Response:
        async with self.session_factory() as session, session.begin():
            opened = await respond.open_link(
                session=session, clock=self.clock, token=request.headers.get(TOKEN_HEADER)
            )
        chosen = pick_language(wanted_languages(request), opened.definition.translations)
        if chosen is not None:
            opened = dataclasses.replace(opened, language=chosen)
        return ok(survey_view(opened).as_json())

    async def submit(self, request: Request) -> Response:
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        submission_id, answers, language = (
            body.get("submissionId"),
            body.get("answers"),
            body.get("language"),
        )
        if not isinstance(submission_id, str):
            raise InvalidInput("submissionId is a string (a UUID will do).", field="submissionId")
        if language is not None and not isinstance(language, str):
            raise InvalidInput("language is a language code such as 'en'.", field="language")
        async with self.session_factory() as session, session.begin():
            receipt = await respond.submit(
                session=session,
                clock=self.clock,
                token=request.headers.get(TOKEN_HEADER),
                submission_id=submission_id,
                answers=answers,
                language=language,
            )
        return ok(
            {
                "receipt": receipt.receipt,
                "answeredAt": receipt.answered_at.isoformat(),
                "repeated": receipt.repeated,
            },
            status=200 if receipt.repeated else 201,
        )

    async def opt_out(self, request: Request) -> Response:
        async with self.session_factory() as session, session.begin():
            await respond.opt_out(
                session=session, clock=self.clock, token=request.headers.get(TOKEN_HEADER)
            )
        return ok({"optedOut": True, "message": "We will not send you any more surveys."})


async def _json_object(request: Request) -> dict[str, Any] | Response:
    raw = await read_body(request)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        # ValueError covers bad JSON, non-UTF-8 bytes and integers too long to convert.
        return error(request, 400, "MALFORMED", "The body is not JSON.")
    if not isinstance(body, dict):
        return error(request, 400, "MALFORMED", "The body is a JSON object.")
    if has_bad_text(body):
        return error(request, 400, "MALFORMED", "The body holds text that is not valid.")
    return body
