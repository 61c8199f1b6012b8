"""Moved: domain/surveys/responses/respond.py (shim until imports are rewritten)."""

from domain.surveys.responses.respond import (
    CLOCK_SKEW,
    MESSAGES,
    SUBMISSION_ID,
    AnswersInvalid,
    LinkProblem,
    LinkRefused,
    OpenLink,
    Receipt,
    check_completed_at,
    check_submission_id,
    closing_moment,
    definition_of,
    open_link,
    opt_out,
    submit,
    token_hash_of,
)

__all__ = [
    "CLOCK_SKEW",
    "MESSAGES",
    "SUBMISSION_ID",
    "AnswersInvalid",
    "LinkProblem",
    "LinkRefused",
    "OpenLink",
    "Receipt",
    "check_completed_at",
    "check_submission_id",
    "closing_moment",
    "definition_of",
    "open_link",
    "opt_out",
    "submit",
    "token_hash_of",
]
