"""Audit templates: their shape, the default template of each kind, and checking answers
against the version an audit was started with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.audits.kinds import AuditKind, Grade
from domain.core.errors import InvalidInput

KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
MAX_TEXT = 20_000


class QuestionType(StrEnum):
    GRADE = "GRADE"
    YES_NO_NA = "YES_NO_NA"
    SCALE_0_10 = "SCALE_0_10"
    FREE_TEXT = "FREE_TEXT"


YES_NO_NA = ("YES", "NO", "NOT_APPLICABLE")


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    type: QuestionType
    required: bool = False
    help: str | None = None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    graded: bool
    questions: tuple[Question, ...]


def parse_sections(raw: Any) -> list[Section]:
    """Sections from their stored (or submitted) form, refusing anything malformed."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("A template has at least one section.", field="sections")
    sections: list[Section] = []
    section_keys: set[str] = set()
    question_keys: set[str] = set()
    for i, item in enumerate(raw):
        where = f"sections[{i}]"
        if not isinstance(item, dict):
            raise InvalidInput("A section is an object.", field=where)
        key, title = item.get("key"), item.get("title")
        if not isinstance(key, str) or not KEY.match(key) or key in section_keys:
            raise InvalidInput(
                "Section keys are unique lower_snake_case words.", field=f"{where}.key"
            )
        if not isinstance(title, str) or not title.strip():
            raise InvalidInput("A section needs a title.", field=f"{where}.title")
        section_keys.add(key)
        questions: list[Question] = []
        for j, q in enumerate(item.get("questions") or []):
            qwhere = f"{where}.questions[{j}]"
            if not isinstance(q, dict):
                raise InvalidInput("A question is an object.", field=qwhere)
            qkey, text, qtype = q.get("key"), q.get("text"), q.get("type")
            if not isinstance(qkey, str) or not KEY.match(qkey) or qkey in question_keys:
                raise InvalidInput(
                    "Question keys are unique lower_snake_case words.", field=f"{qwhere}.key"
                )
            if not isinstance(text, str) or not text.strip():
                raise InvalidInput("A question needs its text.", field=f"{qwhere}.text")
            try:
                parsed_type = QuestionType(str(qtype))
            except ValueError as exc:
                raise InvalidInput("Unknown question type.", field=f"{qwhere}.type") from exc
            question_keys.add(qkey)
            questions.append(
                Question(qkey, text.strip(), parsed_type, bool(q.get("required")), q.get("help"))
            )
        sections.append(Section(key, title.strip(), bool(item.get("graded")), tuple(questions)))
    return sections


def dump_sections(sections: list[Section]) -> list[dict[str, Any]]:
    return [
        {
            "key": s.key,
            "title": s.title,
            "graded": s.graded,
            "questions": [
                {
                    "key": q.key,
                    "text": q.text,
                    "type": q.type.value,
                    "required": q.required,
                    "help": q.help,
                }
                for q in s.questions
            ],
        }
        for s in sections
    ]


def check_answers(
    sections: list[Section], answers: dict[str, Any], *, complete: bool
) -> dict[str, Any]:
    """Answers cleaned and checked by type and range; with `complete`, required ones too.

    Raises InvalidInput naming the question (`answers.<key>`) at fault.
    """
    questions = {q.key: q for s in sections for q in s.questions}
    clean: dict[str, Any] = {}
    for key, value in answers.items():
        question = questions.get(key)
        field = f"answers.{key}"
        if question is None:
            raise InvalidInput("This template has no such question.", field=field)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        match question.type:
            case QuestionType.GRADE:
                if not isinstance(value, str) or value not in {g.value for g in Grade}:
                    raise InvalidInput("A grade is one of the four on the scale.", field=field)
            case QuestionType.YES_NO_NA:
                if value not in YES_NO_NA:
                    raise InvalidInput("Answer YES, NO or NOT_APPLICABLE.", field=field)
            case QuestionType.SCALE_0_10:
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                    raise InvalidInput(
                        "A scaling answer is a whole number from 0 to 10.", field=field
                    )
            case QuestionType.FREE_TEXT:
                if not isinstance(value, str):
                    raise InvalidInput("This answer is text.", field=field)
                if len(value) > MAX_TEXT:
                    raise InvalidInput(f"At most {MAX_TEXT} characters.", field=field)
                value = value.strip()
        clean[key] = value
    if complete:
        for question in questions.values():
            if question.required and question.key not in clean:
                raise InvalidInput(
                    "This question must be answered.", field=f"answers.{question.key}"
                )
    return clean


# --- the default templates -------------------------------------------------------------------


def _q(key: str, text: str, qtype: QuestionType, required: bool = False) -> dict[str, Any]:
    return {"key": key, "text": text, "type": qtype.value, "required": required}


T, G, YN, SC = (
    QuestionType.FREE_TEXT,
    QuestionType.GRADE,
    QuestionType.YES_NO_NA,
    QuestionType.SCALE_0_10,
)

