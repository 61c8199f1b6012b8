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
from datetime import UTC, date, datetime
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
from api.schema import schema
from domain.audits import programme
from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.children.models import Child
from domain.core.clock import SettableClock
from domain.core.settings import PolicySettings, Settings
from domain.deadlines import service as deadlines
from domain.escalation import service as escalation
from domain.escalation.models import AssuranceOutcome, InadequateEscalation, OtherCaseOutcome
from domain.history.models import HistoryEntry
from domain.history.registry import CHILD_LINKED
from domain.learning import service as learning
from domain.notifications.models import Notification
from domain.people.models import Person
from domain.people.roles import SYSTEM, Actor, Role, ScopeType
from tests.api import scope_rules as rules
from tests.conftest import World
from tests.domain.audit_helpers import (
    Authority,
    act,
    advance,
    build_authority,
    plan,
    refresh_actors,
    template_of,
)
from tests.domain.feedback_helpers import complaint, compliment
from tests.domain.survey_helpers import annual_campaign, printed_for, survey_defaults

GRAPH = schema._schema
NODE = GRAPH.get_type("Node")
NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
POLICY = PolicySettings()
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


# --- the data ----------------------------------------------------------------------------------


@dataclass
class Scene:
    auth: Authority
    people: list[Person]
    actors: dict[uuid.UUID, Actor]
    campaign_id: str
    inadequate_escalation: uuid.UUID


