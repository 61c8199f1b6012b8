"""What a survey version is: its audience, its questions, and its wording in each language,
checked with pydantic for shape (here) and by hand for the rules (`rules.py`: audiences,
translations, lengths).

Stored form of a version (`SurveyVersion.definition`):

    {"questions": [{"key", "type", "required", "options": [{"key", "emoji"}], "maxLength"}],
     "translations": {"en": {"title", "intro", "questions": {<key>: {"text", "help",
                      "options": {<option key>: label}, "faces": [5 labels], "low", "high"}}}}}

Structure (keys, types, options) is the same in every language; all wording lives in
`translations`, English required, every other language complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.core.errors import InvalidInput

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,59}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"
ENGLISH = "en"
# The five faces of an emoji scale, from 1 (worst) to 5 (best); their labels are wording.
FACES = ("😢", "🙁", "😐", "🙂", "😄")
DEFAULT_FREE_TEXT_LENGTH = 2000
MAX_FREE_TEXT_LENGTH = 10_000
# "Draw or tell": a young child's free text is what they said, or what their drawing shows.
UNDER_8_FREE_TEXT_LENGTH = 500
MAX_TITLE = 120
MAX_INTRO = 400
MAX_QUESTIONS = 60


class Audience(StrEnum):
    CHILD_UNDER_8 = "CHILD_UNDER_8"
    CHILD_8_TO_12 = "CHILD_8_TO_12"
    CHILD_13_AND_OVER = "CHILD_13_AND_OVER"
    PARENT_CARER = "PARENT_CARER"
    CARE_LEAVER = "CARE_LEAVER"
    STAFF = "STAFF"


class QuestionType(StrEnum):
    EMOJI_SCALE = "EMOJI_SCALE"
    SCALE_0_10 = "SCALE_0_10"
    SINGLE_CHOICE = "SINGLE_CHOICE"
    MULTIPLE_CHOICE = "MULTIPLE_CHOICE"
    FREE_TEXT = "FREE_TEXT"


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
UNDER_8_TYPES = frozenset(
    {QuestionType.EMOJI_SCALE, QuestionType.SINGLE_CHOICE, QuestionType.FREE_TEXT}
)

# Plain language: the longest question text (and help) and option label, in characters, for
# each audience, in every language.
QUESTION_LIMIT: dict[Audience, int] = {
    Audience.CHILD_UNDER_8: 80,
    Audience.CHILD_8_TO_12: 120,
    Audience.CHILD_13_AND_OVER: 120,
    Audience.CARE_LEAVER: 160,
    Audience.PARENT_CARER: 160,
    Audience.STAFF: 200,
}
LABEL_LIMIT: dict[Audience, int] = {
    Audience.CHILD_UNDER_8: 30,
    Audience.CHILD_8_TO_12: 40,
    Audience.CHILD_13_AND_OVER: 60,
    Audience.CARE_LEAVER: 60,
    Audience.PARENT_CARER: 80,
    Audience.STAFF: 80,
}


class DefinitionProblem(StrEnum):
    """Why a definition was refused; stable, for tests and the front-end."""

    MALFORMED = "MALFORMED"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    NOT_FOR_AUDIENCE = "NOT_FOR_AUDIENCE"
    MISSING_TRANSLATION = "MISSING_TRANSLATION"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    TOO_LONG = "TOO_LONG"


@dataclass(frozen=True)
class Problem:
    kind: DefinitionProblem
    field: str
    message: str


class DefinitionInvalid(InvalidInput):
    """A definition refused, with every problem found (each naming its field path)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field)
        self.problems = tuple(problems)


Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Option(_Strict):
    key: Key
    emoji: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None


class Question(_Strict):
    key: Key
    type: QuestionType
    required: bool = False
    options: list[Option] | None = None
    max_length: int | None = Field(default=None, alias="maxLength", ge=1, le=MAX_FREE_TEXT_LENGTH)

    @property
    def option_keys(self) -> list[str]:
        return [o.key for o in self.options or ()]

    @property
    def text_limit(self) -> int:
        return self.max_length or DEFAULT_FREE_TEXT_LENGTH


class QuestionWording(_Strict):
    text: Text
    help: Text | None = None
    options: dict[str, Text] | None = None
    faces: list[Text] | None = None
    low: Text | None = None
    high: Text | None = None


class Wording(_Strict):
    title: Text
    intro: Text | None = None
    questions: dict[str, QuestionWording]


class Definition(_Strict):
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    translations: dict[Language, Wording] = Field(min_length=1)

    @property
    def languages(self) -> list[str]:
        """English first, then the others in alphabetical order."""
        return sorted(self.translations, key=lambda code: (code != ENGLISH, code))

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def load_definition(stored: Mapping[str, Any]) -> Definition:
    """A stored definition (checked when it was published) back as a Definition."""
    return Definition.model_validate(stored)
