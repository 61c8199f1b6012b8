"""Who may read history.

The QA Lead reads all of it. An administrator reads the history of what they manage (people,
teams, services, role grants) but not of child-linked records: DOMAIN.md says the role alone
gives no sight of case content, and a child's history is case content. Which types are
child-linked is declared once, in `domain/history/registry.py`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from domain.core.errors import NotAllowed
from domain.core.roles import Actor, Role
from domain.history.models import HistoryEntry
from domain.history.registry import NOT_CHILD_LINKED


def check_can_read(actor: Actor) -> None:
    if not (actor.is_admin or actor.has_role(Role.QA_LEAD)):
        raise NotAllowed("History is for administrators and the QA Lead.")


def visible(actor: Actor) -> ColumnElement[bool]:
    if actor.is_system or actor.has_role(Role.QA_LEAD):
        return true()
    if actor.is_admin:
        # An allow-list: only types declared not child-linked (domain/history/registry.py).
        return HistoryEntry.object_type.in_(NOT_CHILD_LINKED)
    return false()
