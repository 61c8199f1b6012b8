"""The HTTP surface: health, readiness, malformed requests, limits, masking, GraphiQL."""

from __future__ import annotations

import httpx
import pytest
import strawberry
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.app import Services, create_app
from api.extensions import MaskUnexpectedErrors
from domain.core.clock import SettableClock
from domain.core.roles import Role, ScopeType
from domain.core.settings import Settings
from tests.conftest import GraphQL, World, app_client


async def _client(services: Services) -> httpx.AsyncClient:
    app = create_app(services.settings, services=services)
    return app_client(app)


async def test_healthz_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_readyz_is_ready_when_postgresql_and_redis_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert (body["database"], body["redis"], body["workers_alive"]) == ("ok", "ok", 0)


async def test_readyz_is_503_and_names_redis_when_redis_is_down(
    settings: Settings, clock: SettableClock, engine: AsyncEngine
) -> None:
    dead_redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    services = Services(settings, clock=clock, engine=engine, redis=dead_redis)
    async with await _client(services) as c:
        response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["redis"].startswith("unavailable")


async def test_readyz_is_503_and_names_postgresql_when_it_is_unreachable(
    settings: Settings, clock: SettableClock, redis: Redis
) -> None:
    dead_engine = create_async_engine(
        "postgresql+asyncpg://postgres@127.0.0.1:1/qaf", connect_args={"timeout": 1}
    )
    services = Services(settings, clock=clock, engine=dead_engine, redis=redis)
    async with await _client(services) as c:
        response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("unavailable")
    assert response.json()["redis"] == "ok"
    await dead_engine.dispose()


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"query": 42}',
        b'{"variables": {}}',
        b'{"query": "{ me { "}',
        b'{"query": "{ me }", "variables": "x"}',
        b"\xff\xfe",
    ],
    ids=["bad json", "array", "query not string", "no query", "syntax", "bad variables", "bytes"],
)
async def test_malformed_requests_get_a_clear_error_never_a_500(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(
        "/graphql", content=content, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500 or (
        response.status_code == 200 and response.json().get("errors")
    ), (response.status_code, response.text)


async def test_wrong_variable_types_are_explained(gql: GraphQL, world: World) -> None:
    person = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    body = await gql(
        "query($n: Int) { children(first: $n) { totalCount } }", {"n": "lots"}, as_=person
    )
    assert body["data"] is None
    assert "Int" in body["errors"][0]["message"]


async def test_deep_queries_many_aliases_and_huge_documents_are_refused(
    gql: GraphQL, world: World
) -> None:
    person = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    deep = "{ me { " + "lineManager { " * 12 + "id" + " }" * 12 + " } }"
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(25)) + " }"
    huge = "{ me { " + " ".join("id" for _ in range(2500)) + " } }"
    for query, word in ((deep, "depth"), (aliases, "alias"), (huge, "token")):
        body = await gql(query, as_=person)
        assert body.get("data") is None
        assert word in body["errors"][0]["message"].lower(), body


async def test_unknown_fields_get_no_suggestions(gql: GraphQL, world: World) -> None:
    person = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    body = await gql("{ chldren { totalCount } }", as_=person)
    assert "Did you mean" not in body["errors"][0]["message"]


async def test_unexpected_errors_are_masked_with_the_request_id() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self) -> str:
            raise RuntimeError("password=hunter2 leaked from a driver")

    schema = strawberry.Schema(query=Query, extensions=[MaskUnexpectedErrors])

    class Ctx:
        request_id = "req-123"

    result = await schema.execute("{ broken }", context_value=Ctx())
    assert result.errors is not None
    error = result.errors[0]
    assert "hunter2" not in error.message
    assert "req-123" in error.message
    assert error.extensions == {"code": "INTERNAL", "requestId": "req-123"}


async def test_a_request_id_is_kept_from_the_caller_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "front-end-42"})
    assert given.headers["x-request-id"] == "front-end-42"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"


async def test_graphiql_is_served_in_development_and_test(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_history_is_for_administrators_and_the_qa_lead(gql: GraphQL, world: World) -> None:
    csc = await world.service()
    team = await world.team(csc, "Assessment Team 1")
    await world.children(team, 1)
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    hos = await world.person("Hannah Head", (Role.HEAD_OF_SERVICE, ScopeType.SERVICE, csc))
    query = "{ history(first: 100) { totalCount edges { node { action objectType actorLabel } } } }"
    refused = await gql(query, as_=hos)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    as_admin = await gql(query, as_=admin)
    as_qa = await gql(query, as_=qa)
    admin_actions = [e["node"]["action"] for e in as_admin["data"]["history"]["edges"]]
    assert "service.created" in admin_actions and "person.created" in admin_actions
    assert as_qa["data"]["history"]["totalCount"] == as_admin["data"]["history"]["totalCount"]


async def test_an_administrator_does_not_read_a_childs_history(gql: GraphQL, world: World) -> None:
    from domain.children import importer
    from domain.core.roles import SYSTEM

    csc = await world.service()
    await world.team(csc, "Assessment Team 1")
    async with world.session_factory() as s, s.begin():
        await importer.import_children(
            session=s,
            actor=SYSTEM,
            clock=world.clock,
            rows=[
                {
                    "case_reference": "CR-1",
                    "team": "Assessment Team 1",
                    "date_of_birth": "2016-01-01",
                }
            ],
        )
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    query = (
        '{ history(filter: {action: "child.imported"}, first: 10) { edges { node { changes } } } }'
    )
    assert (await gql(query, as_=admin))["data"]["history"]["edges"] == []
    [entry] = (await gql(query, as_=qa))["data"]["history"]["edges"]
    assert entry["node"]["changes"]["date_of_birth"] == [None, "2016-01-01"]
