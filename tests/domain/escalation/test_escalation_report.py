"""The exception report as the AED reads it (issue 12, "One page, whatever happens"): page 1 is
one page however many other cases and however long the texts, with the grades, each deadline
met or not, the other cases counted and the next steps; the full case list and every text cut
short are in the annex. Names in Polish, Welsh, Urdu and Arabic survive in the PDF (read back
by text extraction), emoji are left out without a "?", and the same facts give the same bytes.
Also rendered to PNG with poppler's pdftoppm where it is installed."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from domain.escalation import report
from domain.escalation.models import EscalationStage
from domain.escalation.report import OtherCase, ReportFacts, SectionGrade, StepLine, StepOutcome

GENERATED_AT = datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
OUTCOMES = (
    "No concerns",
    "Concerns found and addressed",
    "Inadequate: to be audited",
    "Not yet reviewed",
)
LONG = " ".join(
    f"Sentence {i} of a long account of what the audit found." for i in range(180)
)  # about MAX_TEXT
LONG_END = "Sentence 179 of a long account"


def _facts(cases: int = 0, *, long: bool = False, **changes: Any) -> ReportFacts:
    text = LONG if long else "The plan does not address the neglect."
    facts = ReportFacts(
        escalation_id=uuid.UUID(int=7),
        case_reference="CR-0001",
        child_age="7 years",
        team="Assessment Team A" * (20 if long else 1),
        service="Children's Social Care",
        practitioner="Bob Practitioner",
        auditor="Pat Psw",
        audit_completed_on=date(2026, 12, 24),
        audit_rationale=text,
        moderated_by="Quinn Qa",
        moderated_on=date(2026, 12, 29),
        moderation_reason=text,
        head_of_service="Hal Hos",
        told_on=date(2026, 12, 29),
        assurance="The child is not at risk from the inadequate practice.",
        assurance_detail=text,
        assured_on=date(2027, 1, 4),
        review_summary=text,
        reviewed_by="Tam Manager",
        reviewed_on=date(2027, 1, 8),
        other_cases=[
            OtherCase(
                f"OC-{i:04d}",
                OUTCOMES[i % 4],
                (LONG if long else f"Seen at home, plan reviewed ({i}).") if i % 3 else "",
            )
            for i in range(cases)
        ],
        overall_grade="Inadequate",
        moderated_overall_grade="Inadequate",
        section_grades=[
            SectionGrade("Quality of recording", "Inadequate"),
            SectionGrade("Quality of practice", "Requires improvement", "Inadequate"),
            SectionGrade("Management oversight and support", "Inadequate"),
            SectionGrade("The child's experiences and outcomes", "Good"),
        ],
        steps=[
            StepLine(
                "Moderated by the QA Lead",
                "Quinn Qa",
                date(2026, 12, 31),
                date(2026, 12, 29),
                StepOutcome.MET,
            ),
            StepLine(
                "Head of Service's assurance",
                "Hal Hos",
                date(2026, 12, 30),
                date(2027, 1, 4),
                StepOutcome.MET_LATE,
            ),
            StepLine(
                "Review of the other cases",
                "Hal Hos",
                date(2027, 1, 12),
                date(2027, 1, 8),
                StepOutcome.MET,
            ),
            StepLine(
                "Exception report to the AED",
                "Hal Hos",
                date(2027, 1, 12),
                None,
                StepOutcome.OVERDUE,
            ),
            *(
                StepLine(f"Review in supervision {k} of 3", "", None, None, StepOutcome.NOT_YET)
                for k in (1, 2, 3)
            ),
            StepLine("Desk-top audit by the QA Lead", "", None, None, StepOutcome.NOT_YET),
        ],
        stage=EscalationStage.EXCEPTION_REPORT,
        generated_at=GENERATED_AT,
    )
    return replace(facts, **changes)


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _lowest_text(pdf: bytes) -> tuple[float, float]:
    """The lowest baseline (points from the bottom of page 1) of page 1's content, and of its
    footer."""
    found: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            found.append((tm[5], text))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    footer = [y for y, t in found if t.startswith("Exception report: case")]
    content = [y for y, t in found if not t.startswith("Exception report: case")]
    return min(content), min(footer)


MM = 72 / 25.4


@pytest.mark.parametrize(
    ("cases", "long"),
    [(0, False), (1, False), (18, False), (200, False), (0, True), (18, True)],
)
def test_page_one_is_one_page_and_the_annex_lists_every_case(cases: int, long: bool) -> None:
    facts = _facts(cases, long=long)
    pdf = report.render_pdf(facts, draft=True)
    pages = _pages(pdf)
    first = pages[0]
    # Everything page 1 promises is on page 1, in order, and its footer counts the pages.
    headings = [
        "Exception report: Inadequate audit",
        "DRAFT: not yet sent",
        "Grades",
        "Deadlines, as at 14 January 2027",
        "Why the audit was graded Inadequate",
        "The practitioner's other cases",
        "Next steps",
        f"Page 1 of {len(pages)}",
    ]
    positions = [first.find(h) for h in headings]
    assert -1 not in positions, [h for h, p in zip(headings, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    # The section grades, each deadline met or not, and the next steps.
    assert "Quality of practice Requires improvement Inadequate" in first
    assert "Met on 29 Dec 2026" in first
    assert "Met late on 4 Jan 2027" in first
    assert "Overdue" in first
    assert "Exception report to the AED: Hal Hos, due 12 January 2027 (overdue)." in first
    # Page 1's content ends above its footer, inside the page's bottom margin.
    content, footer = _lowest_text(pdf)
    assert content > 27 * MM - 1 > footer
    if cases:
        assert f"{cases} other open case{'s' if cases != 1 else ''}:" in first
        assert "The full list is in the annex." in first
    else:
        assert "The practitioner holds no other open cases." in first
    if not cases and not long:
        assert len(pages) == 1
        return
    # The annex: page 2 on, every case once, with its outcome and note; each page's footer.
    assert pages[1].startswith("Annex")
    for n, page in enumerate(pages[1:], start=2):
        assert f"Annex: case CR-0001. Generated 14 January 2027. Page {n} of {len(pages)}" in page
    annex = "\n".join(pages[1:])
    for i in range(cases):
        assert f"OC-{i:04d}" in annex
    assert all("Next steps" not in p.replace("Next steps, in full", "") for p in pages[1:])
    if cases == 200:
        assert "OC-0199" not in first
    if long:
        # Cut short on page 1 with a pointer; in full in the annex.
        assert "(in full in the annex)" in first
        assert LONG_END not in first
        assert "Why the audit was graded Inadequate, in full" in annex
        assert LONG_END in annex


def test_words_longer_than_a_line_are_cut_not_spilled() -> None:
    """A pasted link or a name with no spaces: cut on page 1 with the pointer, wrapped in the
    annex, never past the margins or the page."""
    link = "https://example.org/" + "a" * 3000
    facts = _facts(
        1,
        case_reference="R" * 64,
        practitioner="P" * 300,
        audit_rationale=link,
        other_cases=[OtherCase("Q" * 64, "No concerns", link)],
    )
    pdf = report.render_pdf(facts, draft=True)
    pages = _pages(pdf)
    content, footer = _lowest_text(pdf)
    assert content > 27 * MM - 1 > footer
    first = pages[0]
    assert "Next steps" in first and f"Page 1 of {len(pages)}" in first
    assert first.count("(in full in the annex)") >= 2  # the practitioner and the rationale
    annex = "".join("".join(p.split()) for p in pages[1:])
    assert "Q" * 64 in annex
    assert link.replace("Annex", "") in annex.replace("Annex", "")
    assert "Why the audit was graded Inadequate, in full" in "\n".join(pages[1:])


NAMES: dict[str, Any] = {
    "practitioner": "Łukasz Wójcik 🎉",
    "auditor": "Dŵr ŷd Evans",
    "head_of_service": "علی رضا",  # Urdu: Ali Raza
    "moderated_by": "عائشة الحسن",  # Arabic: Aisha al-Hassan
}


def _unicode_facts() -> ReportFacts:
    return _facts(
        2,
        **NAMES,
        other_cases=[
            OtherCase("OC-0001", "No concerns", "Seen with Zoë and Siân 👍🏽 at home."),
            OtherCase("OC-0002", "Not yet reviewed", "Family 👨‍👩‍👧 moved; ٹڈڑںےہھ noted ✅."),
        ],
    )


def test_names_in_polish_welsh_urdu_and_arabic_survive_and_emoji_are_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf = report.render_pdf(_unicode_facts(), draft=True)
    # No character was drawn as a font's empty box (fpdf2 names every glyph a font lacks).
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    text = "\n".join(_pages(pdf))
    assert "Łukasz Wójcik" in text
    assert "Dŵr ŷd Evans" in text
    assert "Zoë and Siân at home." in text  # the emoji gone, the space closed up
    # Arabic script is extracted word by word (right-to-left runs in drawing order).
    for word in ("علی", "رضا", "عائشة", "الحسن", "ٹڈڑںےہھ"):
        assert word in text
    assert "?" not in text and "\ufffd" not in text
    assert not any(ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) < 0x2800 for ch in text)
    # The fonts are embedded (subset), none of them the built-in Helvetica.
    reader = PdfReader(io.BytesIO(pdf))
    resources: Any = reader.pages[0]["/Resources"]
    fonts = {
        str(f.get_object()["/BaseFont"]).split("+")[-1]: f.get_object()
        for f in resources["/Font"].values()
    }
    assert {"NotoSans", "NotoSansBold", "NotoSansArabic"} <= set(fonts)
    for font in fonts.values():
        descendant: Any = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()


def test_printable_leaves_out_what_no_font_has() -> None:
    assert report.printable("Ann 🎉 Lee") == "Ann Lee"
    assert report.printable("No visits 🚩; none ✅.") == "No visits; none."
    assert report.printable("Fam👨‍👩‍👧ily 👍🏽") == "Family"
    assert report.printable("Family 👨‍👩‍👧‍👦 ok ❤️") == "Family ok"
    assert report.printable("Łukasz\tDŵr\x00 ŷd") == "Łukasz Dŵr ŷd"
    assert report.printable("عائشة") == "عائشة"
    # Decomposed accents are composed first, and kept.
    assert report.printable("Sia\u0302n") == "Siân"


def test_the_same_facts_give_the_same_bytes() -> None:
    facts = _unicode_facts()
    first = report.render_pdf(facts, draft=True)
    assert report.render_pdf(facts, draft=True) == first
    later = report.render_pdf(
        replace(facts, generated_at=datetime(2027, 1, 15, tzinfo=UTC)), draft=True
    )
    assert later != first
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata is not None and metadata.creation_date == GENERATED_AT


def test_the_same_bytes_in_another_process() -> None:
    """Not an accident of one interpreter: string hashing differs between processes."""
    script = (
        "import hashlib, sys\n"
        "from domain.escalation import report\n"
        "from tests.domain.escalation.test_escalation_report import _unicode_facts\n"
        "pdf = report.render_pdf(_unicode_facts(), draft=True)\n"
        "sys.stdout.write(hashlib.sha256(pdf).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[3]
    digests = {
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        for seed in ("1", "2")
    }
    assert digests == {hashlib.sha256(report.render_pdf(_unicode_facts(), draft=True)).hexdigest()}


def test_a_process_ended_by_a_regrade_is_withdrawn_not_a_draft() -> None:
    facts = _facts(
        0,
        stage=EscalationStage.REGRADED,
        regraded_to="Requires improvement",
        regraded_on=date(2026, 12, 29),
        moderated_on=date(2026, 12, 29),
        steps=[
            StepLine(
                "Moderated by the QA Lead",
                "Quinn Qa",
                date(2026, 12, 31),
                date(2026, 12, 29),
                StepOutcome.MET,
            ),
            StepLine("Head of Service's assurance", "", None, None, StepOutcome.NOT_NEEDED),
        ],
    )
    status = "WITHDRAWN: regraded to Requires improvement on 29 December 2026"
    first = _pages(report.render_pdf(facts, draft=True))[0]
    assert status in first and "DRAFT" not in first
    assert "Regraded to Requires improvement by Quinn Qa on 29 December 2026" in first
    assert "None: the process ended on 29 December 2026" in first
    html = report.render_html(facts, draft=True)
    assert status in html and "DRAFT" not in html


def test_the_html_carries_the_same_content_escaped() -> None:
    facts = _facts(
        18,
        practitioner="Łukasz <b>Wójcik</b>",
        sent_on=date(2027, 1, 11),
        sent_by="Hal Hos",
        other_cases=[
            OtherCase(f"OC-{i:04d}", OUTCOMES[i % 4], f"Note {i}: <script>x</script> & co")
            for i in range(18)
        ],
    )
    html = report.render_html(facts, draft=False)
    assert "Łukasz &lt;b&gt;Wójcik&lt;/b&gt;" in html
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt; &amp; co" in html
    for needed in (
        "Sent to the AED by Hal Hos on 11 January 2027",
        "Quality of practice</th><td>Requires improvement; moderated to Inadequate",
        "<td>Met late on 4 Jan 2027</td>",
        "<td>Overdue</td>",
        report.cases_summary(facts),
        "Exception report to the AED: Hal Hos, due 12 January 2027 (overdue).",
        "Annex: the practitioner's other cases",
    ):
        assert needed in html, needed
    assert all(f"<td>OC-{i:04d}</td>" in html for i in range(18))


PDFTOPPM = shutil.which("pdftoppm")


@pytest.mark.skipif(PDFTOPPM is None, reason="poppler-utils (pdftoppm) is not installed")
@pytest.mark.parametrize("cases", [0, 18, 200])
def test_the_pdf_renders_to_png_pages(tmp_path: Path, cases: int) -> None:
    """As an AED's viewer draws it: poppler renders every page, and reads the Arabic-script
    names back in their logical order."""
    facts = replace(_unicode_facts(), other_cases=_facts(cases).other_cases)
    pdf = report.render_pdf(facts, draft=True)
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603
        [str(PDFTOPPM), "-png", "-r", "60", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(PdfReader(io.BytesIO(pdf)).pages) == (1 if not cases else len(pngs))
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 5_000 for p in pngs)
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(  # noqa: S603
            [pdftotext, "-f", "1", "-l", "1", str(tmp_path / "report.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        assert "علی رضا" in text and "عائشة الحسن" in text
        assert "Łukasz Wójcik" in text and "Dŵr ŷd Evans" in text
