"""Production identity for tests: the service configured as in production, trusting an
identity provider whose JWKS is served in-process, and tokens that provider signs."""

from __future__ import annotations

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import Services
from domain.core.clock import SettableClock
from domain.core.settings import Settings
from domain.identity.tokens import TokenVerifier
from domain.people.models import Person

ISSUER = "https://login.example.org/tenant/v2.0"
AUDIENCE = "api://qaf"
JWKS_URL = "https://login.example.org/tenant/discovery/v2.0/keys"


def production_services(
    settings: Settings,
    *,
    clock: SettableClock,
    engine: AsyncEngine,
    redis: Redis,
    provider_key: RSAKey,
    graphiql: str = "admins",
    provider: httpx.AsyncClient | None = None,
) -> Services:
    prod = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="production",
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        auth_issuer=ISSUER,
        auth_audience=AUDIENCE,
        auth_jwks_url=JWKS_URL,
        dev_signing_key="",
        graphiql=graphiql,
        public_base_url="https://voices.example.org",
        frontend_base_url="https://qa.example.org",
        survey_token_key="a-production-secret-of-at-least-32-characters",
    )
    jwks = KeySet([provider_key]).as_dict(private=False)
    # The identity provider is outside this system; its JWKS endpoint is served in-process.
    provider = provider or httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=jwks))
    )
    verifier = TokenVerifier(prod, http=provider)
    return Services(prod, clock=clock, engine=engine, redis=redis, verifier=verifier)


def provider_token(key: RSAKey, person: Person, clock: SettableClock, **extra: object) -> str:
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
