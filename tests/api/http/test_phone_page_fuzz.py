"""The phone page's form fuzzed with hypothesis: posts to /s/<token> with, for each question,
an answer of its kind or not (scales as ASCII numbers, Unicode digits of every kind, signs,
whitespace, huge numbers; choices as their keys or anything; free text of any Unicode and any
length), fields missing or repeated, strange submission ids and languages, extra fields. Every
answer is a page (never a 5xx) with the page's security headers, and what is stored fits the
survey: whole numbers in range for scales, known option keys for choices.

Bounded and reproducible: a fixed number of examples, derandomized, no example database. The
counts are printed (`pytest -s`)."""

from __future__ import annotations

import collections
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.surveys.models import SurveyResponse, SurveyVersion
from tests.conftest import World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import annual_campaign, printed_for

EXAMPLES = 150
# Digits that are not ASCII: superscripts, circled, Arabic-Indic, full-width, Devanagari...
UNICODE_DIGITS = st.characters(categories=["Nd", "No"], exclude_characters="0123456789")
NUMBERS = st.one_of(
    st.integers(min_value=-2, max_value=12).map(str),
    st.text(UNICODE_DIGITS, min_size=1, max_size=3),
    st.integers().map(str),
    st.integers(min_value=0, max_value=10).map(lambda n: f" {n}"),
    st.integers(min_value=0, max_value=10).map(lambda n: f"+{n}"),
    st.just("9" * 5000),
)
# Any text but NUL, which makes the whole form refused (400): it has its own few cases.
NOT_NUL = st.characters(codec="utf-8", exclude_characters="\x00")
ANY_TEXT = st.text(NOT_NUL, max_size=300)


@pytest.fixture
async def page_links(world: World, town: Authority) -> tuple[list[str], dict[str, Any]]:
    """Twelve links (children of every age in the town, so every version of the annual
    survey), and each version's questions."""
    refs = [
        c.case_reference
        for c in town.ann_children + town.bob_children + town.cat_children + town.dan_children
    ]
    made = await annual_campaign(world, town.actor(town.qa_lead), printed_for(refs))
    questions: dict[str, Any] = {}
    async with world.session_factory() as s:
        for token, invitation in zip(made.tokens, made.invitations, strict=True):
            version = await s.get(SurveyVersion, invitation.survey_version_id)
            assert version is not None
            questions[token] = version.definition["questions"]
    return made.tokens, questions


def _answer(question: dict[str, Any]) -> st.SearchStrategy[list[str]]:
    """The values one question's field is sent with (none: the field is missing)."""
    keys = [o["key"] for o in question.get("options") or []]
    match question["type"]:
        case "EMOJI_SCALE" | "SCALE_0_10":
            one = NUMBERS | ANY_TEXT
        case "SINGLE_CHOICE" | "MULTIPLE_CHOICE":
            one = st.sampled_from(keys) | ANY_TEXT
        case _:
            one = ANY_TEXT | st.text(NOT_NUL, min_size=1000, max_size=3000)
    return st.lists(one, max_size=3)


def _fitting(question: dict[str, Any]) -> st.SearchStrategy[list[str]]:
    """Values the page's own controls would send for one question."""
    keys = [o["key"] for o in question.get("options") or []]
    match question["type"]:
        case "EMOJI_SCALE":
            return st.integers(1, 5).map(lambda n: [str(n)])
        case "SCALE_0_10":
            return st.integers(0, 10).map(lambda n: [str(n)])
        case "SINGLE_CHOICE":
            return st.sampled_from(keys).map(lambda k: [k])
        case "MULTIPLE_CHOICE":
            return st.lists(st.sampled_from(keys), min_size=1, unique=True)
        case _:
            words = st.characters(codec="utf-8", categories=["L", "N", "P", "Zs", "So"])
            return st.text(words, min_size=1, max_size=200).filter(str.strip).map(lambda t: [t])


@st.composite
def forms(draw: st.DrawFn, links: tuple[list[str], dict[str, Any]]) -> tuple[str, list[Any]]:
    tokens, questions = links
    # Some forms are answered as the page's controls would answer them (and reach storing),
    # on half the links; the others send anything at all, on the other half, so that a link
    # answered by a fitting form does not turn them away before their answers are read.
    fitting = draw(st.integers(0, 9)) < 3
    half = len(tokens) // 2
    token = draw(st.sampled_from(tokens[:half] if fitting else tokens[half:]))
    fields: list[tuple[str, str]] = []
    # Mostly the page's own kind of submission id, so that most forms reach their answers.
    submission = draw(
        st.uuids().map(str)
        if draw(st.integers(0, 9)) < 8
        else st.one_of(st.text(max_size=120), st.none())
    )
    if submission is not None:
        fields.append(("submission_id", submission))
    lang = draw(st.sampled_from(["en", "cy", "xx", "", None, "e\x00n"]) | st.text(max_size=20))
    if lang is not None:
        fields.append(("lang", lang))
    for question in questions[token]:
        values = draw(_fitting(question) if fitting else _answer(question))
        fields += [(f"a.{question['key']}", v) for v in values]
    fields += draw(st.lists(st.tuples(st.text(NOT_NUL, max_size=20), ANY_TEXT), max_size=3))
    return token, draw(st.permutations(fields))


def _fits(question: dict[str, Any], value: Any) -> bool:
    keys = {o["key"] for o in question.get("options") or []}
    match question["type"]:
        case "EMOJI_SCALE":
            return type(value) is int and 1 <= value <= 5
        case "SCALE_0_10":
            return type(value) is int and 0 <= value <= 10
        case "SINGLE_CHOICE":
            return value in keys
        case "MULTIPLE_CHOICE":
            return isinstance(value, list) and set(value) <= keys
        case _:
            return isinstance(value, str) and "\x00" not in value


async def test_the_phone_page_answers_every_fuzzed_form_with_a_page(
    client: httpx.AsyncClient,
    world: World,
    page_links: tuple[list[str], dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Hypothesis draws the forms (it cannot run an async body itself); they are then posted in
    # order, each failure naming its form.
    drawn: list[tuple[str, list[Any]]] = []

    @given(form=forms(page_links))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def draw(form: tuple[str, list[Any]]) -> None:
        drawn.append(form)

    draw()
    statuses: collections.Counter[int] = collections.Counter()
    for token, fields in drawn:
        response = await client.post(
            f"/s/{token}",
            content=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        statuses[response.status_code] += 1
        assert response.status_code in (200, 400, 409, 413, 422), (fields, response.text[:500])
        assert response.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"

    _, questions = page_links
    by_key = {q["key"]: q for qs in questions.values() for q in qs}
    async with world.session_factory() as s:
        stored = list(await s.scalars(select(SurveyResponse)))
    for answered in stored:
        for key, value in answered.answers.items():
            assert _fits(by_key[key], value), (key, value)
    with capsys.disabled():
        print(
            f"\nphone page fuzz: {sum(statuses.values())} posts, "
            + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
            + f"; {len(stored)} responses stored"
        )
    # The forms reached every outcome: stored, refused with problems, already answered.
    assert {200, 409, 422} <= set(statuses), statuses
    assert statuses[422] >= EXAMPLES // 3, statuses
    assert stored
