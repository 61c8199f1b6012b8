"""The survey as a respondent sees it: a survey version in one language, with nothing about
the campaign, the invitation or whom it was for. The JSON API writes it out (`as_json`, held to
the contract's `Survey` by tests); the phone page renders it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.surveys.definitions import FACES, Audience, QuestionType
from domain.surveys.responses.respond import OpenLink

LANGUAGE_NAMES = {
    "en": "English",
    "cy": "Cymraeg",
    "ar": "العربية",
    "bn": "বাংলা",
    "fr": "Français",
    "pa": "ਪੰਜਾਬੀ",
    "pl": "Polski",
    "pt": "Português",
    "ro": "Română",
    "so": "Soomaali",
    "ur": "اردو",
}
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ps", "ur", "yi"})


@dataclass(frozen=True)
class Face:
    value: int
    emoji: str
    label: str


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    emoji: str | None


@dataclass(frozen=True)
class QuestionView:
    key: str
    type: QuestionType
    required: bool
    text: str
    help: str | None
    options: list[Choice]
    faces: list[Face]
    low: str | None
    high: str | None
    max_length: int | None

    @property
    def scale(self) -> list[int]:
        return list(range(0, 11)) if self.type is QuestionType.SCALE_0_10 else []

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "key": self.key,
            "type": self.type.value,
            "required": self.required,
            "text": self.text,
            "help": self.help,
        }
        match self.type:
            case QuestionType.EMOJI_SCALE:
                body["min"], body["max"] = 1, len(FACES)
                body["faces"] = [
                    {"value": f.value, "emoji": f.emoji, "label": f.label} for f in self.faces
                ]
            case QuestionType.SCALE_0_10:
                body.update({"min": 0, "max": 10, "low": self.low, "high": self.high})
            case QuestionType.SINGLE_CHOICE | QuestionType.MULTIPLE_CHOICE:
                body["options"] = [
                    {"key": o.key, "label": o.label, "emoji": o.emoji} for o in self.options
                ]
            case QuestionType.FREE_TEXT:
                body["maxLength"] = self.max_length
        return body


@dataclass(frozen=True)
class SurveyView:
    """A survey version in one language, as a respondent sees it: nothing about the campaign,
    the invitation or whom it was for."""

    audience: Audience
    language: str
    languages: list[str]
    title: str
    intro: str | None
    questions: list[QuestionView]
    closes_at: str

    @property
    def child_friendly(self) -> bool:
        return self.audience is Audience.CHILD_UNDER_8

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RIGHT_TO_LEFT else "ltr"

    def as_json(self) -> dict[str, Any]:
        return {
            "audience": self.audience.value,
            "childFriendly": self.child_friendly,
            "language": self.language,
            "languages": [
                {"code": code, "name": LANGUAGE_NAMES.get(code, code)} for code in self.languages
            ],
            "title": self.title,
            "intro": self.intro,
            "closesAt": self.closes_at,
            "questions": [q.as_json() for q in self.questions],
        }


def survey_view(opened: OpenLink) -> SurveyView:
    definition = opened.definition
    wording = definition.translations[opened.language]
    questions = []
    for q in definition.questions:
        w = wording.questions[q.key]
        labels = w.options or {}
        questions.append(
            QuestionView(
                key=q.key,
                type=q.type,
                required=q.required,
                text=w.text,
                help=w.help,
                options=[Choice(o.key, labels.get(o.key, o.key), o.emoji) for o in q.options or ()],
                faces=[
                    Face(n + 1, emoji, label)
                    for n, (emoji, label) in enumerate(zip(FACES, w.faces or (), strict=False))
                ],
                low=w.low,
                high=w.high,
                max_length=q.text_limit if q.type is QuestionType.FREE_TEXT else None,
            )
        )
    return SurveyView(
        audience=opened.audience,
        language=opened.language,
        languages=definition.languages,
        title=wording.title,
        intro=wording.intro,
        questions=questions,
        closes_at=opened.invitation.expires_at.isoformat(),
    )
