"""The boundary of /graphql: a malformed body, a string PostgreSQL could not store or an id
that is not exactly one this server gave out gets a clear error, never a 500 or INTERNAL, and
nothing runs (docs/api-boundary.md)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.app import Services, create_app
from domain.core.roles import Role, ScopeType
from domain.history.models import HistoryEntry
from domain.people.models import Person
from tests.conftest import GraphQL, World, app_client

CREATE_SERVICE = """
mutation ($name: String!) { createService(input: {name: $name}) {
  service { id name } errors { code field message } } }
"""
CREATE_TEAM = """
mutation ($serviceId: ID!) { createTeam(input: {serviceId: $serviceId, name: "Team A"}) {
  team { id } errors { code field message } } }
"""


@pytest.fixture
async def admin(world: World) -> Person:
    return await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))


@pytest.fixture
async def qa_lead(world: World) -> Person:
    return await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))


async def _services_created(world: World) -> int:
    async with world.session_factory() as s:
        count = await s.scalar(
            select(func.count())
            .select_from(HistoryEntry)
            .where(HistoryEntry.action == "service.created")
        )
    return int(count or 0)


async def _gql_ascii(
    gql: GraphQL, query: str, variables: dict[str, Any], as_: Person
) -> dict[str, Any]:
    """Posts with the JSON escaped to ASCII, as a browser's JSON.stringify does a lone
    surrogate (httpx's own encoder cannot write one)."""
    response = await gql.client.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", **gql.world.headers(as_)},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _code(body: dict[str, Any]) -> str:
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert len(codes) == 1, body
    code: str = codes.pop()
    return code


# --- the HTTP body ----------------------------------------------------------------------------


def _post(client: httpx.AsyncClient, content: bytes, **headers: str) -> Any:
    return client.post(
        "/graphql",
        content=content,
        headers={"Content-Type": "application/json", **headers},
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"query": "{ me { id } }\xff"}', "UTF-8"),
        (b"null", "JSON object"),
        (b"12", "JSON object"),
        (b'"{ me { id } }"', "JSON object"),
        (b'[{"query": "{ me { id } }"}]', "JSON object"),
        (b'{"query": 12}', "query must be a string"),
        (b'{"query": "{ me { id } }", "variables": [1]}', "variables must be an object"),
        (b'{"query": "{ me { id } }", "operationName": {}}', "operationName"),
        (b'{"query": "{ me { id } }", "variables": {"n": ' + b"9" * 5000 + b"}}", "number"),
        (b'{"query": "{ me { id } }", "variables": {"n": NaN}}', "not JSON"),
        (b'{"query": "", "variables": {"n": ' + b"[" * 5000 + b"]" * 5000 + b"}}", "nested"),
        (b'{"query": "", "variables": {"n": ' + b"[" * 700 + b"]" * 700 + b"}}", "nested"),
        (b'{"query": ', "not JSON"),
    ],
)
async def test_a_malformed_body_is_400_with_a_json_error_and_a_request_id(
    client: httpx.AsyncClient, content: bytes, says: str
) -> None:
    response = await _post(client, content, **{"X-Request-ID": "req-body-1"})
    assert response.status_code == 400, response.text
    assert response.headers["x-request-id"] == "req-body-1"
    error = response.json()["errors"][0]
    assert says in error["message"]
    assert error["extensions"] == {"code": "INVALID", "requestId": "req-body-1"}


async def test_a_body_that_is_not_json_by_its_content_type_is_415(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql", content=b"{ me { id } }", headers={"Content-Type": "application/graphql"}
    )
    assert response.status_code == 415
    assert response.headers["x-request-id"]
    assert "application/json" in response.json()["errors"][0]["message"]


async def test_a_body_over_the_limit_is_413_by_its_declared_length(
    client: httpx.AsyncClient, world: World
) -> None:
    limit = world.settings.max_request_body_bytes
    assert limit == 1024 * 1024
    response = await _post(
        client, b'{"query": "' + b" " * limit + b'{ me { id } }"}', **{"X-Request-ID": "big"}
    )
    assert response.status_code == 413
    assert response.headers["x-request-id"] == "big"
    assert response.json()["errors"][0]["message"] == "The body is larger than 1,048,576 bytes."


