"""The one-page exception report for the AED (DOMAIN.md, step 5), generated from the recorded
facts only: the audit and its grades, its moderation, the Head of Service's assurance, the
review of the practitioner's other cases, and each step's deadline. HTML to read in the
browser, PDF to download.

Page 1 of the PDF is one page whatever the facts: the other cases are counted and summarised
there, long text is cut short with a pointer to the annex, and the annex (page 2 on) holds the
full case list and every text that was cut. The PDF embeds Noto Sans, with Noto Sans Arabic for
Arabic script (Urdu too), shaped right to left by HarfBuzz; a character neither font has (an
emoji) is left out, never printed as "?" or an empty box. The same facts give the same bytes:
the PDF's creation date is the moment the facts were gathered (the injected clock).

Before it is sent it can be previewed (marked DRAFT, generated afresh); once sent, the HTML
as sent is kept on the process and the PDF is made from the same facts, so what the AED reads
does not change afterwards. A process ended by a regrade shows the report as WITHDRAWN. Every
value is escaped: the report holds free text people wrote.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import TTFFont
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.kinds import Grade, ModerationOutcome
from domain.audits.models import Audit, AuditSectionGrade, AuditTemplate, Moderation
from domain.children.models import Child
from domain.children.policy import visible_children
from domain.core.clock import Clock
from domain.deadlines.calendar import local_day
from domain.escalation import service as process
from domain.escalation.models import (
    EscalationStage,
    InadequateEscalation,
    OtherCaseOutcome,
    OtherCaseReview,
)
from domain.people.models import Person, Service, Team
from domain.people.roles import Actor

OUTCOME_WORDS = {
    OtherCaseOutcome.NO_CONCERNS: "No concerns",
    OtherCaseOutcome.CONCERNS_ADDRESSED: "Concerns found and addressed",
    OtherCaseOutcome.INADEQUATE: "Inadequate: to be audited",
}
NOT_REVIEWED = "Not yet reviewed"
# The order outcomes are counted in on page 1: the ones that need something first.
OUTCOME_ORDER = (
    OUTCOME_WORDS[OtherCaseOutcome.INADEQUATE],
    NOT_REVIEWED,
    OUTCOME_WORDS[OtherCaseOutcome.CONCERNS_ADDRESSED],
    OUTCOME_WORDS[OtherCaseOutcome.NO_CONCERNS],
)

GRADE_WORDS = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate",
}


class StepOutcome:
    """Whether a step's deadline was met, in the words the report uses."""

    MET = "Met"
    MET_LATE = "Met late"
    OPEN = "Open"
    OVERDUE = "Overdue"
    NOT_YET = "Not yet open"
    NOT_NEEDED = "Not needed"


@dataclass(frozen=True)
class OtherCase:
    case_reference: str
    outcome: str
    note: str


@dataclass(frozen=True)
class SectionGrade:
    title: str
    grade: str  # the auditor's
    moderated: str = ""  # the QA Lead's, where moderation regraded or looked at it


@dataclass(frozen=True)
class StepLine:
    """One step of the process with its deadline and whether it was met."""

    step: str
    owner: str
    due_on: date | None
    done_on: date | None
    outcome: str  # a StepOutcome


@dataclass(frozen=True)
class ReportFacts:
    escalation_id: uuid.UUID
    case_reference: str
    child_age: str
    team: str
    service: str
    practitioner: str
    auditor: str
    audit_completed_on: date
    audit_rationale: str
    moderated_by: str
    moderated_on: date | None
    moderation_reason: str
    head_of_service: str
    told_on: date | None
    assurance: str
    assurance_detail: str
    assured_on: date | None
    review_summary: str
    reviewed_by: str
    reviewed_on: date | None
    other_cases: list[OtherCase] = field(default_factory=list)
    sent_on: date | None = None
    sent_by: str = ""
    overall_grade: str = ""
    moderated_overall_grade: str = ""
    section_grades: list[SectionGrade] = field(default_factory=list)
    steps: list[StepLine] = field(default_factory=list)
    stage: EscalationStage | None = None
    # A process ended by a regrade: the grade moderation gave and the day it ended.
    regraded_to: str = ""
    regraded_on: date | None = None
    ended_reason: str = ""
    # When the facts were read: the PDF's creation date, and "as at" for each deadline.
    generated_at: datetime = datetime(2000, 1, 1, tzinfo=UTC)

    @property
    def withdrawn(self) -> bool:
        return self.stage is EscalationStage.REGRADED


def _day(moment: datetime | None) -> date | None:
    return local_day(moment) if moment is not None else None


def _age(born: date, on: date) -> str:
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return f"{years} year{'s' if years != 1 else ''}"


_STEP_WORDS = {
    "MODERATION": "Moderated by the QA Lead",
    "TELL_HEAD_OF_SERVICE": "Head of Service told",
    "ASSURANCE": "Head of Service's assurance",
    "OTHER_CASES_REVIEW": "Review of the other cases",
    "EXCEPTION_REPORT": "Exception report to the AED",
    "SUPERVISION_REVIEW": "Review in supervision",
    "DESK_TOP_AUDIT": "Desk-top audit by the QA Lead",
}


