"""Task and Finish Groups through GraphQL: who sets one up and records its learning (and who
is refused), learning tagged with themes like an audit's, `learningPoints` listing audit and
group learning by source and theme within each caller's sight at a fixed statement cost, and a
closed group that records no more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.audits import service as audits
from domain.audits.kinds import AuditKind
from domain.audits.models import LearningPoint
from domain.core.roles import SYSTEM
from domain.history.models import HistoryEntry
from domain.people.models import Person
from tests.conftest import GraphQL, StatementCounter, gid
from tests.domain.audits.helpers import Authority, act, plan
from tests.domain.feedback.helpers import themes

GROUP = "group { id name isOpen endedOn service { name } chair { displayName } }"


@pytest.fixture
def founded_at() -> datetime:
    """The seeded authority (`auth`) is set up at this moment."""
    return datetime(2026, 12, 2, 10, tzinfo=UTC)


async def run(gql: GraphQL, name: str, fields: str, input: dict[str, Any], as_: Person) -> Any:
    return await gql.mutate(name, input, f"{fields} errors {{ code field message }}", as_)


async def create(
    gql: GraphQL, auth: Authority, as_: Person, *, service: Any = None, chair: Person | None = None
) -> dict[str, Any]:
    return await run(  # type: ignore[no-any-return]
        gql,
        "createTaskAndFinishGroup",
        GROUP,
        {
            "name": "Re-referrals within 12 months",
            "purpose": "Why families come back to the front door within a year.",
            "chairId": gid("Person", (chair or auth.ann).id),
            **({"serviceId": gid("Service", service.id)} if service is not None else {}),
        },
        as_,
    )


async def learn(
    gql: GraphQL, group_id: str, as_: Person, theme_ids: list[str] | None = None
) -> dict[str, Any]:
    return await run(  # type: ignore[no-any-return]
        gql,
        "recordGroupLearning",
        "learningPoint { id text isStrength source themes { name } "
        "taskAndFinishGroup { name } audit { id } }",
        {
            "groupId": group_id,
            "text": "Step-down plans named no one to call when things got hard again.",
            "themeIds": theme_ids or [],
            "isStrength": False,
        },
        as_,
    )


async def test_who_sets_up_a_group(auth: Authority, gql: GraphQL) -> None:
    for name in ("qa_lead", "psw", "aed", "dcs", "hos_csc"):
        made = await create(gql, auth, auth.person(name), service=auth.csc)
        assert made["errors"] == [], name
        assert made["group"]["service"] == {"name": "Children's Social Care"}
        assert made["group"]["chair"] == {"displayName": "Ann Worker"}
        assert made["group"]["isOpen"] and made["group"]["endedOn"] is None
    for name in ("hos_ff", "gm", "tm_a", "ann", "iro", "qau", "admin", "partner"):
        refused = await create(gql, auth, auth.person(name), service=auth.csc)
        assert refused["group"] is None, name
        assert refused["errors"][0]["code"] == "NOT_ALLOWED", name
    # A Head of Service sets up groups for their service, not for the whole authority.
    assert (await create(gql, auth, auth.hos_csc))["errors"][0]["code"] == "NOT_ALLOWED"
    authority_wide = await create(gql, auth, auth.qa_lead)
    assert authority_wide["errors"] == [] and authority_wide["group"]["service"] is None
    async with auth.world.session_factory() as s:
        created = await s.scalar(
            select(func.count())
            .select_from(HistoryEntry)
            .where(HistoryEntry.action == "task_and_finish_group.created")
        )
    assert created == 6


async def test_the_chair_and_the_leads_record_learning_tagged_with_themes(
    auth: Authority, gql: GraphQL
) -> None:
    t1, t2 = (gid("Theme", t.id) for t in (await themes(auth.world))[:2])
    group_id = (await create(gql, auth, auth.hos_csc, service=auth.csc))["group"]["id"]

    by_chair = await learn(gql, group_id, auth.ann, [t1, t2])
    assert by_chair["errors"] == []
    point = by_chair["learningPoint"]
    assert point["source"] == "TASK_AND_FINISH_GROUP" and point["audit"] is None
    assert point["taskAndFinishGroup"] == {"name": "Re-referrals within 12 months"}
    assert sorted(t["name"] for t in point["themes"]) == sorted(
        t.name for t in (await themes(auth.world))[:2]
    )
    for name in ("hos_csc", "qa_lead", "psw", "aed", "dcs"):
        assert (await learn(gql, group_id, auth.person(name)))["errors"] == [], name
    # Staff of the service see the group but do not record in it; others do not see it.
    for name in ("tm_a", "gm", "bob"):
        assert (await learn(gql, group_id, auth.person(name)))["errors"][0]["code"] == (
            "NOT_ALLOWED"
        ), name
    for name in ("hos_ff", "dan", "admin", "partner"):
        assert (await learn(gql, group_id, auth.person(name)))["errors"][0]["code"] == (
            "NOT_FOUND"
        ), name

    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on TaskAndFinishGroup { name "
        "learningPoints { text themes { name } } } } }",
        {"id": group_id},
        as_=auth.bob,
    )
    assert len(node["data"]["node"]["learningPoints"]) == 6
    assert len(node["data"]["node"]["learningPoints"][0]["themes"]) == 2


async def test_a_closed_group_records_no_more_learning(auth: Authority, gql: GraphQL) -> None:
    group_id = (await create(gql, auth, auth.qa_lead, service=auth.ff, chair=auth.dan))["group"][
        "id"
    ]
    refused = await run(gql, "closeTaskAndFinishGroup", GROUP, {"groupId": group_id}, auth.tm_a)
    assert refused["errors"][0]["code"] == "NOT_FOUND"  # not in Family First
    future = await run(
        gql,
        "closeTaskAndFinishGroup",
        GROUP,
        {"groupId": group_id, "endedOn": "2026-12-03"},
        auth.dan,
    )
    assert future["errors"][0] == {
        "code": "INVALID",
        "field": "endedOn",
        "message": "A group cannot end in the future.",
    }
    closed = await run(gql, "closeTaskAndFinishGroup", GROUP, {"groupId": group_id}, auth.dan)
    assert closed["errors"] == []
    assert closed["group"]["endedOn"] == "2026-12-02" and not closed["group"]["isOpen"]

    late = await learn(gql, group_id, auth.dan)
    assert late["learningPoint"] is None
    assert late["errors"][0]["code"] == "CONFLICT" and late["errors"][0]["field"] == "groupId"
    again = await run(gql, "closeTaskAndFinishGroup", GROUP, {"groupId": group_id}, auth.qa_lead)
    assert again["errors"][0]["code"] == "CONFLICT"


LEARNING = """
query($filter: LearningFilter, $first: Int) {
  learningPoints(filter: $filter, first: $first) {
    totalCount
    edges { node { text source isStrength themes { name } audit { id kind }
      taskAndFinishGroup { name service { name } chair { displayName } } } }
  }
}
"""


async def _audit_learning(auth: Authority, count: int, theme_id: Any) -> None:
    audit = await plan(auth.world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    for i in range(count):
        await act(
            auth.world,
            audits.add_learning_point,
            SYSTEM,
            audit_id=audit.id,
            text=f"Audit learning {i}",
            theme_ids=[theme_id] if i % 2 == 0 else [],
            is_strength=i % 3 == 0,
        )


async def test_learning_points_list_both_sources_by_source_and_theme_within_sight(
    auth: Authority, gql: GraphQL, sql_counter: StatementCounter
) -> None:
    theme = (await themes(auth.world))[0]
    await _audit_learning(auth, 10, theme.id)
    csc_group = (await create(gql, auth, auth.hos_csc, service=auth.csc))["group"]["id"]
    ff_group = (await create(gql, auth, auth.qa_lead, service=auth.ff, chair=auth.dan))["group"][
        "id"
    ]
    everyone = (await create(gql, auth, auth.qa_lead, chair=auth.qa_lead))["group"]["id"]
    # Each point a minute after the last, so that the newest group point is known: one from
    # the group of a service (a page of two then asks every loader a longer page asks).
    auth.world.clock.set(datetime(2026, 12, 2, 10, 30, tzinfo=UTC))
    await learn(gql, everyone, auth.qa_lead, [gid("Theme", theme.id)])
    for _ in range(3):
        auth.world.clock.advance(timedelta(minutes=1))
        await learn(gql, ff_group, auth.dan)
    for i in range(4):
        auth.world.clock.advance(timedelta(minutes=1))
        await learn(gql, csc_group, auth.ann, [gid("Theme", theme.id)] if i % 2 == 0 else [])

    async def total(as_: Person, flt: dict[str, Any] | None = None) -> int:
        body = await gql(LEARNING, {"filter": flt}, as_=as_)
        assert "errors" not in body, body
        return int(body["data"]["learningPoints"]["totalCount"])

    assert await total(auth.qa_lead) == 18
    assert await total(auth.qa_lead, {"source": "AUDIT"}) == 10
    assert await total(auth.qa_lead, {"source": "TASK_AND_FINISH_GROUP"}) == 8
    assert await total(auth.qa_lead, {"themeId": gid("Theme", theme.id)}) == 5 + 2 + 1
    assert (
        await total(
            auth.qa_lead, {"themeId": gid("Theme", theme.id), "source": "TASK_AND_FINISH_GROUP"}
        )
        == 3
    )
    assert await total(auth.qa_lead, {"serviceId": gid("Service", auth.ff.id)}) == 3
    assert await total(auth.qa_lead, {"taskAndFinishGroupId": csc_group}) == 4
    assert await total(auth.qa_lead, {"teamId": gid("Team", auth.team_a.id)}) == 10
    # Audit learning as before (a Team Manager sees their team's audits); group learning of
    # their service and of the whole authority.
    assert await total(auth.tm_a) == 10 + 4 + 1
    assert await total(auth.bob) == 10 + 4 + 1  # the audit is of his case
    assert await total(auth.ann) == 4 + 1
    assert await total(auth.dan) == 3 + 1
    assert await total(auth.admin) == 1  # authority-wide group learning only; no audits
    assert await total(auth.partner) == 0

    # The newest point from an audit, the next from groups: any page of two or more shows both
    # sources, so each page asks the same loaders.
    auth.world.clock.set(datetime(2026, 12, 2, 11, tzinfo=UTC))
    await _audit_learning(auth, 1, theme.id)

    async def cost(first: int) -> int:
        sql_counter.start()
        body = await gql(LEARNING, {"first": first}, as_=auth.qa_lead)
        assert "errors" not in body, body
        edges = body["data"]["learningPoints"]["edges"]
        assert len(edges) == first
        assert {e["node"]["source"] for e in edges} == {"AUDIT", "TASK_AND_FINISH_GROUP"}
        return sql_counter.stop()

    assert await cost(2) == await cost(19), sql_counter.statements

    async with auth.world.session_factory() as s:
        points = list(await s.scalars(select(LearningPoint)))
    assert all((p.audit_id is None) != (p.task_and_finish_group_id is None) for p in points)
