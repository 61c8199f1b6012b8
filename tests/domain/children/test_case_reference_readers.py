"""Who may read which child's case reference in a batch of messages (children/policy.py
`case_references_for_readers`): the readers' grants collected without a database, the
statement then asks once for them all."""

from __future__ import annotations

import uuid

import pytest

from domain.children.policy import _Readers
from domain.core.roles import Actor, Grant, Role, ScopeType


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Nothing here touches the database."""


def _actor(*grants: Grant) -> Actor:
    return Actor(person_id=uuid.uuid4(), display_name="Reader", grants=tuple(grants))


def test_each_reader_is_sorted_by_what_their_grants_let_them_see() -> None:
    team, service, child = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    everyone = _actor(Grant(Role.QA_LEAD, ScopeType.AUTHORITY))
    by_team = _actor(Grant(Role.TEAM_MANAGER, ScopeType.TEAM, team_id=team))
    by_service = _actor(Grant(Role.HEAD_OF_SERVICE, ScopeType.SERVICE, service_id=service))
    nobody = Actor(person_id=None, display_name="System", grants=())
    readers = _Readers.of([(r, child) for r in (everyone, by_team, by_service, nobody)])
    assert set(readers.pairs) == {
        (everyone.person_id, child),
        (by_team.person_id, child),
        (by_service.person_id, child),
    }
    assert readers.sees_all == {everyone.person_id}
    assert readers.with_grants == {by_team.person_id, by_service.person_id}
    assert set(readers.scopes) == {
        (by_team.person_id, team, None),
        (by_service.person_id, None, service),
    }
