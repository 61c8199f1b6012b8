"""The HTTP body of a POST to /graphql (docs/api-boundary.md), checked before the schema sees
it: at most MAX_REQUEST_BODY_BYTES read, valid UTF-8, a JSON object of the GraphQL-over-HTTP
shape, nested at most MAX_JSON_DEPTH, no number with more digits than any field takes; anything
else is answered 400, 413 or 415 with a GraphQL-style JSON error. The strings inside the
document and the variables are checked by the schema's own rules (`api/boundary.py`)."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.errors import graphql_error
from domain.core.settings import Settings

# No GraphQL Int or Float input needs more digits than this; Python would otherwise spend
# quadratic time on a number of thousands of digits (and refuses over 4,300 with ValueError).
MAX_NUMBER_CHARACTERS = 64


class BodyRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _short_number(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise BodyRefused(
            400, f"A number in the body has more than {MAX_NUMBER_CHARACTERS} digits."
        )
    return text


def _bounded_number(text: str) -> int:
    return int(_short_number(text))


def _bounded_float(text: str) -> float:
    return float(_short_number(text))


def _no_constant(text: str) -> None:
    raise BodyRefused(400, f"{text} is not JSON.")


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_graphql_body(body: bytes, *, max_depth: int) -> dict[str, Any]:
    """The request's JSON object, or BodyRefused saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused(400, "The body is not valid UTF-8.") from exc
    try:
        data = json.loads(
            text,
            parse_int=_bounded_number,
            parse_float=_bounded_float,
            parse_constant=_no_constant,
        )
    except RecursionError as exc:
        raise BodyRefused(400, f"The JSON is nested more than {max_depth} levels deep.") from exc
    except ValueError as exc:
        raise BodyRefused(400, "The body is not JSON.") from exc
    if _depth_exceeds(data, max_depth):
        raise BodyRefused(400, f"The JSON is nested more than {max_depth} levels deep.")
    if not isinstance(data, dict):
        raise BodyRefused(
            400, 'The body must be a JSON object: {"query": ..., "variables": {...}}.'
        )
    if not isinstance(data.get("query"), str):
        raise BodyRefused(400, "The body's query must be a string holding a GraphQL document.")
    for name, kind, label in (
        ("variables", dict, "an object"),
        ("operationName", str, "a string"),
        ("extensions", dict, "an object"),
    ):
        if data.get(name) is not None and not isinstance(data[name], kind):
            raise BodyRefused(400, f"The body's {name} must be {label} or null.")
    return data


class GraphQLBodyGuard:
    """Reads a POST to /graphql at most `max_request_body_bytes` into memory (the declared
    Content-Length first, then the chunks as they come) and checks it with
    `parse_graphql_body`; only a body that passes is handed on (replayed) to the view."""

    JSON_TYPES = ("application/json",)

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_request_body_bytes
        self.max_depth = settings.max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
            parse_graphql_body(body, max_depth=self.max_depth)
        except BodyRefused as refused:
            request_id = scope.get("state", {}).get("request_id", "-")
            response = graphql_error(
                refused.message, "INVALID", status=refused.status, request_id=request_id
            )
            await response(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        headers = {k.lower(): v for k, v in scope["headers"]}
        media = headers.get(b"content-type", b"").split(b";")[0].strip().decode("latin-1")
        if media.lower() not in self.JSON_TYPES:
            raise BodyRefused(415, "Send the request as Content-Type: application/json.")
        too_large = f"The body is larger than {self.limit:,} bytes."
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or len(declared) > 18:
                raise BodyRefused(400, "The Content-Length header is not a number.")
            if int(declared) > self.limit:
                raise BodyRefused(413, too_large)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise BodyRefused(400, "The body ended early.")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise BodyRefused(413, too_large)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
