"""Survey results and comments as CSV, for the HTTP export routes: the same figures and the
same suppression as GraphQL (the domain computes both), one row per answer counted.

Free text comes from the public, and team names and question wording are typed by people: every
text cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) gets a leading apostrophe (OWASP's advice on CSV injection). The file starts with a
UTF-8 byte order mark so that Excel shows faces and Welsh accents as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from domain.surveys.results import (
    AUDIENCE_LABELS,
    CampaignResults,
    CommentsExport,
    Figures,
    QuestionResult,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OVERALL = "All respondents"
RESULT_COLUMNS = (
    "question_key",
    "question",
    "question_type",
    "breakdown",
    "group",
    "suppressed",
    "respondents",
    "mean",
    "answer",
    "answer_label",
    "count",
)
COMMENT_COLUMNS = ("question_key", "question", "submitted_on", "team", "audience", "comment")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return out.getvalue()


def _figure_rows(q: QuestionResult, breakdown: str, group: str, f: Figures) -> Iterable[list[Any]]:
    head = [q.key, q.text, q.type.value, breakdown, group]
    if f.suppressed:
        yield [*head, "true", None, None, None, None, None]
        return
    if not f.counts:
        yield [*head, "false", f.respondents, f.mean, None, None, None]
        return
    for c in f.counts:
        yield [*head, "false", f.respondents, f.mean, c.answer, c.label, c.count]


def results_csv(found: CampaignResults) -> str:
    breakdown = found.by.value if found.by else ""

    def rows() -> Iterable[list[Any]]:
        if found.suppressed:
            yield [None, None, None, breakdown, OVERALL, "true", None, None, None, None, None]
            return
        for q in found.questions:
            yield from _figure_rows(q, breakdown, OVERALL, q.overall)
            for g in q.groups:
                yield from _figure_rows(q, breakdown, g.label, g.figures)

    return _write(RESULT_COLUMNS, rows())


def comments_csv(export: CommentsExport) -> str:
    texts = dict(export.questions)
    return _write(
        COMMENT_COLUMNS,
        (
            [
                c.question_key,
                texts.get(c.question_key, ""),
                c.submitted_on.isoformat(),
                c.team_name,
                AUDIENCE_LABELS[c.audience] if c.audience else None,
                c.text,
            ]
            for c in export.comments
        ),
    )
