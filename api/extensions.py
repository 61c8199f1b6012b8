"""Schema extensions: request limits (api/limits.py), introspection for admins, and masking
of the unexpected."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from graphql import ExecutionResult, FieldNode, GraphQLError
from graphql.language import Visitor, visit
from strawberry.extensions import MaxTokensLimiter, ParserCache, SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api import limits
from api.boundary import string_literal_rule, string_variables
from domain.core.errors import DomainError, ErrorCode
from domain.core.settings import Settings

log = logging.getLogger("qaf.api")

EXPECTED_CODES = {c.value for c in ErrorCode}


class ExecutorWithoutSuggestions(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with suggestions hidden when it coerces variables (an enum
    value or an input field misspelt in `variables`); strawberry does not pass the flag."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)


class RequestLimits(SchemaExtension):
    """Validation, bounded and linear (api/limits.py), then the cost with the request's
    variables; each refusal is a GraphQL error and nothing runs."""

    def __init__(self, check: limits.DocumentCheck, max_cost: int) -> None:
        self.check = check
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        assert document is not None and ec.query is not None
        # Strawberry runs the first operation when none is named; the spec says refuse.
        given_name: str | None = ec._provided_operation_name
        error = limits.operation_name_error(document, given_name)
        errors = [error] if error else self.check(ec.schema._schema, ec.query, document)
        if not errors:
            error = limits.cost_error(
                ec.schema._schema, document, given_name, ec.variables, self.max_cost
            )
            errors = [error] if error else []
        ec.pre_execution_errors = errors  # set, so strawberry's own validation is skipped
        yield


class _IntrospectionFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.found = True


class IntrospectionForAdmins(SchemaExtension):
    """Outside development and test, only administrators may introspect the schema."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context.context
        document = self.execution_context.graphql_document
        allowed = ctx.settings.introspection_for_everyone or (
            ctx.actor is not None and ctx.actor.is_admin
        )
        if not allowed and document is not None:
            finder = _IntrospectionFinder()
            visit(document, finder)
            if finder.found:
                self.execution_context.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "Introspection is available to administrators only.",
                            extensions={"code": "NOT_ALLOWED"},
                        )
                    ],
                )
        yield


def is_unexpected(error: GraphQLError) -> bool:
    """An error raised while resolving a field that is not one of ours: a fault to hide."""
    if error.path is None:
        return False  # parse, validation and variable errors describe the request itself
    original = error.original_error
    if isinstance(original, DomainError):
        return False
    if original is None or isinstance(original, GraphQLError):
        code = (error.extensions or {}).get("code")
        return code is not None and code not in EXPECTED_CODES
    return True


class MaskUnexpectedErrors(SchemaExtension):
    """Replace internal errors with 'Internal error' and the request id; log them whole."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        ctx = self.execution_context.context
        request_id = getattr(ctx, "request_id", "-")
        masked: list[GraphQLError] = []
        for error in errors:
            if isinstance(error.original_error, DomainError):
                # A refusal raised outside read()/mutate(), e.g. while decoding an argument:
                # the caller's fault, reported with its code like any other refusal.
                domain_error = error.original_error
                masked.append(
                    GraphQLError(
                        domain_error.message,
                        nodes=error.nodes,
                        path=error.path,
                        extensions={"code": domain_error.code.value, "field": domain_error.field},
                    )
                )
            elif is_unexpected(error):
                log.error(
                    "unexpected error in %s (request %s)",
                    ".".join(str(p) for p in error.path or []),
                    request_id,
                    exc_info=error.original_error,
                )
                masked.append(
                    GraphQLError(
                        f"Internal error. Quote request id {request_id} when reporting it.",
                        nodes=error.nodes,
                        path=error.path,
                        extensions={"code": "INTERNAL", "requestId": request_id},
                    )
                )
            else:
                masked.append(error)
        result.errors = masked  # type: ignore[union-attr]


def build_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories, not shared instances: each operation gets its own extension objects (the
    document check, with its cache of validated documents, is shared)."""
    check = limits.DocumentCheck(
        settings,
        hide_suggestions=settings.hide_suggestions,
        extra_rules=(
            string_literal_rule(settings.max_string_length, settings.max_request_body_bytes),
        ),
    )
    return [
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
        partial(ParserCache, maxsize=512),
        partial(RequestLimits, check, settings.max_query_cost),
        string_variables(settings.max_string_length, settings.max_request_body_bytes),
        IntrospectionForAdmins,
        MaskUnexpectedErrors,
    ]
