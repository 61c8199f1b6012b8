"""The phone page: a survey answered in any browser with the link and nothing else.

    GET  /s                  type a printed code      POST /s  -> 303 /s/<code>
    GET  /s/<token>          the survey (`?lang=` switches language)
    POST /s/<token>          answers -> thank-you page (or the survey again with the problems)
    GET  /s/<token>/stop     "stop sending me surveys"   POST -> done

Rendered on the server with Jinja2 (autoescaped), no JavaScript at all, one inline stylesheet
allowed by its hash in the Content-Security-Policy. Every page is `no-store` and
`Referrer-Policy: no-referrer` (the token is in the path and must not leak to another site),
and cannot be framed.

CSRF: these forms carry no cookie, session or other ambient credential: what authorises a post
is the token in its path, a 128-bit secret. A page on another site can only post to a link it
already knows, and whoever knows a link can answer with it directly, so a forged post gains the
forger nothing they did not have. The submission id, made when the page is rendered, is not a
CSRF token: it makes a double tap, a back-and-resend or a refresh of the thank-you page the same
submission, which the domain stores once and answers with the same receipt.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from api.http.respondents.common import (
    NO_STORE,
    STATUS,
    UNAVAILABLE,
    BodyTooLarge,
    count_request,
    in_wanted_language,
    read_body,
)
from api.http.respondents.rate_limit import RespondentRateLimiter
from api.http.respondents.survey_view import (
    LANGUAGE_NAMES,
    RIGHT_TO_LEFT,
    SurveyView,
    survey_view,
)
from api.http.templates import TEMPLATES, stylesheet
from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.errors import InvalidInput
from domain.core.numbers import ascii_int
from domain.surveys import tokens
from domain.surveys.definitions import ENGLISH, QuestionType
from domain.surveys.responses import respond
from domain.surveys.responses.respond import AnswersInvalid, LinkProblem, LinkRefused

MAX_FORM_FIELDS = 400

STYLE = stylesheet("respond/style.css")
SECURITY_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE.digest}'; img-src data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}

TITLES = {
    LinkProblem.UNKNOWN: "We do not recognise this link",
    LinkProblem.NOT_OPEN_YET: "This survey is not open yet",
    LinkProblem.EXPIRED: "This survey has closed",
    LinkProblem.ALREADY_ANSWERED: "You have already answered",
    LinkProblem.OPTED_OUT: "You asked for no more surveys",
    # The phone page sends no completion time, so it never meets this one.
    LinkProblem.COMPLETED_AFTER_CLOSE: "This survey had closed",
}

log = logging.getLogger("qaf.api.respond")


def render(
    template: str,
    *,
    status: int = 200,
    lang: str = ENGLISH,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("errors", {})
    context.setdefault("child_friendly", False)
    context.setdefault("direction", "rtl" if lang in RIGHT_TO_LEFT else "ltr")
    html = TEMPLATES.get_template(f"respond/{template}").render(
        lang=lang, css=STYLE.css, language_names=LANGUAGE_NAMES, **context
    )
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def message(
    title: str,
    *paragraphs: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("panel", False)
    context.setdefault("receipt", None)
    context.setdefault("next_link", None)
    context.setdefault("stop_link", None)
    return render(
        "message.html",
        status=status,
        headers=headers,
        title=title,
        paragraphs=paragraphs,
        **context,
    )


def refused_page(problem: LinkProblem) -> HTMLResponse:
    next_link = (
        {"href": "/s", "text": "Type the code from your letter or card"}
        if problem is LinkProblem.UNKNOWN
        else None
    )
    return message(
        TITLES[problem], respond.MESSAGES[problem], status=STATUS[problem], next_link=next_link
    )


class FormInvalid(Exception):
    pass


async def read_form(request: Request) -> list[tuple[str, str]]:
    """An urlencoded form (what a browser sends without script), strictly UTF-8, at most
    MAX_FORM_FIELDS fields; FormInvalid for anything else, BodyTooLarge past the limit."""
    raw = await read_body(request)
    try:
        fields = parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError as exc:
        # Non-UTF-8 bytes or percent-escapes, or too many fields.
        raise FormInvalid from exc
    if any("\x00" in key or "\x00" in value for key, value in fields):
        raise FormInvalid
    return fields


def _field(fields: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in fields if key == name), None)


def answers_from_form(
    survey: SurveyView, fields: list[tuple[str, str]]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The answers as the domain takes them (numbers for scales, a key or keys for choices,
    text), and what was sent, to show again if something needs another look. A value that is
    not what the question takes is passed on as sent, for the domain to refuse."""
    sent: dict[str, list[str]] = defaultdict(list)
    for key, value in fields:
        if key.startswith("a."):
            sent[key[2:]].append(value.replace("\r\n", "\n"))
    answers: dict[str, Any] = {}
    for q in survey.questions:
        values = sent.get(q.key, [])
        if not values:
            continue
        first = values[0]
        match q.type:
            case QuestionType.EMOJI_SCALE | QuestionType.SCALE_0_10:
                # Only ASCII digits are a number; anything else goes on as sent, for the
                # domain to refuse as not a whole number.
                number = ascii_int(first, max_digits=3)
                answers[q.key] = first if number is None else number
            case QuestionType.MULTIPLE_CHOICE:
                answers[q.key] = values
            case _:
                answers[q.key] = first
    return answers, dict(sent)


