"""Bearer tokens: OIDC JWTs checked with joserfc (issuer, audience, expiry, an algorithm
allow-list), keys from the provider's JWKS or, outside production, a local signing key."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.errors import Unauthenticated
from domain.core.roles import Actor
from domain.core.settings import Settings
from domain.people import service as people
from domain.people.models import Person

DEV_ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
JWKS_TTL_SECONDS = 600
JWKS_MIN_REFRESH_SECONDS = 30


class TokenRejected(Unauthenticated):
    """The token is not one this service accepts; the reason is safe to show the caller."""


# A token's JOSE header is a handful of short fields; a longer one is refused unread.
MAX_HEADER_CHARACTERS = 2048
# The claims this service reads (the subject and the email-like ones) are short strings.
MAX_CLAIM_CHARACTERS = 512
# Providers nest claims a level or two (groups, addresses); nothing here reads deeper ones.
MAX_CLAIMS_DEPTH = 16
IDENTITY_CLAIMS = ("sub", "email", "preferred_username", "upn")


class IdentityProviderUnavailable(Exception):
    """The provider's keys could not be fetched: our fault (503), not the token's (401)."""


def _header(token: str) -> dict[str, Any]:
    """The token's header, which must be a flat JSON object; anything else is not a JWT."""
    encoded = token.split(".")[0]
    if token.count(".") != 2 or len(encoded) > MAX_HEADER_CHARACTERS or not token.isascii():
        raise TokenRejected("The token is not a JWT.")
    try:
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and binascii's too
        raise TokenRejected("The token is not a JWT.") from exc
    if not isinstance(header, dict) or not all(
        isinstance(v, str | int | bool)
        or (isinstance(v, list) and all(isinstance(i, str) for i in v))
        for v in header.values()
    ):
        raise TokenRejected("The token is not a JWT.")
    return header


def _flat(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return isinstance(value, str | int | bool)


def _check_claims(claims: dict[str, Any]) -> None:
    """Refuses claims this service could not store or look up: an identity claim that is not
    a short string, or any text anywhere in the claims with NUL or a lone surrogate."""
    for name in IDENTITY_CLAIMS:
        value = claims.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_CLAIM_CHARACTERS):
            raise TokenRejected(f"The token's {name} claim is not acceptable.")
    stack: list[tuple[Any, int]] = [(claims, 1)]
    while stack:
        item, depth = stack.pop()
        texts: list[Any] = []
        if isinstance(item, dict | list) and depth > MAX_CLAIMS_DEPTH:
            raise TokenRejected("The token's claims are nested too deep.")
        if isinstance(item, dict):
            texts = list(item.keys())
            stack.extend((value, depth + 1) for value in item.values())
        elif isinstance(item, list):
            stack.extend((value, depth + 1) for value in item)
        else:
            texts = [item]
        for text in texts:
            if isinstance(text, str) and ("\x00" in text or not _encodable(text)):
                raise TokenRejected("The token's claims hold characters that are not text.")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class TokenVerifier:
    """One per process: it caches the provider's keys, nothing about any request."""

    def __init__(self, settings: Settings, *, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._http = http
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        self._dev_key = (
            OctKey.import_key(settings.dev_signing_key.get_secret_value())
            if settings.dev_signing_key is not None and not settings.is_production
            else None
        )

    async def _jwks(self, *, refresh: bool) -> KeySet:
        url = self.settings.auth_jwks_url
        if not url:
            raise TokenRejected("This service accepts no provider-signed tokens.")
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = self._keys is None or age > JWKS_TTL_SECONDS
            if stale or (refresh and age > JWKS_MIN_REFRESH_SECONDS):
                client = self._http or httpx.AsyncClient(timeout=5)
                try:
                    response = await client.get(url)
                    response.raise_for_status()
                    self._keys = KeySet.import_key_set(response.json())
                    self._fetched_at = time.monotonic()
                except (httpx.HTTPError, ValueError, JoseError) as exc:
                    if self._keys is None:
                        raise IdentityProviderUnavailable(
                            "The identity provider's keys are unavailable."
                        ) from exc
                finally:
                    if self._http is None:
                        await client.aclose()
            assert self._keys is not None
            return self._keys

    async def verify(self, token: str, *, clock: Clock) -> dict[str, Any]:
        header = _header(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg.lower() == "none":
            raise TokenRejected("Unsigned tokens are refused.")
        key: Any
        if alg == DEV_ALGORITHM and self._dev_key is not None:
            key, allowed = self._dev_key, [DEV_ALGORITHM]
        elif alg in self.settings.auth_algorithms and not alg.upper().startswith("HS"):
            key, allowed = await self._jwks(refresh=False), list(self.settings.auth_algorithms)
            kid = header.get("kid")
            if kid is not None and not any(k.kid == kid for k in key.keys):
                key = await self._jwks(refresh=True)
        else:
            raise TokenRejected(f"Tokens signed with {alg} are refused.")
        try:
            decoded = jwt.decode(token, key, algorithms=allowed)
            registry = jwt.JWTClaimsRegistry(
                now=int(clock.now().timestamp()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.settings.auth_issuer},
                aud={"essential": True, "value": self.settings.auth_audience},
                exp={"essential": True},
            )
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise TokenRejected(_reason(exc)) from exc
        except Exception as exc:
            # Decoding and checking are pure computation on the token's own bytes: whatever
            # fails there (a payload nested too deep, a claim of an unexpected type) is the
            # token's fault, never the service's.
            raise TokenRejected("The token could not be read.") from exc
        _check_claims(decoded.claims)
        return decoded.claims


def _reason(exc: JoseError) -> str:
    name = type(exc).__name__
    if name == "ExpiredTokenError":
        return "The token has expired."
    if name in ("InvalidClaimError", "MissingClaimError"):
        return f"The token's claims are not accepted ({exc.description or exc.error})."
    if name == "BadSignatureError":
        return "The token's signature does not match."
    return "The token is not accepted."


def _claim(claims: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


async def authenticate(
    *, session: AsyncSession, verifier: TokenVerifier, token: str, clock: Clock
) -> Actor:
    """The Actor a bearer token speaks for, or TokenRejected."""
    claims = await verifier.verify(token, clock=clock)
    person = await people.find_active_person(
        session,
        subject=_claim(claims, "sub"),
        email=_claim(claims, "email", "preferred_username", "upn"),
    )
    if person is None:
        raise TokenRejected("No active person in this service matches the token.")
    return await people.actor_for_person(session, person)


def issue_development_token(*, settings: Settings, clock: Clock, person: Person) -> str:
    """A locally signed token for a person, for development and tests only."""
    if settings.is_production or settings.dev_signing_key is None:
        raise Unauthenticated("Development tokens are not issued in production.")
    now = int(clock.now().timestamp())
    claims = {
        "iss": settings.auth_issuer,
        "aud": settings.auth_audience,
        "sub": person.subject or f"dev:{person.id}",
        "email": person.email,
        "name": person.display_name,
        "iat": now,
        "nbf": now,
        "exp": now + settings.dev_token_hours * 3600,
        "jti": str(uuid.uuid4()),
    }
    key = OctKey.import_key(settings.dev_signing_key.get_secret_value())
    return jwt.encode({"alg": DEV_ALGORITHM}, claims, key, algorithms=[DEV_ALGORITHM])
