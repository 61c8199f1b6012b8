"""Who publishes and who reads survey definitions.

- The QA Lead and the Principal Social Worker publish versions: the QA Lead runs the service's
  feedback, the PSW leads practice and the voice of children and staff in it.
- Every member of staff reads definitions (any role but partner-agency membership), including
  administrators: a definition holds questions and wording, no case content, and the people who
  set surveys up and support the front-end need to see them. Administrators do not publish:
  what children and families are asked is a practice decision, not a system setting.
- Partner-agency members read none; anonymous callers nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from domain.core.errors import NotAllowed
from domain.people.roles import Actor, Role

PUBLISHERS = (Role.QA_LEAD, Role.PRINCIPAL_SOCIAL_WORKER)


def check_can_publish(actor: Actor) -> None:
    if not (actor.is_system or actor.has_role(*PUBLISHERS)):
        raise NotAllowed("The QA Lead or the Principal Social Worker publishes survey versions.")


def can_read(actor: Actor) -> bool:
    return actor.is_system or any(g.role is not Role.PARTNER_AGENCY_MEMBER for g in actor.grants)


def visible_surveys(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter for every list of surveys or versions: all of them, or none."""
    return true() if can_read(actor) else false()
