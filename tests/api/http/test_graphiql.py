"""GraphiQL's page and files over HTTP, configured as in production: the page is the same empty
shell for everyone, served with a strict policy from the service's own pinned files; what a
token reads through it is what that token may read anyway; GRAPHIQL=off serves nothing.
(In a browser, offline: test_graphiql_browser.py.)"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from graphql import get_introspection_query
from joserfc.jwk import RSAKey
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from cli import graphiql_assets
from domain.core.clock import SettableClock
from domain.core.roles import Role, ScopeType
from domain.core.settings import Settings
from domain.people.models import Person
from tests.api.http.identity import production_services, provider_token
from tests.conftest import World, app_client

HTML = {"Accept": "text/html"}
Production = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def provider_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "key-1"})


@pytest.fixture
def production(
    settings: Settings,
    clock: SettableClock,
    engine: AsyncEngine,
    redis: Redis,
    provider_key: RSAKey,
) -> Production:
    """A client of the app configured as in production, with GRAPHIQL set as given."""

    @asynccontextmanager
    async def client(graphiql: str) -> AsyncIterator[httpx.AsyncClient]:
        services = production_services(
            settings,
            clock=clock,
            engine=engine,
            redis=redis,
            provider_key=provider_key,
            graphiql=graphiql,
        )
        app = create_app(services.settings, services=services)
        async with app_client(app) as c:
            yield c

    return client


def _bearer(key: RSAKey, person: Person, clock: SettableClock) -> dict[str, str]:
    token = provider_token(key, person, clock, sub=f"sub-{person.id}")
    return {"Authorization": f"Bearer {token}"}


def _policy(response: httpx.Response) -> dict[str, list[str]]:
    directives = response.headers["content-security-policy"].split(";")
    return {d.split()[0]: d.split()[1:] for d in (d.strip() for d in directives) if d}


async def test_the_page_is_served_to_anyone_with_only_this_services_files_allowed(
    production: Production,
) -> None:
    async with production("admins") as client:
        page = await client.get("/graphql", headers=HTML)
        again = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = _policy(page)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Styles: this origin's, and the one <style> GraphiQL's dialogs add, by a nonce that is
    # new for every page.
    assert policy["style-src"][0] == "'self'" and policy["style-src"][1].startswith("'nonce-")
    assert _policy(again)["style-src"] != policy["style-src"]
    assert "'unsafe-eval'" not in page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    # Nothing from elsewhere, and no inline script: every script is a file of this service.
    assert "//" not in re.sub(r"<!doctype html>", "", page.text)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert len(scripts) == 4
    assert all('src="/graphql/static/' in attrs and body == "" for attrs, body in scripts)


async def test_every_file_the_page_loads_is_served_as_pinned_and_cached_for_a_year(
    production: Production,
) -> None:
    manifest = graphiql_assets.load_manifest()
    pinned = {f["to"]: f["sha256"] for p in manifest["packages"] for f in p["files"]}
    async with production("admins") as client:
        page = await client.get("/graphql", headers=HTML)
        paths = re.findall(r'(?:src|href)="(/graphql/static/[^"]+)"', page.text)
        assert {path.rsplit("/", 1)[1] for path in paths} == {
            "react.production.min.js",
            "react-dom.production.min.js",
            "graphiql.min.js",
            "graphiql.min.css",
            "graphiql-page.js",
            "graphiql-page.css",
        }
        for path in paths:
            name = path.rsplit("/", 1)[1]
            response = await client.get(path)
            assert response.status_code == 200, path
            kind = "text/javascript" if name.endswith(".js") else "text/css"
            assert response.headers["content-type"] == f"{kind}; charset=utf-8"
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert response.headers["x-content-type-options"] == "nosniff"
            if name in pinned:
                assert hashlib.sha256(response.content).hexdigest() == pinned[name]
            # A stale address (another version's digest) is not served as this one.
            parts = path.split("/")
            parts[-2] = "0" * 16
            assert (await client.get("/".join(parts))).status_code == 404
        # Only the page's files: not the manifest, nor anything else in the folder.
        digest = paths[0].split("/")[-2]
        for other in ("MANIFEST.json", "LICENSE.react.txt", "..%2Fgraphiql-page.js"):
            assert (await client.get(f"/graphql/static/{digest}/{other}")).status_code == 404


async def test_graphiql_off_serves_neither_the_page_nor_its_files(production: Production) -> None:
    async with production("admins") as on:
        paths = re.findall(
            r'src="(/graphql/static/[^"]+)"', (await on.get("/graphql", headers=HTML)).text
        )
    async with production("off") as off:
        assert (await off.get("/graphql", headers=HTML)).status_code == 404
        for path in paths:
            assert (await off.get(path)).status_code == 404


async def test_graphiqls_requests_get_what_the_token_allows_and_the_schema_only_for_admins(
    production: Production, world: World, provider_key: RSAKey, clock: SettableClock
) -> None:
    csc = await world.service()
    team_a = await world.team(csc, "Assessment Team 1")
    team_b = await world.team(csc, "Child Protection Team 1")
    worker = await world.person(
        "Ann Worker", (Role.PRACTITIONER, ScopeType.TEAM, team_a), team=team_a
    )
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    await world.children(team_a, 2, practitioner=worker, prefix="A")
    await world.children(team_b, 3, prefix="B")
    # GraphiQL's own first request: the full introspection query, as its fetcher sends it.
    introspection = {"query": get_introspection_query(), "operationName": "IntrospectionQuery"}
    children = {"query": "{ children(first: 10) { totalCount edges { node { caseReference } } } }"}
    history = {"query": "{ history(first: 5) { totalCount } }"}
    async with production("admins") as client:
        as_worker = _bearer(provider_key, worker, clock)
        refused = (await client.post("/graphql", json=introspection, headers=as_worker)).json()
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
        one_type = {"query": '{ __type(name: "Child") { fields { name } } }'}
        refused = (await client.post("/graphql", json=one_type, headers=as_worker)).json()
        assert refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
        assert "Child" not in json.dumps(refused["data"])
        mine = (await client.post("/graphql", json=children, headers=as_worker)).json()
        assert mine["data"]["children"]["totalCount"] == 2
        assert all(
            e["node"]["caseReference"].startswith("A") for e in mine["data"]["children"]["edges"]
        )
        not_mine = (await client.post("/graphql", json=history, headers=as_worker)).json()
        assert not_mine["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
        anonymous = (await client.post("/graphql", json=introspection)).json()
        assert anonymous["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"

        as_admin = _bearer(provider_key, admin, clock)
        schema = (await client.post("/graphql", json=introspection, headers=as_admin)).json()
        assert schema["data"]["__schema"]["queryType"]["name"] == "Query"
        # An administrator's token reads the schema, and still no child (DOMAIN.md).
        admins = (await client.post("/graphql", json=children, headers=as_admin)).json()
        assert admins["data"]["children"]["totalCount"] == 0
