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


# Campaigns.
#
# - The QA Lead and the PSW run campaigns (create, invite, launch, close): they design the
#   surveys too. An audit's auditor asks for feedback on that audit (campaigns.py).
# - Every member of staff (not partner-agency members) sees campaigns and their progress:
#   a campaign's name, dates and counts say nothing about any child. Who was invited, their
#   contact details and tokens are never readable through the staff API at all.
# - Results are read by scope (results.py).

RUNNERS = PUBLISHERS


def runs_campaigns(actor: Actor) -> bool:
    return actor.is_system or actor.has_role(*RUNNERS)


def check_can_run_campaigns(actor: Actor) -> None:
    if not runs_campaigns(actor):
        raise NotAllowed("The QA Lead or the Principal Social Worker runs survey campaigns.")


def visible_campaigns(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter for every list of campaigns: all of them for staff, none otherwise."""
    return true() if can_read(actor) else false()