async def test_a_streamed_body_is_cut_off_at_the_limit_without_reading_the_rest(
    client: httpx.AsyncClient, world: World
) -> None:
    """No Content-Length (chunked): the guard counts the chunks and stops asking for more
    once past the limit, so a 100 MB body is never held in memory."""
    sent = 0
    chunk = b" " * 65536

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "'
        for _ in range(1600):  # 100 MiB
            sent += len(chunk)
            yield chunk

    response = await client.post(
        "/graphql", content=body(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["x-request-id"]
    assert sent <= world.settings.max_request_body_bytes + 2 * len(chunk)


async def test_a_body_just_under_the_limit_is_answered(
    gql: GraphQL, world: World, admin: Person
) -> None:
    padding = " " * (world.settings.max_request_body_bytes - 200)
    body = await gql("{ me { displayName } }" + padding, as_=admin)
    assert body == {"data": {"me": {"displayName": "Ada Admin"}}}


async def test_every_response_carries_the_request_id_even_a_fault(
    settings: Any, app_services: Services
) -> None:
    """A fault that escapes every layer is a JSON 500 with the request id, not Starlette's
    plain-text page without one."""
    app = create_app(settings, services=app_services)

    async def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    app.add_route("/broken-for-the-test", broken)
    async with app_client(app, raise_app_exceptions=False) as client:
        response = await client.get("/broken-for-the-test", headers={"X-Request-ID": "r-500"})
        healthz = await client.get("/healthz")
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "r-500"
    assert response.json()["errors"][0]["extensions"] == {"code": "INTERNAL", "requestId": "r-500"}
    assert "boom" not in response.text
    assert healthz.headers["x-request-id"]


# --- strings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("Bad\x00name", "NUL"),
        ("Bad\ud800name", "lone surrogate"),
        ("x" * 10_001, "longer than 10,000 characters"),
    ],
)
async def test_a_string_variable_postgresql_could_not_store_is_invalid_and_nothing_runs(
    gql: GraphQL, world: World, admin: Person, name: str, says: str
) -> None:
    body = await _gql_ascii(gql, CREATE_SERVICE, {"name": name}, as_=admin)
    assert body["data"] is None
    assert _code(body) == "INVALID"
    assert says in body["errors"][0]["message"]
    assert "$name" in body["errors"][0]["message"]
    assert await _services_created(world) == 0


async def test_strings_nested_in_variables_and_their_keys_are_checked(
    gql: GraphQL, world: World, admin: Person
) -> None:
    query = """
    mutation ($input: CreateServiceInput!) { createService(input: $input) {
      service { id } errors { code } } }
    """
    nested = await gql(query, {"input": {"name": "Fine", "extra\x00": 1}}, as_=admin)
    assert _code(nested) == "INVALID"
    assert "key" in nested["errors"][0]["message"]
    inside = await gql(query, {"input": {"name": "A\x00"}}, as_=admin)
    assert _code(inside) == "INVALID"
    assert "$input.name" in inside["errors"][0]["message"]
    assert await _services_created(world) == 0


@pytest.mark.parametrize(
    "literal",
    [
        r'"Bad\u0000name"',
        r'"Bad\ud800name"',
        '"""Bad\x00name"""',
        '"' + "x" * 10_001 + '"',
    ],
)
async def test_a_string_literal_in_the_document_is_checked_the_same(
    gql: GraphQL, world: World, admin: Person, literal: str
) -> None:
    body = await gql(
        "mutation { createService(input: {name: " + literal + "}) { service { id } } }",
        as_=admin,
    )
    assert body["data"] is None
    # A raw NUL or an invalid escape is already a syntax error; either way the code is INVALID.
    assert body["errors"][0]["extensions"]["code"] == "INVALID", body
    assert await _services_created(world) == 0


