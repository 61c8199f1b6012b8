"""The refusals more than one route gives, in the shapes clients already know: GraphQL-style
(`{"errors": [{"message", "extensions": {"code", ...}}]}`) from the middleware and the body
guard, `{"error": "not found", "requestId"}` from the staff downloads; and `staff_only`, the
guard every staff download shares (signed in, "not found" for anything it may not see)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.core.errors import NotFound
from domain.core.roles import Actor

Handler = Callable[[Request], Awaitable[Response]]
StaffHandler = Callable[[Request, Actor], Awaitable[Response]]


def graphql_error(
    message: str,
    code: str,
    *,
    status: int,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An error as a GraphQL response carries it, for what is refused before GraphQL runs."""
    extensions = {"code": code} if request_id is None else {"code": code, "requestId": request_id}
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        headers=headers,
    )


def unauthorised(message: str) -> JSONResponse:
    return graphql_error(
        message,
        "UNAUTHENTICATED",
        status=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def not_found(request_id: str) -> JSONResponse:
    return JSONResponse({"error": "not found", "requestId": request_id}, status_code=404)


def sign_in_first(request_id: str) -> Response:
    return unauthorised("Sign in first.")


def staff_only(
    handler: StaffHandler, *, unsigned: Callable[[str], Response] = sign_in_first
) -> Handler:
    """The handler for a signed-in actor (`unsigned` answers anyone else); a NotFound it raises,
    for an id or a path that names nothing or nothing the actor may see, is 404."""

    async def guarded(request: Request) -> Response:
        actor: Actor | None = request.state.actor
        request_id: str = request.state.request_id
        if actor is None:
            return unsigned(request_id)
        try:
            return await handler(request, actor)
        except NotFound:
            return not_found(request_id)

    return guarded
