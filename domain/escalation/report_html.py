"""What the exception report says (for both renderings), and the report as HTML."""

from __future__ import annotations

from collections import Counter
from datetime import date
from html import escape

from domain.deadlines.calendar import local_day
from domain.escalation.models import (
    EscalationStage,
    OtherCaseOutcome,
)
from domain.escalation.report_facts import (
    NOT_REVIEWED,
    OUTCOME_ORDER,
    OUTCOME_WORDS,
    ReportFacts,
    StepLine,
    StepOutcome,
)

# --- what the report says, for both renderings ------------------------------------------------


def long_on(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "not yet"


def short_date(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else ""


def status_line(facts: ReportFacts, *, draft: bool) -> str:
    if facts.withdrawn:
        return (
            f"WITHDRAWN: regraded to {facts.regraded_to or 'another grade'} "
            f"on {long_on(facts.regraded_on)}"
        )
    if draft or facts.sent_on is None:
        return "DRAFT: not yet sent"
    sender = facts.sent_by or "the Head of Service"
    return f"Sent to the AED by {sender} on {long_on(facts.sent_on)}"


def summary_rows(facts: ReportFacts) -> list[tuple[str, str]]:
    return [
        ("Case", f"{facts.case_reference} (child aged {facts.child_age})"),
        ("Team and service", f"{facts.team}, {facts.service}"),
        ("Practitioner", facts.practitioner),
        ("Audit completed", f"{long_on(facts.audit_completed_on)} by {facts.auditor}"),
        (
            "Moderation",
            (
                f"Regraded to {facts.regraded_to} by {facts.moderated_by or 'the QA Lead'} "
                f"on {long_on(facts.moderated_on or facts.regraded_on)}"
                if facts.withdrawn
                else (
                    f"Inadequate confirmed by {facts.moderated_by} on {long_on(facts.moderated_on)}"
                )
                if facts.moderated_on
                else "Not yet moderated"
            ),
        ),
        (
            "Head of Service told",
            f"{facts.head_of_service} on {long_on(facts.told_on)}"
            if facts.told_on
            else "Not needed: the process ended"
            if facts.withdrawn
            else "Not yet",
        ),
        (
            "Assurance",
            f"{facts.assurance} ({long_on(facts.assured_on)})"
            if facts.assured_on
            else facts.assurance,
        ),
    ]


def grade_cell(grade: str, moderated: str) -> str:
    if moderated and moderated != grade:
        return f"{grade}; moderated to {moderated}"
    return grade or "Not graded"


def step_result(step: StepLine) -> str:
    """ "Met on 29 Dec 2026", "Met late on 5 Jan 2027", "Overdue", ..."""
    if step.outcome in (StepOutcome.MET, StepOutcome.MET_LATE) and step.done_on:
        return f"{step.outcome} on {short_date(step.done_on)}"
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
            f"None: the process ended on {long_on(facts.regraded_on)} when the audit was "
            f"regraded to {facts.regraded_to or 'another grade'}."
        ]
    if facts.stage is EscalationStage.CLOSED:
        return ["None: the desk-top audit is complete and the process is closed."]
    out: list[str] = []
    for s in facts.steps:
        if s.outcome in (StepOutcome.OPEN, StepOutcome.OVERDUE):
            who = f"{s.owner}, " if s.owner else ""
            late = " (overdue)" if s.outcome == StepOutcome.OVERDUE else ""
            out.append(f"{s.step}: {who}due {long_on(s.due_on)}{late}.")
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


def narrative_parts(facts: ReportFacts) -> list[tuple[str, str]]:
    items = [
        ("Why the audit was graded Inadequate", facts.audit_rationale),
        ("The QA Lead's moderation", facts.moderation_reason or facts.ended_reason),
        ("How the Head of Service assured themselves", facts.assurance_detail),
        (
            "Review of the practitioner's other cases",
            f"{facts.review_summary} Reviewed by {facts.reviewed_by or 'no one yet'}"
            f"{' on ' + long_on(facts.reviewed_on) if facts.reviewed_on else ''}.",
        ),
    ]
    return [(k, v or "Not yet recorded.") for k, v in items]


# --- HTML ------------------------------------------------------------------------------------


def render_html(facts: ReportFacts, *, draft: bool) -> str:
    """The report as a small, self-contained, printable HTML page: the same content as the
    PDF, with the full case list as its annex."""
    e = escape
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in summary_rows(facts))
    grades = "".join(
        f"<tr><th>{e(g.title)}</th><td>{e(grade_cell(g.grade, g.moderated))}</td></tr>"
        for g in facts.section_grades
    )
    grades += (
        f"<tr><th>Overall</th>"
        f"<td>{e(grade_cell(facts.overall_grade, facts.moderated_overall_grade))}</td></tr>"
    )
    deadlines = "".join(
        f"<tr><td>{e(s.step)}</td><td>{e(s.owner)}</td><td>{e(short_date(s.due_on))}</td>"
        f"<td>{e(step_result(s))}</td></tr>"
        for s in facts.steps
    )
    narrative = "".join(f"<h2>{e(k)}</h2>\n<p>{e(v)}</p>\n" for k, v in narrative_parts(facts))
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
<h2>Deadlines (as at {e(long_on(local_day(facts.generated_at)))})</h2>
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
