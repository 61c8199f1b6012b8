"""What a survey version is: its audience, its questions, and its wording in each language,
checked with pydantic for shape and by hand for the rules (audiences, translations, lengths);
and checking a respondent's answers against a version.

Stored form of a version (`SurveyVersion.definition`):

    {"questions": [{"key", "type", "required", "options": [{"key", "emoji"}], "maxLength"}],
     "translations": {"en": {"title", "intro", "questions": {<key>: {"text", "help",
                      "options": {<option key>: label}, "faces": [5 labels], "low", "high"}}}}}

Structure (keys, types, options) is the same in every language; all wording lives in
`translations`, English required, every other language complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

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


def _path(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def parse_definition(audience: Audience, questions: Any, translations: Any) -> Definition:
    """A version's definition, or DefinitionInvalid listing every problem by field path
    (`questions.3.options`, `translations.cy.questions.feel_safe.text`)."""
    try:
        definition = Definition.model_validate(
            {"questions": questions, "translations": translations}
        )
    except ValidationError as exc:
        raise DefinitionInvalid(
            [
                Problem(DefinitionProblem.MALFORMED, _path(e["loc"]), e["msg"])
                for e in exc.errors(include_url=False)
            ]
        ) from exc
    problems = _structure_problems(audience, definition) + _wording_problems(audience, definition)
    if problems:
        raise DefinitionInvalid(problems)
    return definition


def load_definition(stored: Mapping[str, Any]) -> Definition:
    """A stored definition (checked when it was published) back as a Definition."""
    return Definition.model_validate(stored)


def _structure_problems(audience: Audience, d: Definition) -> list[Problem]:
    out: list[Problem] = []
    seen: set[str] = set()
    under_8 = audience is Audience.CHILD_UNDER_8
    for i, q in enumerate(d.questions):
        where = f"questions.{i}"
        if q.key in seen:
            out.append(
                Problem(
                    DefinitionProblem.DUPLICATE_KEY,
                    f"{where}.key",
                    f"The question key '{q.key}' is used twice.",
                )
            )
        seen.add(q.key)
        if under_8 and q.type not in UNDER_8_TYPES:
            out.append(
                Problem(
                    DefinitionProblem.NOT_FOR_AUDIENCE,
                    f"{where}.type",
                    f"Children under 8 answer with faces, pictures or by drawing or telling: "
                    f"{q.type.value} is not for them.",
                )
            )
        if q.type in CHOICE_TYPES:
            keys = q.option_keys
            if len(keys) < 2:
                out.append(
                    Problem(
                        DefinitionProblem.MALFORMED,
                        f"{where}.options",
                        "A choice question has at least two options.",
                    )
                )
            duplicates = sorted({k for k in keys if keys.count(k) > 1})
            if duplicates:
                out.append(
                    Problem(
                        DefinitionProblem.DUPLICATE_KEY,
                        f"{where}.options",
                        f"Option keys are used twice: {', '.join(duplicates)}.",
                    )
                )
            if under_8:
                for j, option in enumerate(q.options or ()):
                    if option.emoji is None:
                        out.append(
                            Problem(
                                DefinitionProblem.NOT_FOR_AUDIENCE,
                                f"{where}.options.{j}.emoji",
                                f"For children under 8 every option has a picture: "
                                f"'{option.key}' has no emoji.",
                            )
                        )
        elif q.options is not None:
            out.append(
                Problem(
                    DefinitionProblem.MALFORMED,
                    f"{where}.options",
                    f"A {q.type.value} question has no options.",
                )
            )
        if q.type is QuestionType.FREE_TEXT:
            if under_8 and q.text_limit > UNDER_8_FREE_TEXT_LENGTH:
                out.append(
                    Problem(
                        DefinitionProblem.NOT_FOR_AUDIENCE,
                        f"{where}.maxLength",
                        f"For children under 8 free text is short ('draw or tell'): at most "
                        f"{UNDER_8_FREE_TEXT_LENGTH} characters.",
                    )
                )
        elif q.max_length is not None:
            out.append(
                Problem(
                    DefinitionProblem.MALFORMED,
                    f"{where}.maxLength",
                    "Only a FREE_TEXT question has a maximum length.",
                )
            )
    return out


def _wording_problems(audience: Audience, d: Definition) -> list[Problem]:
    out: list[Problem] = []
    if ENGLISH not in d.translations:
        out.append(
            Problem(
                DefinitionProblem.MISSING_TRANSLATION,
                f"translations.{ENGLISH}",
                "The English wording is required.",
            )
        )
    text_limit, label_limit = QUESTION_LIMIT[audience], LABEL_LIMIT[audience]
    has_intro = {lang for lang, w in d.translations.items() if w.intro is not None}
    keys = {q.key for q in d.questions}

    def missing(where: str, what: str) -> None:
        out.append(
            Problem(DefinitionProblem.MISSING_TRANSLATION, where, f"Missing translation: {what}.")
        )

    def check_length(where: str, value: str | None, limit: int) -> None:
        if value is not None and len(value) > limit:
            out.append(
                Problem(
                    DefinitionProblem.TOO_LONG,
                    where,
                    f"Plain language: at most {limit} characters here for this audience "
                    f"({len(value)} given).",
                )
            )

    for lang in d.languages:
        wording = d.translations[lang]
        base = f"translations.{lang}"
        check_length(f"{base}.title", wording.title, MAX_TITLE)
        check_length(f"{base}.intro", wording.intro, MAX_INTRO)
        if has_intro and wording.intro is None:
            missing(f"{base}.intro", f"the introduction in '{lang}'")
        for extra in sorted(set(wording.questions) - keys):
            out.append(
                Problem(
                    DefinitionProblem.UNKNOWN_KEY,
                    f"{base}.questions.{extra}",
                    f"There is no question '{extra}' to word.",
                )
            )
        for q in d.questions:
            where = f"{base}.questions.{q.key}"
            qw = wording.questions.get(q.key)
            if qw is None:
                missing(where, f"question '{q.key}' in '{lang}'")
                continue
            check_length(f"{where}.text", qw.text, text_limit)
            check_length(f"{where}.help", qw.help, text_limit)
            if q.type in CHOICE_TYPES:
                labels = qw.options or {}
                for okey in q.option_keys:
                    if okey not in labels:
                        missing(
                            f"{where}.options.{okey}", f"option '{okey}' of '{q.key}' in '{lang}'"
                        )
                    else:
                        check_length(f"{where}.options.{okey}", labels[okey], label_limit)
                for extra in sorted(set(labels) - set(q.option_keys)):
                    out.append(
                        Problem(
                            DefinitionProblem.UNKNOWN_KEY,
                            f"{where}.options.{extra}",
                            f"'{q.key}' has no option '{extra}'.",
                        )
                    )
            elif qw.options is not None:
                out.append(
                    Problem(
                        DefinitionProblem.UNKNOWN_KEY,
                        f"{where}.options",
                        f"'{q.key}' has no options to label.",
                    )
                )
            if q.type is QuestionType.EMOJI_SCALE:
                if qw.faces is None:
                    missing(f"{where}.faces", f"the labels of the faces of '{q.key}' in '{lang}'")
                elif len(qw.faces) != len(FACES):
                    out.append(
                        Problem(
                            DefinitionProblem.MALFORMED,
                            f"{where}.faces",
                            f"An emoji scale has {len(FACES)} faces, each with a label.",
                        )
                    )
                else:
                    for n, label in enumerate(qw.faces):
                        check_length(f"{where}.faces.{n}", label, label_limit)
            elif qw.faces is not None:
                out.append(
                    Problem(
                        DefinitionProblem.UNKNOWN_KEY,
                        f"{where}.faces",
                        f"'{q.key}' is not an emoji scale.",
                    )
                )
            if q.type is QuestionType.SCALE_0_10:
                for end in ("low", "high"):
                    value = getattr(qw, end)
                    if value is None:
                        missing(
                            f"{where}.{end}", f"what the {end} end of '{q.key}' means in '{lang}'"
                        )
                    check_length(f"{where}.{end}", value, label_limit)
            else:
                for end in ("low", "high"):
                    if getattr(qw, end) is not None:
                        out.append(
                            Problem(
                                DefinitionProblem.UNKNOWN_KEY,
                                f"{where}.{end}",
                                f"'{q.key}' is not a 0 to 10 scale.",
                            )
                        )
    return out


# --- answers -----------------------------------------------------------------------------------


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
    problems: list[AnswerProblem] = []
    clean: dict[str, Any] = {}

    def refuse(key: str, kind: AnswerProblemKind, message: str) -> None:
        problems.append(AnswerProblem(key, kind, message))

    for key in answers:
        if not isinstance(key, str) or definition.question(key) is None:
            refuse(
                str(key), AnswerProblemKind.UNKNOWN_QUESTION, "This survey has no such question."
            )
    for q in definition.questions:
        value = answers.get(q.key)
        if _unanswered(value):
            if q.required:
                refuse(q.key, AnswerProblemKind.REQUIRED, "This question must be answered.")
            continue
        match q.type:
            case QuestionType.EMOJI_SCALE | QuestionType.SCALE_0_10:
                low, high = (1, len(FACES)) if q.type is QuestionType.EMOJI_SCALE else (0, 10)
                if not _is_int(value):
                    refuse(
                        q.key,
                        AnswerProblemKind.WRONG_TYPE,
                        f"The answer is a whole number from {low} to {high}.",
                    )
                elif not low <= value <= high:
                    refuse(
                        q.key,
                        AnswerProblemKind.OUT_OF_RANGE,
                        f"The answer is from {low} to {high}.",
                    )
                else:
                    clean[q.key] = value
            case QuestionType.SINGLE_CHOICE:
                if not isinstance(value, str):
                    refuse(q.key, AnswerProblemKind.WRONG_TYPE, "The answer is one option's key.")
                elif value not in q.option_keys:
                    refuse(q.key, AnswerProblemKind.UNKNOWN_OPTION, f"No option '{value}'.")
                else:
                    clean[q.key] = value
            case QuestionType.MULTIPLE_CHOICE:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    refuse(
                        q.key, AnswerProblemKind.WRONG_TYPE, "The answer is a list of option keys."
                    )
                elif unknown := [v for v in value if v not in q.option_keys]:
                    refuse(
                        q.key,
                        AnswerProblemKind.UNKNOWN_OPTION,
                        f"No option {', '.join(repr(v) for v in unknown)}.",
                    )
                elif len(set(value)) != len(value):
                    refuse(q.key, AnswerProblemKind.DUPLICATE_OPTION, "An option is chosen twice.")
                else:
                    # In the version's order, so that equal answers are stored alike.
                    clean[q.key] = [k for k in q.option_keys if k in value]
            case QuestionType.FREE_TEXT:
                if not isinstance(value, str):
                    refuse(q.key, AnswerProblemKind.WRONG_TYPE, "The answer is text.")
                elif _unstorable(value):
                    refuse(
                        q.key,
                        AnswerProblemKind.WRONG_TYPE,
                        "The text has characters that are not letters or symbols.",
                    )
                elif len(value.strip()) > q.text_limit:
                    refuse(
                        q.key,
                        AnswerProblemKind.TOO_LONG,
                        f"At most {q.text_limit} characters ({len(value.strip())} given).",
                    )
                else:
                    clean[q.key] = value.strip()
    return AnswerCheck(answers=clean if not problems else {}, problems=tuple(problems))
