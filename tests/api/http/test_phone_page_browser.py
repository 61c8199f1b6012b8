"""The phone page in a real browser: headless Chromium (Debian's, at /usr/bin/chromium, which
`make test` installs) at 320 x 640 CSS pixels, driving the real app served by uvicorn on a free
port against the test database. A six-year-old's link: the survey works with JavaScript off,
nothing scrolls sideways, every input has a label, every touch target is at least 44 x 44,
focus is visible, and axe-core finds no WCAG 2.2 A or AA failure on any of its pages; faces are tapped, a missed question is shown, the answers are sent, the
thank-you page shows the receipt, and the link then says it has been used.

Screenshots go to test-artifacts/screenshots/ (git-ignored); the test prints where.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.app import Services
from tests.api.http.browser import CHROMIUM, NO_CHROMIUM, SCREENSHOTS, WCAG_AA, serve
from tests.conftest import World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import annual_campaign, printed_for, young_child

async_playwright: Any
try:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright
except ImportError:  # pragma: no cover - the dev extra installs them
    async_playwright = Axe = None

WIDTH, HEIGHT = 320, 640

pytestmark = [
    pytest.mark.skipif(
        async_playwright is None,
        reason="playwright or axe-playwright-python is not installed (dev extra)",
    ),
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
]


@pytest.fixture
async def served(app_services: Services) -> AsyncIterator[str]:
    async with serve(app_services) as address:
        yield address


LABELS = """() => [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
  .filter(el => !(el.labels && [...el.labels].some(l => l.textContent.trim())))
  .map(el => el.name || el.id)"""

SMALL_TARGETS = """() => [...document.querySelectorAll(
    'label.face, label.choice, button, textarea, input[type=text], nav a, footer a')]
  .map(el => { const r = el.getBoundingClientRect();
               return {what: el.outerHTML.slice(0, 80), w: r.width, h: r.height}; })
  .filter(t => t.w < 44 || t.h < 44)"""

FOCUS = """() => { const el = document.activeElement;
  const shown = el.nextElementSibling || el;
  const s = getComputedStyle(shown);
  return {tag: el.tagName, type: el.type, outline: s.outlineStyle, width: s.outlineWidth,
          shadow: s.boxShadow}; }"""


async def _check_accessibility(page: Any, name: str) -> None:
    """No WCAG 2.2 A or AA failure axe-core can find on the page (it needs script, so this
    runs in a script-enabled context)."""
    assert Axe is not None
    results = await asyncio.wait_for(
        Axe().run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_AA},
                "resultTypes": ["violations"],
            },
        ),
        timeout=60,
    )
    failures = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert failures == [], f"{name}: {failures}"


async def _check_layout(page: Any, name: str) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
    assert await page.evaluate(LABELS) == [], name
    assert await page.evaluate(SMALL_TARGETS) == [], name


async def _answer(page: Any, *, only_first: bool = False) -> None:
    """Tap answers on an under-8 survey and send them (only the first question: one missed)."""
    await page.locator("#q-feel_about_help").get_by_role("radio", name="Happy", exact=True).tap()
    if not only_first:
        await page.locator("#q-feel_safe").get_by_role("radio", name="Safe", exact=True).tap()
        await page.locator("#q-worker_listens").get_by_role("radio", name="Yes", exact=True).tap()
    async with page.expect_navigation():
        await page.get_by_role("button", name="Send my answers").tap()


async def test_a_young_child_answers_on_a_small_phone_with_no_javascript(
    served: str, world: World, town: Authority
) -> None:
    child = await young_child(world, town.team_a, "YOUNG-BROWSER")
    other_child = await young_child(world, town.team_a, "YOUNG-BROWSER-2")
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        printed_for([child.case_reference, other_child.case_reference]),
    )
    link = f"{served}/s/{made.tokens[0]}"
    second = f"{served}/s/{made.tokens[1]}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")

    assert async_playwright is not None and CHROMIUM is not None
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            # The measurements need script in the test's hands, so they run in a second,
            # script-enabled context; the child's own journey has JavaScript off.
            measuring = await browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT},
                has_touch=True,
                is_mobile=True,
                bypass_csp=True,  # the page's policy allows no script, not even the tester's
            )
            page = await measuring.new_page()
            response = await page.goto(link)
            assert response is not None and response.status == 200
            assert await page.get_attribute("html", "lang") == "en"
            await _check_layout(page, "survey")
            await _check_accessibility(page, "survey")
            await page.keyboard.press("Tab")  # the language link
            await page.keyboard.press("Tab")  # the first face
            focus = await page.evaluate(FOCUS)
            assert focus["type"] == "radio", focus
            assert focus["outline"] != "none" and focus["width"] != "0px", focus
            await page.screenshot(path=SCREENSHOTS / "0-focus.png")
            welsh = await measuring.new_page()
            await welsh.goto(link + "?lang=cy")
            assert await welsh.get_attribute("html", "lang") == "cy"
            await _check_layout(welsh, "survey in Welsh")
            await _check_accessibility(welsh, "survey in Welsh")
            await welsh.screenshot(path=SCREENSHOTS / "1-survey-cy.png", full_page=True)
            # Every other page a child may see, checked the same way on a second child's link:
            # a question missed, thank you, already answered.
            other = await measuring.new_page()
            await other.goto(second)
            await _answer(other, only_first=True)
            await _check_accessibility(other, "a question missed")
            await _answer(other)
            assert await other.get_by_role("heading", name="Thank you").is_visible()
            await _check_accessibility(other, "thank you")
            used = await other.goto(second)
            assert used is not None and used.status == 409
            await _check_accessibility(other, "already answered")
            await measuring.close()

            context = await browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT},
                has_touch=True,
                is_mobile=True,
                java_script_enabled=False,
            )
            page = await context.new_page()
            response = await page.goto(link)
            assert response is not None and response.status == 200
            await page.screenshot(path=SCREENSHOTS / "1-survey.png", full_page=True)

            # The second required question is missed: the page says so beside it.
            await (
                page.locator("#q-feel_about_help")
                .get_by_role("radio", name="Very happy", exact=True)
                .tap()
            )
            async with page.expect_navigation() as missed:
                await page.get_by_role("button", name="Send my answers").tap()
            refused = await missed.value
            assert refused is not None and refused.status == 422
            assert await page.locator(".error-summary").is_visible()
            assert await page.locator("#q-feel_safe-error").is_visible()
            assert (
                await page.locator("#q-feel_about_help")
                .get_by_role("radio", name="Very happy", exact=True)
                .is_checked()
            )
            await page.screenshot(path=SCREENSHOTS / "2-a-question-missed.png", full_page=True)

            await page.locator("#q-feel_safe").get_by_role("radio", name="Safe", exact=True).tap()
            await (
                page.locator("#q-worker_listens")
                .get_by_role("radio", name="Sometimes", exact=True)
                .tap()
            )
            await page.get_by_label("Draw or tell us: what is good at home?").fill("My bike")
            await page.screenshot(path=SCREENSHOTS / "3-answered.png", full_page=True)
            async with page.expect_navigation() as sent:
                await page.get_by_role("button", name="Send my answers").tap()
            answered = await sent.value
            assert answered is not None and answered.status == 200
            assert await page.get_by_role("heading", name="Thank you").is_visible()
            receipt = (await page.locator(".receipt").inner_text()).strip()
            assert receipt.startswith("R-")
            await page.screenshot(path=SCREENSHOTS / "4-thank-you.png", full_page=True)

            again = await page.goto(link)
            assert again is not None and again.status == 409
            assert await page.get_by_role("heading", name="You have already answered").is_visible()
            assert "YOUNG-BROWSER" not in await page.content()
            await page.screenshot(path=SCREENSHOTS / "5-already-answered.png", full_page=True)
            await context.close()
        finally:
            await browser.close()
