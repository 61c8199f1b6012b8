"""Who may see and manage people, teams, services and role grants.

Staff see the directory (people, their teams, managers and roles): audits are allocated to
them and they allocate to each other. A partner-agency member sees only themselves here.
Only an administrator changes any of it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from domain.core.errors import NotAllowed
from domain.people.models import Person
from domain.people.roles import Actor


def check_can_manage(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("Only an administrator manages people, teams, services and roles.")


def sees_directory(actor: Actor) -> bool:
    return actor.is_system or (bool(actor.grants) and not actor.is_partner_only)


def visible_people(actor: Actor) -> ColumnElement[bool]:
    if sees_directory(actor):
        return true()
    if actor.person_id is None:
        return false()
    return Person.id == actor.person_id


def can_view_person(actor: Actor, person: Person) -> bool:
    return sees_directory(actor) or person.id == actor.person_id
