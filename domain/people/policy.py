"""Who may see and manage people, teams, services and role grants.

Staff see the directory (people, their teams, managers and roles) and the organisation
(services and teams): audits are allocated to them and they allocate to each other. A
partner-agency member sees only themselves here: what the multi-agency work they are invited
to needs, and for now nothing else (no services, no teams, nobody else). Only an administrator
changes any of it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from domain.core.errors import NotAllowed
from domain.core.roles import Actor
from domain.people.models import Person


def check_can_manage(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("Only an administrator manages people, teams, services and roles.")


def sees_directory(actor: Actor) -> bool:
    return actor.is_system or (bool(actor.grants) and not actor.is_partner_only)


def sees_organisation(actor: Actor) -> bool:
    """Services and teams: every member of staff; partner-agency members none."""
    return sees_directory(actor)


def visible_organisation(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter for every read of services and teams: all of them, or none."""
    return true() if sees_organisation(actor) else false()


def visible_people(actor: Actor) -> ColumnElement[bool]:
    if sees_directory(actor):
        return true()
    if actor.person_id is None:
        return false()
    return Person.id == actor.person_id


def can_view_person(actor: Actor, person: Person) -> bool:
    return sees_directory(actor) or person.id == actor.person_id
