"""Production: tokens from the identity provider's JWKS, development tokens refused,
introspection and GraphiQL for administrators only."""

from __future__ import annotations

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import Services, create_app
from domain.core.clock import SettableClock
from domain.core.settings import Settings
from domain.identity.tokens import TokenVerifier
from domain.people.models import Person
from domain.people.roles import Role, ScopeType
from tests.conftest import World

ISSUER = "https://login.example.org/tenant/v2.0"
AUDIENCE = "api://qaf"
JWKS_URL = "https://login.example.org/tenant/discovery/v2.0/keys"


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
    prod = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="production",
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        auth_issuer=ISSUER,
        auth_audience=AUDIENCE,
        auth_jwks_url=JWKS_URL,
        dev_signing_key="",
        graphiql="admins",
        public_base_url="https://voices.example.org",
        survey_token_key="a-production-secret-of-at-least-32-characters",
    )
    jwks = KeySet([provider_key]).as_dict(private=False)
    # The identity provider is outside this system; its JWKS endpoint is served in-process.
    provider = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=jwks))
    )
    verifier = TokenVerifier(prod, http=provider)
    services = Services(prod, clock=clock, engine=engine, redis=redis, verifier=verifier)
    app = create_app(prod, services=services)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _provider_token(key: RSAKey, person: Person, clock: SettableClock, **extra: object) -> str:
    now = int(clock.now().timestamp())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "entra-oid-123",
        "email": person.email,
        "iat": now,
        "exp": now + 3600,
        **extra,
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])


async def test_a_provider_token_is_accepted_and_matched_by_email(
    production: httpx.AsyncClient, world: World, provider_key: RSAKey, clock: SettableClock
) -> None:
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    token = _provider_token(provider_key, admin, clock)
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
    forged = _provider_token(RSAKey.generate_key(2048, parameters={"kid": "key-1"}), admin, clock)
    response = await production.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


async def test_introspection_and_graphiql_are_for_administrators_in_production(
    production: httpx.AsyncClient, world: World, provider_key: RSAKey, clock: SettableClock
) -> None:
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    query = {"query": "{ __schema { queryType { name } } }"}
    as_qa = await production.post(
        "/graphql",
        json=query,
        headers={
            "Authorization": f"Bearer {_provider_token(provider_key, qa, clock, sub='qa-sub')}"
        },
    )
    assert as_qa.json()["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    as_admin = await production.post(
        "/graphql",
        json=query,
        headers={"Authorization": f"Bearer {_provider_token(provider_key, admin, clock)}"},
    )
    assert as_admin.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    page = await production.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 403


async def test_an_identity_provider_that_does_not_answer_is_503_not_401(
    settings: Settings,
    clock: SettableClock,
    engine: AsyncEngine,
    redis: Redis,
    provider_key: RSAKey,
    world: World,
) -> None:
    """The provider's keys unavailable (and none cached) is our failure, not the token's."""
    prod = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="production",
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        auth_issuer=ISSUER,
        auth_audience=AUDIENCE,
        auth_jwks_url=JWKS_URL,
        dev_signing_key="",
        graphiql="admins",
        public_base_url="https://voices.example.org",
        survey_token_key="a-production-secret-of-at-least-32-characters",
    )
    down = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    services = Services(
        prod, clock=clock, engine=engine, redis=redis, verifier=TokenVerifier(prod, http=down)
    )
    app = create_app(prod, services=services)
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    token = _provider_token(provider_key, admin, clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert response.headers["retry-after"] == "5"
