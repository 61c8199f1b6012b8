"""Typed errors: what a mutation's payload says when nothing changed, and query refusals."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info

from api.graphql.core.enums import expose
from domain.core.errors import DomainError
from domain.core.errors import ErrorCode as ErrorCode

expose(
    ErrorCode,
    description="Why a mutation was refused; stable, for the front-end to switch on.",
    values={
        "NOT_FOUND": "No such object, or you may not know that it exists.",
        "NOT_ALLOWED": "Your roles do not allow this.",
        "UNAUTHENTICATED": "No one is signed in.",
        "INVALID": "A value is missing or not acceptable; `field` says which.",
        "CONFLICT": "The object's state, or an existing object, refuses the change.",
        "ALREADY_DONE": "This step was done already (a second assurance, a second send); nothing "
        "changed.",
        "NOT_OPEN_YET": "This step is not open yet: the message says what comes first, or the day "
        "it opens.",
    },
)


@strawberry.type(description="A reason a mutation changed nothing.")
class UserError:
    code: ErrorCode = strawberry.field(description="What kind of refusal this is.")
    field: str | None = strawberry.field(
        description="The input field at fault, in the input's own (camelCase) name, if any."
    )
    message: str = strawberry.field(description="A sentence to show the person.")

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(code=error.code, field=error.field, message=error.message)


class NotSignedIn(GraphQLError):
    def __init__(self) -> None:
        super().__init__("Sign in first.", extensions={"code": "UNAUTHENTICATED"})


class IsAuthenticated(BasePermission):
    message = "Sign in first."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:
        return info.context.actor is not None


def refusal(error: DomainError) -> GraphQLError:
    """A query-level refusal: a GraphQL error with the domain's code in `extensions`."""
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})
