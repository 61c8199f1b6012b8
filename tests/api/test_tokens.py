"""Bearer tokens: bad ones get 401 and change nothing; good ones act as their person."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import func, select

from domain.core.clock import SettableClock
from domain.history.models import HistoryEntry
from domain.people.models import Person
from domain.people.roles import Role, ScopeType
from tests.conftest import TEST_SIGNING_KEY, GraphQL, World

ME = "{ me { displayName roles { role scope } } }"
CREATE = """
mutation { createService(input: {name: "Sneaky"}) { service { id } errors { code } } }
"""


def _claims(world: World, person: Person, **overrides: object) -> dict[str, object]:
    now = int(world.clock.now().timestamp())
    claims: dict[str, object] = {
        "iss": world.settings.auth_issuer,
        "aud": world.settings.auth_audience,
        "sub": f"dev:{person.id}",
        "email": person.email,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return claims


def _sign(claims: dict[str, object], key: str = TEST_SIGNING_KEY) -> str:
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(key), algorithms=["HS256"])


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.fixture
async def admin(world: World) -> Person:
    return await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))


async def test_a_valid_token_acts_as_its_person(gql: GraphQL, admin: Person) -> None:
    body = await gql(ME, as_=admin)
    assert body["data"]["me"] == {
        "displayName": "Ada Admin",
        "roles": [{"role": "ADMINISTRATOR", "scope": "AUTHORITY"}],
    }


def _bad_tokens(world: World, admin: Person) -> dict[str, str]:
    expired = _claims(world, admin, exp=int((world.clock.now() - timedelta(hours=1)).timestamp()))
    good = _sign(_claims(world, admin))
    header, _, signature = good.split(".")
    tampered_payload = _b64({**_claims(world, admin), "email": "someone.else@example.org"})
    rsa = RSAKey.generate_key(2048)
    return {
        "expired": _sign(expired),
        "wrong audience": _sign(_claims(world, admin, aud="another-api")),
        "wrong issuer": _sign(_claims(world, admin, iss="https://evil.example")),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(world, admin))}.",
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "wrong key": _sign(_claims(world, admin), key="another-key-entirely-0123456789abcdef"),
        "RS256 with no JWKS configured": jwt.encode(
            {"alg": "RS256"}, _claims(world, admin), rsa, algorithms=["RS256"]
        ),
        "no expiry": _sign({k: v for k, v in _claims(world, admin).items() if k != "exp"}),
        "garbage": "not.a.jwt",
        "unknown person": _sign(
            _claims(world, admin, sub="dev:nobody", email="nobody@example.org")
        ),
    }


async def test_bad_tokens_get_401_and_change_nothing(
    gql: GraphQL, world: World, admin: Person, session_factory: object
) -> None:
    for reason, token in _bad_tokens(world, admin).items():
        response = await gql.client.post(
            "/graphql", json={"query": CREATE}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, reason
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", reason
        assert response.headers["www-authenticate"].startswith("Bearer")
    async with world.session_factory() as s:
        assert (
            await s.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .where(HistoryEntry.action == "service.created")
            )
            == 0
        )


async def test_a_person_who_has_left_cannot_sign_in(
    gql: GraphQL, world: World, admin: Person
) -> None:
    token = world.token(admin)
    async with world.session_factory() as s, s.begin():
        person = await s.get(Person, admin.id)
        assert person is not None
        person.is_active = False
    response = await gql.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


async def test_a_token_past_its_expiry_by_the_clock_is_refused(
    gql: GraphQL, world: World, admin: Person, clock: SettableClock
) -> None:
    headers = world.headers(admin)
    clock.advance(timedelta(hours=world.settings.dev_token_hours, minutes=5))
    response = await gql.client.post("/graphql", json={"query": ME}, headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["message"]


async def test_a_non_bearer_authorization_header_is_refused(gql: GraphQL) -> None:
    response = await gql.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": "Basic YWRtaW46YWRtaW4="}
    )
    assert response.status_code == 401