async def test_string_literals_inside_lists_and_objects_and_query_arguments_are_checked(
    gql: GraphQL, admin: Person, qa_lead: Person
) -> None:
    for query, as_ in [
        (r'{ survey(key: "a\u0000") { key } }', qa_lead),
        (r'{ people(filter: {search: "a\u0000"}) { totalCount } }', admin),
        (
            r'mutation { markNotificationsRead(input: {ids: ["x", "a\u0000"]}) { errors { code } } }',
            admin,
        ),
    ]:
        body = await gql(query, as_=as_)
        assert body["data"] is None, query
        assert _code(body) == "INVALID", query
        assert "NUL" in body["errors"][0]["message"]


async def test_a_string_at_the_limit_is_accepted(gql: GraphQL, admin: Person) -> None:
    query = "query ($s: String) { people(filter: {search: $s}) { totalCount } }"
    body = await gql(query, {"s": "é" * 10_000}, as_=admin)
    assert body == {"data": {"people": {"totalCount": 0}}}
    literal = await gql(
        '{ people(filter: {search: "' + "é" * 10_000 + '"}) { totalCount } }', as_=admin
    )
    assert "errors" not in literal


# --- global ids ---------------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _variants(type_name: str, real: uuid.UUID) -> dict[str, str]:
    canonical = _b64(f"{type_name}:{real}")
    digit = next(c for c in str(real) if c.isdigit())
    arabic = str(real).replace(digit, chr(0x660 + int(digit)), 1)  # ARABIC-INDIC DIGIT
    unpadded = base64.b64encode(f"{type_name}:{real}-".encode()).decode()
    variants = {
        "Arabic-Indic digit in the UUID": base64.b64encode(
            f"{type_name}:{arabic}".encode()
        ).decode(),
        "uppercase UUID": _b64(f"{type_name}:{str(real).upper()}"),
        "UUID without hyphens": _b64(f"{type_name}:{real.hex}"),
        "UUID in braces": _b64(f"{type_name}:{{{real}}}"),
        "padding extra": canonical + "=",
        "padding extra, a whole group": canonical + "====",
        "urlsafe alphabet (- and _)": base64.urlsafe_b64encode(
            f"{type_name}:{real}".encode() + b"\xfb\xff"
        ).decode(),
        "whitespace": " " + canonical,
        "wrong type name": _b64(f"Team:{real}"),
        "garbage": "not an id at all",
        "empty": "",
        "non-ASCII": "ÄÖÜ" + canonical,
        "NUL in the decoded id": _b64(f"{type_name}:{real}\x00"),
        "trailing character in the UUID": unpadded,
    }
    if canonical.endswith("="):
        variants["padding missing"] = canonical.rstrip("=")
    return variants


async def _service(gql: GraphQL, admin: Person) -> tuple[str, uuid.UUID]:
    body = await gql(CREATE_SERVICE, {"name": "Children's Social Care"}, as_=admin)
    gid = body["data"]["createService"]["service"]["id"]
    type_name, _, raw = base64.b64decode(gid).decode().partition(":")
    assert type_name == "Service"
    return gid, uuid.UUID(raw)


async def test_node_resolves_only_the_canonical_id(gql: GraphQL, admin: Person) -> None:
    gid, real = await _service(gql, admin)
    query = "query ($id: ID!) { node(id: $id) { id ... on Service { name } } }"
    found = await gql(query, {"id": gid}, as_=admin)
    assert found["data"]["node"] == {"id": gid, "name": "Children's Social Care"}
    for reason, variant in _variants("Service", real).items():
        body = await gql(query, {"id": variant}, as_=admin)
        assert body == {"data": {"node": None}}, reason


