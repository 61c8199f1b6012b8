"""GraphiQL in a real browser with no network beyond this machine, as on a council's admin
network: headless Chromium (Debian's, which `make test` installs) drives the real app, configured
as in production (tokens from an identity provider, GRAPHIQL=admins), served by uvicorn on a free
port. Every request to anywhere but 127.0.0.1 or localhost is refused and recorded; the test
fails if GraphiQL tried one, or if the page's Content-Security-Policy refused anything.

Screenshots go to test-artifacts/screenshots/ (git-ignored); the test prints where.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from joserfc.jwk import RSAKey
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.core.clock import SettableClock
from domain.core.roles import Role, ScopeType
from domain.core.settings import Settings
from tests.api.http.browser import CHROMIUM, NO_CHROMIUM, SCREENSHOTS, WCAG_AA, serve
from tests.api.http.identity import production_services, provider_token
from tests.conftest import World

async_playwright: Any
try:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright
except ImportError:  # pragma: no cover - the dev extra installs them
    async_playwright = Axe = None

pytestmark = [
    pytest.mark.skipif(
        async_playwright is None,
        reason="playwright or axe-playwright-python is not installed (dev extra)",
    ),
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
]

LOCAL = {"127.0.0.1", "localhost"}

# Recorded before any of the page's own script runs; a policy violation is also logged to the
# console, which the test reads too.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture
async def served(
    settings: Settings, clock: SettableClock, engine: AsyncEngine, redis: Redis
) -> AsyncIterator[tuple[str, RSAKey]]:
    key = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
    services = production_services(
        settings, clock=clock, engine=engine, redis=redis, provider_key=key
    )
    async with serve(services) as address:
        yield address, key


async def _run(page: Any, query: str) -> str:
    """Type a query into GraphiQL's editor as a paste would, run it, and return the result."""
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(query)
    await page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
    result = page.locator(".graphiql-response .CodeMirror-code")
    await result.get_by_text('"data"').or_(result.get_by_text('"errors"')).first.wait_for()
    text: str = await result.inner_text()
    return text


async def test_an_administrator_signs_in_to_graphiql_and_runs_a_query_offline(
    served: tuple[str, RSAKey], world: World, clock: SettableClock
) -> None:
    address, key = served
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    admin_token = provider_token(key, admin, clock, sub="ada-sub")
    qa_token = provider_token(key, qa, clock, sub="quinn-sub")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")

    blocked: list[str] = []
    console: list[str] = []

    async def only_this_machine(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOCAL:
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort("blockedbyclient")

    assert async_playwright is not None and CHROMIUM is not None
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            await context.route("**/*", only_this_machine)
            await context.add_init_script(RECORD_VIOLATIONS)
            page = await context.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))

            response = await page.goto(f"{address}/graphql")
            assert response is not None and response.status == 200
            assert "script-src 'self'" in response.headers["content-security-policy"]
            await page.get_by_label("Your access token").wait_for()
            await page.screenshot(path=SCREENSHOTS / "graphiql-0-sign-in.png")

            # A token the identity provider did not sign is refused, and the page says why.
            await page.get_by_label("Your access token").fill("Bearer not-a-token")
            await page.get_by_role("button", name="Sign in").click()
            await page.get_by_role("alert").wait_for()
            refusal = await page.get_by_role("alert").inner_text()
            assert "token" in refusal.lower(), refusal
            assert not await page.locator(".graphiql-container").is_visible()

            await page.get_by_label("Your access token").fill(admin_token)
            await page.get_by_role("button", name="Sign in").click()
            await page.get_by_text("Signed in as Ada Admin").wait_for()
            # The token lasts as long as the tab: a reload keeps the admin signed in.
            await page.reload()
            await page.get_by_text("Signed in as Ada Admin").wait_for()
            result = await _run(page, "{ me { displayName roles { role } } }")
            assert '"displayName": "Ada Admin"' in result and "ADMINISTRATOR" in result
            # The schema came through introspection, which an administrator may do here.
            await page.get_by_role("button", name="Show Documentation Explorer").click()
            await page.locator(".graphiql-doc-explorer").get_by_text("Query").first.wait_for()
            await page.screenshot(path=SCREENSHOTS / "graphiql-1-administrator.png")
            # GraphiQL's dialogs (settings, keyboard shortcuts) work under the policy too.
            await page.get_by_role("button", name="Open settings dialog").click()
            await page.get_by_role("dialog").get_by_text("Clear storage").wait_for()
            await page.screenshot(path=SCREENSHOTS / "graphiql-2-settings.png")
            await page.keyboard.press("Escape")
            await page.get_by_role("dialog").wait_for(state="detached")

            # The QA Lead's token opens the same page, but the service refuses them the schema
            # (so GraphiQL has none) and answers their queries as their roles allow.
            await page.get_by_role("button", name="Sign out").click()
            await page.get_by_label("Your access token").fill(qa_token)
            await page.get_by_role("button", name="Sign in").click()
            await page.get_by_text("Signed in as Quinn Lead").wait_for()
            refused = await _run(page, "{ __schema { queryType { name } } }")
            assert "Introspection is available to administrators only." in refused
            assert '"queryType"' not in refused
            mine = await _run(page, "{ me { displayName } }")
            assert '"displayName": "Quinn Lead"' in mine
            await page.screenshot(path=SCREENSHOTS / "graphiql-3-qa-lead.png")

            violations = await page.evaluate("window.__violations")
            await context.close()

            # axe-core needs its own script in the page, so it runs where the policy is
            # bypassed: the sign-in page has no WCAG 2.2 A or AA failure it can find.
            checking = await browser.new_context(bypass_csp=True)
            await checking.route("**/*", only_this_machine)
            sign_in = await checking.new_page()
            await sign_in.goto(f"{address}/graphql")
            await sign_in.get_by_label("Your access token").wait_for()
            found = await Axe().run(
                sign_in,
                options={"runOnly": {"type": "tag", "values": WCAG_AA}},
            )
            failures = [v["id"] for v in found.response["violations"]]
            assert failures == [], failures
            await checking.close()
        finally:
            await browser.close()

    assert blocked == [], f"requests beyond this machine: {blocked}"
    assert violations == [], violations
    assert [m for m in console if "Content Security Policy" in m] == []
    assert [m for m in console if m.startswith("pageerror")] == []
