"""The respondents' JSON API's contract: its bodies as pydantic models and the OpenAPI 3.1
document built from them and from `OPERATIONS` below.

The handlers in `json_api.py` build their bodies through these models (but the survey,
which `survey_view.py` writes out directly because validating it costs about 0.3 ms a
request on the hot path; tests validate it against `Survey` for every default version), so
what the document says is what the API answers. The document is served at
GET /respond/v1/openapi.json and exported to `api/openapi/respond-v1.json` (`qaf
export-openapi`, `make openapi`); a test fails when the exported file is stale, and the
respondent API's fuzz test is driven by it. Pydantic writes JSON Schema 2020-12, the dialect
OpenAPI 3.1 uses, so the models' schemas go into `components.schemas` as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic.json_schema import models_json_schema

from domain.surveys.definitions import Audience, QuestionType
from domain.surveys.responses.respond import CLOCK_SKEW, SUBMISSION_ID

VERSION = "1.0.0"
DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "openapi" / "respond-v1.json"
TOKEN_HEADER_NAME = "Survey-Token"  # noqa: S105 (a header name)


# A moment in a response: RFC 3339 as `datetime.isoformat()` writes it (`+00:00`, as the API
# always has), not pydantic's `Z`.
Moment = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


# Requests.

Answer = Annotated[
    int | str | list[str] | None,
    Field(
        description=(
            "A whole number for EMOJI_SCALE (1 to 5) and SCALE_0_10 (0 to 10) questions, an "
            "option's key for SINGLE_CHOICE, a list of option keys for MULTIPLE_CHOICE, text "
            "for FREE_TEXT. null, an empty string or an empty list leave a question unanswered."
        )
    ),
]


class SubmissionRequest(Body):
    """Answers to the survey of the link in the Survey-Token header. Send the same body again
    (same submissionId) as often as needed: it is stored once and gets the same receipt."""

    submission_id: str = Field(
        description=(
            "Made by the client once per set of answers, and kept for its retries: 8 to 100 "
            "letters, digits, '-' or '_'. A UUID will do."
        ),
        examples=["0d8f3b4e-5c61-4a9e-9a52-0d2a8e7c1f00"],
        pattern=SUBMISSION_ID.pattern,
    )
    answers: dict[str, Answer] = Field(
        description="Question keys (from GET /respond/v1/survey) to answers."
    )
    language: str | None = Field(
        None, description="The language the survey was answered in, such as 'en' or 'cy'."
    )
    completed_at: datetime | None = Field(
        None,
        description=(
            "When the respondent finished answering on the device, as RFC 3339 with its offset "
            "(2026-12-01T18:30:00+00:00 or ...Z). Send it whenever the answers were collected "
            "offline: answers completed before the campaign closed are still taken for a "
            "grace period after the close (a policy setting, 7 days by default). A time after "
            "the close is refused with COMPLETED_AFTER_CLOSE; a time more than "
            f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes in the future, or before the "
            "survey opened, is refused as INVALID (field completedAt)."
        ),
    )


# Responses.


class Language(Body):
    code: str = Field(description="A language code, such as 'en'.")
    name: str = Field(description="The language's name in itself, such as 'Cymraeg'.")


class Face(Body):
    value: int = Field(ge=1, le=5, description="The answer this face gives.")
    emoji: str
    label: str = Field(description="What the face means, for screen readers and beside it.")


class Option(Body):
    key: str = Field(description="What to send as the answer.")
    label: str
    emoji: str | None


class QuestionBase(Body):
    key: str = Field(description="The question's key, to send its answer under.")
    required: bool
    text: str
    help: str | None


class EmojiScaleQuestion(QuestionBase):
    """Five faces, from very sad (1) to very happy (5)."""

    type: Literal[QuestionType.EMOJI_SCALE]
    min: Literal[1]
    max: Literal[5]
    faces: list[Face]


class ScaleQuestion(QuestionBase):
    """A whole number from 0 to 10."""

    type: Literal[QuestionType.SCALE_0_10]
    min: Literal[0]
    max: Literal[10]
    low: str | None = Field(description="What 0 means.")
    high: str | None = Field(description="What 10 means.")


class ChoiceQuestion(QuestionBase):
    """One option (SINGLE_CHOICE) or any number of them (MULTIPLE_CHOICE), by key."""

    type: Literal[QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE]
    options: list[Option]


class FreeTextQuestion(QuestionBase):
    """Words, at most maxLength characters."""

    type: Literal[QuestionType.FREE_TEXT]
    max_length: int | None


Question = Annotated[
    EmojiScaleQuestion | ScaleQuestion | ChoiceQuestion | FreeTextQuestion,
    Field(discriminator="type"),
]


class Survey(Body):
    """The survey a link opens, in one language. Nothing in it says who the link was for."""

    audience: Audience
    child_friendly: bool = Field(description="True for the under-8s' version (faces, few words).")
    language: str
    languages: list[Language] = Field(description="Every language this survey is written in.")
    title: str
    intro: str | None
    closes_at: Moment = Field(description="When the survey stops taking answers.")
    questions: list[Question]


class Receipt(Body):
    """The answers are stored (201), or this submission was stored before (200)."""

    receipt: str = Field(
        description="A short reference to show the respondent, such as R-1A2B-3C4D."
    )
    answered_at: Moment = Field(description="When the service stored the answers.")
    repeated: bool = Field(description="True when this submission had been stored before.")
    completed_at: Moment | None = Field(
        description="When the client said the answers were completed (null if it did not say)."
    )


class OptedOut(Body):
    opted_out: Literal[True]
    message: str


class AnswerProblem(Body):
    """Something wrong with an answer (`question` is its key), or with the answers as a whole
    (`question` is null)."""

    question: str | None
    code: str = Field(
        description=(
            "NOT_AN_OBJECT, UNKNOWN_QUESTION, REQUIRED, WRONG_TYPE, OUT_OF_RANGE, "
            "UNKNOWN_OPTION, DUPLICATE_OPTION or TOO_LONG."
        )
    )
    message: str


class FieldProblem(Body):
    """Something wrong with another field of the body (submissionId, language, completedAt)."""

    field: str
    code: Literal["INVALID"]
    message: str


ErrorCode = Literal[
    "MALFORMED",
    "UNKNOWN",
    "NOT_OPEN_YET",
    "ALREADY_ANSWERED",
    "COMPLETED_AFTER_CLOSE",
    "EXPIRED",
    "OPTED_OUT",
    "TOO_LARGE",
    "INVALID",
    "RATE_LIMITED",
    "UNAVAILABLE",
]


class Error(Body):
    """Why a request was refused, in words a respondent can read (`message`), with a stable
    `code` for the client to act on."""

    code: ErrorCode
    message: str
    request_id: str = Field(description="Quote it when asking for help.")
    problems: list[AnswerProblem | FieldProblem] | None = Field(
        None, description="For INVALID: what to correct."
    )

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=self.problems is None)


# The operations, and the responses each can give.

ERRORS: dict[int, tuple[str, list[str]]] = {
    400: ("The body is not a JSON object, or holds text that is not valid.", ["MALFORMED"]),
    404: (
        "The link is not recognised (no Survey-Token, or one that opens no survey). Reads the "
        "same for every link, so a guess learns nothing.",
        ["UNKNOWN"],
    ),
    409: (
        "The link cannot take this now: the survey is not open yet, the link has already "
        "been answered (with another submissionId), or the answers were completed after the "
        "survey closed.",
        ["NOT_OPEN_YET", "ALREADY_ANSWERED", "COMPLETED_AFTER_CLOSE"],
    ),
    410: (
        "The link no longer works: the survey has closed (and its grace period for answers "
        "completed offline is over, or none was claimed), or the respondent opted out.",
        ["EXPIRED", "OPTED_OUT"],
    ),
    413: ("The body is larger than any survey's answers (256 KiB).", ["TOO_LARGE"]),
    422: ("The body's fields or answers do not fit: see `problems`.", ["INVALID"]),
    429: ("Too many requests for this link or from this address.", ["RATE_LIMITED"]),
    503: ("The database is out of reach for a moment; the link still works.", ["UNAVAILABLE"]),
}
RETRY_AFTER = frozenset({429, 503})


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    success: dict[int, tuple[str, type[Body]]]
    errors: tuple[int, ...]
    request: type[Body] | None = None
    lang_parameter: bool = False


OPERATIONS = (
    Operation(
        "get",
        "/respond/v1/survey",
        "getSurvey",
        "The survey a link opens",
        "The survey in the language asked for (`lang`, then Accept-Language), else the "
        "invitation's own language. A link that has closed, been answered or opted out says "
        "so instead.",
        {200: ("The survey to show.", Survey)},
        (404, 409, 410, 429, 503),
        lang_parameter=True,
    ),
    Operation(
        "post",
        "/respond/v1/submissions",
        "submitAnswers",
        "Answer the survey, once",
        "Stores the answers once per link. A retry of the same submission (same "
        "submissionId) gets the same receipt with 200; a different submission on an answered "
        "link is refused (409 ALREADY_ANSWERED).",
        {
            201: ("The answers are stored.", Receipt),
            200: ("This submission was stored before: the same receipt.", Receipt),
        },
        (400, 404, 409, 410, 413, 422, 429, 503),
        request=SubmissionRequest,
    ),
    Operation(
        "post",
        "/respond/v1/opt-out",
        "optOut",
        "No more surveys to this person",
        "This invitation and every later one to the same person stop at once. Works on an "
        "answered or closed link too; asking twice is the same as once. No body.",
        {200: ("Done.", OptedOut)},
        (404, 429, 503),
    ),
)

MODELS: tuple[type[Body], ...] = (SubmissionRequest, Survey, Receipt, OptedOut, Error)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error_response(status: int) -> dict[str, Any]:
    description, codes = ERRORS[status]
    schema: dict[str, Any] = {
        "allOf": [
            _ref(Error),
            {"properties": {"code": {"enum": codes}}},
        ]
    }
    response: dict[str, Any] = {
        "description": f"{description} Codes: {', '.join(codes)}.",
        "content": {"application/json": {"schema": schema}},
    }
    if status in RETRY_AFTER:
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return response


def _operation(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (description, model) in sorted(op.success.items()):
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": _ref(model)}},
        }
    for status in op.errors:
        responses[str(status)] = _error_response(status)
    body: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "parameters": [{"$ref": "#/components/parameters/SurveyToken"}],
        "responses": responses,
    }
    if op.lang_parameter:
        body["parameters"].append(
            {
                "name": "lang",
                "in": "query",
                "required": False,
                "description": (
                    "The language wanted, such as 'cy'; one the survey lacks is ignored."
                ),
                "schema": {"type": "string"},
            }
        )
    if op.request is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.request)}},
        }
    return body


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the respondents' JSON API."""
    _, defs = models_json_schema(
        [
            (model, "validation" if model is SubmissionRequest else "serialization")
            for model in MODELS
        ],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "QA and Learning: survey respondents' API",
            "version": VERSION,
            "description": (
                "For mobile survey clients. Every request carries the one-time link's token in "
                "the Survey-Token header, never in the URL. Responses are never cacheable. "
                "Errors are JSON with a stable `code`, a `message` to show the respondent and "
                "a `requestId`. Answers collected offline carry `completedAt`: see "
                "docs/respondent-api.md."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            # The one-time link's token is what the request is about, not who sends it: an
            # unknown or missing one is a link that does not exist (404, the same for all),
            # so it is a header parameter rather than a security scheme (whose absence would
            # be a 401).
            "parameters": {
                "SurveyToken": {
                    "name": TOKEN_HEADER_NAME,
                    "in": "header",
                    "required": False,
                    "description": (
                        "The link's token: the 26 letters and digits after /s/ in the link, or "
                        "the code printed on a letter or card (any case; spaces and dashes are "
                        "ignored; 0, 1 and 8 read as O, I and B). Every request about a link "
                        "carries it; missing or unknown, the answer is 404 UNKNOWN. Never put "
                        "it in the URL."
                    ),
                    "schema": {"type": "string"},
                }
            },
            "headers": {
                "RetryAfter": {
                    "description": "Seconds to wait before trying again.",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            },
        },
    }


def document_text() -> str:
    """The document as exported to DOCUMENT_PATH: stable key order, a final newline."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