def _unavailable_as_503(
    page: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A page whose database is out of reach says so plainly, with a 503 and Retry-After,
    rather than an internal error: the respondent can try again and their link still works."""

    async def guarded(request: Request) -> Response:
        try:
            return await page(request)
        except UNAVAILABLE as exc:
            log.warning("phone page %s: %r", request.url.path.split("/")[1], exc)
            return message(
                "Please try again in a moment",
                "We cannot take answers just now. Your link still works: please try again "
                "in a few minutes.",
                status=503,
                headers={"Retry-After": "30"},
            )

    return guarded


class PhonePages:
    def __init__(
        self, *, session_factory: SessionFactory, clock: Clock, limiter: RespondentRateLimiter
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.limiter = limiter

    def routes(self) -> list[Route]:
        return [
            Route("/s", _unavailable_as_503(self.code), methods=["GET", "POST"]),
            Route("/s/{token}", _unavailable_as_503(self.survey), methods=["GET", "POST"]),
            Route("/s/{token}/stop", _unavailable_as_503(self.stop), methods=["GET", "POST"]),
        ]

    async def _limited(self, request: Request, token: str | None) -> Response | None:
        decision = await count_request(self.limiter, request, token)
        if decision.allowed:
            return None
        return message(
            "Please wait a moment",
            "There have been too many tries from here. Please wait a few minutes and try again.",
            status=429,
            headers={"Retry-After": str(decision.retry_after)},
        )

    async def code(self, request: Request) -> Response:
        title = "Answer a survey"
        if request.method == "GET":
            return render("code.html", title=title, code="")
        if limited := await self._limited(request, None):
            return limited
        try:
            typed = _field(await read_form(request), "code") or ""
        except (FormInvalid, BodyTooLarge):
            typed = ""
        token = tokens.normalise(typed)
        if token is None:
            return render(
                "code.html",
                status=422,
                title=title,
                code=typed[:80],
                errors={
                    "code": "Type all 26 letters and numbers of the code, as they are printed."
                },
            )
        return RedirectResponse(f"/s/{token}", status_code=303, headers=SECURITY_HEADERS)

    async def survey(self, request: Request) -> Response:
        token = request.path_params["token"]
        if limited := await self._limited(request, token):
            return limited
        if request.method == "POST":
            return await self._answer(request, token)
        try:
            async with self.session_factory() as session, session.begin():
                opened = await respond.open_link(session=session, clock=self.clock, token=token)
        except LinkRefused as refused:
            return refused_page(refused.problem)
        opened = in_wanted_language(request, opened)
        return self._form(request, survey_view(opened), submission_id=str(uuid.uuid4()))

    def _form(
        self,
        request: Request,
        survey: SurveyView,
        *,
        submission_id: str,
        status: int = 200,
        errors: dict[str, str] | None = None,
        kept: dict[str, list[str]] | None = None,
    ) -> HTMLResponse:
        return render(
            "survey.html",
            status=status,
            lang=survey.language,
            title=survey.title,
            survey=survey,
            child_friendly=survey.child_friendly,
            direction=survey.direction,
            questions_by_key={q.key: q for q in survey.questions},
            path=request.url.path,
            submission_id=submission_id,
            errors=errors or {},
            kept=kept or {},
        )

    async def _answer(self, request: Request, token: str) -> Response:
        try:
            fields = await read_form(request)
        except (FormInvalid, BodyTooLarge):
            return message(
                "Something went wrong with that page",
                "Please go back, check your answers and send them again.",
                status=400,
            )
        submission_id = _field(fields, "submission_id") or ""
        wanted = _field(fields, "lang")
        view: SurveyView | None = None
        sent: dict[str, list[str]] = {}
        try:
            async with self.session_factory() as session, session.begin():
                answers: dict[str, Any] = {}
                try:
                    opened = await respond.open_link(session=session, clock=self.clock, token=token)
                except LinkRefused as refused:
                    # A used link may be this very submission sent again (a double tap, a
                    # refresh): `submit` gives it its receipt, or refuses it as answered.
                    if refused.problem is not LinkProblem.ALREADY_ANSWERED:
                        raise
                else:
                    if wanted in opened.definition.translations:
                        opened = dataclasses.replace(opened, language=wanted)
                    view = survey_view(opened)
                    answers, sent = answers_from_form(view, fields)
                receipt = await respond.submit(
                    session=session,
                    clock=self.clock,
                    token=token,
                    submission_id=submission_id,
                    answers=answers,
                    language=view.language if view else None,
                )
        except LinkRefused as refused:
            return refused_page(refused.problem)
        except AnswersInvalid as invalid:
            assert view is not None
            errors: dict[str, str] = {}
            for p in invalid.problems:
                errors.setdefault(p.question_key or "", p.message)
            return self._form(
                request,
                view,
                submission_id=submission_id,
                status=422,
                errors=errors,
                kept=sent,
            )
        except InvalidInput:
            # Only the hidden submission id can be wrong here: the page was not ours.
            return message(
                "Something went wrong with that page",
                "Please open your link again and answer from there.",
                status=400,
            )
        return message(
            "Thank you",
            "We have your answers. They help us make things better for children and families.",
            "You can close this page now.",
            receipt=receipt.receipt,
            panel=True,
            stop_link=f"{request.url.path}/stop",
        )

    async def stop(self, request: Request) -> Response:
        token = request.path_params["token"]
        if limited := await self._limited(request, token):
            return limited
        title = "Stop sending me surveys"
        back = request.url.path.removesuffix("/stop")
        if request.method == "GET":
            return render("stop.html", title=title, path=request.url.path, back=back)
        try:
            async with self.session_factory() as session, session.begin():
                await respond.opt_out(session=session, clock=self.clock, token=token)
        except LinkRefused as refused:
            return refused_page(refused.problem)
        return message(
            "We will not send you any more surveys",
            "Thank you for letting us know. You do not need to do anything else.",
            panel=True,
        )