def _grade(grade: Grade | str | None) -> str:
    if grade is None or grade == "":
        return ""
    try:
        return GRADE_WORDS[Grade(grade)]
    except ValueError:
        return str(grade)


async def gather(
    *,
    session: AsyncSession,
    escalation: InadequateEscalation,
    clock: Clock,
    reader: Actor | None = None,
) -> ReportFacts:
    """The facts of the report, read in a fixed number of statements. For a `reader`, only
    the cases whose child they may see are named (domain/children/policy.py); without one,
    the whole report as it is sent to the AED."""
    now = clock.now()
    audit = await session.get_one(Audit, escalation.audit_id)
    child = None
    if escalation.child_id is not None:
        child_rule = [visible_children(reader)] if reader is not None else []
        child = await session.scalar(
            select(Child).where(Child.id == escalation.child_id, *child_rule)
        )
    team = await session.get(Team, escalation.team_id) if escalation.team_id else None
    service = await session.get(Service, escalation.service_id) if escalation.service_id else None
    moderation = (
        await session.get(Moderation, escalation.moderation_id)
        if escalation.moderation_id
        else None
    )
    template = await session.get(AuditTemplate, audit.template_id)
    graded = list(
        await session.scalars(
            select(AuditSectionGrade)
            .where(AuditSectionGrade.audit_id == audit.id)
            .order_by(AuditSectionGrade.section_key)
        )
    )
    owed = (await process.obligations_of(session, [escalation]))[escalation.id]
    reviews = (await process.supervision_reviews_of(session, [escalation.id]))[escalation.id]
    timeline = process.steps(escalation, owed, now, reviews)
    people_ids = {
        escalation.practitioner_id,
        audit.auditor_id,
        escalation.head_of_service_id,
        escalation.reviewed_by_id,
        escalation.report_sent_by_id,
        moderation.moderator_id if moderation else None,
        *(s.owner_id for s in timeline),
    } - {None}
    names = {
        p.id: p.display_name
        for p in await session.scalars(select(Person).where(Person.id.in_(people_ids)))
    }

    def name(person_id: uuid.UUID | None) -> str:
        return names.get(person_id, "") if person_id else ""

    seen = (
        [OtherCaseReview.child_id.in_(select(Child.id).where(visible_children(reader)))]
        if reader is not None
        else []
    )
    items = await session.scalars(
        select(OtherCaseReview)
        .where(OtherCaseReview.escalation_id == escalation.id, *seen)
        .order_by(OtherCaseReview.case_reference)
    )
    today = local_day(now)

    # Section titles in the template's order; a section the template no longer names keeps
    # its key.
    sections = (template.sections if template else None) or []
    order = {s.get("key"): i for i, s in enumerate(sections)}
    titles = {s.get("key"): str(s.get("title") or "") for s in sections}
    graded.sort(key=lambda g: (order.get(g.section_key, len(order)), g.section_key))

    # A regrade: the grade moderation gave (or, for an amendment before moderation, the
    # audit's own grade now), and the day the process ended.
    regraded_to = ""
    if escalation.stage is EscalationStage.REGRADED:
        # The grade kept on the process where it is (`regraded_grade`, issue 12's process
        # work); else the regrading moderation's, or the audit's own after an amendment.
        kept = getattr(escalation, "regraded_grade", None)
        regraded_to = _grade(
            kept
            or (
                moderation.moderated_overall_grade
                if moderation and moderation.outcome is ModerationOutcome.REGRADED
                else audit.moderated_overall_grade or audit.overall_grade
            )
        )

    return ReportFacts(
        escalation_id=escalation.id,
        case_reference=(
            child.case_reference
            if child
            else "(a case you may not see)"
            if escalation.child_id
            else "(no case)"
        ),
        child_age=_age(child.date_of_birth, today) if child else "",
        team=team.name if team else "",
        service=service.name if service else "",
        practitioner=name(escalation.practitioner_id),
        auditor=name(audit.auditor_id),
        audit_completed_on=local_day(escalation.audit_completed_at),
        audit_rationale=audit.overall_rationale or "",
        moderated_by=name(moderation.moderator_id) if moderation else "",
        moderated_on=_day(escalation.moderated_at),
        moderation_reason=moderation.reason if moderation else "",
        head_of_service=name(escalation.head_of_service_id),
        told_on=_day(escalation.hos_told_at),
        assurance=(
            "The child is not at risk from the inadequate practice."
            if escalation.assurance_outcome and escalation.assurance_outcome.value == "NOT_AT_RISK"
            else "Actions were taken to keep the child safe."
            if escalation.assurance_outcome
            else "Not yet recorded."
        ),
        assurance_detail=escalation.assurance_detail or "",
        assured_on=_day(escalation.assured_at),
        review_summary=escalation.review_summary or "Not yet completed.",
        reviewed_by=name(escalation.reviewed_by_id),
        reviewed_on=_day(escalation.reviewed_at),
        other_cases=[
            OtherCase(
                case_reference=i.case_reference,
                outcome=OUTCOME_WORDS[i.outcome] if i.outcome else NOT_REVIEWED,
                note=i.note or "",
            )
            for i in items
        ],
        sent_on=_day(escalation.report_sent_at),
        sent_by=name(escalation.report_sent_by_id),
        overall_grade=_grade(audit.overall_grade),
        moderated_overall_grade=_grade(
            moderation.moderated_overall_grade if moderation else audit.moderated_overall_grade
        ),
        section_grades=[
            SectionGrade(
                title=titles.get(g.section_key) or g.section_key,
                grade=_grade(g.grade),
                moderated=_grade(g.moderated_grade),
            )
            for g in graded
        ],
        steps=[_step_line(s, name(s.owner_id)) for s in timeline],
        stage=escalation.stage,
        regraded_to=regraded_to,
        regraded_on=_day(escalation.ended_at) if regraded_to else None,
        ended_reason=escalation.ended_reason or "",
        generated_at=now,
    )


