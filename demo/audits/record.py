"""What an auditor records in a demo audit: section grades, answers, voices and rationale,
decided from a seeded random generator alone (no database), so each run records the same."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import Any

from demo.audits.answers import ANSWER_TEXT, OVERALL_RATIONALE, SECTION_RATIONALE, STRONG, WEAK
from demo.audits.texts import (
    CARER_VOICES,
    CHILD_VOICES_BABY,
    CHILD_VOICES_OLDER,
    CHILD_VOICES_YOUNG,
    FAMILY_VOICES,
    LABELS,
    PARENT_VOICES,
    SUPERVISION_TEXT,
)
from demo.audits.year import GRADES_BY_RANK, age_on
from domain.audits.kinds import AuditKind, Grade
from domain.audits.service import AuditRecord, SectionGradeInput, Voice
from domain.audits.templates import Question, QuestionType, Section
from domain.children.models import Child


def random_grade(rng: random.Random) -> Grade:
    return rng.choices(
        (Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT), weights=(12, 52, 36)
    )[0]


def _section_grades(
    rng: random.Random, sections: Sequence[Section], grade: Grade
) -> dict[str, Grade]:
    """Each graded section near the overall grade; at least one Inadequate when it is."""
    section_grades: dict[str, Grade] = {}
    for section in sections:
        if not section.graded:
            continue
        if grade is Grade.INADEQUATE:
            rank = rng.choice((4, 4, 3))
        else:
            rank = min(3, max(1, grade.rank + rng.choice((-1, 0, 0, 0, 1))))
        section_grades[section.key] = GRADES_BY_RANK[rank]
    if grade is Grade.INADEQUATE and Grade.INADEQUATE not in section_grades.values():
        section_grades[next(iter(section_grades))] = Grade.INADEQUATE
    return section_grades


def _words_for(child: Child | None, today: date) -> tuple[str, str]:
    """How the text names the child: "the child", "the young person" or "the unborn baby"."""
    if child is None:
        return ("the child", "The child")
    if child.date_of_birth > today:
        return ("the unborn baby", "The unborn baby")
    if age_on(child.date_of_birth, today) >= 13:
        return ("the young person", "The young person")
    return ("the child", "The child")


def _answer(
    rng: random.Random,
    question: Question,
    rank: int,
    band: str,
    texts: dict[str, dict[str, tuple[str, ...]]],
    words: tuple[str, str],
) -> Any:
    """One question's answer for a section graded `rank`; None leaves it unanswered."""
    match question.type:
        case QuestionType.YES_NO_NA:
            if not question.required and rng.random() < 0.2:
                return "NOT_APPLICABLE"
            yes = {1: 0.97, 2: 0.9, 3: 0.6, 4: 0.25}[rank]
            return "YES" if rng.random() < yes else "NO"
        case QuestionType.SCALE_0_10:
            low, high = {1: (8, 10), 2: (6, 9), 3: (4, 7), 4: (1, 4)}[rank]
            return rng.randint(low, high)
        case QuestionType.GRADE:
            return GRADES_BY_RANK[rank].value
        case QuestionType.FREE_TEXT:
            bank = texts.get(question.key) or ANSWER_TEXT.get(question.key)
            optional = 0.5 if question.key in ("danger_statement", "safety_goal") else 0.8
            if bank and (question.required or rng.random() < optional):
                return rng.choice(bank[band]).format(child=words[0], Child=words[1])
            if question.required:  # a question added to the template locally
                return "Discussed with the practitioner; see the file."
    return None


def record(
    rng: random.Random,
    sections: Sequence[Section],
    kind: AuditKind,
    grade: Grade,
    child: Child | None,
    today: date,
    *,
    collaborative: bool,
    findings: str | None,
    answers: dict[str, Any],
) -> AuditRecord:
    section_grades = _section_grades(rng, sections, grade)
    words = _words_for(child, today)
    texts = SUPERVISION_TEXT if kind is AuditKind.SUPERVISION else {}
    values: dict[str, Any] = {}
    for section in sections:
        rank = section_grades.get(section.key, grade).rank
        band = STRONG if rank <= 2 else WEAK
        for q in section.questions:
            if q.key in answers:
                values[q.key] = answers[q.key]
                continue
            value = _answer(rng, q, rank, band, texts, words)
            if value is not None:
                values[q.key] = value

    voices: list[Voice] = []
    if kind is not AuditKind.DIP_SAMPLE or rng.random() < 0.3:
        voices = _voices(rng, child, today)
    return AuditRecord(
        answers=values,
        section_grades=[
            SectionGradeInput(
                key,
                g,
                rng.choice(
                    SECTION_RATIONALE.get(key, {}).get(g)
                    or (f"{LABELS[g]}: the evidence is recorded in this section.",)
                ),
            )
            for key, g in section_grades.items()
        ],
        overall_grade=grade,
        overall_rationale=rng.choice(OVERALL_RATIONALE[grade]),
        conversation_date=today if collaborative else None,
        voices=voices or None,
        findings=findings,
    )


def _voices(rng: random.Random, child: Child | None, today: date) -> list[Voice]:
    if child is None:
        return []
    voices: list[Voice] = []
    if child.date_of_birth <= today:
        age = age_on(child.date_of_birth, today)
        bank = (
            CHILD_VOICES_BABY if age < 3 else CHILD_VOICES_YOUNG if age < 13 else CHILD_VOICES_OLDER
        )
        voices.append(Voice("CHILD", rng.choice(bank)))
    if not child.care_leaver and (not voices or rng.random() < 0.7):
        voices.append(Voice("PARENT", rng.choice(PARENT_VOICES)))
    if child.looked_after and rng.random() < 0.7:
        voices.append(Voice("CARER", rng.choice(CARER_VOICES)))
    if rng.random() < 0.2:
        voices.append(Voice("OTHER_FAMILY", rng.choice(FAMILY_VOICES)))
    return voices
