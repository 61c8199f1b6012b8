"""The boundary of /graphql (docs/api-boundary.md): what a request must be before anything runs.

Two layers, each in one place:
- the HTTP body (`GraphQLBodyGuard`): at most MAX_REQUEST_BODY_BYTES read, valid UTF-8, a JSON
  object of the GraphQL-over-HTTP shape, nested at most MAX_JSON_DEPTH, no number with more
  digits than any field takes; anything else is answered 400, 413 or 415 with a GraphQL-style
  JSON error, before the schema sees it;
- every String and ID value, literal (`string_literal_rule`, a validation rule visiting every
  string in the document, inside lists and input objects and block strings too) or variable
  (`StringVariables`, every string and key of the variables, however nested): no NUL, no lone
  surrogate, at most MAX_STRING_LENGTH characters; anything else is an INVALID error and
  nothing runs. Resolvers therefore never see text PostgreSQL or asyncpg would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    NonNullTypeNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    ValidationContext,
    get_named_type,
)
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from domain.core.settings import Settings

# No GraphQL Int or Float input needs more digits than this; Python would otherwise spend
# quadratic time on a number of thousands of digits (and refuses over 4,300 with ValueError).
MAX_NUMBER_CHARACTERS = 64


def text_problem(value: str, limit: int) -> str | None:
    """Why a string may not cross the boundary, or None if it may."""
    if len(value) > limit:
        return f"is longer than {limit:,} characters"
    if "\x00" in value:
        return "contains the NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (half of a UTF-16 pair, e.g. \\ud800)"
    return None


# Input fields that carry a whole file's text: their value may be as long as the request body
# allows (`max_request_body_bytes`) instead of MAX_STRING_LENGTH. NUL and lone surrogates are
# refused there too. A long value is accepted as a literal or as that field of a variable whose
# type is the input object (`$input: ImportChildrenInput!` with `{"input": {"csv": ...}}`).
LONG_TEXT_FIELDS = frozenset({("ImportChildrenInput", "csv")})


def _invalid(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "INVALID"})


def string_literal_rule(limit: int, long_limit: int | None = None) -> type[ASTValidationRule]:
    """A validation rule refusing any string literal of the document that `text_problem`
    refuses (with `long_limit` for a LONG_TEXT_FIELDS value). Built once per process: the
    validation cache is keyed on the rule classes."""

    class StringLiterals(ASTValidationRule):
        def enter_string_value(
            self, node: StringValueNode, _key: Any, parent: Any, *_: Any
        ) -> None:
            allowed = limit
            if long_limit is not None and isinstance(parent, ObjectFieldNode):
                owner = cast(ValidationContext, self.context).get_parent_input_type()
                owner_name = getattr(get_named_type(owner), "name", None)
                if (owner_name, parent.name.value) in LONG_TEXT_FIELDS:
                    allowed = long_limit
            problem = text_problem(node.value, allowed)
            if problem is not None:
                self.report_error(
                    GraphQLError(
                        f"A string in the document {problem}.",
                        node,
                        extensions={"code": "INVALID"},
                    )
                )

    return StringLiterals


def long_variable_paths(document: DocumentNode | None, operation_name: str | None) -> set[str]:
    """The variable paths (`$input.csv`) of the operation that are LONG_TEXT_FIELDS: the field
    of a variable declared with that input object's type (nullable or not)."""
    paths: set[str] = set()
    for definition in document.definitions if document is not None else ():
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is not None and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        for variable in definition.variable_definitions or ():
            type_node = variable.type
            if isinstance(type_node, NonNullTypeNode):
                type_node = type_node.type
            type_name = getattr(getattr(type_node, "name", None), "value", None)
            for owner, field in LONG_TEXT_FIELDS:
                if type_name == owner:
                    paths.add(f"${variable.variable.name.value}.{field}")
    return paths


def variables_problem(
    variables: Any, limit: int, long_paths: set[str] | None = None, long_limit: int = 0
) -> str | None:
    """The first string or key in the variables that may not cross the boundary, described
    with its path (`$input.name`), or None; a string at one of `long_paths` may have up to
    `long_limit` characters. Iterative: the body guard bounds the depth, but this must not
    depend on it."""
    stack: list[tuple[str, Any]] = [("$" + str(k), v) for k, v in (variables or {}).items()]
    for key in variables or {}:
        if isinstance(key, str) and (problem := text_problem(key, limit)):
            return f"A variable's name {problem}."
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            allowed = long_limit if long_paths and path in long_paths else limit
            if problem := text_problem(value, allowed):
                return f"Variable {path} {problem}."
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (problem := text_problem(key, limit)):
                    return f"A key in variable {path} {problem}."
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


class StringVariables(SchemaExtension):
    """Refuses an operation whose variables hold a string `text_problem` refuses, before
    anything executes (the rule above covers the literals)."""

    limit = 10_000
    long_limit = 0

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        long_paths = (
            long_variable_paths(context.graphql_document, context.operation_name)
            if self.long_limit
            else None
        )
        problem = variables_problem(context.variables, self.limit, long_paths, self.long_limit)
        if problem is not None:
            self.execution_context.result = ExecutionResult(data=None, errors=[_invalid(problem)])
        yield


def string_variables(limit: int, long_limit: int = 0) -> type[StringVariables]:
    return type(
        "StringVariablesLimited", (StringVariables,), {"limit": limit, "long_limit": long_limit}
    )


# --- the HTTP body ---------------------------------------------------------------------------


class BodyRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bounded_number(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise BodyRefused(
            400, f"A number in the body has more than {MAX_NUMBER_CHARACTERS} digits."
        )
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise BodyRefused(
            400, f"A number in the body has more than {MAX_NUMBER_CHARACTERS} digits."
        )
    return float(text)


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
            response = JSONResponse(
                {
                    "errors": [
                        {
                            "message": refused.message,
                            "extensions": {"code": "INVALID", "requestId": request_id},
                        }
                    ]
                },
                status_code=refused.status,
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