def _step_line(step: process.Step, owner: str) -> StepLine:
    """A step of `domain.escalation.service.steps` in the report's words: met (on or before
    its due moment), met late, open, overdue, not yet open, or not needed."""
    StepStatus = process.StepStatus
    label = _STEP_WORDS.get(step.kind.value, step.kind.value.replace("_", " ").capitalize())
    if step.number is not None:
        label = f"{label} {step.number} of 3"
    if step.status is StepStatus.DONE:
        late = step.due_at is not None and step.done_at is not None and step.done_at > step.due_at
        outcome = StepOutcome.MET_LATE if late else StepOutcome.MET
    else:
        outcome = {
            StepStatus.DUE: StepOutcome.OPEN,
            StepStatus.OVERDUE: StepOutcome.OVERDUE,
            StepStatus.NOT_YET: StepOutcome.NOT_YET,
            StepStatus.NOT_NEEDED: StepOutcome.NOT_NEEDED,
        }[step.status]
    return StepLine(
        step=label,
        owner=owner,
        due_on=_day(step.due_at),
        done_on=_day(step.done_at),
        outcome=outcome,
    )


# --- what the report says, for both renderings ------------------------------------------------


def _long(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "not yet"


def _short(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else ""


def status_line(facts: ReportFacts, *, draft: bool) -> str:
    if facts.withdrawn:
        return (
            f"WITHDRAWN: regraded to {facts.regraded_to or 'another grade'} "
            f"on {_long(facts.regraded_on)}"
        )
    if draft or facts.sent_on is None:
        return "DRAFT: not yet sent"
    return f"Sent to the AED by {facts.sent_by or 'the Head of Service'} on {_long(facts.sent_on)}"


def _rows(facts: ReportFacts) -> list[tuple[str, str]]:
    return [
        ("Case", f"{facts.case_reference} (child aged {facts.child_age})"),
        ("Team and service", f"{facts.team}, {facts.service}"),
        ("Practitioner", facts.practitioner),
        ("Audit completed", f"{_long(facts.audit_completed_on)} by {facts.auditor}"),
        (
            "Moderation",
            (
                f"Regraded to {facts.regraded_to} by {facts.moderated_by or 'the QA Lead'} "
                f"on {_long(facts.moderated_on or facts.regraded_on)}"
                if facts.withdrawn
                else f"Inadequate confirmed by {facts.moderated_by} on {_long(facts.moderated_on)}"
                if facts.moderated_on
                else "Not yet moderated"
            ),
        ),
        (
            "Head of Service told",
            f"{facts.head_of_service} on {_long(facts.told_on)}"
            if facts.told_on
            else "Not needed: the process ended"
            if facts.withdrawn
            else "Not yet",
        ),
        (
            "Assurance",
            f"{facts.assurance} ({_long(facts.assured_on)})"
            if facts.assured_on
            else facts.assurance,
        ),
    ]


def _grade_cell(grade: str, moderated: str) -> str:
    if moderated and moderated != grade:
        return f"{grade}; moderated to {moderated}"
    return grade or "Not graded"


def step_result(step: StepLine) -> str:
    """ "Met on 29 Dec 2026", "Met late on 5 Jan 2027", "Overdue", ..."""
    if step.outcome in (StepOutcome.MET, StepOutcome.MET_LATE) and step.done_on:
        return f"{step.outcome} on {_short(step.done_on)}"
    return step.outcome


def outcome_counts(facts: ReportFacts) -> list[tuple[str, int]]:
    counted = Counter(c.outcome for c in facts.other_cases)
    known = [(o, counted[o]) for o in OUTCOME_ORDER if counted[o]]
    return known + sorted((o, n) for o, n in counted.items() if o not in OUTCOME_ORDER)


_COUNTED = {
    OUTCOME_WORDS[OtherCaseOutcome.INADEQUATE]: "{n} inadequate, to be audited",
    NOT_REVIEWED: "{n} not yet reviewed",
    OUTCOME_WORDS[OtherCaseOutcome.CONCERNS_ADDRESSED]: "{n} with concerns found and addressed",
    OUTCOME_WORDS[OtherCaseOutcome.NO_CONCERNS]: "{n} with no concerns",
}


def cases_summary(facts: ReportFacts) -> str:
    n = len(facts.other_cases)
    if not n and facts.told_on is None:
        # The other cases are listed when the Head of Service is told.
        return (
            "Not reviewed: the process ended before the Head of Service was told."
            if facts.withdrawn
            else "To be listed when the Head of Service is told."
        )
    if not n:
        return "The practitioner holds no other open cases."
    parts = ", ".join(
        _COUNTED.get(o, "{n} " + o.lower()).format(n=k) for o, k in outcome_counts(facts)
    )
    return f"{n} other open case{'s' if n != 1 else ''}: {parts}."


def _refs(facts: ReportFacts, outcome: str) -> list[str]:
    return [c.case_reference for c in facts.other_cases if c.outcome == outcome]


def next_steps(facts: ReportFacts) -> list[str]:
    """What happens next, from the steps still open and the other cases' outcomes."""
    if facts.withdrawn:
        return [
            f"None: the process ended on {_long(facts.regraded_on)} when the audit was "
            f"regraded to {facts.regraded_to or 'another grade'}."
        ]
    if facts.stage is EscalationStage.CLOSED:
        return ["None: the desk-top audit is complete and the process is closed."]
    out: list[str] = []
    for s in facts.steps:
        if s.outcome in (StepOutcome.OPEN, StepOutcome.OVERDUE):
            who = f"{s.owner}, " if s.owner else ""
            late = " (overdue)" if s.outcome == StepOutcome.OVERDUE else ""
            out.append(f"{s.step}: {who}due {_long(s.due_on)}{late}.")
    upcoming = next((s for s in facts.steps if s.outcome == StepOutcome.NOT_YET), None)
    if upcoming is not None:
        out.append(f"Then: {upcoming.step[0].lower()}{upcoming.step[1:]}.")
    inadequate = _refs(facts, OUTCOME_WORDS[OtherCaseOutcome.INADEQUATE])
    if inadequate:
        out.append(
            f"Audit the {len(inadequate)} other case{'s' if len(inadequate) != 1 else ''} "
            f"found inadequate: {', '.join(inadequate)}."
        )
    waiting = _refs(facts, NOT_REVIEWED)
    if waiting:
        out.append(
            f"Review the {len(waiting)} other case{'s' if len(waiting) != 1 else ''} "
            "not yet reviewed."
        )
    return out or ["None outstanding."]


def _narrative(facts: ReportFacts) -> list[tuple[str, str]]:
    items = [
        ("Why the audit was graded Inadequate", facts.audit_rationale),
        ("The QA Lead's moderation", facts.moderation_reason or facts.ended_reason),
        ("How the Head of Service assured themselves", facts.assurance_detail),
        (
            "Review of the practitioner's other cases",
            f"{facts.review_summary} Reviewed by {facts.reviewed_by or 'no one yet'}"
            f"{' on ' + _long(facts.reviewed_on) if facts.reviewed_on else ''}.",
        ),
    ]
    return [(k, v or "Not yet recorded.") for k, v in items]


# --- HTML ------------------------------------------------------------------------------------


def render_html(facts: ReportFacts, *, draft: bool) -> str:
    """The report as a small, self-contained, printable HTML page: the same content as the
    PDF, with the full case list as its annex."""
    e = escape
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _rows(facts))
    grades = "".join(
        f"<tr><th>{e(g.title)}</th><td>{e(_grade_cell(g.grade, g.moderated))}</td></tr>"
        for g in facts.section_grades
    )
    grades += (
        f"<tr><th>Overall</th>"
        f"<td>{e(_grade_cell(facts.overall_grade, facts.moderated_overall_grade))}</td></tr>"
    )
    deadlines = "".join(
        f"<tr><td>{e(s.step)}</td><td>{e(s.owner)}</td><td>{e(_short(s.due_on))}</td>"
        f"<td>{e(step_result(s))}</td></tr>"
        for s in facts.steps
    )
    narrative = "".join(f"<h2>{e(k)}</h2>\n<p>{e(v)}</p>\n" for k, v in _narrative(facts))
    todo = "".join(f"<li>{e(line)}</li>" for line in next_steps(facts))
    cases = (
        "".join(
            f"<tr><td>{e(c.case_reference)}</td><td>{e(c.outcome)}</td><td>{e(c.note)}</td></tr>"
            for c in facts.other_cases
        )
        or f'<tr><td colspan="3">{e(cases_summary(facts))}</td></tr>'
    )
    status = status_line(facts, draft=draft)
    colour = "#00703c" if not draft and not facts.withdrawn else "#d4351c"
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exception report: case {e(facts.case_reference)}</title>
<style>
body {{ font-family: "Noto Sans", Arial, Helvetica, sans-serif; color: #0b0c0c;
  max-width: 48rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; }}
h1 {{ font-size: 1.5rem; margin-bottom: 0.25rem; }}
h2 {{ font-size: 1.15rem; margin-top: 1.25rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: start; vertical-align: top; padding: 0.3rem 0.5rem;
  border-bottom: 1px solid #b1b4b6; }}
th {{ width: 30%; }}
td, p, li {{ unicode-bidi: plaintext; }}
.status {{ font-weight: bold; color: {colour}; }}
.annex {{ break-before: page; }}
</style>
</head>
<body>
<h1>Exception report: Inadequate audit</h1>
<p class="status">{e(status)}</p>
<table>{rows}</table>
<h2>Grades</h2>
<table>{grades}</table>
<h2>Deadlines (as at {e(_long(local_day(facts.generated_at)))})</h2>
<table>
<tr><th>Step</th><th>Owner</th><th>Due</th><th>Deadline</th></tr>
{deadlines}
</table>
{narrative}<h2>Other cases</h2>
<p>{e(cases_summary(facts))}</p>
<h2>Next steps</h2>
<ul>{todo}</ul>
<section class="annex">
<h2>Annex: the practitioner's other cases</h2>
<table>
<tr><th>Case</th><th>Outcome</th><th>Note</th></tr>
{cases}
</table>
</section>
</body>
</html>
"""


# --- PDF -------------------------------------------------------------------------------------

FONTS = Path(__file__).parent / "fonts"
_FAMILY = "NotoSans"
_ARABIC = "NotoSansArabic"
_FONT_FILES = {
    (_FAMILY, ""): "NotoSans-Regular.ttf",
    (_FAMILY, "B"): "NotoSans-Bold.ttf",
    (_ARABIC, ""): "NotoSansArabic-Regular.ttf",
    (_ARABIC, "B"): "NotoSansArabic-Bold.ttf",
}
# Format characters HarfBuzz uses (joiners and direction marks in Arabic-script names).
_FORMAT_KEPT = frozenset("\u200c\u200e\u200f")


@cache
def _covered() -> frozenset[int]:
    """Every character that some font of the report draws in both weights."""
    by_family: dict[str, list[set[int]]] = {}
    for (family, _), file in _FONT_FILES.items():
        cmap = TTFont(FONTS / file, lazy=True).getBestCmap()
        by_family.setdefault(family, []).append(set(cmap))
    return frozenset(set().union(*(set.intersection(*maps) for maps in by_family.values())))


_SPACES = re.compile(r" {2,}")
_DROPPED = "\x00"  # stands for a character left out until the gaps are closed
_GAP = re.compile(r"( ?)\x00+( ?)")
_JOINER = "\x01"
_GLUED = re.compile("\x00*(?:\x01+\x00+)+|\x00+\x01+")
# Variation selectors (text or emoji presentation) and the zero-width joiner of emoji
# sequences: nothing to draw once the emoji are left out.
_EMOJI_GLUE = frozenset("\ufe0e\ufe0f\u200d")


def printable(text: str) -> str:
    """`text` as the PDF can draw it: characters no font has (emoji, their joiners and
    variation selectors, control characters) are left out and the spaces around them closed
    up, so nothing prints as "?" or an empty box."""
    covered = _covered()
    kept: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _EMOJI_GLUE:
            kept.append(_JOINER if ch == "\u200d" else "")
        elif ch in "\n\t" or ch in _FORMAT_KEPT:
            kept.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf"):
            continue  # an invisible control or format character
        elif ord(ch) in covered:
            kept.append(ch)
        else:
            kept.append(_DROPPED)  # a visible character no font has: its spaces close up
    # A zero-width joiner between emoji goes with them; elsewhere (Arabic script) it stays.
    glued = _GLUED.sub(_DROPPED, "".join(kept)).replace(_JOINER, "\u200d")
    joined = _GAP.sub(_close_gap, glued.replace("\t", " "))
    lines = (_SPACES.sub(" ", line).strip() for line in joined.split("\n"))
    return "\n".join(lines).strip()


def _needs_shaping(text: str) -> bool:
    """Arabic script (right to left, joined) or combining marks: HarfBuzz's work."""
    return any(
        unicodedata.bidirectional(ch) in ("R", "AL", "AN") or unicodedata.category(ch) == "Mn"
        for ch in text
    )


def _close_gap(gap: re.Match[str]) -> str:
    """What stands where characters were left out: one space between words ("Ann 🎉 Lee"),
    none before punctuation ("weeks 🚩;") or inside a word."""
    before, after = gap.group(1), gap.group(2)
    if before and after:
        return " "
    if before or after:
        rest = gap.string[gap.end() : gap.end() + 1]
        return "" if not rest or unicodedata.category(rest).startswith("P") else " "
    return ""


MARGIN = 15.0
FOOTER = 12.0  # the bottom band each page's footer is drawn in
LINE = 4.6  # body line height (mm) at 9 pt
_MAX_PER_LINE = 300  # characters: more than the narrowest glyphs fit across a page at 7.5 pt
ANNEX_NOTE = " … (in full in the annex)"


@dataclass(frozen=True)
class _Budget:
    """How much page 1 may hold; tried from the most generous down until page 1 fits."""

    text_lines: int  # each narrative paragraph
    value_lines: int  # each value in the key facts
    sections: int  # section grades listed
    todo: int  # next steps listed


_BUDGETS = (
    _Budget(5, 2, 12, 6),
    _Budget(4, 2, 10, 5),
    _Budget(3, 2, 10, 5),
    _Budget(3, 2, 8, 4),
    _Budget(2, 2, 8, 4),
    _Budget(2, 1, 6, 3),
    _Budget(1, 1, 4, 2),
)


class _Kept(dict[tuple[str, float, int, str, str, float], tuple[str, bool]]):
    """Where each text was cut, kept across trial renderings (which rewind the PDF's state
    to a deep copy: this is shared, not copied)."""

    def __deepcopy__(self, memo: dict[int, object]) -> _Kept:
        return self


class _Report(FPDF):
    def __init__(self, facts: ReportFacts) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.facts = facts
        self.clipped: list[tuple[str, str]] = []  # texts cut short on page 1, for the annex
        self._clips = _Kept()
        for (family, style), file in _FONT_FILES.items():
            self.add_font(family, style, FONTS / file)
        self.set_fallback_fonts([_ARABIC], exact_match=False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + FOOTER)
        self.set_title(printable(f"Exception report: case {facts.case_reference}"))
        self.set_subject("Exception report: Inadequate audit")
        self.set_lang("en-GB")
        self.set_creation_date(facts.generated_at)  # the same facts give the same bytes

    def shape_for(self, text: str) -> None:
        """HarfBuzz shaping (and the bidirectional algorithm) for a text in Arabic script or
        with combining marks; plain widths otherwise, since fpdf2's shaped line breaking is
        slow on long texts (seconds for a page of notes)."""
        needs = _needs_shaping(text)
        if needs and not self.text_shaping:
            # English paragraphs (left to right) in which Arabic script runs right to left.
            self.set_text_shaping(True, direction="ltr")
        elif not needs and self.text_shaping:
            self.set_text_shaping(False)

    def mc(self, w: float, h: float, text: str, **kwargs: Any) -> Any:
        self.shape_for(text)
        kwargs.setdefault("align", "L")
        return self.multi_cell(w, h, text, **kwargs)

    def c(self, w: float, h: float, text: str, **kwargs: Any) -> Any:
        self.shape_for(text)
        return self.cell(w, h, text, **kwargs)

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(_FAMILY, "B" if bold else "", size)

    def lines_of(self, text: str, width: float) -> int:
        lines = self.mc(
            width, LINE, text, dry_run=True, output=MethodReturnValue.LINES, new_x=XPos.LEFT
        )
        return len(lines)

    def clip(self, text: str, width: float, max_lines: int, name: str = "") -> str:
        """`text` cut at a word to fit `max_lines` lines of `width`, ending with a pointer to
        the annex where it is kept in full (under `name`) if it was cut."""
        key = (text, width, max_lines, self.font_family, self.font_style, self.font_size_pt)
        if key not in self._clips:
            self._clips[key] = self._clip(text, width, max_lines, bool(name))
        clipped, cut = self._clips[key]
        if cut and name:
            self.clipped.append((name, printable(text)))
        return clipped

    def _clip(self, text: str, width: float, max_lines: int, named: bool) -> tuple[str, bool]:
        text = printable(text)
        # No line holds more than _MAX_PER_LINE characters: a longer text needs no measuring
        # to know it is cut, and only its start is measured for where to cut it.
        room = max_lines * _MAX_PER_LINE
        if len(text) <= room and self.lines_of(text, width) <= max_lines:
            return text, False
        note = ANNEX_NOTE if named else "…"
        flat = " ".join(text[: room + 1].split())
        cuts = [m.start() for m in re.finditer(r"\s", flat)] or [len(flat)]
        lo, hi = 0, len(cuts) - 1
        best = ""
        while lo <= hi:
            mid = (lo + hi) // 2
            candidate = flat[: cuts[mid]].rstrip(" ,;:.") + note
            if self.lines_of(candidate, width) <= max_lines:
                best, lo = candidate, mid + 1
            else:
                hi = mid - 1
        if best:
            return best, True
        # Not even the first word fits with the pointer: cut by characters.
        lo, hi = 1, len(flat)
        while lo <= hi:
            mid = (lo + hi) // 2
            candidate = flat[:mid] + note
            if self.lines_of(candidate, width) <= max_lines:
                best, lo = candidate, mid + 1
            else:
                hi = mid - 1
        return best or "…", True

    def flow(self, x: float, width: float, text: str, h: float = LINE) -> None:
        """`text` from `x`, wrapped at `width`, breaking pages as it goes (the annex). Plain
        text is wrapped here a word at a time: fpdf2's own line breaking measures each line
        afresh for every character, which takes half a minute for 200 long notes."""
        if _needs_shaping(text):
            self.set_x(x)
            self.mc(width, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            return
        self.shape_for(text)
        for line in self._wrap(text, width - 2 * self.c_margin):
            if self.will_page_break(h):
                self.add_page()
            self.set_x(x)
            self.cell(width, h, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _width(self, text: str) -> float:
        """The width of plain text (no shaping, every character in the current font) from
        the font's advance widths, as fpdf2 draws it."""
        font = self.current_font
        assert isinstance(font, TTFFont)
        widths: dict[int, float] = font.cw
        return float(sum(widths[ord(c)] for c in text)) * self.font_size_pt * 0.001 / self.k

    def _wrap(self, text: str, width: float) -> list[str]:
        space = self._width(" ")
        out: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                if not word:
                    continue
                size = self._width(word)
                while size > width:  # longer than a line: cut by characters
                    if line:
                        out.append(line)
                        line, used = "", 0.0
                    cut, taken = 0, 0.0
                    while cut < len(word) - 1:
                        taken += self._width(word[cut])
                        if taken > width:
                            break
                        cut += 1
                    cut = max(cut, 1)
                    out.append(word[:cut])
                    word = word[cut:]
                    size = self._width(word)
                if line and used + space + size > width:
                    out.append(line)
                    line, used = word, size
                elif line:
                    line, used = f"{line} {word}", used + space + size
                else:
                    line, used = word, size
            out.append(line)
        return out

    def para(self, text: str, *, size: float = 9, bold: bool = False, h: float = LINE) -> None:
        self.font(size, bold)
        self.mc(0, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.ln(1.5)
        self.font(10.5, bold=True)
        self.set_text_color(0x1D, 0x46, 0x8C)
        self.mc(0, 5.6, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0x0B, 0x0C, 0x0C)

    def row(self, cells: Sequence[tuple[float, str, bool]], h: float = LINE) -> None:
        """One line of a table: (width, text, bold) cells, each already clipped to a line."""
        self.set_x(self.l_margin)
        for width, text, bold in cells:
            self.font(9, bold)
            self.c(width, h, text, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.ln(h)

    def rule(self) -> None:
        self.set_draw_color(0xB1, 0xB4, 0xB6)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.y, self.w - self.r_margin, self.y)

    def footers(self) -> None:
        """Each page's footer, drawn once every page exists (so "page 1 of 3" is known)."""
        total = self.pages_count
        self.set_auto_page_break(False)
        for n in range(1, total + 1):
            self.page = n
            # Back on an earlier page: its content must select the font again (fpdf2 would
            # take it as still selected from the page drawn last); a change of size does.
            self.set_font_size(1)
            self.set_xy(self.l_margin, self.h - MARGIN - 4)
            self.font(7.5)
            self.set_text_color(0x50, 0x5A, 0x5F)
            label = "Annex" if n > 1 else "Exception report"
            case = self.clip(self.facts.case_reference, self.epw / 2, 1)  # the rest must fit
            text = (
                f"{label}: case {case}. Generated "
                f"{_long(local_day(self.facts.generated_at))}. Page {n} of {total}"
            )
            self.c(0, 4, text, align="C")
        self.page = total


def _page_one(pdf: _Report, facts: ReportFacts, budget: _Budget, *, draft: bool) -> None:
    epw = pdf.epw
    pdf.clipped = []
    pdf.font(15, bold=True)
    pdf.c(0, 7.5, "Exception report: Inadequate audit", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    status = status_line(facts, draft=draft)
    pdf.font(10, bold=True)
    pdf.set_text_color(
        *((0x00, 0x70, 0x3C) if not draft and not facts.withdrawn else (0xD4, 0x35, 0x1C))
    )
    pdf.mc(0, 5.5, pdf.clip(status, epw, 2), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0x0B, 0x0C, 0x0C)
    pdf.ln(1)

    label_w = 40.0
    for label, value in _rows(facts):
        pdf.font(9, bold=True)
        top = pdf.y
        pdf.c(label_w, LINE, label)
        pdf.font(9)
        pdf.set_xy(pdf.l_margin + label_w, top)
        text = pdf.clip(value, epw - label_w, budget.value_lines, label)
        pdf.mc(epw - label_w, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.heading("Grades")
    widths = (epw - 84.0, 42.0, 42.0)
    pdf.row(
        [
            (widths[0], "Section", True),
            (widths[1], "Auditor", True),
            (widths[2], "Moderation", True),
        ]
    )
    shown = facts.section_grades[: budget.sections]
    for g in shown:
        pdf.font(9)
        pdf.row(
            [
                (widths[0], pdf.clip(g.title, widths[0] - 2, 1), False),
                (widths[1], pdf.clip(g.grade or "Not graded", widths[1] - 2, 1), False),
                (widths[2], pdf.clip(g.moderated, widths[2] - 2, 1), False),
            ]
        )
    if len(facts.section_grades) > len(shown):
        more = len(facts.section_grades) - len(shown)
        pdf.row([(epw, f"and {more} more section{'s' if more != 1 else ''} in the annex", False)])
        pdf.clipped.append(
            (
                "Grades of every section",
                "\n".join(
                    f"{g.title}: {_grade_cell(g.grade, g.moderated)}" for g in facts.section_grades
                ),
            )
        )
    pdf.font(9, bold=True)
    pdf.row(
        [
            (widths[0], "Overall", True),
            (widths[1], pdf.clip(facts.overall_grade or "Not graded", widths[1] - 2, 1), True),
            (widths[2], pdf.clip(facts.moderated_overall_grade, widths[2] - 2, 1), True),
        ]
    )

    pdf.heading(f"Deadlines, as at {_long(local_day(facts.generated_at))}")
    cols = (68.0, 48.0, 24.0, epw - 140.0)
    pdf.row(
        [
            (cols[0], "Step", True),
            (cols[1], "Owner", True),
            (cols[2], "Due", True),
            (cols[3], "Deadline", True),
        ]
    )
    for s in facts.steps:
        pdf.font(9)
        pdf.row(
            [
                (cols[0], pdf.clip(s.step, cols[0] - 2, 1), False),
                (cols[1], pdf.clip(s.owner, cols[1] - 2, 1), False),
                (cols[2], _short(s.due_on), False),
                (
                    cols[3],
                    step_result(s),
                    s.outcome in (StepOutcome.OVERDUE, StepOutcome.MET_LATE),
                ),
            ]
        )

    for title, text in _narrative(facts):
        pdf.heading(title)
        pdf.font(9)  # measured in the font it is drawn in
        pdf.para(pdf.clip(text, epw, budget.text_lines, title))

    pdf.heading("The practitioner's other cases")
    pdf.font(9)
    summary = cases_summary(facts)
    if facts.other_cases:
        summary += " The full list is in the annex."
    pdf.para(pdf.clip(summary, epw, 3))

    pdf.heading("Next steps")
    todo = next_steps(facts)
    shown_todo = todo[: budget.todo]
    for line in shown_todo:
        pdf.font(9)
        pdf.set_x(pdf.l_margin)
        pdf.c(4, LINE, "•")
        text = pdf.clip(line, epw - 4, 2, "Next steps")
        pdf.mc(epw - 4, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if len(todo) > len(shown_todo):
        pdf.para(f"and {len(todo) - len(shown_todo)} more in the annex")
        pdf.clipped.append(("Next steps", ""))


def _annex(pdf: _Report, facts: ReportFacts) -> None:
    if not facts.other_cases and not pdf.clipped:
        return
    pdf.add_page()
    pdf.font(14, bold=True)
    pdf.c(0, 7, "Annex", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    epw = pdf.epw
    if facts.other_cases:
        pdf.heading(f"The practitioner's other cases ({len(facts.other_cases)})")
        pdf.font(9)
        pdf.flow(pdf.l_margin, epw, printable(cases_summary(facts)))
        pdf.ln(1)
        ref_w = 40.0
        for case in facts.other_cases:
            pdf.rule()
            pdf.ln(0.8)
            top, page = pdf.y, pdf.page
            pdf.font(9, bold=True)
            pdf.mc(
                ref_w - 2,
                LINE,
                printable(case.case_reference) or "-",
                new_x=XPos.RIGHT,
                new_y=YPos.TOP,
            )
            if pdf.page != page:  # the reference itself moved to a new page
                top = pdf.t_margin
            pdf.set_xy(pdf.l_margin + ref_w, top)
            pdf.flow(pdf.l_margin + ref_w, epw - ref_w, printable(case.outcome))
            if case.note.strip():
                pdf.font(9)
                pdf.flow(pdf.l_margin + ref_w, epw - ref_w, printable(case.note))
            pdf.ln(0.8)
        pdf.rule()
    done: set[str] = set()
    for title, text in pdf.clipped:
        if title in done:
            continue
        done.add(title)
        pdf.heading(f"{title}, in full")
        if title == "Next steps":
            text = "\n".join(f"• {line}" for line in next_steps(facts))
        pdf.font(9)
        pdf.flow(pdf.l_margin, epw, printable(text))


def render_pdf(facts: ReportFacts, *, draft: bool) -> bytes:
    """The report as an A4 PDF: page 1 always one page, the annex after it."""
    pdf = _Report(facts)
    pdf.add_page()
    chosen = _BUDGETS[-1]
    for budget in _BUDGETS[:-1]:
        with pdf.offset_rendering() as trial:
            _page_one(pdf, facts, budget, draft=draft)
        if not trial.page_break_triggered:
            chosen = budget
            break
    # The last budget fits by construction (every text is cut to a line or two); with no
    # page break allowed, page 1 cannot spill over whatever happens.
    pdf.set_auto_page_break(False)
    _page_one(pdf, facts, chosen, draft=draft)
    pdf.set_auto_page_break(True, margin=MARGIN + FOOTER)
    _annex(pdf, facts)
    pdf.footers()
    return bytes(pdf.output())
