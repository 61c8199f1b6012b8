"""Schema extensions: request limits, introspection for admins, and masking of the unexpected."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from graphql import ASTValidationRule, ExecutionResult, FieldNode, GraphQLError
from graphql.language import Visitor, visit
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_limit_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit_rule

from api.boundary import string_literal_rule, string_variables
from domain.core.errors import DomainError
from domain.core.settings import Settings

log = logging.getLogger("qaf.api")

EXPECTED_CODES = {"UNAUTHENTICATED", "NOT_ALLOWED", "NOT_FOUND", "INVALID", "CONFLICT"}


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
    """Factories, not shared instances: each operation gets its own extension objects."""
    # The depth and alias rules are the ones QueryDepthLimiter and MaxAliasesLimiter build,
    # made once here: built per request they would be new classes every time, and the
    # validation cache (keyed on the rules) would never hit.
    rules: list[type[ASTValidationRule]] = [
        depth_limit_rule(settings.max_query_depth, None),
        alias_limit_rule(settings.max_query_aliases),
        string_literal_rule(settings.max_string_length),
    ]
    return [
        partial(AddValidationRules, rules),
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
        partial(ParserCache, maxsize=512),
        partial(ValidationCache, maxsize=512),
        string_variables(settings.max_string_length),
        IntrospectionForAdmins,
        MaskUnexpectedErrors,
    ]
