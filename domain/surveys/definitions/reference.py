"""The default surveys, seeded by `qaf migrate`: the annual survey of children and families
("what difference has our help made?", in the Signs of Safety spirit: what is working well,
what worries you, what would make things better), post-audit feedback for the child and family
in a collaborative audit, and the staff Annual Health Check.

The children's under-8 version of the annual survey is also in Welsh ("cy"); the Welsh should
be read by a first-language speaker before it is used with children.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.roles import SYSTEM
from domain.surveys.definitions import Audience, QuestionType
from domain.surveys.definitions.publishing import publish_version
from domain.surveys.models import Survey, SurveyVersion

E, S, ONE, MANY, T = (
    QuestionType.EMOJI_SCALE,
    QuestionType.SCALE_0_10,
    QuestionType.SINGLE_CHOICE,
    QuestionType.MULTIPLE_CHOICE,
    QuestionType.FREE_TEXT,
)


@dataclass(frozen=True)
class Q:
    """A question with its English wording, and its Welsh where there is some."""

    key: str
    type: QuestionType
    text: str
    required: bool = False
    options: tuple[tuple[str, str, str | None], ...] = ()  # (key, label, emoji)
    faces: tuple[str, ...] = ()
    low: str | None = None
    high: str | None = None
    max_length: int | None = None
    help: str | None = None
    cy: dict[str, Any] | None = None  # {"text", "options": {key: label}, "faces": [...]}


def _version(
    title: str, intro: str, questions: list[Q], cy: tuple[str, str] | None = None
) -> dict[str, Any]:
    structure: list[dict[str, Any]] = []
    english: dict[str, Any] = {}
    welsh: dict[str, Any] = {}
    for q in questions:
        item: dict[str, Any] = {"key": q.key, "type": q.type.value, "required": q.required}
        wording: dict[str, Any] = {"text": q.text}
        if q.options:
            item["options"] = [
                {"key": k, **({"emoji": emoji} if emoji else {})} for k, _, emoji in q.options
            ]
            wording["options"] = {k: label for k, label, _ in q.options}
        if q.max_length is not None:
            item["maxLength"] = q.max_length
        for name in ("help", "low", "high"):
            if getattr(q, name) is not None:
                wording[name] = getattr(q, name)
        if q.faces:
            wording["faces"] = list(q.faces)
        structure.append(item)
        english[q.key] = wording
        if q.cy is not None:
            welsh[q.key] = q.cy
    translations: dict[str, Any] = {"en": {"title": title, "intro": intro, "questions": english}}
    if cy is not None:
        translations["cy"] = {"title": cy[0], "intro": cy[1], "questions": welsh}
    return {"questions": structure, "translations": translations}


FEELINGS = ("Very sad", "Sad", "Okay", "Happy", "Very happy")
FEELINGS_CY = ["Trist iawn", "Trist", "Go lew", "Hapus", "Hapus iawn"]
YES_SOMETIMES_NO = (("yes", "Yes", "👍"), ("sometimes", "Sometimes", "🤔"), ("no", "No", "👎"))
YES_PARTLY_NO = (("yes", "Yes", None), ("partly", "Partly", None), ("no", "No", None))
HOW_OFTEN = (
    ("always", "Always", None),
    ("mostly", "Mostly", None),
    ("sometimes", "Sometimes", None),
    ("never", "Never", None),
)


def _signs_of_safety(max_length: int, *, adult: bool) -> list[Q]:
    """The three Signs of Safety columns, asked of the person themselves."""
    return [
        Q(
            "working_well",
            T,
            "What is working well for your family now?" if adult else "What is going well for you?",
            max_length=max_length,
        ),
        Q(
            "worries",
            T,
            "What still worries you?" if adult else "What worries you?",
            max_length=max_length,
        ),
        Q("make_better", T, "What would make things better?", max_length=max_length),
    ]


def _difference(text: str) -> Q:
    return Q(
        "help_difference",
        S,
        text,
        required=True,
        low="0: no difference at all",
        high="10: a big difference",
    )


ANNUAL_UNDER_8 = _version(
    "What do you think about the help you get?",
    "There are no right or wrong answers. You can skip any question.",
    [
        Q(
            "feel_about_help",
            E,
            "How do you feel about the help your family gets?",
            required=True,
            faces=FEELINGS,
            cy={
                "text": "Sut wyt ti'n teimlo am yr help mae dy deulu yn ei gael?",
                "faces": FEELINGS_CY,
            },
        ),
        Q(
            "feel_safe",
            E,
            "How safe do you feel at home?",
            required=True,
            faces=("Not safe", "A bit unsafe", "Okay", "Safe", "Very safe"),
            cy={
                "text": "Pa mor ddiogel wyt ti'n teimlo gartref?",
                "faces": [
                    "Ddim yn ddiogel",
                    "Ddim yn ddiogel iawn",
                    "Go lew",
                    "Diogel",
                    "Diogel iawn",
                ],
            },
        ),
        Q(
            "worker_listens",
            ONE,
            "Does your worker listen to you?",
            options=YES_SOMETIMES_NO,
            cy={
                "text": "Ydy dy weithiwr yn gwrando arnat ti?",
                "options": {"yes": "Ydy", "sometimes": "Weithiau", "no": "Nac ydy"},
            },
        ),
        Q(
            "working_well",
            T,
            "Draw or tell us: what is good at home?",
            max_length=500,
            cy={"text": "Tynna lun neu dwed wrthon ni: beth sy'n dda gartref?"},
        ),
        Q(
            "worries",
            T,
            "Draw or tell us: what makes you sad or scared?",
            max_length=500,
            cy={"text": "Tynna lun neu dwed wrthon ni: beth sy'n dy wneud yn drist neu'n ofnus?"},
        ),
        Q(
            "make_better",
            T,
            "If you had a magic wand, what would you change?",
            max_length=500,
            cy={"text": "Petai gen ti hudlath, beth fyddet ti'n ei newid?"},
        ),
    ],
    cy=(
        "Beth wyt ti'n ei feddwl am yr help rwyt ti'n ei gael?",
        "Does dim atebion cywir nac anghywir. Gelli di adael unrhyw gwestiwn allan.",
    ),
)

ANNUAL_8_TO_12 = _version(
    "What difference has our help made?",
    "We want to know what is going well and what we could do better. You can skip any question.",
    [
        _difference("How much better has our help made things for you?"),
        Q(
            "feel_safe",
            E,
            "How safe do you feel where you live?",
            required=True,
            faces=("Not safe", "A bit unsafe", "Okay", "Safe", "Very safe"),
        ),
        Q(
            "worker_listens",
            ONE,
            "Does your worker listen to what you say?",
            options=YES_SOMETIMES_NO,
        ),
        Q(
            "who_helps",
            MANY,
            "Who helps you most? Pick as many as you like.",
            options=(
                ("worker", "My worker", "🧑‍💼"),
                ("family", "My family", "👪"),
                ("carer", "My carer", "🏠"),
                ("school", "School", "🏫"),
                ("friends", "Friends", "🤝"),
                ("someone_else", "Someone else", "⭐"),
            ),
        ),
        *_signs_of_safety(1000, adult=False),
    ],
)

ANNUAL_13_AND_OVER = _version(
    "What difference has our help made?",
    "Your answers help us get better. You can skip any question.",
    [
        _difference("How much difference has our help made to your life?"),
        Q(
            "feel_safe",
            S,
            "How safe do you feel where you live?",
            low="0: not safe at all",
            high="10: completely safe",
        ),
        Q(
            "listened_to",
            ONE,
            "Do you feel listened to when decisions are made about you?",
            options=HOW_OFTEN,
        ),
        Q("plan_known", ONE, "Do you know what your plan is and why?", options=YES_PARTLY_NO),
        *_signs_of_safety(2000, adult=False),
    ],
)

ANNUAL_PARENT_CARER = _version(
    "What difference has our help made to your family?",
    "Please tell us honestly what has helped and what has not. "
    "Your answers will not change the help your family gets. You can skip any question.",
    [
        _difference("How much difference has our help made to your family?"),
        Q(
            "understood_why",
            ONE,
            "Did we explain clearly why we were working with your family?",
            options=YES_PARTLY_NO,
        ),
        Q("respected", ONE, "Did we treat you with respect?", options=HOW_OFTEN),
        Q(
            "views_in_plan",
            ONE,
            "Were your views part of your family's plan?",
            options=YES_PARTLY_NO,
        ),
        Q(
            "what_helped",
            MANY,
            "What helped most? Choose all that apply.",
            options=(
                ("worker_visits", "Visits from our worker", None),
                ("family_meetings", "Family meetings", None),
                ("practical_help", "Practical help", None),
                ("other_services", "Being put in touch with other services", None),
                ("clear_plan", "A clear plan", None),
                ("something_else", "Something else", None),
            ),
        ),
        *_signs_of_safety(2000, adult=True),
    ],
)

ANNUAL_CARE_LEAVER = _version(
    "What difference has our support made?",
    "Tell us how leaving care is going and how we can support you better. "
    "You can skip any question.",
    [
        _difference("How much has our support helped you since leaving care?"),
        Q(
            "going_well",
            MANY,
            "Which parts of your life are going well? Choose all that apply.",
            options=(
                ("home", "Where I live", None),
                ("money", "Money", None),
                ("education_work", "Education, training or work", None),
                ("health", "Health and wellbeing", None),
                ("relationships", "Family, friends and relationships", None),
            ),
        ),
        Q(
            "adviser_contact",
            ONE,
            "Do you see your personal adviser as often as you need?",
            options=(("yes", "Yes", None), ("sometimes", "Sometimes", None), ("no", "No", None)),
        ),
        Q(
            "know_entitlements",
            ONE,
            "Do you know what support you are entitled to?",
            options=YES_PARTLY_NO,
        ),
        *_signs_of_safety(2000, adult=False),
    ],
)

_AFTER_AUDIT_CHILD = [
    Q(
        "listened_to",
        E,
        "When we talked about your plan, did we listen to you?",
        required=True,
        faces=("Not at all", "A little", "Some", "Mostly", "Yes, fully"),
    ),
    Q("anything_else", T, "Is there anything else you want us to know?", max_length=500),
]

AFTER_AUDIT_UNDER_8 = _version(
    "Did we listen to you?",
    "Just two quick questions.",
    [
        Q(
            "listened_to",
            E,
            "Did we listen to you?",
            required=True,
            faces=("Not at all", "A little", "Some", "Mostly", "Yes"),
        ),
        Q("anything_else", T, "Draw or tell us anything else.", max_length=300),
    ],
)
AFTER_AUDIT_CHILD = _version(
    "Thank you for talking with us",
    "Two quick questions about the talk we had.",
    _AFTER_AUDIT_CHILD,
)
AFTER_AUDIT_PARENT_CARER = _version(
    "Thank you for talking with us",
    "Three quick questions about our conversation about your family's case.",
    [
        Q(
            "conversation_useful",
            S,
            "How useful was talking with us about the help your family gets?",
            required=True,
            low="0: not useful",
            high="10: very useful",
        ),
        Q("views_heard", ONE, "Did you feel your views were heard?", options=YES_PARTLY_NO),
        Q("anything_else", T, "Is there anything else you want us to know?", max_length=1000),
    ],
)

_STAFF_SCALE = ("0: not at all", "10: completely")

STAFF_HEALTH_CHECK = _version(
    "Annual Health Check",
    "How is it to work here? We report answers for groups of staff, never by name.",
    [
        Q(
            "workload",
            S,
            "How manageable is your workload?",
            required=True,
            low=_STAFF_SCALE[0],
            high=_STAFF_SCALE[1],
        ),
        Q(
            "supervision_quality",
            S,
            "How good is your supervision: reflective, focused on children, and helpful?",
            required=True,
            low="0: not good",
            high="10: excellent",
        ),
        Q(
            "supervision_frequency",
            ONE,
            "Does your supervision happen as often as agreed?",
            options=(
                ("always", "Always", None),
                ("mostly", "Mostly", None),
                ("often_missed", "It is often missed or moved", None),
            ),
        ),
        Q(
            "management_support",
            S,
            "How well do your managers support you?",
            required=True,
            low="0: not at all",
            high="10: very well",
        ),
        Q(
            "learning_development",
            S,
            "How well are you supported to learn and develop?",
            required=True,
            low="0: not at all",
            high="10: very well",
        ),
        Q(
            "wellbeing",
            E,
            "How do you feel about your wellbeing at work?",
            required=True,
            faces=("Very poor", "Poor", "Okay", "Good", "Very good"),
        ),
        Q(
            "recommend",
            ONE,
            "Would you recommend working here to a friend?",
            required=True,
            options=(("yes", "Yes", None), ("not_sure", "Not sure", None), ("no", "No", None)),
        ),
        Q("working_well", T, "What is working well for you here?", max_length=2000),
        Q("worries", T, "What worries you about your work?", max_length=2000),
        Q("make_better", T, "What one thing would make the biggest difference?", max_length=2000),
    ],
)

# key: (name, purpose, {audience: definition})
DEFAULT_SURVEYS: dict[str, tuple[str, str, dict[Audience, dict[str, Any]]]] = {
    "annual_children_and_families": (
        "Annual survey of children and families",
        "Once a year, children, young people, parents, carers and care leavers tell us what "
        "difference our help has made: what is working well, what worries them and what would "
        "make things better.",
        {
            Audience.CHILD_UNDER_8: ANNUAL_UNDER_8,
            Audience.CHILD_8_TO_12: ANNUAL_8_TO_12,
            Audience.CHILD_13_AND_OVER: ANNUAL_13_AND_OVER,
            Audience.PARENT_CARER: ANNUAL_PARENT_CARER,
            Audience.CARE_LEAVER: ANNUAL_CARE_LEAVER,
        },
    ),
    "post_audit_feedback": (
        "Feedback after a collaborative audit",
        "After a collaborative case file audit, the child and their family say whether they "
        "were listened to; their views become part of the audit's record.",
        {
            Audience.CHILD_UNDER_8: AFTER_AUDIT_UNDER_8,
            Audience.CHILD_8_TO_12: AFTER_AUDIT_CHILD,
            Audience.CHILD_13_AND_OVER: AFTER_AUDIT_CHILD,
            Audience.PARENT_CARER: AFTER_AUDIT_PARENT_CARER,
        },
    ),
    "staff_annual_health_check": (
        "Staff Annual Health Check",
        "Once a year, staff say how it is to work here: workload, supervision, management "
        "support, learning and development, and wellbeing.",
        {Audience.STAFF: STAFF_HEALTH_CHECK},
    ),
}


async def ensure_defaults(*, session: AsyncSession, clock: Clock) -> int:
    """Version 1 of each default survey for each of its audiences, where that survey has no
    version for that audience yet. Idempotent; run by `qaf migrate`. Returns how many versions
    it added."""
    rows = await session.execute(select(Survey.key, SurveyVersion.audience).join(Survey))
    have = {(key, audience) for key, audience in rows}
    added = 0
    for key, (name, purpose, versions) in DEFAULT_SURVEYS.items():
        for audience, definition in versions.items():
            if (key, audience) in have:
                continue
            await publish_version(
                session=session,
                actor=SYSTEM,
                clock=clock,
                survey_key=key,
                audience=audience,
                questions=definition["questions"],
                translations=definition["translations"],
                name=name,
                purpose=purpose,
                change_note="The service's default survey.",
            )
            added += 1
    return added
