"""What the respondents' JSON API and the phone page share: reading a bounded body, the client
address and its rate limit, choosing a language, how a refused link reads (status and code),
and which failures mean "try again shortly" (the survey as a respondent sees it is in
`survey_view.py`). Everything here translates; `domain/surveys/respond.py` decides."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.requests import ClientDisconnect, Request

from api.http.respondents.rate_limit import Decision, RespondentRateLimiter
from domain.core.numbers import is_ascii_digits
from domain.surveys.responses import respond
from domain.surveys.responses.respond import LinkProblem, OpenLink

# The largest answers fit easily: a survey's free text is usually at most 2,000 characters a
# question, and a few questions have it.
MAX_BODY_BYTES = 256 * 1024

# Respondents' requests must never be cached anywhere, nor the token leak through a Referer,
# nor the pages be framed (clickjacking a child into opting out).
NO_STORE = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

STATUS = {
    LinkProblem.UNKNOWN: 404,
    LinkProblem.NOT_OPEN_YET: 409,
    LinkProblem.EXPIRED: 410,
    LinkProblem.ALREADY_ANSWERED: 409,
    LinkProblem.OPTED_OUT: 410,
    LinkProblem.COMPLETED_AFTER_CLOSE: 409,
}

# The database or Redis out of reach for a moment: the respondent is asked to try again shortly
# (their link still works), never shown an internal error.
UNAVAILABLE = (OperationalError, InterfaceError, OSError, TimeoutError)
QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing (BodyTooLarge) as soon as it passes `limit` bytes, whatever
    Content-Length claims."""
    declared = request.headers.get("content-length", "")
    # A declared length with more digits than the limit is over it, however long it is (and
    # is never converted); one that is not ASCII digits is ignored: the stream is counted.
    if is_ascii_digits(declared):
        digits = declared.lstrip("0") or "0"
        if len(digits) > len(str(limit)) or int(digits) > limit:
            raise BodyTooLarge
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BodyTooLarge
    except ClientDisconnect:
        return b""
    return bytes(body)


def client_address(request: Request) -> str:
    """The address limits count against. Behind a reverse proxy, run uvicorn with
    `--proxy-headers --forwarded-allow-ips=<the proxy>` so that this is the real client."""
    return request.client.host if request.client else "unknown"


async def count_request(
    limiter: RespondentRateLimiter, request: Request, token: str | None
) -> Decision:
    """Count the request against its address and (if it carries one) its token's hash."""
    return await limiter.check(
        address=client_address(request), token_hash=respond.token_hash_of(token)
    )


def has_bad_text(value: Any) -> bool:
    """True if any string in a JSON value (keys too) holds NUL or a lone surrogate: neither
    can be stored in PostgreSQL nor written back as UTF-8. Iterative: depth is not a risk."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or any("\ud800" <= ch <= "\udfff" for ch in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language's languages, most wanted first (primary subtags, lower case)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            # RFC 9110's qvalue, ASCII digits only: float() would also take "nan", "1_0" and
            # full-width or Arabic-Indic digits. Anything else counts as not wanted.
            quality = float(params[2:]) if QVALUE.fullmatch(params[2:]) else 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary and primary != "*" and quality > 0:
            weighted.append((-quality, n, primary))
    return [lang for _, _, lang in sorted(weighted)]


def wanted_languages(request: Request) -> list[str]:
    """`?lang=` if given, then Accept-Language's languages in order; the domain falls back to
    the invitation's own language when the version has none of them."""
    asked = request.query_params.get("lang", "")[:10]
    return ([asked] if asked else []) + accepted_languages(request.headers.get("accept-language"))


def pick_language(asked: Iterable[str], available: Iterable[str]) -> str | None:
    have = set(available)
    return next((lang for lang in asked if lang in have), None)


def in_wanted_language(request: Request, opened: OpenLink) -> OpenLink:
    """The opened link in the first language the request asks for that the version has, or
    as the domain opened it (the invitation's own language)."""
    chosen = pick_language(wanted_languages(request), opened.definition.translations)
    return opened if chosen is None else dataclasses.replace(opened, language=chosen)
