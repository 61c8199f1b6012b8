"""The boundary of /graphql (docs/api-boundary.md): what a request must be before anything runs.

Two layers, each in one place:
- the HTTP body (`GraphQLBodyGuard`, `api/http/graphql_body.py`): its size, its encoding, its
  JSON shape and depth, before the schema sees it;
- every String and ID value, literal (`string_literal_rule`, a validation rule visiting every
  string in the document, inside lists and input objects and block strings too) or variable
  (`StringVariables`, every string and key of the variables, however nested): no NUL, no lone
  surrogate, at most MAX_STRING_LENGTH characters; anything else is an INVALID error and
  nothing runs. Resolvers therefore never see text PostgreSQL or asyncpg would refuse.
"""

from __future__ import annotations

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
from strawberry.extensions import SchemaExtension


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