async def _build(world: World) -> Scene:
    world.clock.set(datetime(2026, 11, 2, 10, tzinfo=UTC))
    auth = await build_authority(world)
    atm = await world.person(
        "Ali Atm", (Role.ASSISTANT_TEAM_MANAGER, ScopeType.TEAM, auth.team_c), team=auth.team_c
    )
    people = [
        auth.person(n)
        for n in [
            "dcs",
            "aed",
            "psw",
            "qa_lead",
            "hos_csc",
            "hos_ff",
            "gm",
            "tm_a",
            "tm_b",
            "ann",
            "bob",
            "cat",
            "dan",
            "iro",
            "qau",
            "admin",
            "partner",
        ]
    ] + [atm]
    await refresh_actors(auth, people)
    a = auth.actor
    # An Inadequate audit of Bob's case (team A) by the manager of team B, confirmed: the
    # process goes to the Head of Service with Bob's other cases, which Tob may not see.
    audit = await plan(world, AuditKind.CASE_FILE, auth.tm_b, auth.bob_children[0])
    await advance(world, a(auth.tm_b), audit.id, AuditStatus.COMPLETED, grade=Grade.INADEQUATE)
    await act(
        world,
        audits.moderate_audit,
        a(auth.qa_lead),
        audit_id=audit.id,
        outcome=ModerationOutcome.CONFIRMED,
        reason="The plan does not address the neglect.",
        policy_settings=POLICY,
    )
    async with world.session_factory() as s:
        process = await s.scalar(
            select(InadequateEscalation).where(InadequateEscalation.audit_id == audit.id)
        )
    assert process is not None
    await act(
        world,
        escalation.record_assurance,
        a(auth.hos_csc),
        escalation_id=process.id,
        outcome=AssuranceOutcome.NOT_AT_RISK,
        detail="Safety plan in place.",
    )
    await act(
        world,
        escalation.record_other_case,
        a(auth.tm_a),
        escalation_id=process.id,
        child_id=auth.bob_children[1].id,
        outcome=OtherCaseOutcome.CONCERNS_ADDRESSED,
        note="The plan was updated.",
    )
    await act(
        world,
        escalation.record_other_case,
        a(auth.tm_a),
        escalation_id=process.id,
        child_id=auth.bob_children[2].id,
        outcome=OtherCaseOutcome.NO_CONCERNS,
        note=None,
    )
    await act(
        world,
        escalation.complete_other_cases_review,
        a(auth.tm_a),
        escalation_id=process.id,
        summary="Both other cases reviewed.",
    )
    await act(world, escalation.send_exception_report, a(auth.hos_csc), escalation_id=process.id)
    # Audits in other states and services, with an action and learning.
    good = await plan(world, AuditKind.CASE_FILE, auth.hos_csc, auth.cat_children[0])
    await advance(world, a(auth.hos_csc), good.id, AuditStatus.COMPLETED, grade=Grade.GOOD)
    await act(
        world,
        audits.add_action,
        a(auth.hos_csc),
        audit_id=good.id,
        description="Update the plan.",
        owner_id=auth.cat.id,
        due_date=date(2026, 12, 18),
    )
    await act(
        world,
        audits.add_learning_point,
        a(auth.hos_csc),
        audit_id=good.id,
        text="Direct work with the child was strong.",
        theme_ids=[],
        is_strength=True,
    )
    started = await plan(world, AuditKind.CASE_FILE, auth.hos_ff, auth.dan_children[0])
    await advance(world, a(auth.hos_ff), started.id, AuditStatus.IN_PROGRESS)
    await plan(world, AuditKind.CASE_FILE, auth.psw, auth.ann_children[0])
    # A benchmarking round in Family First, agreed.
    async with world.session_factory() as s, s.begin():
        round_, round_audits = await programme.create_benchmark_round(
            session=s,
            actor=a(auth.aed),
            clock=world.clock,
            name="Autumn 2026",
            child_id=auth.dan_children[1].id,
            auditor_ids=[auth.hos_ff.id, auth.iro.id],
            due_date=date(2026, 11, 30),
        )
    for audit_ in round_audits:
        auditor = auth.hos_ff if audit_.auditor_id == auth.hos_ff.id else auth.iro
        await advance(world, a(auditor), audit_.id, AuditStatus.SUBMITTED, grade=Grade.GOOD)
    template = await template_of(world, round_audits[0].id)
    await act(
        world,
        programme.record_agreed_grade,
        a(auth.aed),
        round_id=round_.id,
        overall_grade=Grade.GOOD,
        section_grades={s["key"]: Grade.GOOD for s in template.sections if s["graded"]},
        rationale="Agreed at the panel.",
    )
    # A sample drawn in Family First.
    await act(
        world,
        programme.draw_sample,
        a(auth.hos_ff),
        policy_settings=POLICY,
        request=programme.SampleRequest(
            month=date(2026, 11, 1),
            kind=AuditKind.DIP_SAMPLE,
            auditor_ids=[atm.id],
            due_date=date(2026, 11, 30),
            count=1,
            team_id=auth.team_c.id,
        ),
    )
    # The register, a Task and Finish Group, a closure day, a survey campaign.
    await complaint(auth, auth.team_b, date(2026, 11, 2), by=auth.hos_csc)
    await compliment(auth, auth.team_c, date(2026, 11, 2))
    await act(
        world,
        learning.create_group,
        a(auth.qa_lead),
        details=learning.GroupDetails(
            name="Neglect",
            purpose="Learn from neglect cases.",
            chair_id=auth.hos_csc.id,
            service_id=auth.csc.id,
        ),
    )
    await act(world, deadlines.add_closure_day, SYSTEM, day=date(2026, 12, 30), name="Closed")
    campaign = await annual_campaign(
        world, a(auth.qa_lead), printed_for([c.case_reference for c in auth.cat_children])
    )
    world.clock.set(NOW)
    actors = {p.id: auth.actor(p) for p in people}
    return Scene(
        auth=auth,
        people=people,
        actors=actors,
        campaign_id=str(relay.GlobalID("SurveyCampaign", str(campaign.campaign.id))),
        inadequate_escalation=process.id,
    )


@pytest.fixture
async def scene(world: World, audit_defaults: None) -> Scene:
    await survey_defaults(world)
    return await _build(world)


