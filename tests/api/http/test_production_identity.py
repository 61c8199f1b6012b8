"""Production: tokens from the identity provider's JWKS, development tokens refused,
introspection for administrators only (GraphiQL's page: test_graphiql.py)."""

from __future__ import annotations

import httpx
import pytest
from joserfc.jwk import RSAKey
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from domain.core.clock import SettableClock
from domain.core.roles import Role, ScopeType
from domain.core.settings import Settings
from tests.api.http.identity import production_services, provider_token
from tests.conftest import World, app_client


@pytest.fixture
def provider_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "key-1"})


@pytest.fixture
async def production(
    settings: Settings,
    clock: SettableClock,
    engine: AsyncEngine,
    redis: Redis,
    provider_key: RSAKey,
) -> httpx.AsyncClient:
    services = production_services(
        settings, clock=clock, engine=engine, redis=redis, provider_key=provider_key
    )
    app = create_app(services.settings, services=services)
    return app_client(app)


async def test_a_provider_token_is_accepted_and_matched_by_email(
    production: httpx.AsyncClient, world: World, provider_key: RSAKey, clock: SettableClock
) -> None:
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    token = provider_token(provider_key, admin, clock)
    response = await production.post(
        "/graphql",
        json={"query": "{ me { displayName } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json() == {"data": {"me": {"displayName": "Ada Admin"}}}


async def test_development_tokens_are_refused_in_production(
    production: httpx.AsyncClient, world: World
) -> None:
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    response = await production.post(
        "/graphql", json={"query": "{ me { displayName } }"}, headers=world.headers(admin)
    )
    assert response.status_code == 401


async def test_a_token_signed_by_another_key_is_refused(
    production: httpx.AsyncClient, world: World, clock: SettableClock
) -> None:
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    forged = provider_token(RSAKey.generate_key(2048, parameters={"kid": "key-1"}), admin, clock)
    response = await production.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


async def test_introspection_is_for_administrators_in_production(
    production: httpx.AsyncClient, world: World, provider_key: RSAKey, clock: SettableClock
) -> None:
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    query = {"query": "{ __schema { queryType { name } } }"}
    as_qa = await production.post(
        "/graphql",
        json=query,
        headers={
            "Authorization": f"Bearer {provider_token(provider_key, qa, clock, sub='qa-sub')}"
        },
    )
    assert as_qa.json()["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    as_admin = await production.post(
        "/graphql",
        json=query,
        headers={"Authorization": f"Bearer {provider_token(provider_key, admin, clock)}"},
    )
    assert as_admin.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_an_identity_provider_that_does_not_answer_is_503_not_401(
    settings: Settings,
    clock: SettableClock,
    engine: AsyncEngine,
    redis: Redis,
    provider_key: RSAKey,
    world: World,
) -> None:
    """The provider's keys unavailable (and none cached) is our failure, not the token's."""
    down = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    services = production_services(
        settings, clock=clock, engine=engine, redis=redis, provider_key=provider_key, provider=down
    )
    app = create_app(services.settings, services=services)
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    token = provider_token(provider_key, admin, clock)
    async with app_client(app) as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert response.headers["retry-after"] == "5"
