"""Notifications through GraphQL: each person sees only their own, the unread count drops
after marking read, nobody marks another's, and anonymous callers are refused."""

from __future__ import annotations

import uuid

from api.graphql.core.ids import global_id
from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from tests.conftest import GraphQL, World
from tests.domain.deadlines.helpers import overdue_line
from tests.domain.notifications.helpers import sweep

MINE = """
query($unreadOnly: Boolean!) {
  unreadNotificationCount
  myNotifications(first: 10, unreadOnly: $unreadOnly) {
    totalCount
    edges { node { id kind title body subjectType link readAt } }
  }
}
"""

MARK = """
mutation($input: MarkNotificationsReadInput!) {
  markNotificationsRead(input: $input) {
    notifications { id readAt }
    unreadCount
    errors { code field message }
  }
}
"""


AUDIT_IDS = [uuid.UUID(int=1), uuid.UUID(int=2)]


async def _setup(world: World, session_factory: SessionFactory, clock: SettableClock) -> tuple:
    owner, manager = await overdue_line(world, len(AUDIT_IDS), subject_ids=AUDIT_IDS)
    await sweep(session_factory, clock)
    return owner, manager


async def test_each_person_sees_only_their_notifications_and_marks_them_read(
    gql: GraphQL,
    world: World,
    session_factory: SessionFactory,
    clock: SettableClock,
    settings: Settings,
) -> None:
    owner, manager = await _setup(world, session_factory, clock)
    outsider = await world.person("Olive Other")

    mine = await gql(MINE, {"unreadOnly": False}, as_=owner)
    assert "errors" not in mine, mine
    assert mine["data"]["unreadNotificationCount"] == 2
    nodes = [e["node"] for e in mine["data"]["myNotifications"]["edges"]]
    assert len(nodes) == 2 and {n["kind"] for n in nodes} == {"OVERDUE"}
    assert all(
        n["title"] == "Overdue: complete the audit" and n["subjectType"] == "Obligation"
        for n in nodes
    )
    # Each links to its audit's page in the front-end, by the audit's global id.
    assert sorted(n["link"] for n in nodes) == sorted(
        f"{settings.frontend_base_url}/audits/{global_id('Audit', audit_id)}"
        for audit_id in AUDIT_IDS
    )

    theirs = await gql(MINE, {"unreadOnly": False}, as_=manager)
    manager_nodes = [e["node"] for e in theirs["data"]["myNotifications"]["edges"]]
    assert len(manager_nodes) == 2
    assert all(n["title"] == "Overdue for Sam Social: complete the audit" for n in manager_nodes)
    assert not {n["id"] for n in manager_nodes} & {n["id"] for n in nodes}

    nothing = await gql(MINE, {"unreadOnly": False}, as_=outsider)
    assert nothing["data"]["unreadNotificationCount"] == 0
    assert nothing["data"]["myNotifications"]["totalCount"] == 0

    # Nobody marks, or learns of, another's notification.
    refused = await gql(MARK, {"input": {"ids": [nodes[0]["id"]]}}, as_=manager)
    payload = refused["data"]["markNotificationsRead"]
    assert payload["errors"][0]["code"] == "NOT_FOUND" and payload["notifications"] == []
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": nodes[0]["id"]}, manager)
    assert node["data"]["node"] is None

    one = await gql(MARK, {"input": {"ids": [nodes[0]["id"]]}}, as_=owner)
    payload = one["data"]["markNotificationsRead"]
    assert payload["errors"] == [] and payload["unreadCount"] == 1
    assert payload["notifications"][0]["readAt"] == clock.now().isoformat()
    unread = await gql(MINE, {"unreadOnly": True}, as_=owner)
    assert unread["data"]["unreadNotificationCount"] == 1
    assert [e["node"]["id"] for e in unread["data"]["myNotifications"]["edges"]] == [nodes[1]["id"]]

    every = await gql(MARK, {"input": {"all": True}}, as_=owner)
    assert every["data"]["markNotificationsRead"]["unreadCount"] == 0
    assert (await gql(MINE, {"unreadOnly": False}, as_=manager))["data"][
        "unreadNotificationCount"
    ] == 2  # the manager's are untouched

    empty = await gql(MARK, {"input": {}}, as_=owner)
    assert empty["data"]["markNotificationsRead"]["errors"][0]["code"] == "INVALID"


async def test_anonymous_callers_are_refused(gql: GraphQL) -> None:
    body = await gql(MINE, {"unreadOnly": False})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    marked = await gql(MARK, {"input": {"all": True}})
    assert marked["data"]["markNotificationsRead"]["errors"][0]["code"] == "UNAUTHENTICATED"
