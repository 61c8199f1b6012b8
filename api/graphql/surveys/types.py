"""Survey definitions as the front-end sees them: surveys, their versions, questions and wording,
and the checks a respondent's answers get. Every decision is in `domain/surveys/`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.ids import node_ids as node_ids_of
from api.graphql.core.pagination import CountedConnection
from api.graphql.surveys.enums import SurveyAnswerErrorCode, SurveyAudience, SurveyQuestionType
from api.graphql.surveys.loaders import SURVEY, SURVEY_VERSION
from domain.surveys import definitions, models


@strawberry.type(description="An option of a choice question.")
class SurveyOption:
    key: str = strawberry.field(description="The option's key: the answer that chooses it.")
    emoji: str | None = strawberry.field(description="Its picture, if it has one.")


@strawberry.type(description="A question's structure, the same in every language.")
class SurveyQuestion:
    key: str = strawberry.field(description="The question's key, unique in its version.")
    type: SurveyQuestionType = strawberry.field(description="How it is answered.")
    required: bool = strawberry.field(description="Whether it must be answered.")
    options: list[SurveyOption] = strawberry.field(
        description="For choice questions, the options in order; empty otherwise."
    )
    max_length: int | None = strawberry.field(
        description="For free text, the most characters accepted; null otherwise."
    )


@strawberry.type(description="An option's label in one language.")
class SurveyOptionLabel:
    key: str = strawberry.field(description="The option's key.")
    label: str = strawberry.field(description="What the respondent reads.")


@strawberry.type(description="A face of an emoji scale.")
class SurveyFace:
    value: int = strawberry.field(description="The answer that chooses it: 1 (worst) to 5.")
    emoji: str = strawberry.field(description="The face.")
    label: str = strawberry.field(description="What it means, in this language.")


@strawberry.type(description="A question's wording in one language.")
class SurveyQuestionWording:
    key: str = strawberry.field(description="The question's key.")
    text: str = strawberry.field(description="The question, in plain language.")
    help: str | None = strawberry.field(description="A hint shown with it, if any.")
    options: list[SurveyOptionLabel] = strawberry.field(
        description="Labels of the options, in the question's order."
    )
    faces: list[SurveyFace] = strawberry.field(description="For an emoji scale, its five faces.")
    low: str | None = strawberry.field(description="For a 0 to 10 scale, what 0 means.")
    high: str | None = strawberry.field(description="For a 0 to 10 scale, what 10 means.")


@strawberry.type(description="A version's wording in one language.")
class SurveyWording:
    language: str = strawberry.field(description="The language code, e.g. `en` or `cy`.")
    title: str = strawberry.field(description="The survey's title in this version.")
    intro: str | None = strawberry.field(description="A few words before the questions.")
    questions: list[SurveyQuestionWording] = strawberry.field(
        description="Every question's wording, in the version's order."
    )


def _wording(d: definitions.Definition, language: str) -> SurveyWording | None:
    w = d.translations.get(language)
    if w is None:
        return None
    out = []
    for q in d.questions:
        qw = w.questions[q.key]
        out.append(
            SurveyQuestionWording(
                key=q.key,
                text=qw.text,
                help=qw.help,
                options=[
                    SurveyOptionLabel(key=k, label=(qw.options or {})[k]) for k in q.option_keys
                ],
                faces=[
                    SurveyFace(value=n + 1, emoji=face, label=label)
                    for n, (face, label) in enumerate(
                        zip(definitions.FACES, qw.faces or (), strict=False)
                    )
                ],
                low=qw.low,
                high=qw.high,
            )
        )
    return SurveyWording(language=language, title=w.title, intro=w.intro, questions=out)


@strawberry.type(
    description="One version of a survey for one audience. It never changes once published; "
    "responses keep the version they answered."
)
class SurveyVersion(relay.Node):
    id: relay.NodeID[str]
    survey_key: str = strawberry.field(description="The key of the survey it belongs to.")
    audience: SurveyAudience = strawberry.field(description="Who it is written for.")
    version: int = strawberry.field(
        description="1 for the survey's first version for this audience, rising by one."
    )
    published_at: datetime = strawberry.field(description="When it was published.")
    change_note: str | None = strawberry.field(description="What changed from the last version.")
    definition: JSON = strawberry.field(
        description="The whole definition as stored: `questions` and `translations`."
    )
    _parsed: strawberry.Private[definitions.Definition]

    @strawberry.field(description="Its questions, in order.")
    def questions(self) -> list[SurveyQuestion]:
        return [
            SurveyQuestion(
                key=q.key,
                type=q.type,
                required=q.required,
                options=[SurveyOption(key=o.key, emoji=o.emoji) for o in q.options or ()],
                max_length=q.text_limit if q.type is definitions.QuestionType.FREE_TEXT else None,
            )
            for q in self._parsed.questions
        ]

    @strawberry.field(description="The languages it is worded in, English first.")
    def languages(self) -> list[str]:
        return self._parsed.languages

    @strawberry.field(description="Its wording in a language; null if not worded in it.")
    def wording(
        self,
        language: Annotated[
            str, strawberry.argument(description="A language code; English when left out.")
        ] = definitions.ENGLISH,
    ) -> SurveyWording | None:
        return _wording(self._parsed, language)

    @classmethod
    def from_model(cls, m: models.SurveyVersion, survey_key: str) -> SurveyVersion:
        return cls(
            id=str(m.id),
            survey_key=survey_key,
            audience=m.audience,
            version=m.version,
            published_at=m.published_at,
            change_note=m.change_note,
            definition=cast(JSON, m.definition),
            _parsed=definitions.load_definition(m.definition),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await SURVEY_VERSION.load_many(info, node_ids_of(node_ids))
        return [cls.from_model(m, m.survey.key) if m else None for m in found]


_AUDIENCE_ORDER = {a: n for n, a in enumerate(definitions.Audience)}


@strawberry.type(description="A survey the service runs, with a version for each audience it asks.")
class Survey(relay.Node):
    id: relay.NodeID[str]
    key: str = strawberry.field(description="Its stable key, e.g. `staff_annual_health_check`.")
    name: str = strawberry.field(description="Its name.")
    purpose: str = strawberry.field(description="Why it is run, and for whom.")
    versions: list[SurveyVersion] = strawberry.field(
        description="Every version, by audience (youngest first), newest first within each."
    )
    current_versions: list[SurveyVersion] = strawberry.field(
        description="The newest version for each audience, youngest audience first."
    )

    @classmethod
    def from_model(cls, m: models.Survey) -> Survey:
        ordered = sorted(m.versions, key=lambda v: (_AUDIENCE_ORDER[v.audience], -v.version))
        versions = [SurveyVersion.from_model(v, m.key) for v in ordered]
        current: list[SurveyVersion] = []
        for v in versions:
            if not current or current[-1].audience != v.audience:
                current.append(v)
        return cls(
            id=str(m.id),
            key=m.key,
            name=m.name,
            purpose=m.purpose,
            versions=versions,
            current_versions=current,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await SURVEY.load_many(info, node_ids_of(node_ids))
        return [cls.from_model(m) if m else None for m in found]


@strawberry.type(description="A page of surveys.")
class SurveyConnection(CountedConnection[Survey]):
    pass


@strawberry.type(description="What is wrong with one answer (or with the answers as a whole).")
class SurveyAnswerError:
    question_key: str | None = strawberry.field(
        description="The question at fault; null when the answers as a whole are."
    )
    code: SurveyAnswerErrorCode = strawberry.field(description="What kind of problem it is.")
    message: str = strawberry.field(description="A sentence to show.")


@strawberry.type(description="The checks a respondent's answers will get, run on a preview.")
class SurveyAnswerCheck:
    valid: bool = strawberry.field(description="True when the answers would be accepted.")
    errors: list[SurveyAnswerError] = strawberry.field(description="Every problem, by question.")
    answers: JSON = strawberry.field(
        description="The answers as they would be kept (trimmed, unanswered left out); "
        "empty unless valid."
    )