# The four graded sections every full audit has (DOMAIN.md, Grades), keyed the same in every
# template and version so that reports line up by section.
RECORDING = {
    "key": "recording",
    "title": "Quality of recording",
    "graded": True,
    "questions": [
        _q(
            "recording_up_to_date",
            "Is the record up to date, including chronology and case summary?",
            YN,
            True,
        ),
        _q(
            "recording_child_centred",
            "Is the recording child centred, written to the child where appropriate?",
            YN,
            True,
        ),
        _q("recording_comments", "What does the recording tell us about the child's journey?", T),
    ],
}
PRACTICE = {
    "key": "practice",
    "title": "Quality of practice",
    "graded": True,
    "questions": [
        _q(
            "assessment_current",
            "Is there a current assessment that analyses risk and strengths?",
            YN,
            True,
        ),
        _q(
            "plan_smart",
            "Is the plan specific, measurable and progressing in the child's timescales?",
            YN,
            True,
        ),
        _q(
            "visits_in_timescale",
            "Has the child been seen, and seen alone, within timescales?",
            YN,
            True,
        ),
        _q("practice_comments", "What difference is the practice making for the child?", T),
    ],
}
OVERSIGHT = {
    "key": "management_oversight",
    "title": "Management oversight and support",
    "graded": True,
    "questions": [
        _q(
            "supervision_regular",
            "Is there regular, reflective supervision recorded on the file?",
            YN,
            True,
        ),
        _q(
            "decisions_recorded", "Are management decisions and their rationale recorded?", YN, True
        ),
        _q("oversight_comments", "How well is the worker supported and the plan overseen?", T),
    ],
}
EXPERIENCE = {
    "key": "child_experience",
    "title": "The child's experiences and outcomes",
    "graded": True,
    "questions": [
        _q(
            "safer_scale",
            "On a scale of 0 to 10, how safe is the child now compared with before?",
            SC,
            True,
        ),
        _q(
            "outcomes_comments",
            "What has changed for the child, and are they happy, enjoying life and developing?",
            T,
            True,
        ),
    ],
}
SIGNS_OF_SAFETY = {
    "key": "signs_of_safety",
    "title": "Signs of Safety",
    "graded": False,
    "questions": [
        _q("working_well", "What is working well?", T, True),
        _q("worried_about", "What are we worried about?", T, True),
        _q("needs_to_happen", "What needs to happen?", T, True),
        _q("danger_statement", "Danger statement, where used", T),
        _q("safety_goal", "Safety goal, where used", T),
    ],
}
CHILDS_VOICE = {
    "key": "childs_voice",
    "title": "The child's voice",
    "graded": False,
    "questions": [
        _q("child_voice_heard", "Is the child's voice heard and does it shape the plan?", YN, True),
        _q("child_voice", "What has the child said about their life and the help they get?", T),
    ],
}
FULL = [RECORDING, PRACTICE, OVERSIGHT, EXPERIENCE, SIGNS_OF_SAFETY, CHILDS_VOICE]

SUPERVISION_SECTIONS = [
    {
        "key": "supervision_quality",
        "title": "Quality of supervision",
        "graded": True,
        "questions": [
            _q(
                "supervision_frequency",
                "Is supervision happening at the agreed frequency?",
                YN,
                True,
            ),
            _q(
                "supervision_reflective",
                "Is it reflective, child focused and strengths based?",
                YN,
                True,
            ),
            _q("supervision_comments", "What does supervision add to the work with children?", T),
        ],
    },
    {
        "key": "management_oversight",
        "title": "Management oversight and support",
        "graded": True,
        "questions": [
            _q("actions_followed_up", "Are actions from supervision followed up?", YN, True),
            _q(
                "wellbeing_support",
                "Is the worker's (or IRO's/CP Chair's) wellbeing supported?",
                YN,
            ),
            _q(
                "oversight_comments",
                "Comments on oversight, case discussions or panel decisions",
                T,
            ),
        ],
    },
    SIGNS_OF_SAFETY,
]

DIP_SAMPLE_SECTIONS = [
    {
        "key": "plan_progress",
        "title": "Is the plan appropriate and progressing?",
        "graded": True,
        "questions": [
            _q("plan_appropriate", "Is the plan appropriate to the child's needs?", YN, True),
            _q("plan_progressing", "Is the plan progressing in the child's timescales?", YN, True),
            _q(
                "step_down_considered",
                "For a plan at nine months: has stepping down been considered?",
                YN,
            ),
            _q("dip_comments", "What needs to happen next?", T),
        ],
    },
    CHILDS_VOICE,
]

FINDINGS_SECTIONS = [
    {
        "key": "findings",
        "title": "Findings",
        "graded": True,
        "questions": [
            _q("strengths", "Strengths found", T, True),
            _q("areas_for_development", "Areas for development", T, True),
            _q("recommendations", "Recommendations", T),
        ],
    },
    EXPERIENCE,
]

DEFAULT_TEMPLATES: dict[AuditKind, tuple[str, list[dict[str, Any]]]] = {
    AuditKind.CASE_FILE: ("Collaborative case file audit", FULL),
    AuditKind.THEMATIC: ("Thematic audit", FULL),
    AuditKind.BENCHMARKING: ("Benchmarking audit", FULL),
    AuditKind.PEER: ("Peer audit", FULL),
    AuditKind.DESK_TOP: ("Desk-top audit", FULL),
    AuditKind.SUPERVISION: ("Supervision audit", SUPERVISION_SECTIONS),
    AuditKind.DIP_SAMPLE: ("Dip sample", DIP_SAMPLE_SECTIONS),
    AuditKind.MULTI_AGENCY: ("Multi-agency audit", FINDINGS_SECTIONS),
    AuditKind.EXTERNAL: ("External review", FINDINGS_SECTIONS),
}


def graded_sections(sections: list[Section]) -> list[Section]:
    return [s for s in sections if s.graded]
