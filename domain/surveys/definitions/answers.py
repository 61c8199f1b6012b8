"""Checking a respondent's answers against a version."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeGuard

from domain.surveys.definitions.form import FACES, Definition, Question, QuestionType


class AnswerProblemKind(StrEnum):
    """Why an answer was refused; stable, for the respondent API and the front-end."""

    NOT_AN_OBJECT = "NOT_AN_OBJECT"
    UNKNOWN_QUESTION = "UNKNOWN_QUESTION"
    REQUIRED = "REQUIRED"
    WRONG_TYPE = "WRONG_TYPE"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    UNKNOWN_OPTION = "UNKNOWN_OPTION"
    DUPLICATE_OPTION = "DUPLICATE_OPTION"
    TOO_LONG = "TOO_LONG"


@dataclass(frozen=True)
class AnswerProblem:
    question_key: str | None  # None when the answers as a whole are at fault
    kind: AnswerProblemKind
    message: str


@dataclass(frozen=True)
class AnswerCheck:
    """The answers cleaned (unanswered questions left out, text trimmed) and what is wrong."""

    answers: dict[str, Any] = field(default_factory=dict)
    problems: tuple[AnswerProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _unanswered(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, list) and not value)
    )


def _unstorable(text: str) -> bool:
    """NUL and lone surrogates: text PostgreSQL cannot store, nor UTF-8 write."""
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def check_answers(definition: Definition, answers: Any) -> AnswerCheck:
    """Every problem with a set of answers to a version, by question key: unknown questions,
    required ones unanswered, wrong types, a face outside 1 to 5, a scale outside 0 to 10,
    unknown or repeated options, free text over its length. Answers are JSON values: a whole
    number for scales, an option key (or a list of them) for choices, a string for text."""
    if not isinstance(answers, Mapping):
        return AnswerCheck(
            problems=(
                AnswerProblem(
                    None,
                    AnswerProblemKind.NOT_AN_OBJECT,
                    "Answers are an object of question keys to answers.",
                ),
            )
        )
    problems: list[AnswerProblem] = [
        AnswerProblem(
            str(key), AnswerProblemKind.UNKNOWN_QUESTION, "This survey has no such question."
        )
        for key in answers
        if not isinstance(key, str) or definition.question(key) is None
    ]
    clean: dict[str, Any] = {}
    for q in definition.questions:
        value = answers.get(q.key)
        if _unanswered(value):
            if q.required:
                problems.append(
                    AnswerProblem(
                        q.key, AnswerProblemKind.REQUIRED, "This question must be answered."
                    )
                )
            continue
        checked = _CHECKS[q.type](q, value)
        if isinstance(checked, AnswerProblem):
            problems.append(checked)
        else:
            clean[q.key] = checked
    return AnswerCheck(answers=clean if not problems else {}, problems=tuple(problems))


# Each question type's check of an answered question: the answer as stored, or its problem.


def _scale(q: Question, value: Any) -> Any:
    low, high = (1, len(FACES)) if q.type is QuestionType.EMOJI_SCALE else (0, 10)
    if not _is_int(value):
        return AnswerProblem(
            q.key,
            AnswerProblemKind.WRONG_TYPE,
            f"The answer is a whole number from {low} to {high}.",
        )
    if not low <= value <= high:
        return AnswerProblem(
            q.key, AnswerProblemKind.OUT_OF_RANGE, f"The answer is from {low} to {high}."
        )
    return value


def _single_choice(q: Question, value: Any) -> Any:
    if not isinstance(value, str):
        return AnswerProblem(q.key, AnswerProblemKind.WRONG_TYPE, "The answer is one option's key.")
    if value not in q.option_keys:
        return AnswerProblem(q.key, AnswerProblemKind.UNKNOWN_OPTION, f"No option '{value}'.")
    return value


def _multiple_choice(q: Question, value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return AnswerProblem(
            q.key, AnswerProblemKind.WRONG_TYPE, "The answer is a list of option keys."
        )
    if unknown := [v for v in value if v not in q.option_keys]:
        return AnswerProblem(
            q.key,
            AnswerProblemKind.UNKNOWN_OPTION,
            f"No option {', '.join(repr(v) for v in unknown)}.",
        )
    if len(set(value)) != len(value):
        return AnswerProblem(
            q.key, AnswerProblemKind.DUPLICATE_OPTION, "An option is chosen twice."
        )
    # In the version's order, so that equal answers are stored alike.
    return [k for k in q.option_keys if k in value]


def _free_text(q: Question, value: Any) -> Any:
    if not isinstance(value, str):
        return AnswerProblem(q.key, AnswerProblemKind.WRONG_TYPE, "The answer is text.")
    if _unstorable(value):
        return AnswerProblem(
            q.key,
            AnswerProblemKind.WRONG_TYPE,
            "The text has characters that are not letters or symbols.",
        )
    if len(value.strip()) > q.text_limit:
        return AnswerProblem(
            q.key,
            AnswerProblemKind.TOO_LONG,
            f"At most {q.text_limit} characters ({len(value.strip())} given).",
        )
    return value.strip()


_CHECKS: dict[QuestionType, Callable[[Question, Any], Any]] = {
    QuestionType.EMOJI_SCALE: _scale,
    QuestionType.SCALE_0_10: _scale,
    QuestionType.SINGLE_CHOICE: _single_choice,
    QuestionType.MULTIPLE_CHOICE: _multiple_choice,
    QuestionType.FREE_TEXT: _free_text,
}
