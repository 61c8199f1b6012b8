"""A survey's name and purpose when a version is published (definitions/publishing.py), and
the answer checks by question type (definitions/answers.py), without a database."""

from __future__ import annotations

import pytest

from domain.core.errors import InvalidInput
from domain.surveys.definitions import (
    AnswerProblemKind,
    Audience,
    Definition,
    check_answers,
    parse_definition,
)
from domain.surveys.definitions.publishing import clean_survey_fields, survey_changes
from domain.surveys.models import Survey


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Nothing here touches the database."""


def test_a_new_survey_needs_a_name_and_a_purpose() -> None:
    assert clean_survey_fields("  Annual   survey ", " Why ", new=True) == ("Annual survey", "Why")
    with pytest.raises(InvalidInput, match="needs a name") as refused:
        clean_survey_fields(" ", "Why", new=True)
    assert refused.value.field == "name"
    with pytest.raises(InvalidInput, match="needs its purpose"):
        clean_survey_fields("Annual", None, new=True)
    assert clean_survey_fields(None, None, new=False) == (None, None)
    with pytest.raises(InvalidInput, match="at most 200"):
        clean_survey_fields("x" * 201, None, new=False)


def test_only_what_is_given_and_different_changes() -> None:
    survey = Survey(key="annual", name="Annual", purpose="Why")
    assert survey_changes(survey, None, "Why") == {}
    assert survey_changes(survey, "Annual survey", None) == {"name": ["Annual", "Annual survey"]}
    assert survey.name == "Annual survey"


def _definition() -> Definition:
    return parse_definition(
        Audience.CHILD_13_AND_OVER,
        [
            {"key": "feel", "type": "SCALE_0_10", "required": True},
            {"key": "pick", "type": "MULTIPLE_CHOICE", "options": [{"key": "a"}, {"key": "b"}]},
            {"key": "say", "type": "FREE_TEXT", "maxLength": 5},
        ],
        {
            "en": {
                "title": "T",
                "questions": {
                    "feel": {"text": "How?", "low": "Bad", "high": "Good"},
                    "pick": {"text": "Which?", "options": {"a": "A", "b": "B"}},
                    "say": {"text": "Say"},
                },
            }
        },
    )


def test_answers_are_cleaned_in_the_versions_order() -> None:
    checked = check_answers(_definition(), {"feel": 7, "pick": ["b", "a"], "say": " hi "})
    assert checked.ok
    assert checked.answers == {"feel": 7, "pick": ["a", "b"], "say": "hi"}


def test_every_problem_is_named_by_its_question() -> None:
    checked = check_answers(
        _definition(), {"nope": 1, "feel": 11, "pick": ["a", "a"], "say": "too long"}
    )
    assert checked.answers == {}
    assert [(p.question_key, p.kind) for p in checked.problems] == [
        ("nope", AnswerProblemKind.UNKNOWN_QUESTION),
        ("feel", AnswerProblemKind.OUT_OF_RANGE),
        ("pick", AnswerProblemKind.DUPLICATE_OPTION),
        ("say", AnswerProblemKind.TOO_LONG),
    ]
    missing = check_answers(_definition(), {"feel": True})
    assert [p.kind for p in missing.problems] == [AnswerProblemKind.WRONG_TYPE]
    assert check_answers(_definition(), {}).problems[0].kind is AnswerProblemKind.REQUIRED