@pytest.fixture
async def roomy_client(
    settings: Settings, clock: SettableClock, engine: AsyncEngine, redis: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, with the edge's size limits raised: this test asks for every object of
    every type in one document per person (the limits have their own tests)."""
    roomy = settings.model_copy(
        update={"max_query_depth": 50, "max_query_tokens": 10**6, "max_query_aliases": 10**4}
    )
    app = create_app(roomy, services=Services(roomy, clock=clock, engine=engine, redis=redis))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
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
    return body


async def test_nothing_outside_a_persons_scope_by_any_road(
    scene: Scene, world: World, roomy_client: httpx.AsyncClient
) -> None:
    everything = await _all_objects(world)
    assert all(
        everything[t]
        for t in (
            "Child",
            "Audit",
            "InadequateEscalation",
            "BenchmarkRound",
            "HistoryEntry",
            "Notification",
            "FeedbackRecord",
            "Sample",
        )
    )
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
        who = person.display_name
        actor = scene.actors[person.id]
        seen = await _policy_view(world, actor)
        # Case content: whoever sees a record about a child sees the child.
        async with world.session_factory() as s:
            for type_name, child_col in rules.CASE_CONTENT_CHILD.items():
                model = child_col.class_
                ids = [uuid.UUID(i) for i in seen.visible[type_name]]
                for child_id in await s.scalars(
                    select(child_col).where(model.id.in_(ids), child_col.is_not(None))
                ):
                    if str(child_id) not in seen.visible["Child"]:
                        failures.append(f"{who}: sees a {type_name} of a child they may not see")
        # node(id:) for every object of every type.
        body = await _post(roomy_client, world, person, node_query)
        data = body.get("data") or {}
        # An object found whose field was refused (a runner's field, figures for planners)
        # reads as null with an error under its alias: found all the same.
        refused = {
            str(e["path"][0]) for e in body.get("errors") or [] if len(e.get("path") or []) > 1
        }
        for i, (t, raw) in enumerate(objects):
            found = data.get(f"n{i}") is not None or f"n{i}" in refused
            if found != (raw in seen.visible[t]):
                failures.append(f"{who}: node({t} {raw}) found={found}, policy says {not found}")
        _check_answer(who, "node", data, seen, failures)
        # Every download.
        for template, decided_by in rules.DOWNLOADS.items():
            url = template.format(
                escalation=scene.inadequate_escalation, campaign=scene.campaign_id
            )
            got = await roomy_client.get(url, headers=world.headers(person))
            assert got.status_code in (200, 403, 404), (who, url, got.status_code)
            if decided_by is not None:
                visible = str(scene.inadequate_escalation) in seen.visible[decided_by]
                if (got.status_code == 200) != visible:
                    failures.append(f"{who}: {url} answered {got.status_code}")
            if got.status_code == 200 and actor.is_partner_only:
                failures.append(f"{who}: a partner downloads {url}")
            if got.status_code == 200 and not url.endswith(".pdf"):
                _check_answer(who, url, got.text, seen, failures)
        # Every top-level field.
        for name, top in rules.TOP.items():
            if top.skip:
                continue
            body = await _post(
                roomy_client, world, person, _top_query(name, top, scene.campaign_id)
            )
            answer = (body.get("data") or {}).get("q")
            _check_answer(who, name, answer, seen, failures)
            if top.equals and answer is not None:
                listed = {
                    _decode(obj["id"])[1]
                    for path, obj in _walk(answer)
                    if obj.get("__typename") == top.equals and len(path) <= 2
                }
                policy_says = seen.visible[top.equals]
                if not listed <= policy_says or len(listed) != min(len(policy_says), 100):
                    failures.append(
                        f"{who}: {name} lists {len(listed)}, the policy says "
                        f"{len(seen.visible[top.equals])}"
                    )
            if actor.is_partner_only and name not in rules.PARTNER_MAY_READ and answer:
                for _path, obj in _walk(answer):
                    kind = obj.get("__typename")
                    if kind in rules.NODE_ORACLES and kind not in PARTNER_OWN:
                        failures.append(f"{who}: a partner reads {kind} through {name}")
                    for k, v in obj.items():
                        if (
                            isinstance(v, int)
                            and not isinstance(v, bool)
                            and v
                            and (k.endswith("ount") or k in ("total", "respondents"))
                        ):
                            failures.append(f"{who}: a partner reads {name}.{k} = {v}")
    # A partner sees nothing but themselves.
    partner = scene.auth.partner
    seen = await _policy_view(world, scene.actors[partner.id])
    others = {
        t: ids
        for t, ids in seen.visible.items()
        if ids and t not in ("Person", "RoleGrant", "Notification")
    }
    assert not others, others
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
