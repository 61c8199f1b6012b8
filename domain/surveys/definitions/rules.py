"""The rules a version's definition keeps beyond its shape: what each audience may be asked
and how long its wording may be, and every translation complete."""

from __future__ import annotations

from collections.abc import Sequence
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
    QuestionType,
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
