"""Moved: domain/surveys/definitions/reference.py (shim until imports are rewritten)."""

from domain.surveys.definitions.reference import (
    DEFAULT_SURVEYS,
    STAFF_HEALTH_CHECK,
    ensure_defaults,
)

__all__ = [
    "DEFAULT_SURVEYS",
    "STAFF_HEALTH_CHECK",
    "ensure_defaults",
]
