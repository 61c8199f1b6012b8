"""Moved: domain/surveys/definitions/publishing.py (shim until imports are rewritten)."""

from domain.surveys.definitions.publishing import (
    check_answers_to,
    count_surveys,
    get_survey,
    get_surveys,
    get_versions,
    list_surveys,
    publish_version,
)

__all__ = [
    "check_answers_to",
    "count_surveys",
    "get_survey",
    "get_surveys",
    "get_versions",
    "list_surveys",
    "publish_version",
]
