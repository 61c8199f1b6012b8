"""Who may see and change the authority's closure days, and who sees whose obligations.

Closure days: every member of staff reads them (their deadlines depend on them); only an
administrator adds or removes one. A partner-agency member reads none by that role alone.

Obligations: a person sees their own and those of the people they line-manage, directly or
down the line (overdue work escalates to the line manager, who must be able to see it). The
QA Lead and those holding a role for the whole authority see every obligation. Administrators
and partner-agency members see none by those roles: they hold no case work.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from domain.core.errors import NotAllowed
from domain.core.roles import Actor, Role, ScopeType
from domain.deadlines.models import Obligation
from domain.people.models import Person


def check_can_manage(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("Only an administrator adds or removes closure days.")


def can_read(actor: Actor) -> bool:
    return actor.is_system or (bool(actor.grants) and not actor.is_partner_only)


def check_can_read(actor: Actor) -> None:
    if not can_read(actor):
        raise NotAllowed("Closure days are for staff.")


def sees_every_obligation(actor: Actor) -> bool:
    return (
        actor.is_system
        or actor.has_role(Role.QA_LEAD)
        or any(g.scope is ScopeType.AUTHORITY for g in actor.case_grants)
    )


def visible_obligations(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter every read of obligations goes through."""
    if sees_every_obligation(actor):
        return true()
    if actor.person_id is None or not actor.case_grants:
        return false()
    # Me and everyone below me in the line: my direct reports, theirs, and so on. UNION (not
    # UNION ALL) ends the recursion even if the data ever held a loop of line managers. One
    # IN over the line lets PostgreSQL read each person's obligations from their index.
    line = select(Person.id).where(Person.id == actor.person_id).cte("line", recursive=True)
    line = line.union(select(Person.id).where(Person.line_manager_id == line.c.id))
    return Obligation.owner_id.in_(select(line.c.id))
