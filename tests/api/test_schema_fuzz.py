"""Every input against a schema fuzzer (ARCHITECTURE.md, "Tests"): Hypothesis, through
hypothesis-graphql, writes queries and mutations over schema.graphql with random arguments
(strings with NUL, lone surrogates and over-long text, real and forged ids, odd dates and JSON)
and posts them to the real app as an administrator, a practitioner and the QA Lead, over a small
authority with children. Whatever comes back must be an answer: no 5xx, and no error with the
code INTERNAL (an exception nobody expected).

Hypothesis runs inside this one test (tests start from empty tables, so the world is made once,
first): the `@given` function is synchronous and runs in a worker thread, posting each request
to the test's own event loop, where the app, its engine and the client live. `derandomize`
makes every run, in CI too, try the same examples. It prints the requests per role and the
outcomes by code (`pytest -s` shows them).
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import graphql
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from domain.people.models import Person
from domain.people.roles import Role, ScopeType
from tests.conftest import World

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"
EXAMPLES = 400


def _text() -> st.SearchStrategy[str]:
    """Ordinary text mostly (an operation has many strings, and one bad one stops it at the
    boundary), and sometimes the strings the boundary exists for."""
    ordinary = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
    hostile = st.one_of(
        st.text(st.characters(codec=None), min_size=1, max_size=20),  # surrogates, NUL, anything
        st.sampled_from(["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "\u0660", "\U0001d7d8"]),
        st.builds(lambda c, n: c * n, st.sampled_from("xé"), st.integers(9_990, 10_010)),
    )
    # One string in sixteen is hostile (Hypothesis's one_of does not weight its branches).
    return st.sampled_from([False] * 15 + [True]).flatmap(lambda bad: hostile if bad else ordinary)


def _ids(real: list[str]) -> st.SearchStrategy[str]:
    type_names = ["Service", "Team", "Person", "Child", "Audit", "SurveyCampaign", "Theme"]
    forged = st.builds(
        lambda t, u: graphql_id(t, u), st.sampled_from(type_names), st.uuids(version=4)
    )
    return st.one_of(st.sampled_from(real), forged, _text())


def graphql_id(type_name: str, node_id: uuid.UUID) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def _json_value() -> st.SearchStrategy[graphql.ValueNode]:
    leaves = st.one_of(
        _text().map(nodes.String),
        st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
        st.booleans().map(lambda b: graphql.BooleanValueNode(value=b)),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(nodes.List),
            st.dictionaries(st.from_regex(r"\A[a-z]{1,8}\Z"), inner, max_size=3).map(
                lambda d: nodes.Object(
                    [
                        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
                        for k, v in d.items()
                    ]
                )
            ),
        ),
        max_leaves=6,
    )


def _scalars(real_ids: list[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    days = st.dates(date(2000, 1, 1), date(2040, 12, 31))
    dates = st.one_of(days.map(str), _text())
    moments = st.one_of(
        st.datetimes(datetime(2000, 1, 1), timezones=st.just(UTC)).map(str), _text()
    )
    return {
        "String": _text().map(nodes.String),
        "ID": _ids(real_ids).map(nodes.String),
        "Date": dates.map(nodes.String),
        "DateTime": moments.map(nodes.String),
        "JSON": _json_value(),
    }


async def _small_world(world: World) -> tuple[dict[str, Person], list[str]]:
    service = await world.service()
    team = await world.team(service, "Assessment")
    practitioner = await world.person(
        "Pat Practitioner", (Role.PRACTITIONER, ScopeType.TEAM, team), team=team
    )
    people = {
        "administrator": await world.person(
            "Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None)
        ),
        "practitioner": practitioner,
        "QA Lead": await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None)),
    }
    children = await world.children(team, 3, practitioner=practitioner)
    real = [
        graphql_id("Service", service.id),
        graphql_id("Team", team.id),
        graphql_id("Person", practitioner.id),
        *(graphql_id("Child", c.id) for c in children),
    ]
    return people, real


def _outcome(response: httpx.Response) -> str:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    errors = response.json().get("errors") or []
    if not errors:
        return "data"
    codes = sorted({str((e.get("extensions") or {}).get("code", "no code")) for e in errors})
    return "errors: " + ",".join(codes)


async def test_no_generated_query_or_mutation_gets_a_5xx_or_internal(
    client: httpx.AsyncClient, world: World, audit_defaults: None
) -> None:
    people, real_ids = await _small_world(world)
    headers = {role: world.headers(person) for role, person in people.items()}
    loop = asyncio.get_running_loop()
    per_role: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    samples: dict[str, str] = {}
    documents = from_schema(SCHEMA.read_text(), custom_scalars=_scalars(real_ids), codec=None)

    def post(role: str, document: str) -> httpx.Response:
        # ASCII-escaped JSON carries a lone surrogate as \ud800, as a browser would send it.
        body = json.dumps({"query": document}).encode()
        request = client.post(
            "/graphql",
            content=body,
            headers={**headers[role], "Content-Type": "application/json"},
        )
        return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=120)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(role=st.sampled_from(sorted(people)), document=documents)
    def answers_without_a_fault(role: str, document: str) -> None:
        response = post(role, document)
        outcome = _outcome(response)
        per_role[role] += 1
        outcomes[outcome] += 1
        kinds["mutation" if document.lstrip().startswith("mutation") else "query"] += 1
        if outcome.startswith("errors"):
            samples.setdefault(outcome, response.json()["errors"][0]["message"][:120])
        assert response.status_code < 500, (role, document, response.text)
        assert "INTERNAL" not in outcome, (role, document, response.text)

    try:
        await asyncio.to_thread(answers_without_a_fault)
    finally:
        print(f"\nschema fuzz: {sum(per_role.values())} requests, by role {dict(per_role)}")
        print(f"  by kind {dict(kinds)}")
        for outcome, count in outcomes.most_common():
            print(f"  {count:5d}  {outcome}  {samples.get(outcome, '')!r}")
    assert sum(per_role.values()) >= EXAMPLES
    assert outcomes["data"] > 0  # some requests got through to resolvers and answered
