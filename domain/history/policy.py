"""Who may read history.

The QA Lead reads all of it. An administrator reads the history of what they manage (people,
teams, services, role grants) but not of child-linked records: DOMAIN.md says the role alone
gives no sight of case content, and a child's history is case content.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from domain.core.errors import NotAllowed
from domain.history.models import HistoryEntry
from domain.people.roles import Actor, Role

# Object types whose history is about a child; every later concept that links to a child
# (audits, escalations, complaints, surveys) adds its type here.
CHILD_LINKED_TYPES: frozenset[str] = frozenset(
    {"Child", "Audit", "InadequateEscalation", "FeedbackRecord"}
)


def check_can_read(actor: Actor) -> None:
    if not (actor.is_admin or actor.has_role(Role.QA_LEAD)):
        raise NotAllowed("History is for administrators and the QA Lead.")


def visible(actor: Actor) -> ColumnElement[bool]:
    if actor.is_system or actor.has_role(Role.QA_LEAD):
        return true()
    if actor.is_admin:
        return HistoryEntry.object_type.not_in(CHILD_LINKED_TYPES)
    return false()
