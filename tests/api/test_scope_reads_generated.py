"""Nothing outside a person's scope, by any road: a cross-scope test generated from the schema.

From the schema itself: every Node type, every top-level field, and every nested field that
returns a Node, a list, a connection or a child-linked scalar, tried by every role of
DOMAIN.md over two services' worth of data, each answer compared with what the domain's
policies say (tests/api/scope_rules.py holds the one table of rules and the oracles, which
run each policy's own SQL filter). It fails when a type or field has no rule.

The roads tried, for every person:
- `node(id:)` for every object of every type: found exactly when the policy lets them see it;
- every top-level field: each node in the answer (at any depth) obeys its own type's policy,
  and the lists of "all you may see" list exactly what the policy says;
- every nested node, by its type's policy (a history entry inside a record: about that record,
  which they see);
- case references anywhere in any answer (nested records, history's changes, notifications'
  text): never one of a child they may not see;
- a partner-agency member sees nothing but themselves (and their own notifications).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry import relay

from api.app import Services, create_app
from api.graphql.schema import schema
from domain.children.models import Child
from domain.core.clock import SettableClock
from domain.core.roles import Actor
from domain.core.settings import Settings
from domain.history.models import HistoryEntry
from domain.history.registry import CHILD_LINKED
from domain.notifications.models import Notification
from domain.people.models import Person
from tests.api import scope_rules as rules
from tests.api.scope_scene import Scene, build_scene
from tests.conftest import World, app_client
from tests.domain.surveys.helpers import survey_defaults

GRAPH = schema._schema
NODE = GRAPH.get_type("Node")
# What a partner-agency member may see of their own: themselves, their roles, their inbox.
PARTNER_OWN = frozenset({"Person", "RoleGrant", "Notification"})


# --- the schema --------------------------------------------------------------------------------


def _is_node(t: GraphQLNamedType) -> bool:
    return isinstance(t, GraphQLObjectType) and NODE in t.interfaces


def _required_args(f: Any) -> bool:
    return any(
        isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in f.args.values()
    )


def _reachable() -> dict[str, GraphQLObjectType]:
    """Every object type a query can reach (not the mutations' payloads)."""
    query = GRAPH.query_type
    assert query is not None
    seen: dict[str, GraphQLObjectType] = {}
    todo: list[GraphQLNamedType] = [query]
    while todo:
        t = todo.pop()
        if t.name in seen or t.name.startswith("__"):
            continue
        if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
            todo += list(GRAPH.get_possible_types(t))
            continue
        if not isinstance(t, GraphQLObjectType):
            continue
        seen[t.name] = t
        todo += [get_named_type(f.type) for f in t.fields.values()]
    seen.pop(query.name)
    return seen


def _needs_rule(field_name: str, f: Any) -> bool:
    """A field returning a Node, a connection or a list, or a child-linked scalar."""
    named = get_named_type(f.type)
    return (
        field_name in rules.CHILD_LINKED_SCALARS
        or _is_node(named)
        or named.name.endswith("Connection")
        or "[" in str(f.type)
    )


def test_every_node_type_and_field_has_a_read_rule() -> None:
    types = _reachable()
    nodes = {n for n, t in types.items() if _is_node(t)}
    assert not nodes - set(rules.NODE_ORACLES), (
        f"Node types without a rule in tests/api/scope_rules.py: {sorted(nodes - set(rules.NODE_ORACLES))}"
    )
    needed = {
        f"{n}.{fn}"
        for n, t in types.items()
        for fn, f in t.fields.items()
        # A connection's rule covers its edges' nodes.
        if _needs_rule(fn, f) and n != "Query" and not (n.endswith("Edge") and fn == "node")
    }
    missing = needed - set(rules.FIELD_RULES)
    assert not missing, f"Fields without a read rule in tests/api/scope_rules.py: {sorted(missing)}"
    query = GRAPH.query_type
    assert query is not None
    untried = set(query.fields) - set(rules.TOP)
    assert not untried, (
        f"Query fields without a rule in tests/api/scope_rules.py: {sorted(untried)}"
    )
    # And no rule for what is gone.
    assert set(rules.NODE_ORACLES) <= nodes
    assert set(rules.TOP) <= set(query.fields)


def _minimal(t: GraphQLNamedType) -> str:
    """How a nested node is read: enough to check it against its own rule."""
    extra = {"Child": " caseReference", "HistoryEntry": " objectId changes"}.get(t.name, "")
    return f"__typename id{extra}"


def _selection(t: GraphQLNamedType, depth: int, expand: bool, edges_whole: bool) -> str:
    """Every field of `t` without required arguments, to `depth`. A node is read whole when
    `expand` (the node asked for, or a top-level list's own nodes when `edges_whole`), and
    otherwise only as far as its own rule is checked."""
    if isinstance(t, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
        return "__typename"
    assert isinstance(t, GraphQLObjectType)
    if _is_node(t) and not expand:
        return _minimal(t)
    whole = edges_whole and not _is_node(t)
    parts = ["__typename"]
    for name, f in t.fields.items():
        if _required_args(f):
            continue
        named = get_named_type(f.type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif depth > 0:
            own = whole and t.name.endswith("Edge") and name == "node"
            inner = _selection(named, depth - 1, own, whole)
            parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


FRAGMENTS = {
    name: f"fragment F_{name} on {name} {{ {_selection(t, 3, True, False)} }}"
    for name, t in _reachable().items()
    if _is_node(t)
}


def _top_query(name: str, top: rules.Top, campaign: str) -> str:
    query = GRAPH.query_type
    assert query is not None
    named = get_named_type(query.fields[name].type)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        body = ""
    elif _is_node(named):
        body = f"{{ ...F_{named.name} }}"
    else:
        body = f"{{ {_selection(named, 6, False, True)} }}"
    used = [f for n, f in FRAGMENTS.items() if f"...F_{n} " in body]
    return f"query {{ q: {name}{top.args.replace('{campaign}', campaign)} {body} }}\n" + "\n".join(
        used
    )


# --- the data: tests/api/scope_scene.py ---------------------------------------------------


@pytest.fixture
async def scene(world: World, audit_defaults: None) -> Scene:
    await survey_defaults(world)
    return await build_scene(world)


@pytest.fixture
async def roomy_client(
    settings: Settings, clock: SettableClock, engine: AsyncEngine, redis: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, with the edge's size limits raised: this test asks for every object of
    every type in one document per person (the limits have their own tests)."""
    roomy = settings.model_copy(
        update={
            "max_query_depth": 50,
            "max_query_tokens": 10**6,
            "max_query_aliases": 10**4,
            "max_query_fields": 10**6,
            "max_field_repeats": 10**4,
            "max_query_cost": 10**8,
            "max_request_body_bytes": 64 * 1024 * 1024,
        }
    )
    app = create_app(roomy, services=Services(roomy, clock=clock, engine=engine, redis=redis))
    async with app_client(app, raise_app_exceptions=False) as c:
        yield c


# --- the check ---------------------------------------------------------------------------------


@dataclass
class Seen:
    """What the policy says one person may see."""

    visible: dict[str, set[str]]
    refs_seen: set[str]
    refs_hidden: set[str]


async def _policy_view(world: World, actor: Actor) -> Seen:
    async with world.session_factory() as s:
        visible = {t: await oracle(s, actor) for t, oracle in rules.NODE_ORACLES.items()}
        refs = {
            ref: cid in visible["Child"]
            for cid, ref in ((str(c.id), c.case_reference) for c in await s.scalars(select(Child)))
        }
    return Seen(
        visible=visible,
        refs_seen={r for r, ok in refs.items() if ok},
        refs_hidden={r for r, ok in refs.items() if not ok},
    )


def _decode(gid: str) -> tuple[str, str]:
    g = relay.GlobalID.from_id(gid)
    return g.type_name, g.node_id


def _walk(
    value: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    if isinstance(value, dict):
        yield path, value
        for k, v in value.items():
            yield from _walk(v, (*path, k))
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, path)


def _check_answer(who: str, road: str, data: Any, seen: Seen, out: list[str]) -> None:
    """Every node anywhere in an answer obeys its own type's rule; no hidden case reference."""
    text = json.dumps(data)
    for ref in seen.refs_hidden:
        if ref in text:
            out.append(f"{who}: {road} names case {ref}, a child they may not see")
    for path, obj in _walk(data):
        if obj.get("caseReference") and obj["caseReference"] not in seen.refs_seen:
            out.append(f"{who}: {road} {'.'.join(path)} caseReference of a hidden child")
        type_name, gid = obj.get("__typename"), obj.get("id")
        if type_name not in rules.NODE_ORACLES or not isinstance(gid, str):
            continue
        if type_name == "HistoryEntry" and isinstance(obj.get("objectId"), str):
            # Child-linked history (domain/history/registry.py) only to who sees its object.
            object_type, object_raw = _decode(obj["objectId"])
            if object_type in CHILD_LINKED and object_raw not in seen.visible[object_type]:
                out.append(f"{who}: {road} shows child-linked history of {object_type}")
        _, raw = _decode(gid)
        if raw in seen.visible[type_name]:
            continue
        if type_name == "HistoryEntry" and path and path[-1] == "history" and "objectId" in obj:
            # History inside a record: about that record, which they see.
            object_type, object_raw = _decode(obj["objectId"])
            if object_raw in seen.visible.get(object_type, set()):
                continue
        out.append(f"{who}: {road} {'.'.join(path)} shows {type_name} {raw} outside their scope")


async def _all_objects(world: World) -> dict[str, set[str]]:
    """Every object of every type (the system sees all but others' inboxes: read those), and
    of history one entry of each action on each type (history is most of the rows, and its
    rule is by type)."""
    async with world.session_factory() as s:
        found = {t: await oracle(s, rules.ALL) for t, oracle in rules.NODE_ORACLES.items()}
        found["Notification"] = {str(i) for i in await s.scalars(select(Notification.id))}
        one_each = select(func.min(HistoryEntry.id)).group_by(
            HistoryEntry.object_type, HistoryEntry.action
        )
        found["HistoryEntry"] = {str(i) for i in await s.scalars(one_each)}
    return found


async def _post(client: httpx.AsyncClient, world: World, who: Person, query: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query}, headers=world.headers(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in ("NOT_ALLOWED", "NOT_FOUND", "INVALID"), (who.display_name, error)
        # A refusal of one field, never of the whole document: a document refused at the
        # edge would read as "nothing found" and hide every road it was to try.
        assert error.get("path"), (who.display_name, error)
    return body


@dataclass
class Road:
    """One person trying every road."""

    scene: Scene
    world: World
    client: httpx.AsyncClient
    person: Person
    seen: Seen
    failures: list[str]

    @property
    def who(self) -> str:
        return self.person.display_name

    @property
    def actor(self) -> Actor:
        return self.scene.actors[self.person.id]

    def fail(self, what: str) -> None:
        self.failures.append(f"{self.who}: {what}")

    async def case_content(self) -> None:
        """Whoever sees a record about a child sees the child."""
        async with self.world.session_factory() as s:
            for type_name, child_col in rules.CASE_CONTENT_CHILD.items():
                ids = [uuid.UUID(i) for i in self.seen.visible[type_name]]
                stmt = select(child_col).where(child_col.class_.id.in_(ids), child_col.is_not(None))
                for child_id in await s.scalars(stmt):
                    if str(child_id) not in self.seen.visible["Child"]:
                        self.fail(f"sees a {type_name} of a child they may not see")

    async def nodes(self, objects: list[tuple[str, str]], query: str) -> None:
        """node(id:) for every object of every type: found exactly when the policy says."""
        body = await _post(self.client, self.world, self.person, query)
        data = body.get("data") or {}
        # An object found whose field was refused (a runner's field, figures for planners)
        # reads as null with an error under its alias: found all the same.
        refused = {
            str(e["path"][0]) for e in body.get("errors") or [] if len(e.get("path") or []) > 1
        }
        for i, (t, raw) in enumerate(objects):
            found = data.get(f"n{i}") is not None or f"n{i}" in refused
            if found != (raw in self.seen.visible[t]):
                self.fail(f"node({t} {raw}) found={found}, policy says {not found}")
        _check_answer(self.who, "node", data, self.seen, self.failures)

    async def downloads(self) -> None:
        for template, decided_by in rules.DOWNLOADS.items():
            url = template.format(
                escalation=self.scene.inadequate_escalation, campaign=self.scene.campaign_id
            )
            got = await self.client.get(url, headers=self.world.headers(self.person))
            assert got.status_code in (200, 403, 404), (self.who, url, got.status_code)
            if decided_by is not None:
                visible = str(self.scene.inadequate_escalation) in self.seen.visible[decided_by]
                if (got.status_code == 200) != visible:
                    self.fail(f"{url} answered {got.status_code}")
            if got.status_code == 200 and self.actor.is_partner_only:
                self.fail(f"a partner downloads {url}")
            if got.status_code == 200 and not url.endswith(".pdf"):
                _check_answer(self.who, url, got.text, self.seen, self.failures)

    async def top_level(self) -> None:
        for name, top in rules.TOP.items():
            if top.skip:
                continue
            query = _top_query(name, top, self.scene.campaign_id)
            answer = (
                (await _post(self.client, self.world, self.person, query)).get("data") or {}
            ).get("q")
            _check_answer(self.who, name, answer, self.seen, self.failures)
            if top.equals and answer is not None:
                self._lists_what_policy_says(name, top.equals, answer)
            if self.actor.is_partner_only and name not in rules.PARTNER_MAY_READ and answer:
                self._partner_reads_nothing(name, answer)

    def _lists_what_policy_says(self, name: str, type_name: str, answer: Any) -> None:
        listed = {
            _decode(obj["id"])[1]
            for path, obj in _walk(answer)
            if obj.get("__typename") == type_name and len(path) <= 2
        }
        policy_says = self.seen.visible[type_name]
        if not listed <= policy_says or len(listed) != min(len(policy_says), 100):
            self.fail(f"{name} lists {len(listed)}, the policy says {len(policy_says)}")

    def _partner_reads_nothing(self, name: str, answer: Any) -> None:
        for _path, obj in _walk(answer):
            kind = obj.get("__typename")
            if kind in rules.NODE_ORACLES and kind not in PARTNER_OWN:
                self.fail(f"a partner reads {kind} through {name}")
            for k, v in obj.items():
                counted = k.endswith("ount") or k in ("total", "respondents")
                if counted and isinstance(v, int) and not isinstance(v, bool) and v:
                    self.fail(f"a partner reads {name}.{k} = {v}")


async def test_nothing_outside_a_persons_scope_by_any_road(
    scene: Scene, world: World, roomy_client: httpx.AsyncClient
) -> None:
    everything = await _all_objects(world)
    tried = "Child Audit InadequateEscalation BenchmarkRound HistoryEntry Notification"
    tried += " FeedbackRecord Sample"
    assert all(everything[t] for t in tried.split())
    objects = [(t, raw) for t, ids in everything.items() for raw in sorted(ids)]
    node_query = (
        "query {\n"
        + "\n".join(
            f'n{i}: node(id: "{relay.GlobalID(t, raw)}") {{ ...F_{t} }}'
            for i, (t, raw) in enumerate(objects)
        )
        + "\n}\n"
        + "\n".join(FRAGMENTS[t] for t in sorted({t for t, _ in objects}))
    )
    failures: list[str] = []
    for person in scene.people:
        seen = await _policy_view(world, scene.actors[person.id])
        road = Road(scene, world, roomy_client, person, seen, failures)
        await road.case_content()
        await road.nodes(objects, node_query)
        await road.downloads()
        await road.top_level()
    # A partner sees nothing but themselves.
    partner = scene.auth.partner
    seen = await _policy_view(world, scene.actors[partner.id])
    assert not {t: ids for t, ids in seen.visible.items() if ids and t not in PARTNER_OWN}
    assert seen.visible["Person"] == {str(partner.id)}
    assert not failures, "\n".join(sorted(set(failures))[:60])


async def test_the_manager_who_audited_sees_the_process_but_not_the_other_cases(
    scene: Scene, world: World, client: httpx.AsyncClient
) -> None:
    """Tob, team B's manager, audited Bob's case (team A) as Inadequate and sees its process,
    but not Bob's other cases: neither `otherCases` nor the exception report (which, as sent
    to the AED, names them) shows them to Tob; team A's manager sees them."""
    auth = scene.auth
    query = "{ inadequateEscalations { edges { node { otherCases { caseReference child { id } } "
    query += "child { caseReference } } } } }"

    async def other_cases(who: Person) -> list[Any]:
        response = await client.post("/graphql", json={"query": query}, headers=world.headers(who))
        [edge] = response.json()["data"]["inadequateEscalations"]["edges"]
        assert edge["node"]["child"]["caseReference"] == auth.bob_children[0].case_reference
        return [c["caseReference"] for c in edge["node"]["otherCases"]]

    assert await other_cases(auth.tm_b) == []
    assert await other_cases(auth.tm_a) == [c.case_reference for c in auth.bob_children[1:]]
    url = f"/escalations/{scene.inadequate_escalation}/exception-report.html"
    others = [c.case_reference for c in auth.bob_children[1:]]
    as_hos = await client.get(url, headers=world.headers(auth.hos_csc))
    assert as_hos.status_code == 200
    assert all(ref in as_hos.text for ref in others)
    as_auditor = await client.get(url, headers=world.headers(auth.tm_b))
    assert as_auditor.status_code == 200
    assert auth.bob_children[0].case_reference in as_auditor.text
    assert not any(ref in as_auditor.text for ref in others)
    assert "Both other cases reviewed." in as_auditor.text
    pdf = await client.get(url.replace(".html", ".pdf"), headers=world.headers(auth.tm_b))
    assert pdf.status_code == 200
    assert not any(ref in pdf.headers["content-disposition"] for ref in others)
