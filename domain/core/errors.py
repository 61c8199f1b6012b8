"""Domain exceptions. Each carries a stable machine-readable code the API passes on."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    ALREADY_DONE = "ALREADY_DONE"  # a step repeated: it was done before
    NOT_OPEN_YET = "NOT_OPEN_YET"  # a step out of turn: what comes first, or when it opens


class DomainError(Exception):
    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does.

    Both read the same to a caller, so that ids cannot be probed.
    """

    code = ErrorCode.NOT_FOUND

    def __init__(self, what: str = "object", *, field: str | None = None) -> None:
        super().__init__(f"No {what} with that id.", field=field)


class NotAllowed(DomainError):
    code = ErrorCode.NOT_ALLOWED

    def __init__(
        self, message: str = "You are not allowed to do that.", *, field: str | None = None
    ) -> None:
        super().__init__(message, field=field)


class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED

    def __init__(self, message: str = "Sign in to do that.") -> None:
        super().__init__(message)


class InvalidInput(DomainError):
    code = ErrorCode.INVALID


class Conflict(DomainError):
    """The object is in a state (or a unique value is taken) that refuses the change."""

    code = ErrorCode.CONFLICT


class AlreadyDone(Conflict):
    """A step that was already done, tried again (a second assurance, a second send)."""

    code = ErrorCode.ALREADY_DONE


class NotOpenYet(Conflict):
    """A step tried before its turn: an earlier step comes first, or its time has not come
    (`opens_on`, when known, says the day it opens)."""

    code = ErrorCode.NOT_OPEN_YET

    def __init__(
        self, message: str, *, field: str | None = None, opens_on: date | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.opens_on = opens_on
