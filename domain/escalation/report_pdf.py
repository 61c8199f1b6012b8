"""The exception report as PDF: page 1 one page whatever the facts, the annex after it (see
`domain.escalation.report`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import TTFFont

from domain.deadlines.calendar import local_day
from domain.escalation.report_facts import (
    ReportFacts,
    StepOutcome,
)
from domain.escalation.report_html import (
    cases_summary,
    grade_cell,
    long_on,
    narrative_parts,
    next_steps,
    short_date,
    status_line,
    step_result,
    summary_rows,
)

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
                f"{long_on(local_day(self.facts.generated_at))}. Page {n} of {total}"
            )
            self.c(0, 4, text, align="C")
        self.page = total


def _page_one(pdf: _Report, facts: ReportFacts, budget: _Budget, *, draft: bool) -> None:
    pdf.clipped = []
    _title_and_summary(pdf, facts, budget, draft=draft)
    _grades(pdf, facts, budget)
    _deadlines(pdf, facts)
    epw = pdf.epw
    for title, text in narrative_parts(facts):
        pdf.heading(title)
        pdf.font(9)  # measured in the font it is drawn in
        pdf.para(pdf.clip(text, epw, budget.text_lines, title))

    pdf.heading("The practitioner's other cases")
    pdf.font(9)
    summary = cases_summary(facts)
    if facts.other_cases:
        summary += " The full list is in the annex."
    pdf.para(pdf.clip(summary, epw, 3))

    _next_steps(pdf, facts, budget)


def _title_and_summary(pdf: _Report, facts: ReportFacts, budget: _Budget, *, draft: bool) -> None:
    epw = pdf.epw
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
    for label, value in summary_rows(facts):
        pdf.font(9, bold=True)
        top = pdf.y
        pdf.c(label_w, LINE, label)
        pdf.font(9)
        pdf.set_xy(pdf.l_margin + label_w, top)
        text = pdf.clip(value, epw - label_w, budget.value_lines, label)
        pdf.mc(epw - label_w, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _grades(pdf: _Report, facts: ReportFacts, budget: _Budget) -> None:
    epw = pdf.epw
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
                    f"{g.title}: {grade_cell(g.grade, g.moderated)}" for g in facts.section_grades
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


def _deadlines(pdf: _Report, facts: ReportFacts) -> None:
    epw = pdf.epw
    pdf.heading(f"Deadlines, as at {long_on(local_day(facts.generated_at))}")
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
                (cols[2], short_date(s.due_on), False),
                (
                    cols[3],
                    step_result(s),
                    s.outcome in (StepOutcome.OVERDUE, StepOutcome.MET_LATE),
                ),
            ]
        )


def _next_steps(pdf: _Report, facts: ReportFacts, budget: _Budget) -> None:
    epw = pdf.epw
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
