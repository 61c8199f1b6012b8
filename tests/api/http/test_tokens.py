"""Bearer tokens: bad ones get 401 and change nothing; good ones act as their person."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from api.app import Services, create_app
from domain.core.clock import SettableClock
from domain.core.roles import Role, ScopeType
from domain.core.settings import Settings
from domain.history.models import HistoryEntry
from domain.people.models import Person
from tests.conftest import TEST_SIGNING_KEY, GraphQL, StatementCounter, World, app_client

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


def _unsigned_header(header: str, world: World, admin: Person) -> str:
    """A token whose header is `header` (raw JSON text), with a real signature over it."""
    encoded = base64.urlsafe_b64encode(header.encode()).decode().rstrip("=")
    payload = _b64(_claims(world, admin))
    return f"{encoded}.{payload}.c2lnbmF0dXJl"


def _sign_escaped(claims: dict[str, object]) -> str:
    """Signed as joserfc would, but with the JSON escaped to ASCII, so that claims may hold
    what a provider's JSON can carry and joserfc itself would not encode (a lone surrogate)."""
    signing_input = f"{_b64({'alg': 'HS256'})}.{_b64(claims)}"
    mac = hmac.new(TEST_SIGNING_KEY.encode(), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{base64.urlsafe_b64encode(mac.digest()).decode().rstrip('=')}"


def _malformed_tokens(world: World, admin: Person) -> dict[str, str]:
    nested = '{"alg": "HS256", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    shallow_nested = '{"alg": "HS256", "x": ' + "[" * 600 + "]" * 600 + "}"
    return {
        "header nested 5,000 deep": _unsigned_header(nested, world, admin),
        "header nested 600 deep": _unsigned_header(shallow_nested, world, admin),
        "header with an object value": _unsigned_header(
            '{"alg": "HS256", "jwk": {"k": "x"}}', world, admin
        ),
        "huge header": _unsigned_header(
            '{"alg": "HS256", "x": "' + "a" * 5000 + '"}', world, admin
        ),
        "header not JSON": _unsigned_header("{alg", world, admin),
        "header a JSON list": _unsigned_header('["HS256"]', world, admin),
        "header not base64": "!!!." + _b64(_claims(world, admin)) + ".c2ln",
        "header invalid UTF-8": base64.urlsafe_b64encode(b'{"alg":"\xff"}').decode()
        + "."
        + _b64(_claims(world, admin))
        + ".c2ln",
        "two parts": _b64({"alg": "HS256"}) + "." + _b64(_claims(world, admin)),
        "NUL in sub": _sign(_claims(world, admin, sub="dev:\x00")),
        "NUL in email": _sign(_claims(world, admin, email="ada\x00@example.org")),
        "lone surrogate in sub": _sign_escaped(_claims(world, admin, sub="dev:\ud800")),
        "lone surrogate in email": _sign_escaped(
            _claims(world, admin, email="\udfffa@example.org")
        ),
        "NUL in another claim": _sign(_claims(world, admin, name="Ada\x00")),
        "lone surrogate in a nested claim": _sign_escaped(
            _claims(world, admin, groups=[{"name": "\ud800"}])
        ),
        "NUL in a claim's key": _sign(_claims(world, admin, **{"x\x00": 1})),
        "sub a number": _sign(_claims(world, admin, sub=12)),
        "email a list": _sign(_claims(world, admin, email=[admin.email])),
        "sub an object": _sign(_claims(world, admin, sub={"id": str(admin.id)})),
        "sub too long": _sign(_claims(world, admin, sub="dev:" + "x" * 1000)),
        "exp a string": _sign(_claims(world, admin, exp="tomorrow")),
        "payload nested 5,000 deep": _b64({"alg": "HS256"})
        + "."
        + base64.urlsafe_b64encode(b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}").decode()
        + ".c2ln",
        "payload nested 900 deep": _sign(
            _claims(world, admin, x=json.loads("[" * 900 + "]" * 900))
        ),
        "payload not JSON": _b64({"alg": "HS256"}) + ".bm90IGpzb24." + "c2ln",
        "not ASCII": _sign(_claims(world, admin)) + "é",
        "too long": _sign(_claims(world, admin, padding="x" * 20_000)),
    }


async def test_a_malformed_token_is_401_and_nothing_is_looked_up(
    gql: GraphQL, world: World, admin: Person, sql_counter: StatementCounter
) -> None:
    valid = _sign_escaped(_claims(world, admin))
    response = await gql.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {valid}"}
    )
    assert response.json()["data"]["me"]["displayName"] == "Ada Admin"  # the helper signs right
    for reason, token in _malformed_tokens(world, admin).items():
        sql_counter.start()
        response = await gql.client.post(
            "/graphql",
            json={"query": CREATE},
            # bytes: a header may carry what a str header in httpx may not (UTF-8 here)
            headers={b"Authorization": f"Bearer {token}".encode(), b"X-Request-ID": b"tok-1"},
        )
        assert sql_counter.stop() == 0, reason
        assert response.status_code == 401, (reason, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", reason
        assert response.headers["x-request-id"] == "tok-1", reason
    async with world.session_factory() as s:
        assert (
            await s.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .where(HistoryEntry.action == "service.created")
            )
            == 0
        )


async def test_a_database_that_does_not_answer_is_503_not_401(
    settings: Settings, app_services: Services, world: World, admin: Person
) -> None:
    """Only a failure of ours is 503: here the database refuses every connection."""
    unreachable = create_async_engine(
        "postgresql+asyncpg://postgres@127.0.0.1:1/qaf", connect_args={"timeout": 2}
    )
    broken = Services(
        settings,
        clock=app_services.clock,
        engine=unreachable,
        redis=app_services.redis,
        verifier=app_services.verifier,
    )
    app = create_app(settings, services=broken)
    async with app_client(app, raise_app_exceptions=False) as client:
        response = await client.post("/graphql", json={"query": ME}, headers=world.headers(admin))
    await unreachable.dispose()
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert response.headers["x-request-id"]
