"""The rules a version's definition keeps beyond its shape: what each audience may be asked
and how long its wording may be, and every translation complete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from domain.surveys.definitions.form import (
    CHOICE_TYPES,
    ENGLISH,
    FACES,
    LABEL_LIMIT,
    MAX_INTRO,
    MAX_TITLE,
    QUESTION_LIMIT,
    UNDER_8_FREE_TEXT_LENGTH,
    UNDER_8_TYPES,
    Audience,
    Definition,
    DefinitionInvalid,
    DefinitionProblem,
    Problem,
    Question,
    QuestionType,
    QuestionWording,
)


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
        out.extend(_option_problems(where, q, under_8))
        out.extend(_length_problems(where, q, under_8))
    return out


def _option_problems(where: str, q: Question, under_8: bool) -> list[Problem]:
    if q.type not in CHOICE_TYPES:
        if q.options is None:
            return []
        return [
            Problem(
                DefinitionProblem.MALFORMED,
                f"{where}.options",
                f"A {q.type.value} question has no options.",
            )
        ]
    out: list[Problem] = []
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
        out.extend(
            Problem(
                DefinitionProblem.NOT_FOR_AUDIENCE,
                f"{where}.options.{j}.emoji",
                f"For children under 8 every option has a picture: '{option.key}' has no emoji.",
            )
            for j, option in enumerate(q.options or ())
            if option.emoji is None
        )
    return out


def _length_problems(where: str, q: Question, under_8: bool) -> list[Problem]:
    if q.type is QuestionType.FREE_TEXT:
        if under_8 and q.text_limit > UNDER_8_FREE_TEXT_LENGTH:
            return [
                Problem(
                    DefinitionProblem.NOT_FOR_AUDIENCE,
                    f"{where}.maxLength",
                    f"For children under 8 free text is short ('draw or tell'): at most "
                    f"{UNDER_8_FREE_TEXT_LENGTH} characters.",
                )
            ]
    elif q.max_length is not None:
        return [
            Problem(
                DefinitionProblem.MALFORMED,
                f"{where}.maxLength",
                "Only a FREE_TEXT question has a maximum length.",
            )
        ]
    return []


def _wording_problems(audience: Audience, d: Definition) -> list[Problem]:
    check = _WordingCheck(text_limit=QUESTION_LIMIT[audience], label_limit=LABEL_LIMIT[audience])
    if ENGLISH not in d.translations:
        check.out.append(
            Problem(
                DefinitionProblem.MISSING_TRANSLATION,
                f"translations.{ENGLISH}",
                "The English wording is required.",
            )
        )
    has_intro = {lang for lang, w in d.translations.items() if w.intro is not None}
    keys = {q.key for q in d.questions}
    for lang in d.languages:
        wording = d.translations[lang]
        base = f"translations.{lang}"
        check.length(f"{base}.title", wording.title, MAX_TITLE)
        check.length(f"{base}.intro", wording.intro, MAX_INTRO)
        if has_intro and wording.intro is None:
            check.missing(f"{base}.intro", f"the introduction in '{lang}'")
        for extra in sorted(set(wording.questions) - keys):
            check.unknown(f"{base}.questions.{extra}", f"There is no question '{extra}' to word.")
        for q in d.questions:
            where = f"{base}.questions.{q.key}"
            qw = wording.questions.get(q.key)
            if qw is None:
                check.missing(where, f"question '{q.key}' in '{lang}'")
                continue
            check.length(f"{where}.text", qw.text, check.text_limit)
            check.length(f"{where}.help", qw.help, check.text_limit)
            check.options(where, lang, q, qw)
            check.faces(where, lang, q, qw)
            check.scale_ends(where, lang, q, qw)
    return check.out


@dataclass
class _WordingCheck:
    """The problems found so far in a definition's wording, and the checks that find them."""

    text_limit: int
    label_limit: int
    out: list[Problem] = field(default_factory=list)

    def missing(self, where: str, what: str) -> None:
        self.out.append(
            Problem(DefinitionProblem.MISSING_TRANSLATION, where, f"Missing translation: {what}.")
        )

    def unknown(self, where: str, message: str) -> None:
        self.out.append(Problem(DefinitionProblem.UNKNOWN_KEY, where, message))

    def length(self, where: str, value: str | None, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.out.append(
                Problem(
                    DefinitionProblem.TOO_LONG,
                    where,
                    f"Plain language: at most {limit} characters here for this audience "
                    f"({len(value)} given).",
                )
            )

    def options(self, where: str, lang: str, q: Question, qw: QuestionWording) -> None:
        if q.type not in CHOICE_TYPES:
            if qw.options is not None:
                self.unknown(f"{where}.options", f"'{q.key}' has no options to label.")
            return
        labels = qw.options or {}
        for okey in q.option_keys:
            if okey not in labels:
                self.missing(f"{where}.options.{okey}", f"option '{okey}' of '{q.key}' in '{lang}'")
            else:
                self.length(f"{where}.options.{okey}", labels[okey], self.label_limit)
        for extra in sorted(set(labels) - set(q.option_keys)):
            self.unknown(f"{where}.options.{extra}", f"'{q.key}' has no option '{extra}'.")

    def faces(self, where: str, lang: str, q: Question, qw: QuestionWording) -> None:
        if q.type is not QuestionType.EMOJI_SCALE:
            if qw.faces is not None:
                self.unknown(f"{where}.faces", f"'{q.key}' is not an emoji scale.")
            return
        if qw.faces is None:
            self.missing(f"{where}.faces", f"the labels of the faces of '{q.key}' in '{lang}'")
        elif len(qw.faces) != len(FACES):
            self.out.append(
                Problem(
                    DefinitionProblem.MALFORMED,
                    f"{where}.faces",
                    f"An emoji scale has {len(FACES)} faces, each with a label.",
                )
            )
        else:
            for n, label in enumerate(qw.faces):
                self.length(f"{where}.faces.{n}", label, self.label_limit)

    def scale_ends(self, where: str, lang: str, q: Question, qw: QuestionWording) -> None:
        for end in ("low", "high"):
            value = getattr(qw, end)
            if q.type is QuestionType.SCALE_0_10:
                if value is None:
                    self.missing(
                        f"{where}.{end}", f"what the {end} end of '{q.key}' means in '{lang}'"
                    )
                self.length(f"{where}.{end}", value, self.label_limit)
            elif value is not None:
                self.unknown(f"{where}.{end}", f"'{q.key}' is not a 0 to 10 scale.")
