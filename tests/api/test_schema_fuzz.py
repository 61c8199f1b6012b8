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

from domain.core.roles import Role, ScopeType
from domain.people.models import Person
from tests.conftest import World

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"
EXAMPLES = 900


HOSTILE = [
    "\x00",
    "\ud800",  # a lone high surrogate
    "\udfff",  # a lone low surrogate
    "x" * 10_001,
    "é" * 10_001,
    "\u0660",  # ARABIC-INDIC DIGIT ZERO
    "\U0001d7d8",  # MATHEMATICAL DOUBLE-STRUCK DIGIT ZERO
    "\x00" * 3 + "\ud800",
]


def _text() -> st.SearchStrategy[str]:
    """Ordinary text three times in four, otherwise ordinary text around one of the strings
    the boundary exists for (NUL, a lone surrogate, text over the limit, Unicode digits)."""
    ordinary = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
    hostile = st.builds(
        lambda before, bad, after: before + bad + after,
        ordinary,
        st.sampled_from(HOSTILE),
        ordinary,
    )
    # Hypothesis's one_of does not weight its branches; sampled_from picks about evenly.
    return st.sampled_from([False] * 3 + [True]).flatmap(lambda bad: hostile if bad else ordinary)


def _ids(real: list[str]) -> st.SearchStrategy[str]:
    type_names = ["Service", "Team", "Person", "Child", "Audit", "SurveyCampaign", "Theme"]
    forged = st.builds(
        lambda t, u: graphql_id(t, u), st.sampled_from(type_names), st.uuids(version=4)
    )
    # Mostly real ids, so that resolvers find objects and go on to use the other arguments.
    return st.sampled_from([0] * 6 + [1] * 3 + [2]).flatmap(
        lambda n: (st.sampled_from(real), forged, _text())[n]
    )


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
    valid_moments = st.datetimes(datetime(2000, 1, 1), timezones=st.just(UTC)).map(str)
    dates = st.sampled_from([True] * 9 + [False]).flatmap(
        lambda ok: days.map(str) if ok else _text()
    )
    moments = st.sampled_from([True] * 9 + [False]).flatmap(
        lambda ok: valid_moments if ok else _text()
    )
    return {
        "String": _text().map(nodes.String),
        "ID": _ids(real_ids).map(nodes.String),
        "Date": dates.map(nodes.String),
        "DateTime": moments.map(nodes.String),
        "JSON": _json_value(),
    }


def _one_root_field_at_a_time(
    sdl: str, scalars: dict[str, st.SearchStrategy[graphql.ValueNode]]
) -> st.SearchStrategy[graphql.DocumentNode]:
    """Operations on one root field each, the field drawn evenly from every query and
    mutation: over the whole schema at once, Hypothesis spends its examples on the first
    few fields (it builds selections from the start of the list)."""
    schema = graphql.build_schema(sdl)
    names = [
        name
        for root in (schema.query_type, schema.mutation_type)
        if root is not None
        for name in root.fields
    ]
    per_field = {
        name: from_schema(
            schema, fields=[name], custom_scalars=scalars, codec=None, print_ast=_as_document
        )
        for name in names
    }
    return st.sampled_from(names).flatmap(per_field.__getitem__)


def _as_document(document: graphql.DocumentNode) -> graphql.DocumentNode:
    return document


class _Corrupt(graphql.Visitor):
    """Replaces the n-th string literal (counting round) with ordinary text around a hostile
    string: a valid operation with one bad value, so the rest of it gets as far as it can."""

    def __init__(self, n: int, bad: str) -> None:
        super().__init__()
        self.n, self.bad, self.strings = n, bad, 0

    def enter_string_value(self, node: graphql.StringValueNode, *_: object) -> object:
        self.strings += 1
        if self.strings - 1 == self.n:
            return graphql.StringValueNode(value=node.value[:8] + self.bad + node.value[8:])
        return None


def _corrupted(document: graphql.DocumentNode, corruption: tuple[int, str] | None) -> str:
    if corruption is not None:
        counter = _Corrupt(-1, "")
        graphql.visit(document, counter)
        if counter.strings:
            n, bad = corruption
            # visit() copies what it changes: the strategies' own nodes stay as they were
            document = graphql.visit(document, _Corrupt(n % counter.strings, bad))
    return graphql.print_ast(document)


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
    documents = _one_root_field_at_a_time(SCHEMA.read_text(), _scalars(real_ids))

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
    @given(
        role=st.sampled_from(sorted(people)),
        operation=documents,
        corruption=st.one_of(st.none(), st.tuples(st.integers(0, 20), st.sampled_from(HOSTILE))),
    )
    def answers_without_a_fault(
        role: str, operation: graphql.DocumentNode, corruption: tuple[int, str] | None
    ) -> None:
        document = _corrupted(operation, corruption)
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
