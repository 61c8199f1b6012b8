"""People, teams and services by id, as far as the caller may see them, and their parts."""

from __future__ import annotations

import uuid

from api.graphql.core.loaders import Loader, lists_of, visible_by_id, visible_lists
from domain.people import service as people
from domain.people.models import Person, RoleGrant, Service, Team

PERSON: Loader[uuid.UUID, Person | None] = visible_by_id(
    lambda s, a, ids: people.get_people(session=s, actor=a, ids=ids)
)
TEAM: Loader[uuid.UUID, Team | None] = visible_by_id(
    lambda s, a, ids: people.get_teams(session=s, actor=a, ids=ids)
)
SERVICE: Loader[uuid.UUID, Service | None] = visible_by_id(
    lambda s, a, ids: people.get_services(session=s, actor=a, ids=ids)
)
TEAMS_OF_SERVICE: Loader[uuid.UUID, list[Team]] = visible_lists(people.teams_of_services)
GRANTS_OF_PERSON: Loader[uuid.UUID, list[RoleGrant]] = lists_of(people.grants_for)
