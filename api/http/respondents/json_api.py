"""The respondents' JSON API, for mobile survey clients. The one-time token travels in the
`Survey-Token` header (never in the URL, so it is not written to access logs):

    GET  /respond/v1/survey        the survey to show (`?lang=` or Accept-Language)
    POST /respond/v1/submissions   {"submissionId", "answers", "language", "completedAt"}
                                   -> the receipt
    POST /respond/v1/opt-out       no more surveys to this person
    GET  /respond/v1/openapi.json  the contract (OpenAPI 3.1, `contract.py`)

Each request is one unit of work. Every body but the survey's is built through the contract's
models; the survey's is held to its model by tests. Errors
are `{"code", "message", "requestId"}` (and `problems` for INVALID), with the plain messages of
`domain/surveys/respond.py`; nothing in any answer says who a link was for.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.http.respondents import contract
from api.http.respondents.common import (
    NO_STORE,
    STATUS,
    UNAVAILABLE,
    BodyTooLarge,
    count_request,
    has_bad_text,
    in_wanted_language,
    read_body,
)
from api.http.respondents.rate_limit import RespondentRateLimiter
from api.http.respondents.survey_view import survey_view
from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.errors import InvalidInput
from domain.surveys.responses import respond
from domain.surveys.responses.respond import AnswersInvalid, LinkRefused

log = logging.getLogger("qaf.api.respond")
TOKEN_HEADER = "survey-token"  # noqa: S105 (a header name)
Handler = Callable[[Request], Awaitable[Response]]
DOCUMENT = contract.document_text().encode()


# RFC 3339's date-time (section 5.6) with its offset, ASCII digits only; "T" may be "t", and a
# fraction has at most 9 digits (kept to the microsecond).
RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,9}))?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def error(
    request: Request,
    status: int,
    code: contract.ErrorCode,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    problems: list[contract.AnswerProblem | contract.FieldProblem] | None = None,
) -> JSONResponse:
    body = contract.Error(
        code=code, message=message, request_id=request.state.request_id, problems=problems
    )
    return JSONResponse(body.as_json(), status_code=status, headers={**NO_STORE, **(headers or {})})


def ok(body: contract.Body, status: int = 200) -> JSONResponse:
    return JSONResponse(body.as_json(), status_code=status, headers=NO_STORE)


def problems(invalid: InvalidInput) -> list[contract.AnswerProblem | contract.FieldProblem]:
    """What is wrong with a body: each answer's problem, or the one field's."""
    if isinstance(invalid, AnswersInvalid):
        return [
            contract.AnswerProblem(question=p.question_key, code=p.kind.value, message=p.message)
            for p in invalid.problems
        ]
    field = invalid.field or "body"
    return [contract.FieldProblem(field=field, code="INVALID", message=invalid.message)]


def parse_completed_at(value: Any) -> datetime | None:
    """`completedAt` as RFC 3339 with an offset, or InvalidInput naming the field."""
    if value is None:
        return None
    found = RFC3339.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise InvalidInput(
            "completedAt is a date and time with its offset, such as 2026-12-01T18:30:00+00:00.",
            field="completedAt",
        )
    fraction = (found["fraction"] or "")[:6].ljust(6, "0")
    offset = "+00:00" if found["offset"] in "Zz" else found["offset"]
    try:
        return datetime.fromisoformat(f"{found['date']}T{found['time']}.{fraction}{offset}")
    except ValueError as exc:  # a 30th of February, a 25th hour, an offset of 24 hours
        raise InvalidInput(
            "completedAt is not a date and time that exists.", field="completedAt"
        ) from exc


class RespondentAPI:
    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        clock: Clock,
        limiter: RespondentRateLimiter,
        offline_grace: timedelta,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.limiter = limiter
        # How long after a campaign closes answers completed offline before it are taken.
        self.offline_grace = offline_grace

    def routes(self) -> list[Route]:
        return [
            Route("/respond/v1/survey", self._guarded(self.survey), methods=["GET"]),
            Route("/respond/v1/submissions", self._guarded(self.submit), methods=["POST"]),
            Route("/respond/v1/opt-out", self._guarded(self.opt_out), methods=["POST"]),
            Route("/respond/v1/openapi.json", self.openapi, methods=["GET"]),
        ]

    async def openapi(self, request: Request) -> Response:
        """The contract, the same for everyone (nothing in it is secret), cacheable."""
        return Response(
            DOCUMENT,
            media_type="application/json",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    def _guarded(self, handler: Handler) -> Handler:
        """Rate limit first; then the handler, with every refusal the domain can give mapped,
        the database's absence a 503, and anything else masked."""

        async def guarded(request: Request) -> Response:
            decision = await count_request(self.limiter, request, request.headers.get(TOKEN_HEADER))
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
            except InvalidInput as invalid:  # AnswersInvalid among them
                return error(request, 422, "INVALID", invalid.message, problems=problems(invalid))
            except BodyTooLarge:
                return error(request, 413, "TOO_LARGE", "That is more than a survey's answers.")
            except UNAVAILABLE as exc:
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
                    return error(
                        request,
                        503,
                        "UNAVAILABLE",
                        "Please try again shortly.",
                        headers={"Retry-After": "5"},
                    )
                raise

        return guarded

    async def survey(self, request: Request) -> Response:
        async with self.session_factory() as session, session.begin():
            opened = await respond.open_link(
                session=session, clock=self.clock, token=request.headers.get(TOKEN_HEADER)
            )
        opened = in_wanted_language(request, opened)
        # Written out directly (validating it through contract.Survey would cost about 0.3 ms
        # a request); tests hold it to the contract.
        return JSONResponse(survey_view(opened).as_json(), headers=NO_STORE)

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
        check_answers_shape(answers)
        completed_at = parse_completed_at(body.get("completedAt"))
        async with self.session_factory() as session, session.begin():
            receipt = await respond.submit(
                session=session,
                clock=self.clock,
                token=request.headers.get(TOKEN_HEADER),
                submission_id=submission_id,
                answers=answers,
                language=language,
                completed_at=completed_at,
                offline_grace=self.offline_grace,
            )
        return ok(
            contract.Receipt(
                receipt=receipt.receipt,
                answered_at=receipt.answered_at,
                repeated=receipt.repeated,
                completed_at=receipt.completed_at,
            ),
            status=200 if receipt.repeated else 201,
        )

    async def opt_out(self, request: Request) -> Response:
        async with self.session_factory() as session, session.begin():
            await respond.opt_out(
                session=session, clock=self.clock, token=request.headers.get(TOKEN_HEADER)
            )
        return ok(
            contract.OptedOut(opted_out=True, message="We will not send you any more surveys.")
        )


def _is_answer(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return value is None or (isinstance(value, int | str) and not isinstance(value, bool))


def check_answers_shape(answers: Any) -> None:
    """The answers' shape, as the contract gives it, checked before the link is looked up: a
    body that could never be right is 422 whatever the state of its link."""
    if not isinstance(answers, dict):
        raise InvalidInput("answers maps question keys to answers.", field="answers")
    for key, value in answers.items():
        if not _is_answer(value):
            raise InvalidInput(
                "An answer is a whole number, text, a list of option keys or null.",
                field=f"answers.{key}",
            )


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