async def test_a_mutation_input_refuses_every_non_canonical_id_by_field(
    gql: GraphQL, world: World, admin: Person
) -> None:
    gid, real = await _service(gql, admin)
    ok = await gql(CREATE_TEAM, {"serviceId": gid}, as_=admin)
    assert ok["data"]["createTeam"]["errors"] == []
    for reason, variant in _variants("Service", real).items():
        body = await gql(CREATE_TEAM, {"serviceId": variant}, as_=admin)
        assert body["data"]["createTeam"] == {
            "team": None,
            "errors": [
                {
                    "code": "INVALID",
                    "field": "serviceId",
                    "message": "That is not the id of a Service.",
                }
            ],
        }, reason


async def test_a_query_argument_refuses_a_malformed_id_as_invalid_not_internal(
    gql: GraphQL, qa_lead: Person, world: World
) -> None:
    real = uuid.uuid4()
    for reason, variant in _variants("SurveyCampaign", real).items():
        one = await gql(
            "query ($id: ID!) { surveyCampaign(id: $id) { id } }", {"id": variant}, as_=qa_lead
        )
        assert one["data"] == {"surveyCampaign": None}, (reason, one)
        assert one.get("errors", [{}])[0].get("extensions") == {
            "code": "INVALID",
            "field": "id",
        }, (reason, one)
    for reason, variant in _variants("Audit", real).items():
        listed = await gql(
            "query ($a: ID) { surveyCampaigns(filter: {auditId: $a}) { totalCount } }",
            {"a": variant},
            as_=qa_lead,
        )
        assert listed["errors"][0]["extensions"]["code"] == "INVALID", (reason, listed)
        assert listed["errors"][0]["extensions"]["field"] == "filter.auditId", reason


async def test_the_history_filter_takes_only_canonical_ids(
    gql: GraphQL, qa_lead: Person, admin: Person
) -> None:
    gid, real = await _service(gql, admin)
    query = "query ($o: ID) { history(filter: {objectId: $o}) { totalCount } }"
    ok = await gql(query, {"o": gid}, as_=qa_lead)
    assert ok["data"]["history"]["totalCount"] == 1
    for reason, variant in _variants("Service", real).items():
        if reason == "wrong type name":
            continue  # a Team's id is a valid object id: it just has no history here
        body = await gql(query, {"o": variant}, as_=qa_lead)
        assert body["errors"][0]["extensions"]["code"] == "INVALID", reason


async def test_a_download_path_takes_only_canonical_ids(
    client: httpx.AsyncClient, world: World, qa_lead: Person
) -> None:
    real = uuid.uuid4()
    digit = next(c for c in str(real) if c.isdigit())
    arabic = str(real).replace(digit, chr(0x660 + int(digit)), 1)
    for path_id in (str(real).upper(), arabic, real.hex):
        response = await client.get(
            f"/survey-campaigns/{path_id}/results.csv", headers=world.headers(qa_lead)
        )
        assert response.status_code == 404, path_id


async def test_an_id_of_an_object_in_another_service_is_still_not_found(
    gql: GraphQL, admin: Person, world: World
) -> None:
    """The strict decoder changes nothing for canonical ids: a well-formed id of an object
    that does not exist is null for node() as before."""
    missing = _b64(f"Service:{uuid.uuid4()}")
    body = await gql("query ($id: ID!) { node(id: $id) { id } }", {"id": missing}, as_=admin)
    assert body == {"data": {"node": None}}


async def test_every_error_about_the_request_itself_has_the_code_invalid(
    gql: GraphQL, admin: Person
) -> None:
    for query, variables in [
        ("{ me { id ", None),  # syntax
        ("{ nope }", None),  # validation
        ("query ($n: Int!) { people(first: $n) { totalCount } }", {"n": "x"}),  # variables
    ]:
        body = await gql(query, variables, as_=admin)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "INVALID", body


async def test_a_forged_cursor_nested_thousands_deep_is_invalid_not_internal(
    gql: GraphQL, admin: Person
) -> None:
    cursor = base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode().rstrip("=")
    body = await gql(
        "query ($c: String) { people(after: $c) { totalCount } }", {"c": cursor}, as_=admin
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "after"}
